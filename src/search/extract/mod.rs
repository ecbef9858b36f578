//! Text of uploaded files, for full-text search. Each format has its own file; every
//! outcome is typed ([`Outcome`]), and nothing here panics the caller: the worker runs
//! these functions in a child process (`shian extract-text`, see [`isolated`]) with a
//! time limit and resource limits, because a malformed PDF can make a parser spin or
//! allocate without end, which no in-process guard can stop.

pub mod docx;
pub mod isolated;
pub mod pdf;
pub mod sheet;
pub mod text;

use serde::{Deserialize, Serialize};

use crate::storage::FileType;

/// The most text kept of one file (UTF-8 bytes); the rest is not indexed.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// What extraction found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Text(String),
    /// A PDF with pages but no text on them (a scan): "无文字层".
    NoTextLayer,
    /// Corrupt, encrypted, or a format whose text cannot be read: "无法提取文字".
    Failed(String),
    /// Images, archives: nothing to read.
    NotText,
}

/// How a stored file's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    /// Office Open XML text documents: .docx (and .pptx slides, read the same way).
    OfficeXml(docx::Part),
    /// .xlsx, .xls, .ods.
    Sheet,
    Text,
    /// A text-bearing format this version cannot read (.doc, .wps, .odt…).
    Unsupported(&'static str),
    /// Photos and archives.
    NotText,
}

impl Format {
    /// The format of a stored file from its recorded type, its name and its first bytes.
    pub fn of(content_type: &str, name: &str, head: &[u8]) -> Format {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let zip = head.starts_with(b"PK\x03\x04");
        match FileType::from_mime(content_type) {
            Some(FileType::Pdf) => Format::Pdf,
            Some(FileType::Word) if zip => Format::OfficeXml(docx::Part::Word),
            Some(FileType::Word) => Format::Unsupported("doc"),
            Some(FileType::PowerPoint) if zip => Format::OfficeXml(docx::Part::Slides),
            Some(FileType::PowerPoint) => Format::Unsupported("ppt"),
            Some(FileType::Excel) => Format::Sheet,
            // OLE and OpenDocument files of no told-apart application, and ZIP archives,
            // share one recorded type: the name says which.
            Some(FileType::Office | FileType::Zip) => match ext.as_str() {
                "xls" | "xlsx" | "ods" | "et" => Format::Sheet,
                "docx" if zip => Format::OfficeXml(docx::Part::Word),
                "doc" | "wps" | "odt" | "rtf" => Format::Unsupported("office"),
                _ => Format::NotText,
            },
            Some(FileType::Text | FileType::Csv) => Format::Text,
            Some(_) => Format::NotText,
            None => Format::NotText,
        }
    }

    /// The argument `shian extract-text --format` takes (None: nothing to run).
    pub fn as_arg(self) -> Option<&'static str> {
        match self {
            Format::Pdf => Some("pdf"),
            Format::OfficeXml(docx::Part::Word) => Some("docx"),
            Format::OfficeXml(docx::Part::Slides) => Some("pptx"),
            Format::Sheet => Some("sheet"),
            Format::Text => Some("text"),
            Format::Unsupported(_) | Format::NotText => None,
        }
    }

    pub fn from_arg(arg: &str) -> Option<Format> {
        Some(match arg {
            "pdf" => Format::Pdf,
            "docx" => Format::OfficeXml(docx::Part::Word),
            "pptx" => Format::OfficeXml(docx::Part::Slides),
            "sheet" => Format::Sheet,
            "text" => Format::Text,
            _ => return None,
        })
    }
}

