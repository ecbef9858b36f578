//! Text files (.txt, .md, .csv): UTF-8 (with or without BOM), else GB18030 (which
//! includes GBK and GB2312, what older Chinese Windows software writes).

use super::{MAX_TEXT_BYTES, Outcome};

pub fn extract(bytes: &[u8]) -> Outcome {
    // Enough bytes for the text cap in any of these encodings.
    let bytes = &bytes[..bytes.len().min(MAX_TEXT_BYTES * 2)];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        // Cut in the middle of a character at the end: keep what is whole.
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned()
        }
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    };
    Outcome::Text(text)
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Outcome, extract};

    #[test]
    fn utf8_bom_and_gb18030() {
        assert_eq!(
            extract(Format::Text, "\u{feff}序号,单位\n1,卡若区\n".as_bytes()),
            Outcome::Text("序号,单位\n1,卡若区".into())
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("食品安全示范城市创建");
        assert_eq!(
            extract(Format::Text, &gbk),
            Outcome::Text("食品安全示范城市创建".into())
        );
    }
}
