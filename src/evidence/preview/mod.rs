//! Previews of stored evidence files: a file's bytes turned into a typed, bounded value
//! the preview page shows — a table per sheet (.xlsx, .xls, .csv), a document's text
//! with its headings and tables (.docx), plain text (.txt, .md), or an archive's listing
//! (.zip, .rar, .7z). PDFs and images are shown by the browser itself ([`Preview::Embedded`]).
//!
//! Every reader works within fixed limits ([`limits`]): the first rows and columns, the
//! first bytes of text, the first entries of an archive, a cap on what a compressed part
//! may expand to. Archives are listed from their directories and headers and never
//! expanded. A file that cannot be read — corrupt, encrypted, too large to read within
//! the limits, or of a kind without a preview — is a [`PreviewRefusal`], never a panic:
//! [`preview_file`] also catches any panic from a parser and calls the file corrupt.
//!
//! The work is synchronous file reading; callers run it on a blocking thread.

mod csv;
mod docx;
/// What reading Office XML needs wherever it is read (previews here, search's text).
pub(crate) mod office_xml {
    pub(crate) use super::docx::{Counted, reference_char};
}
pub mod highlight;
mod rar;
mod sevenz;
mod table;
mod text;
mod zip;

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::storage::FileType;

/// The bounds every preview keeps to.
pub mod limits {
    /// Rows of a sheet shown.
    pub const ROWS: usize = 500;
    /// Columns of a sheet shown.
    pub const COLUMNS: usize = 50;
    /// Characters of one cell (or one table cell of a document) shown.
    pub const CELL_CHARS: usize = 300;
    /// Characters of all the cells of a sheet shown: past this, no more rows.
    pub const TABLE_CHARS: usize = 1_500_000;
    /// Cells read past the shown rows to count the rest of a sheet.
    pub const COUNT_CELLS: u64 = 2_000_000;
    /// The largest .xlsx previewed (its rows are streamed; its shared strings are not).
    pub const XLSX_BYTES: u64 = 100 * 1024 * 1024;
    /// The largest uncompressed shared-strings part of an .xlsx read whole.
    pub const XLSX_STRINGS_BYTES: u64 = 48 * 1024 * 1024;
    /// The largest .xls previewed: the old format is read whole.
    pub const XLS_BYTES: u64 = 16 * 1024 * 1024;
    /// Bytes of a text file shown.
    pub const TEXT_BYTES: usize = 200 * 1024;
    /// What the main part of a .docx may expand to (a zip bomb stops here).
    pub const DOCX_XML_BYTES: u64 = 20 * 1024 * 1024;
    /// Characters of a document's text shown.
    pub const DOCUMENT_CHARS: usize = 500_000;
    /// Blocks (headings, paragraphs, tables) of a document shown.
    pub const BLOCKS: usize = 5_000;
    /// Archive entries listed.
    pub const ENTRIES: usize = 1_000;
    /// Archive entries walked to count them and add up their sizes.
    pub const WALK_ENTRIES: u64 = 200_000;
    /// Characters of an entry's name shown.
    pub const NAME_CHARS: usize = 400;
    /// The largest (decoded) 7z header read.
    pub const ARCHIVE_HEADER_BYTES: u64 = 16 * 1024 * 1024;
}

/// What the page shows of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    Table(Table),
    Document(Document),
    Text(TextPreview),
    Listing(Listing),
    /// The browser shows it from `/files/{id}?inline=1`.
    Embedded(Embed),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embed {
    Pdf,
    Image,
    /// HEIC: an `<img>` where the browser decodes it (Safari), else the download.
    Heic,
}

/// One sheet of a workbook (or a CSV file), its first rows and columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Every sheet's name (one unnamed sheet for CSV).
    pub sheets: Vec<String>,
    /// The index of the sheet shown.
    pub sheet: usize,
    pub rows: Vec<Vec<String>>,
    /// Rows and columns of the whole sheet.
    pub total_rows: u64,
    pub total_columns: u64,
    /// The totals are a lower bound (counting stopped at [`limits::COUNT_CELLS`]).
    pub at_least: bool,
}

impl Table {
    pub fn columns_shown(&self) -> u64 {
        self.rows.iter().map(Vec::len).max().unwrap_or(0) as u64
    }
    pub fn rows_left_out(&self) -> u64 {
        self.total_rows.saturating_sub(self.rows.len() as u64)
    }
    pub fn columns_left_out(&self) -> u64 {
        self.total_columns.saturating_sub(self.columns_shown())
    }
}

