//! Office Open XML text: a .docx's `word/document.xml` (with its headers, footers and
//! notes) or a .pptx's slides, read as a stream with quick-xml. Each part is read
//! through `Read::take`, so a ZIP bomb stops at [`MAX_PART_BYTES`] of XML however far it
//! would expand; an archive with too many entries is refused before anything is read.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::Event;

use super::{Outcome, push_capped};
use crate::evidence::preview::office_xml::{Counted, reference_char};

/// The most XML read of one part (uncompressed).
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// The most XML read of all parts together.
const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// Archives with more entries than this are not documents.
const MAX_ENTRIES: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// .docx: paragraphs in `w:p`, text in `w:t`.
    Word,
    /// .pptx: paragraphs in `a:p`, text in `a:t`, one slide after another.
    Slides,
}

/// The parts holding text, in reading order.
fn text_parts(names: &[String], part: Part) -> Vec<String> {
    let mut picked: Vec<String> = match part {
        Part::Word => {
            let mut parts = vec!["word/document.xml".to_string()];
            for prefix in [
                "word/header",
                "word/footer",
                "word/footnotes",
                "word/endnotes",
            ] {
                let mut more: Vec<String> = names
                    .iter()
                    .filter(|n| n.starts_with(prefix) && n.ends_with(".xml"))
                    .cloned()
                    .collect();
                more.sort();
                parts.extend(more);
            }
            parts
        }
        Part::Slides => {
            let mut slides: Vec<(u32, String)> = names
                .iter()
                .filter_map(|n| {
                    let number = n.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?;
                    Some((number.parse().ok()?, n.clone()))
                })
                .collect();
            slides.sort();
            slides.into_iter().map(|(_, n)| n).collect()
        }
    };
    picked.retain(|p| names.contains(p));
    picked
}

pub fn extract(bytes: &[u8], part: Part) -> Outcome {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(err) => return Outcome::Failed(format!("not a readable Office file: {err}")),
    };
    if archive.len() > MAX_ENTRIES {
        return Outcome::Failed("too many entries for an Office file".into());
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    if names.iter().any(|n| n == "EncryptedPackage") {
        return Outcome::Failed("encrypted Office file".into());
    }
    let parts = text_parts(&names, part);
    if parts.is_empty() {
        return Outcome::Failed("no document text in this Office file".into());
    }
    let mut text = String::new();
    let mut budget = MAX_TOTAL_BYTES;
    for name in parts {
        let entry = match archive.by_name(&name) {
            Ok(entry) => entry,
            Err(err) => return Outcome::Failed(format!("cannot open {name}: {err}")),
        };
        let limit = MAX_PART_BYTES.min(budget);
        let mut counted = Counted {
            inner: entry.take(limit),
            read: 0,
        };
        let result = read_text(BufReader::new(&mut counted), &mut text, part);
        budget = budget.saturating_sub(counted.read);
        if let Err(err) = result {
            if text.trim().is_empty() {
                return Outcome::Failed(format!("broken XML in {name}: {err}"));
            }
            break;
        }
        if budget == 0 || !push_capped(&mut text, "\n") {
            break;
        }
    }
    Outcome::Text(text)
}

fn read_text(
    reader: impl std::io::BufRead,
    out: &mut String,
    part: Part,
) -> Result<(), quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut in_text = false;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf)? {
            Event::Eof => return Ok(()),
            Event::Start(e) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "tab" => {
                    push_capped(out, "\t");
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => {
                    push_capped(out, "\t");
                }
                "br" | "cr" => {
                    push_capped(out, "\n");
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    let room = push_capped(out, "\n");
                    if !room {
                        return Ok(());
                    }
                }
                // Table cells of a .docx: keep cells apart.
                "tc" if part == Part::Word => {
                    push_capped(out, "\t");
                }
                _ => {}
            },
            Event::Text(t) if in_text => {
                let room = push_capped(out, &t);
                if !room {
                    return Ok(());
                }
            }
            Event::CData(t) if in_text => {
                push_capped(out, &t);
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = reference_char(&r) {
                    push_capped(out, c.encode_utf8(&mut [0; 4]));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Outcome, extract};
    use super::Part;

    #[test]
    fn paragraphs_tables_and_entities() {
        let docx = crate::demo::files::docx(&[
            "关于开展明厨亮灶专项检查的通知",
            "A & B <ok>",
            "卡市监〔2025〕12号",
        ]);
        let Outcome::Text(text) = extract(Format::OfficeXml(Part::Word), &docx) else {
            panic!("text")
        };
        assert!(text.contains("明厨亮灶专项检查"), "{text:?}");
        assert!(text.contains("A & B <ok>"), "{text:?}");
        assert!(text.contains("卡市监〔2025〕12号"), "{text:?}");
    }

    #[test]
    fn broken_and_bombed_archives_fail_cleanly() {
        let out = extract(
            Format::OfficeXml(Part::Word),
            b"PK\x03\x04 not really a zip",
        );
        assert!(matches!(out, Outcome::Failed(_)), "{out:?}");
        // A valid ZIP without a document part.
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"hi").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(matches!(
            extract(Format::OfficeXml(Part::Word), &bytes),
            Outcome::Failed(_)
        ));
        // A document part that expands far beyond the cap stops at the cap.
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("word/document.xml", options).unwrap();
        let chunk = "<w:p><w:r><w:t>食品安全</w:t></w:r></w:p>".repeat(10_000);
        std::io::Write::write_all(&mut zip, b"<w:document><w:body>").unwrap();
        for _ in 0..300 {
            std::io::Write::write_all(&mut zip, chunk.as_bytes()).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 2_000_000, "compressed {}", bytes.len());
        let Outcome::Text(text) = extract(Format::OfficeXml(Part::Word), &bytes) else {
            panic!("text")
        };
        assert!(text.len() <= super::super::MAX_TEXT_BYTES);
    }
}
