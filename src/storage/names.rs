//! What an uploaded file may be called, and how its name is sent back in a download.

/// Why an uploaded file name is refused; None when it is fine. Browsers send only the
/// base name, so anything with a path in it was crafted and is not silently rewritten.
pub fn check_file_name(name: &str) -> Result<(), &'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("upload-error-no-name");
    }
    if trimmed.contains('/') || trimmed.contains('\\') || trimmed == "." || trimmed == ".." {
        return Err("upload-error-path-in-name");
    }
    if trimmed.chars().any(char::is_control) {
        return Err("upload-error-bad-name");
    }
    if trimmed.chars().any(is_invisible_format) {
        return Err("upload-error-invisible-name");
    }
    if trimmed.chars().count() > 200 {
        return Err("upload-error-long-name");
    }
    Ok(())
}

/// `Content-Disposition` with the UTF-8 name (RFC 6266/5987) and an ASCII fallback.
pub fn content_disposition(disposition: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Unicode format characters (category Cf): invisible, yet they change how a name reads.
/// Bidi overrides make `报告\u{202E}fdp.exe` display as `报告exe.pdf`; zero-width ones
/// make two names that look the same differ.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for name in [
            "报告\u{202E}fdp.exe",
            "a\u{2066}b.pdf",
            "zero\u{200B}width.pdf",
            "\u{FEFF}bom.pdf",
            "soft\u{00AD}hyphen.pdf",
            "joiner\u{2060}.pdf",
        ] {
            assert_eq!(
                check_file_name(name),
                Err("upload-error-invisible-name"),
                "{name:?}"
            );
        }
        assert!(check_file_name("2024年（上半年）工作总结 v2.pdf").is_ok());
    }
}
