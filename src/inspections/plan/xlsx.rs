//! A plan read from a spreadsheet (.xlsx): the first sheet, its first row the column
//! headers, matched by name (县区/县（区）, 乡镇街道/乡镇（街道）, 单位名称, 地址, 业态,
//! 方式/检查方式, 日期/检查日期, 检查组, 检查人员; 序号 and other columns are ignored).
//! All or nothing, like a paste; rows are numbered as the spreadsheet shows them.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use super::Lookup;
use super::parse::{Crew, LineRefusal, NewPoint, PointInput, check_line};

/// The largest spreadsheet read (a plan of a few hundred points is far smaller).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most rows read.
pub const MAX_ROWS: usize = 5000;

/// Why a spreadsheet as a whole was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRefusal {
    /// Not an .xlsx workbook (an .xls, a CSV, anything else).
    NotXlsx,
    /// The first sheet has no rows under its header.
    Empty,
    /// A required column is missing from the header row (its name).
    MissingColumn(&'static str),
    /// More rows than [`MAX_ROWS`].
    TooManyRows,
}

impl FileRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            FileRefusal::NotXlsx => "not_xlsx",
            FileRefusal::Empty => "empty",
            FileRefusal::MissingColumn(_) => "missing_column",
            FileRefusal::TooManyRows => "too_many_rows",
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            FileRefusal::NotXlsx => "plan-import-not-xlsx",
            FileRefusal::Empty => "plan-refused-empty",
            FileRefusal::MissingColumn(_) => "plan-import-missing-column",
            FileRefusal::TooManyRows => "plan-import-too-many-rows",
        }
    }

    pub fn argument(&self) -> String {
        match self {
            FileRefusal::MissingColumn(name) => (*name).to_string(),
            FileRefusal::TooManyRows => MAX_ROWS.to_string(),
            _ => String::new(),
        }
    }
}

/// Why an import was refused: the file, or its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRefusal {
    File(FileRefusal),
    Rows(Vec<LineRefusal>),
}

/// The columns a plan has, in paste order, with the header names each is known by.
const COLUMNS: [(&str, &[&str]); 9] = [
    (
        "县区",
        &["县区", "县（区）", "县(区)", "区县", "县市区", "县区名称"],
    ),
    (
        "乡镇街道",
        &["乡镇街道", "乡镇（街道）", "乡镇(街道)", "乡镇"],
    ),
    ("单位名称", &["单位名称", "被检查单位"]),
    ("地址", &["地址", "单位地址"]),
    ("业态", &["业态"]),
    ("方式", &["方式", "检查方式"]),
    ("日期", &["日期", "检查日期"]),
    ("检查组", &["检查组"]),
    ("检查人员", &["检查人员"]),
];
/// Those a row cannot do without (by index into [`COLUMNS`]).
const REQUIRED: [usize; 4] = [0, 2, 4, 5];
const DATE: usize = 6;

/// Reads the plan's points from an .xlsx file's bytes.
pub fn read(bytes: &[u8], lookup: &Lookup<'_>) -> Result<Vec<NewPoint>, ImportRefusal> {
    let refuse = |r: FileRefusal| ImportRefusal::File(r);
    // An .xlsx is a zip archive; anything else is refused before it is parsed.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(refuse(FileRefusal::NotXlsx));
    }
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| refuse(FileRefusal::NotXlsx))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => return Err(refuse(FileRefusal::NotXlsx)),
        None => return Err(refuse(FileRefusal::Empty)),
    };
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(refuse(FileRefusal::Empty));
    };
    let header: Vec<String> = header.iter().map(|c| normalise(&text(c, false))).collect();
    let mut at = [None; 9];
    for (i, (_, names)) in COLUMNS.iter().enumerate() {
        at[i] = header
            .iter()
            .position(|h| names.iter().any(|n| normalise(n) == *h));
    }
    if let Some(missing) = REQUIRED.iter().find(|i| at[**i].is_none()) {
        return Err(refuse(FileRefusal::MissingColumn(COLUMNS[*missing].0)));
    }
    let mut points = Vec::new();
    let mut refusals = Vec::new();
    let mut seen = 0;
    for (index, row) in rows.enumerate() {
        // The header is the spreadsheet's row `first_row + 1`; this is the next.
        let number = first_row + index + 2;
        let cells: Vec<String> = (0..COLUMNS.len())
            .map(|i| {
                at[i]
                    .and_then(|col| row.get(col))
                    .map(|c| text(c, i == DATE))
                    .unwrap_or_default()
            })
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        seen += 1;
        if seen > MAX_ROWS {
            return Err(refuse(FileRefusal::TooManyRows));
        }
        let input = PointInput {
            county: &cells[0],
            town: &cells[1],
            unit: &cells[2],
            address: &cells[3],
            kind: &cells[4],
            mode: &cells[5],
            date: &cells[6],
            crew: Crew::Named {
                group: &cells[7],
                assessors: &cells[8],
            },
        };
        check_line(number, &input, lookup, &mut points, &mut refusals);
    }
    if !refusals.is_empty() {
        return Err(ImportRefusal::Rows(refusals));
    }
    if points.is_empty() {
        return Err(refuse(FileRefusal::Empty));
    }
    Ok(points)
}

/// A header as compared: no spaces, brackets in one form.
fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

/// A cell as text. A date cell (or a number in the date column: an Excel date serial)
/// becomes YYYY-MM-DD.
fn text(cell: &Data, date_column: bool) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) if date_column => serial_date(*n as f64).unwrap_or_else(|| n.to_string()),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if date_column => serial_date(*f).unwrap_or_else(|| f.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => serial_date(d.as_f64()).unwrap_or_default(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// An Excel date serial (1900 system) as YYYY-MM-DD, for plausible dates only.
fn serial_date(serial: f64) -> Option<String> {
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_days(chrono::Days::new(serial.floor() as u64))
        .map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_compare_without_spaces_and_bracket_forms() {
        assert_eq!(normalise(" 县(区) "), normalise("县（区）"));
        assert_eq!(serial_date(46364.0).as_deref(), Some("2026-12-08"));
        assert_eq!(serial_date(3.0), None);
    }

    #[test]
    fn not_a_workbook_is_refused() {
        let refused = read(b"\xd0\xcf\x11\xe0 an old .xls", &Lookup::bare()).unwrap_err();
        assert_eq!(refused, ImportRefusal::File(FileRefusal::NotXlsx));
        let refused = read(b"PK\x03\x04 not really a zip", &Lookup::bare()).unwrap_err();
        assert_eq!(refused, ImportRefusal::File(FileRefusal::NotXlsx));
    }
}