/// A word-processing document's text in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
    /// Text or blocks were left out at the limits.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1 to 6.
    Heading(u8, String),
    Paragraph(String),
    Table(Vec<Vec<String>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TextPreview {
    pub text: String,
    /// The file's size and how many of its bytes are shown.
    pub total_bytes: u64,
    pub shown_bytes: u64,
    /// "UTF-8" or "GB18030".
    pub encoding: &'static str,
}

impl TextPreview {
    pub fn truncated(&self) -> bool {
        self.shown_bytes < self.total_bytes
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Zip,
    Rar,
    SevenZip,
}

impl ArchiveFormat {
    pub fn label(self) -> &'static str {
        match self {
            ArchiveFormat::Zip => "ZIP",
            ArchiveFormat::Rar => "RAR",
            ArchiveFormat::SevenZip => "7z",
        }
    }
}

/// An archive's table of contents, as its directory or headers declare it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub format: ArchiveFormat,
    /// The first [`limits::ENTRIES`] entries.
    pub entries: Vec<Entry>,
    /// Entries in the archive (declared, or counted up to [`limits::WALK_ENTRIES`]).
    pub total: u64,
    /// `total` is a lower bound: counting stopped.
    pub at_least: bool,
    /// The uncompressed size all walked entries declare.
    pub declared_bytes: u64,
    /// Archives inside it (listed as entries, never opened).
    pub nested: u64,
    /// Some entries are encrypted (their names are still listed).
    pub encrypted: bool,
}

impl Listing {
    pub fn left_out(&self) -> u64 {
        self.total.saturating_sub(self.entries.len() as u64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// Declared uncompressed size (unknown for some RAR entries).
    pub size: Option<u64>,
    pub folder: bool,
    pub encrypted: bool,
}

/// Why a file has no preview; the page words each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewRefusal {
    /// The bytes are not a readable file of their kind.
    Corrupt,
    /// Password-protected: only its owner can open it.
    Encrypted,
    /// Larger than a preview reads within its limits (the limit in bytes).
    TooLarge(u64),
    /// A kind without a preview (an old .doc, a presentation…): download it.
    NotPreviewable,
}

impl PreviewRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            PreviewRefusal::Corrupt => "corrupt",
            PreviewRefusal::Encrypted => "encrypted",
            PreviewRefusal::TooLarge(_) => "too_large",
            PreviewRefusal::NotPreviewable => "not_previewable",
        }
    }
}

impl From<std::io::Error> for PreviewRefusal {
    fn from(_: std::io::Error) -> Self {
        PreviewRefusal::Corrupt
    }
}

pub type PreviewResult<T> = Result<T, PreviewRefusal>;

/// How a stored file is previewed, decided from its bytes and name like the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Csv,
    Docx,
    Text,
    Zip,
    Rar,
    SevenZip,
    Pdf,
    Image,
    Heic,
    /// An OLE file whose streams say it is encrypted (a password-protected .docx/.xlsx).
    EncryptedOle,
    None,
}

const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The format of a file from its first bytes and name (and its stored type when the
/// bytes alone do not say).
pub fn format_of(head: &[u8], name: &str, content_type: &str) -> Format {
    let file_type =
        crate::storage::sniff::detect(head, name).or_else(|| FileType::from_mime(content_type));
    let ext = extension(name);
    let ole = head.starts_with(OLE);
    match file_type {
        Some(FileType::Pdf) => Format::Pdf,
        Some(FileType::Heic) => Format::Heic,
        Some(FileType::Jpeg | FileType::Png | FileType::Gif | FileType::Webp | FileType::Bmp) => {
            Format::Image
        }
        Some(FileType::Excel) if head.starts_with(b"PK") => Format::Xlsx,
        Some(FileType::Word) if head.starts_with(b"PK") => Format::Docx,
        Some(FileType::Excel | FileType::Word | FileType::Office) if ole => match ext.as_str() {
            "xls" => Format::Xls,
            // A password-protected .docx/.xlsx is an OLE file; the page says so.
            "xlsx" | "docx" => Format::EncryptedOle,
            _ if matches!(file_type, Some(FileType::Excel)) => Format::Xls,
            _ => Format::None,
        },
        Some(FileType::Zip) => Format::Zip,
        Some(FileType::Rar) => Format::Rar,
        Some(FileType::SevenZip) => Format::SevenZip,
        Some(FileType::Csv) => Format::Csv,
        Some(FileType::Text) => Format::Text,
        _ => Format::None,
    }
}

/// Whether the page has something to show for a file of this stored type and name
/// (the 预览 links): without reading it, so an .xls stored as a generic Office file and
/// an old .doc are told apart by the name.
pub fn offered(content_type: &str, name: &str) -> bool {
    let ext = extension(name);
    match FileType::from_mime(content_type) {
        Some(FileType::Word) => ext == "docx",
        Some(FileType::Excel) => true,
        Some(FileType::Office) => matches!(ext.as_str(), "xls" | "zip"),
        Some(
            FileType::Csv
            | FileType::Text
            | FileType::Zip
            | FileType::Rar
            | FileType::SevenZip
            | FileType::Pdf
            | FileType::Heic,
        ) => true,
        Some(t) => t.previewable(),
        None => false,
    }
}

/// The preview of the stored file at `path`, showing sheet `sheet` of a workbook.
pub fn preview_file(
    path: &Path,
    name: &str,
    content_type: &str,
    sheet: usize,
) -> PreviewResult<Preview> {
    let outcome = std::panic::catch_unwind(|| preview_inner(path, name, content_type, sheet));
    match outcome {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(file = %path.display(), "a preview parser panicked; treated as corrupt");
            Err(PreviewRefusal::Corrupt)
        }
    }
}