/// Extracts the text of `bytes` in this process (the child process calls this; unit
/// tests too). Panics of the parsers are caught and reported as [`Outcome::Failed`].
pub fn extract(format: Format, bytes: &[u8]) -> Outcome {
    let run = || match format {
        Format::Pdf => pdf::extract(bytes),
        Format::OfficeXml(part) => docx::extract(bytes, part),
        Format::Sheet => sheet::extract(bytes),
        Format::Text => text::extract(bytes),
        Format::Unsupported(what) => Outcome::Failed(format!("unsupported format: {what}")),
        Format::NotText => Outcome::NotText,
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Outcome::Text(text)) => finish(text, format),
        Ok(other) => other,
        Err(_) => Outcome::Failed("the parser failed on this file".into()),
    }
}

/// Tidies extracted text: control characters out, runs of blank space shortened, cut
/// to [`MAX_TEXT_BYTES`] at a character boundary. Text with nothing readable left is a
/// PDF without a text layer, or an empty document.
fn finish(text: String, format: Format) -> Outcome {
    let text = tidy(&text);
    if !text.chars().any(char::is_alphanumeric) {
        return match format {
            Format::Pdf => Outcome::NoTextLayer,
            _ => Outcome::Text(String::new()),
        };
    }
    Outcome::Text(text)
}

/// Whitespace runs become one space (or one line break), controls are dropped.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_BYTES));
    let mut pending: Option<char> = None;
    for c in text.chars() {
        if c == '\n' || c == '\r' {
            pending = Some('\n');
        } else if c.is_whitespace() {
            if pending.is_none() {
                pending = Some(' ');
            }
        } else if c.is_control() || c == '\u{feff}' {
            continue;
        } else {
            if let Some(space) = pending.take()
                && !out.is_empty()
            {
                out.push(space);
            }
            if out.len() + c.len_utf8() > MAX_TEXT_BYTES {
                break;
            }
            out.push(c);
        }
    }
    out
}

/// Appends to `out` while it is under the cap; false once it is full.
pub(crate) fn push_capped(out: &mut String, piece: &str) -> bool {
    // Extractors stop early; [`tidy`] cuts exactly. Leave room for whitespace to shrink.
    if out.len() >= MAX_TEXT_BYTES * 2 {
        return false;
    }
    out.push_str(piece);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_type_name_and_bytes() {
        assert_eq!(Format::of("application/pdf", "a.pdf", b"%PDF"), Format::Pdf);
        assert_eq!(
            Format::of("application/msword", "纪要.docx", b"PK\x03\x04"),
            Format::OfficeXml(docx::Part::Word)
        );
        assert_eq!(
            Format::of("application/msword", "纪要.doc", &[0xD0, 0xCF]),
            Format::Unsupported("doc")
        );
        assert_eq!(
            Format::of("application/vnd.ms-excel", "台账.xlsx", b"PK"),
            Format::Sheet
        );
        assert_eq!(
            Format::of("text/csv; charset=utf-8", "a.csv", b"a,b"),
            Format::Text
        );
        assert_eq!(
            Format::of("image/png", "a.png", b"\x89PNG"),
            Format::NotText
        );
        assert_eq!(
            Format::of("application/octet-stream", "a.zip", b"PK\x03\x04"),
            Format::NotText
        );
        assert_eq!(
            Format::of("application/octet-stream", "a.xls", &[0xD0]),
            Format::Sheet
        );
        for f in ["pdf", "docx", "pptx", "sheet", "text"] {
            assert_eq!(Format::from_arg(f).and_then(Format::as_arg), Some(f));
        }
    }

    #[test]
    fn tidy_shortens_space_and_caps() {
        assert_eq!(tidy("  a \t b\r\n\n c\u{0}d "), "a b\ncd");
        let long = "字".repeat(MAX_TEXT_BYTES);
        let out = tidy(&long);
        assert!(out.len() <= MAX_TEXT_BYTES && out.len() > MAX_TEXT_BYTES - 4);
    }

    #[test]
    fn unsupported_and_not_text() {
        assert_eq!(extract(Format::NotText, b"\x89PNG"), Outcome::NotText);
        assert!(matches!(
            extract(Format::Unsupported("doc"), b""),
            Outcome::Failed(_)
        ));
    }
}
