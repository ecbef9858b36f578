//! .docx documents as their text: headings (a paragraph style named Heading 1–6 or
//! 标题 1–6, or an outline level), paragraphs and tables, in order. `word/document.xml`
//! is read as a stream of XML events through [`Read::take`], so the part can expand to at
//! most [`limits::DOCX_XML_BYTES`] however it is compressed; the text kept is bounded by
//! [`limits::DOCUMENT_CHARS`] and [`limits::BLOCKS`].

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use quick_xml::events::{BytesStart, Event};

use super::{Block, Document, PreviewRefusal, PreviewResult, capped, clean, limits};

/// The styles part is small; more than this is not read.
const STYLES_BYTES: u64 = 4 * 1024 * 1024;

pub fn document(mut file: std::fs::File) -> PreviewResult<Document> {
    let size = file.metadata()?.len();
    super::zip::check_office(&mut file, size, |_| false, 0)?;
    let mut archive =
        ::zip::ZipArchive::new(BufReader::new(file)).map_err(|_| PreviewRefusal::Corrupt)?;
    let styles = match archive.by_name("word/styles.xml") {
        Ok(part) => heading_styles(BufReader::new(part.take(STYLES_BYTES))),
        Err(_) => HashMap::new(),
    };
    let part = archive
        .by_name("word/document.xml")
        .map_err(|_| PreviewRefusal::Corrupt)?;
    let counted = Counted {
        inner: part.take(limits::DOCX_XML_BYTES),
        read: 0,
    };
    let mut walker = Walker::new(styles);
    let mut reader = BufReader::new(counted);
    let outcome = walker.run(&mut reader);
    let cut_at_cap = reader.get_ref().read >= limits::DOCX_XML_BYTES;
    match outcome {
        Ok(()) => walker.flush(),
        // The cap ends the XML mid-element: keep what was read.
        Err(_) if cut_at_cap => walker.flush(),
        Err(_) if !walker.document.blocks.is_empty() => walker.document.truncated = true,
        Err(_) => return Err(PreviewRefusal::Corrupt),
    }
    walker.document.truncated |= cut_at_cap;
    Ok(walker.document)
}

/// A reader that counts what passed through it (how far a capped part was read; one
/// budget shared by several parts).
pub(crate) struct Counted<R> {
    pub inner: R,
    pub read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// The character an XML reference in Office text stands for (`&#x4E2D;`, `&amp;`);
/// `None` for one that is neither a character nor a predefined entity.
pub(crate) fn reference_char(reference: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Some(c),
        _ => match &**reference {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => None,
        },
    }
}

fn attribute(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// A heading level from a style's name or id: "heading 2", "标题 2", "Heading2", "Title".
fn level_from_name(name: &str) -> Option<u8> {
    let lower = name.trim().to_lowercase();
    if lower == "title" || lower == "标题" {
        return Some(1);
    }
    let rest = lower
        .strip_prefix("heading")
        .or_else(|| lower.strip_prefix("标题"))?;
    let level: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&level).then_some(level.min(6))
}

fn level_from_outline(value: &str) -> Option<u8> {
    let level: u8 = value.parse().ok()?;
    // Outline level 9 is body text.
    (level < 9).then_some((level + 1).min(6))
}