fn preview_inner(
    path: &Path,
    name: &str,
    content_type: &str,
    sheet: usize,
) -> PreviewResult<Preview> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut head = Vec::with_capacity(8192);
    (&mut file).take(8192).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    match format_of(&head, name, content_type) {
        Format::Pdf => Ok(Preview::Embedded(Embed::Pdf)),
        Format::Image => Ok(Preview::Embedded(Embed::Image)),
        Format::Heic => Ok(Preview::Embedded(Embed::Heic)),
        Format::Xlsx => table::xlsx(file, size, sheet).map(Preview::Table),
        Format::Xls => table::xls(file, size, sheet).map(Preview::Table),
        Format::Csv => csv::table(file, &head).map(Preview::Table),
        Format::Docx => docx::document(file).map(Preview::Document),
        Format::Text => text::text(file, size).map(Preview::Text),
        Format::Zip => zip::listing(file, size).map(Preview::Listing),
        Format::Rar => rar::listing(file, size).map(Preview::Listing),
        Format::SevenZip => sevenz::listing(file, size).map(Preview::Listing),
        Format::EncryptedOle => Err(PreviewRefusal::Encrypted),
        Format::None => Err(PreviewRefusal::NotPreviewable),
    }
}

/// The preview of bytes held in memory (the unit tests' files, made on the spot).
#[cfg(test)]
pub(crate) fn preview_bytes(bytes: &[u8], name: &str, sheet: usize) -> PreviewResult<Preview> {
    let dir = tempfile_dir()?;
    let path = dir.join("file");
    std::fs::write(&path, bytes)?;
    let result = preview_file(&path, name, "", sheet);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("shian-preview-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// Text from a file made safe to show: control characters (but tab and newline) and
/// bidirectional overrides, which could make a name read as another, become U+FFFD.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' => c,
            '\r' => '\n',
            c if c.is_control() => '\u{FFFD}',
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                '\u{FFFD}'
            }
            c => c,
        })
        .collect()
}

/// `text` cleaned and cut to `max` characters (an ellipsis says so).
pub fn capped(text: &str, max: usize) -> String {
    let mut out: String = clean(text).chars().take(max + 1).collect();
    if out.chars().count() > max {
        out = out.chars().take(max).collect();
        out.push('…');
    }
    out
}

/// Decodes bytes as UTF-8 when they are (a character cut off at the end is dropped),
/// else as GB18030 (a superset of GBK and GB2312, what Chinese Windows writes).
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), "UTF-8"),
        Err(e) if e.error_len().is_none() => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            "UTF-8",
        ),
        Err(_) => {
            let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// A name from an archive whose encoding is not declared: UTF-8 when it is valid, else
/// GBK (CP936, what Chinese Windows tools write).
pub fn decode_name(bytes: &[u8]) -> String {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    };
    capped(&text, limits::NAME_CHARS)
}

/// Whether an entry's name is itself an archive (listed, never opened).
fn is_archive_name(name: &str) -> bool {
    matches!(
        extension(name).as_str(),
        "zip" | "rar" | "7z" | "gz" | "tgz" | "bz2" | "xz" | "tar" | "cab" | "iso"
    )
}

