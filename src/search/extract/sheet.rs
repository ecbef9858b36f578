//! Spreadsheets (.xlsx, .xls, .ods) with calamine: every sheet's cell text, a row a
//! line, cells apart by tabs, until the text cap.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::{MAX_TEXT_BYTES, Outcome};

pub fn extract(bytes: &[u8]) -> Outcome {
    let mut workbook = match open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(err) => return Outcome::Failed(format!("not a readable spreadsheet: {err}")),
    };
    let mut text = String::new();
    for name in workbook.sheet_names() {
        let Ok(range) = workbook.worksheet_range(&name) else {
            continue;
        };
        text.push_str(&name);
        text.push('\n');
        for row in range.rows() {
            let mut first = true;
            for cell in row {
                let value = match cell {
                    Data::Empty => continue,
                    Data::String(s) => s.clone(),
                    Data::Error(_) => continue,
                    other => other.to_string(),
                };
                if !first {
                    text.push('\t');
                }
                first = false;
                text.push_str(&value);
            }
            text.push('\n');
            if text.len() >= MAX_TEXT_BYTES * 2 {
                return Outcome::Text(text);
            }
        }
    }
    Outcome::Text(text)
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Outcome, extract};

    #[test]
    fn cells_become_lines() {
        let xlsx = crate::demo::files::xlsx(
            "明厨亮灶检查台账",
            5,
            &mut crate::demo::files::Noise::new(3),
        )
        .unwrap();
        let Outcome::Text(text) = extract(Format::Sheet, &xlsx) else {
            panic!("text")
        };
        assert!(text.contains("明厨亮灶检查台账"), "{text:?}");
        assert!(text.contains("日常监督检查"), "{text:?}");
        assert!(matches!(
            extract(Format::Sheet, b"PK\x03\x04junk"),
            Outcome::Failed(_)
        ));
    }
}
