//! Plain text (.txt, .md): the first [`limits::TEXT_BYTES`] bytes, decoded as UTF-8 or
//! GB18030.

use std::io::Read;

use super::{PreviewResult, TextPreview, clean, decode, limits};

pub fn text(file: impl Read, size: u64) -> PreviewResult<TextPreview> {
    let mut bytes = Vec::with_capacity(limits::TEXT_BYTES.min(size as usize));
    file.take(limits::TEXT_BYTES as u64)
        .read_to_end(&mut bytes)?;
    let shown = bytes.len() as u64;
    // GB18030 cut in the middle of a character: drop the incomplete tail byte.
    let (mut text, encoding) = decode(&bytes);
    if encoding == "GB18030" && shown < size && text.ends_with('\u{FFFD}') {
        text.pop();
    }
    Ok(TextPreview {
        text: clean(&text),
        total_bytes: size.max(shown),
        shown_bytes: shown,
        encoding,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Preview, preview_bytes};
    use super::*;

    #[test]
    fn utf8_and_gbk_text_capped() {
        let (gbk, _, _) = encoding_rs::GBK.encode("关于开展食品安全检查的通知\r\n第二行");
        let Ok(Preview::Text(t)) = preview_bytes(&gbk, "通知.txt", 0) else {
            panic!("a text preview");
        };
        assert_eq!(t.text, "关于开展食品安全检查的通知\n\n第二行");
        assert_eq!(t.encoding, "GB18030");
        assert!(!t.truncated());

        let long = "明厨亮灶".repeat(100_000);
        let Ok(Preview::Text(t)) = preview_bytes(long.as_bytes(), "长.md", 0) else {
            panic!("a text preview");
        };
        assert!(t.truncated());
        assert_eq!(t.shown_bytes, limits::TEXT_BYTES as u64);
        assert_eq!(t.total_bytes, long.len() as u64);
        assert!(t.text.starts_with("明厨亮灶") && !t.text.contains('\u{FFFD}'));
    }
}
