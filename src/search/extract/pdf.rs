//! PDF text layers (pdf-extract over lopdf, which it re-exports). A PDF whose pages hold
//! no text is a scan: [`Outcome::NoTextLayer`]. Encrypted PDFs are tried with the empty
//! password (many "protected" PDFs only restrict printing); others fail as encrypted.

use pdf_extract::{Document, PlainTextOutput, output_doc};

use super::Outcome;

pub fn extract(bytes: &[u8]) -> Outcome {
    let mut doc = match Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(err) => return Outcome::Failed(format!("not a readable PDF: {err}")),
    };
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Outcome::Failed("encrypted PDF".into());
    }
    if doc.get_pages().is_empty() {
        return Outcome::Failed("a PDF without pages".into());
    }
    let mut text = String::new();
    let read = {
        let mut output = PlainTextOutput::new(&mut text);
        output_doc(&doc, &mut output)
    };
    // When some pages were read before an error, keep what there is.
    if let Err(err) = read
        && text.trim().is_empty()
    {
        return Outcome::Failed(format!("cannot read the PDF's text: {err}"));
    }
    Outcome::Text(text)
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Outcome, extract};
    use crate::demo::files::{Noise, scanned_pdf, text_pdf, text_pdf_with};

    #[test]
    fn latin_and_chinese_text_layers_are_read() {
        let pdf = text_pdf(&["Inspection report zhuanxiang", "2025年明厨亮灶专项检查"]);
        let Outcome::Text(text) = extract(Format::Pdf, &pdf) else {
            panic!("text expected")
        };
        assert!(text.contains("Inspection report"), "{text:?}");
        assert!(text.contains("明厨亮灶"), "{text:?}");
        assert!(text.contains("2025"), "{text:?}");
    }

    #[test]
    fn a_scan_has_no_text_layer() {
        let out = extract(Format::Pdf, &scanned_pdf(&mut Noise::new(1)));
        assert_eq!(out, Outcome::NoTextLayer);
    }

    #[test]
    fn corrupt_and_encrypted_pdfs_fail_cleanly() {
        let out = extract(
            Format::Pdf,
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x00\xff",
        );
        assert!(matches!(out, Outcome::Failed(_)), "{out:?}");
        let mut cut = text_pdf(&["abc"]);
        cut.truncate(cut.len() / 2);
        // Whatever a half file gives, it is an outcome, not a panic.
        let _ = extract(Format::Pdf, &cut);
        let encrypted = text_pdf_with(
            &["secret"],
            0,
            "/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 \
             /O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> \
             /U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> >> \
             /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
        );
        let out = extract(Format::Pdf, &encrypted);
        assert!(matches!(out, Outcome::Failed(_)), "{out:?}");
    }
}