/// Adds up the walk of an archive's entries into a [`Listing`].
struct ListingBuilder {
    listing: Listing,
}

impl ListingBuilder {
    fn new(format: ArchiveFormat) -> Self {
        ListingBuilder {
            listing: Listing {
                format,
                entries: Vec::new(),
                total: 0,
                at_least: false,
                declared_bytes: 0,
                nested: 0,
                encrypted: false,
            },
        }
    }

    /// Whether the walk may go on.
    fn room(&self) -> bool {
        self.listing.total < limits::WALK_ENTRIES
    }

    fn push(&mut self, entry: Entry) {
        let listing = &mut self.listing;
        listing.total += 1;
        if let Some(size) = entry.size {
            listing.declared_bytes = listing.declared_bytes.saturating_add(size);
        }
        listing.encrypted |= entry.encrypted;
        if !entry.folder && is_archive_name(&entry.name) {
            listing.nested += 1;
        }
        if listing.entries.len() < limits::ENTRIES {
            listing.entries.push(entry);
        }
    }

    fn finish(mut self, more: bool) -> Listing {
        self.listing.at_least = more;
        self.listing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_bytes_and_names() {
        assert_eq!(format_of(b"PK\x03\x04", "台账.xlsx", ""), Format::Xlsx);
        assert_eq!(format_of(b"PK\x03\x04", "纪要.docx", ""), Format::Docx);
        assert_eq!(format_of(b"PK\x03\x04", "材料.zip", ""), Format::Zip);
        assert_eq!(format_of(b"%PDF-1.7", "a.pdf", ""), Format::Pdf);
        assert_eq!(format_of(b"a,b\n1,2\n", "a.csv", ""), Format::Csv);
        assert_eq!(format_of("纪要".as_bytes(), "a.md", ""), Format::Text);
        let mut ole = OLE.to_vec();
        ole.extend([0u8; 504]);
        assert_eq!(format_of(&ole, "加密.xlsx", ""), Format::EncryptedOle);
        assert_eq!(format_of(&ole, "旧表.xls", ""), Format::Xls);
        assert_eq!(format_of(&ole, "旧文.doc", ""), Format::None);
        assert_eq!(format_of(b"MZ\x90\x00", "x.exe", ""), Format::None);
    }

    #[test]
    fn offered_for_previewable_kinds() {
        assert!(offered("application/vnd.ms-excel", "a.xls"));
        assert!(offered("application/msword", "a.docx"));
        assert!(!offered("application/msword", "a.doc"));
        assert!(offered("application/x-7z-compressed", "a.7z"));
        assert!(offered("application/octet-stream", "a.zip"));
        assert!(!offered("application/octet-stream", "a.odt"));
        assert!(offered("image/heic", "a.heic"));
        assert!(!offered("image/tiff", "a.tif"));
    }

    #[test]
    fn text_is_cleaned_and_capped() {
        assert_eq!(clean("a\u{202E}b\u{0007}c\r\n"), "a\u{FFFD}b\u{FFFD}c\n\n");
        assert_eq!(capped("一二三四", 2), "一二…");
        assert_eq!(capped("一二", 2), "一二");
        let (gbk, _, _) = encoding_rs::GBK.encode("会议纪要");
        assert_eq!(decode(&gbk), ("会议纪要".to_string(), "GB18030"));
        assert_eq!(decode("纪要".as_bytes()).0, "纪要");
        assert_eq!(
            decode(&"纪要".as_bytes()[..5]).0,
            "纪",
            "cut character dropped"
        );
        assert_eq!(decode_name(&gbk), "会议纪要");
    }

    #[test]
    fn unreadable_bytes_are_refused_not_panicked() {
        for (bytes, name) in [
            (&b"PK\x03\x04garbage"[..], "坏.xlsx"),
            (&b"PK\x03\x04garbage"[..], "坏.docx"),
            (&b"PK\x03\x04garbage"[..], "坏.zip"),
            (&b"Rar!\x1a\x07\x01\x00\xff\xff"[..], "坏.rar"),
            (&b"Rar!\x1a\x07\x00\xff"[..], "坏.rar"),
            (&b"7z\xbc\xaf\x27\x1c\x00\x04"[..], "坏.7z"),
        ] {
            assert_eq!(
                preview_bytes(bytes, name, 0),
                Err(PreviewRefusal::Corrupt),
                "{name}"
            );
        }
        assert_eq!(
            preview_bytes(b"MZ\x90\x00", "x.exe", 0),
            Err(PreviewRefusal::NotPreviewable)
        );
    }
}