/// Paragraph style id → heading level, from `word/styles.xml` (a Chinese Word names the
/// ids "1", "2"…, so the names and outline levels decide).
fn heading_styles(reader: impl BufRead) -> HashMap<String, u8> {
    let mut reader = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut styles = HashMap::new();
    let mut current: Option<(String, Option<u8>)> = None;
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) if e.local_name().as_ref() == "style" => {
                current = attribute(&e, "styleId").map(|id| {
                    let level = level_from_name(&id);
                    (id, level)
                });
            }
            Event::Start(e) | Event::Empty(e) => {
                if let Some((_, level)) = current.as_mut() {
                    match e.local_name().as_ref() {
                        "name" => {
                            if let Some(found) =
                                attribute(&e, "val").and_then(|v| level_from_name(&v))
                            {
                                *level = Some(found);
                            }
                        }
                        "outlineLvl" => {
                            if let Some(found) =
                                attribute(&e, "val").and_then(|v| level_from_outline(&v))
                            {
                                *level = Some(found);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::End(e) if e.local_name().as_ref() == "style" => {
                if let Some((id, Some(level))) = current.take() {
                    styles.insert(id, level);
                }
            }
            _ => {}
        }
    }
    styles
}

#[derive(Default)]
struct Paragraph {
    text: String,
    level: Option<u8>,
}

#[derive(Default)]
struct TableBuild {
    rows: Vec<Vec<String>>,
    row: Option<Vec<String>>,
    cell: Option<String>,
}

struct Walker {
    styles: HashMap<String, u8>,
    document: Document,
    paragraphs: Vec<Paragraph>,
    tables: Vec<TableBuild>,
    in_text: bool,
    /// Inside `mc:Fallback` (a copy of what `mc:Choice` already holds).
    fallback_depth: usize,
    chars: usize,
}

impl Walker {
    fn new(styles: HashMap<String, u8>) -> Self {
        Walker {
            styles,
            document: Document::default(),
            paragraphs: Vec::new(),
            tables: Vec::new(),
            in_text: false,
            fallback_depth: 0,
            chars: 0,
        }
    }

    fn full(&self) -> bool {
        self.chars >= limits::DOCUMENT_CHARS || self.document.blocks.len() >= limits::BLOCKS
    }

    fn run(&mut self, reader: impl BufRead) -> Result<(), quick_xml::Error> {
        let mut reader = quick_xml::Reader::from_reader(reader);
        let mut buf = Vec::new();
        loop {
            if self.full() {
                self.document.truncated = true;
                return Ok(());
            }
            buf.clear();
            let event = reader.read_event_into(&mut buf)?;
            if self.fallback_depth > 0 {
                match &event {
                    Event::Start(e) if e.local_name().as_ref() == "Fallback" => {
                        self.fallback_depth += 1
                    }
                    Event::End(e) if e.local_name().as_ref() == "Fallback" => {
                        self.fallback_depth -= 1
                    }
                    Event::Eof => return Ok(()),
                    _ => {}
                }
                continue;
            }
            match event {
                Event::Eof => return Ok(()),
                Event::Start(e) => self.start(&e, false),
                Event::Empty(e) => self.start(&e, true),
                Event::End(e) => self.end(e.local_name().as_ref()),
                Event::Text(t) if self.in_text => self.push_text(&t),
                Event::CData(t) if self.in_text => self.push_text(&t),
                Event::GeneralRef(r) if self.in_text => {
                    if let Some(c) = reference_char(&r) {
                        self.push_text(c.encode_utf8(&mut [0; 4]));
                    }
                }
                _ => {}
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some(p) = self.paragraphs.last_mut() {
            if p.text.len() < limits::DOCUMENT_CHARS * 4 {
                p.text.push_str(text);
            } else {
                self.document.truncated = true;
            }
        }
    }

    /// Paragraphs still open when the text ended (cut at the cap, or broken XML).
    fn flush(&mut self) {
        self.tables.clear();
        while !self.paragraphs.is_empty() {
            self.document.truncated = true;
            self.end("p");
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        match e.local_name().as_ref() {
            "p" if !empty => self.paragraphs.push(Paragraph::default()),
            "pStyle" => {
                let level = attribute(e, "val").and_then(|id| {
                    self.styles
                        .get(&id)
                        .copied()
                        .or_else(|| level_from_name(&id))
                });
                if let (Some(p), Some(level)) = (self.paragraphs.last_mut(), level) {
                    p.level = Some(level);
                }
            }
            "outlineLvl" => {
                let level = attribute(e, "val").and_then(|v| level_from_outline(&v));
                if let (Some(p), Some(level)) = (self.paragraphs.last_mut(), level) {
                    p.level = Some(level);
                }
            }
            "t" if !empty => self.in_text = true,
            "tab" => self.push_text("\t"),
            "br" | "cr" => self.push_text("\n"),
            "Fallback" if !empty => self.fallback_depth = 1,
            "tbl" if !empty => self.tables.push(TableBuild::default()),
            "tr" if !empty => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                }
            }
            "tc" if !empty => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(String::new());
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "t" => self.in_text = false,
            "p" => {
                let Some(p) = self.paragraphs.pop() else {
                    return;
                };
                let text = clean(p.text.trim_end());
                if text.trim().is_empty() {
                    return;
                }
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    if !cell.is_empty() {
                        cell.push('\n');
                    }
                    cell.push_str(&text);
                    return;
                }
                let text = capped(&text, limits::DOCUMENT_CHARS.saturating_sub(self.chars));
                self.chars += text.chars().count();
                self.document.blocks.push(match p.level {
                    Some(level) => Block::Heading(level, text),
                    None => Block::Paragraph(text),
                });
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut()
                    && let (Some(cell), Some(row)) = (t.cell.take(), t.row.as_mut())
                    && row.len() < limits::COLUMNS
                {
                    let cell = capped(&cell, limits::CELL_CHARS);
                    self.chars += cell.chars().count();
                    row.push(cell);
                }
            }
            "tr" => {
                if let Some(t) = self.tables.last_mut()
                    && let Some(row) = t.row.take()
                    && t.rows.len() < limits::ROWS
                {
                    t.rows.push(row);
                }
            }
            "tbl" => {
                let Some(table) = self.tables.pop() else {
                    return;
                };
                match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    // A table inside a cell: its text joins the cell.
                    Some(cell) => {
                        for row in &table.rows {
                            if !cell.is_empty() {
                                cell.push('\n');
                            }
                            cell.push_str(&row.join(" | "));
                        }
                    }
                    None if !table.rows.is_empty() => {
                        self.document.blocks.push(Block::Table(table.rows))
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::super::{Preview, preview_bytes};
    use super::*;

    /// A .docx made by zipping hand-written parts.
    pub(crate) fn docx(document_xml: &str, styles_xml: Option<&str>) -> Vec<u8> {
        let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(document_xml.as_bytes()).unwrap();
        if let Some(styles) = styles_xml {
            zip.start_file("word/styles.xml", options).unwrap();
            zip.write_all(styles.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn document_of(bytes: &[u8]) -> Document {
        match preview_bytes(bytes, "纪要.docx", 0) {
            Ok(Preview::Document(d)) => d,
            other => panic!("a document, got {other:?}"),
        }
    }

    #[test]
    fn headings_paragraphs_and_tables() {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>
            <w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>关于创建工作的通知</w:t></w:r></w:p>
            <w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>一、总体要求</w:t></w:r></w:p>
            <w:p><w:pPr><w:outlineLvl w:val="2"/></w:pPr><w:r><w:t>（一）目标</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">落实&lt;script&gt;明厨亮灶</w:t></w:r><w:r><w:tab/><w:t>工程</w:t></w:r>
              <w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del></w:p>
            <w:p></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>单位</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>得分</w:t></w:r></w:p></w:tc></w:tr>
              <w:tr><w:tc><w:p><w:r><w:t>卡若区</w:t></w:r></w:p></w:tc><w:tc>
                <w:tbl><w:tr><w:tc><w:p><w:r><w:t>内表</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#
        );
        let styles = format!(
            r#"<w:styles {NS}><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>
            <w:style w:type="paragraph" w:styleId="a"><w:name w:val="Normal"/></w:style></w:styles>"#
        );
        let d = document_of(&docx(&xml, Some(&styles)));
        assert_eq!(
            d.blocks,
            vec![
                Block::Heading(1, "关于创建工作的通知".into()),
                Block::Heading(2, "一、总体要求".into()),
                Block::Heading(3, "（一）目标".into()),
                Block::Paragraph("落实<script>明厨亮灶\t工程".into()),
                Block::Table(vec![
                    vec!["单位".into(), "得分".into()],
                    vec!["卡若区".into(), "内表".into()],
                ]),
            ]
        );
        assert!(!d.truncated);
    }

    #[test]
    fn a_bomb_expands_only_to_the_cap() {
        // A paragraph of 1.5 million runs (37 MB of XML) deflates to a few hundred KB.
        let mut xml = format!(r#"<w:document {NS}><w:body><w:p>"#);
        xml.push_str(&"<w:r><w:t>食</w:t></w:r>".repeat(1_500_000));
        xml.push_str("</w:p></w:body></w:document>");
        let bytes = docx(&xml, None);
        assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
        let d = document_of(&bytes);
        assert!(d.truncated);
        assert_eq!(d.blocks.len(), 1);
        let Block::Paragraph(text) = &d.blocks[0] else {
            panic!("a paragraph");
        };
        assert!(text.chars().count() <= limits::DOCUMENT_CHARS + 1);
    }

    #[test]
    fn broken_documents_are_corrupt() {
        let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("word/other.xml", ::zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(
            preview_bytes(&bytes, "空.docx", 0),
            Err(PreviewRefusal::Corrupt)
        );
        let bytes = docx("<w:document><w:body><w:p><w:t>错</w:q></w:p>", None);
        assert_eq!(
            preview_bytes(&bytes, "坏.docx", 0),
            Err(PreviewRefusal::Corrupt)
        );
    }
}
