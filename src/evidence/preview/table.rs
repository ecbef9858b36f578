//! Spreadsheets as tables (calamine). An .xlsx sheet is streamed cell by cell and read
//! only as far as the shown rows (its declared dimension gives the totals; without one,
//! the rest is counted up to [`limits::COUNT_CELLS`] cells). Its shared strings are read
//! whole by calamine, so a workbook whose strings part declares more than
//! [`limits::XLSX_STRINGS_BYTES`] is refused as too large, like a file over
//! [`limits::XLSX_BYTES`]. An old .xls is read whole, so only up to [`limits::XLS_BYTES`].

use std::io::{BufReader, Read, Seek};

use calamine::{Data, DataRef, Reader};

use super::{PreviewRefusal, PreviewResult, Table, capped, limits};

pub fn xlsx(mut file: std::fs::File, size: u64, sheet: usize) -> PreviewResult<Table> {
    if size > limits::XLSX_BYTES {
        return Err(PreviewRefusal::TooLarge(limits::XLSX_BYTES));
    }
    super::zip::check_office(
        &mut file,
        size,
        |name| name.ends_with("sharedstrings.xml"),
        limits::XLSX_STRINGS_BYTES,
    )?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::Xlsx::new(BufReader::new(file)).map_err(|err| match err {
            calamine::XlsxError::Password => PreviewRefusal::Encrypted,
            _ => PreviewRefusal::Corrupt,
        })?;
    let sheets = workbook.sheet_names();
    if sheets.is_empty() {
        return Err(PreviewRefusal::Corrupt);
    }
    let sheet = if sheet < sheets.len() { sheet } else { 0 };
    let mut cells = workbook
        .worksheet_cells_reader(&sheets[sheet])
        .map_err(|_| PreviewRefusal::Corrupt)?;
    let dimensions = cells.dimensions();
    let declared = dimensions.end != (0, 0);
    let origin = if declared { dimensions.start } else { (0, 0) };
    let mut grid = Grid::default();
    let mut read = 0u64;
    let mut complete = true;
    while let Some(cell) = cells.next_cell().map_err(|_| PreviewRefusal::Corrupt)? {
        read += 1;
        let (row, col) = cell.get_position();
        let (Some(row), Some(col)) = (row.checked_sub(origin.0), col.checked_sub(origin.1)) else {
            continue;
        };
        if row as usize >= limits::ROWS && declared {
            // The dimension gives the totals; the rest need not be read.
            complete = false;
            break;
        }
        let value = cell.get_value();
        if *value == DataRef::Empty {
            continue;
        }
        grid.put(row, col, || data_ref_text(value));
        if read >= limits::COUNT_CELLS && row as usize >= limits::ROWS {
            complete = false;
            break;
        }
    }
    let mut table = grid.into_table(sheets, sheet);
    if declared {
        let rows = (dimensions.end.0 - origin.0) as u64 + 1;
        let columns = (dimensions.end.1 - origin.1) as u64 + 1;
        if !complete {
            table.total_rows = table.total_rows.max(rows);
            table.total_columns = table.total_columns.max(columns);
        }
    } else if !complete {
        table.at_least = true;
    }
    Ok(table)
}

pub fn xls(file: std::fs::File, size: u64, sheet: usize) -> PreviewResult<Table> {
    if size > limits::XLS_BYTES {
        return Err(PreviewRefusal::TooLarge(limits::XLS_BYTES));
    }
    let mut reader = BufReader::new(file);
    if ole_encrypted(&mut reader)? {
        return Err(PreviewRefusal::Encrypted);
    }
    let mut workbook: calamine::Xls<_> = calamine::Xls::new(reader).map_err(|err| match err {
        calamine::XlsError::Password => PreviewRefusal::Encrypted,
        _ => PreviewRefusal::Corrupt,
    })?;
    let sheets = workbook.sheet_names();
    if sheets.is_empty() {
        return Err(PreviewRefusal::Corrupt);
    }
    let sheet = if sheet < sheets.len() { sheet } else { 0 };
    let range = workbook
        .worksheet_range(&sheets[sheet])
        .map_err(|_| PreviewRefusal::Corrupt)?;
    let mut grid = Grid::default();
    for (row, cells) in range.rows().enumerate().take(limits::ROWS) {
        for (col, value) in cells.iter().enumerate().take(limits::COLUMNS) {
            if *value != Data::Empty {
                grid.put(row as u32, col as u32, || data_text(value));
            }
        }
    }
    let mut table = grid.into_table(sheets, sheet);
    table.total_rows = table.total_rows.max(range.height() as u64);
    table.total_columns = table.total_columns.max(range.width() as u64);
    Ok(table)
}

/// A password-protected workbook saved by Excel keeps an `EncryptedPackage` stream (or,
/// for .xls, says so in a record calamine reports); the stream's name is UTF-16.
fn ole_encrypted<R: Read + Seek>(reader: &mut R) -> PreviewResult<bool> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    reader.rewind()?;
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    Ok(memchr::memmem::find(&bytes, &name).is_some())
}

/// The shown cells, and the extent of every non-empty cell seen.
#[derive(Default)]
struct Grid {
    rows: Vec<Vec<String>>,
    chars: usize,
    full: bool,
    max_row: Option<u32>,
    max_col: Option<u32>,
}

impl Grid {
    fn put(&mut self, row: u32, col: u32, text: impl FnOnce() -> String) {
        self.max_row = self.max_row.max(Some(row));
        self.max_col = self.max_col.max(Some(col));
        let (r, c) = (row as usize, col as usize);
        if self.full || r >= limits::ROWS || c >= limits::COLUMNS {
            return;
        }
        if r >= self.rows.len() && self.chars > limits::TABLE_CHARS {
            // Enough text for one page: no new rows.
            self.full = true;
            return;
        }
        let text = capped(&text(), limits::CELL_CHARS);
        self.chars += text.len();
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let cells = &mut self.rows[r];
        if cells.len() <= c {
            cells.resize(c + 1, String::new());
        }
        cells[c] = text;
    }

    fn into_table(self, sheets: Vec<String>, sheet: usize) -> Table {
        Table {
            sheets: sheets.iter().map(|s| capped(s, 100)).collect(),
            sheet,
            total_rows: self.max_row.map_or(0, |r| r as u64 + 1),
            total_columns: self.max_col.map_or(0, |c| c as u64 + 1),
            rows: self.rows,
            at_least: false,
        }
    }
}

fn number(value: f64) -> String {
    let plain = value.to_string();
    if plain.len() <= 15 {
        return plain;
    }
    // 0.1 + 0.2 shows as Excel shows it, 0.3.
    let rounded = format!("{value:.10}");
    let trimmed = rounded.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() || trimmed == "-" {
        "0".into()
    } else {
        trimmed.into()
    }
}

fn date_text(value: &calamine::ExcelDateTime) -> String {
    match value.as_datetime() {
        Some(at) if at.time() == chrono::NaiveTime::MIN => at.format("%Y-%m-%d").to_string(),
        Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => number(value.as_f64()),
    }
}

fn data_ref_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(v) => v.to_string(),
        DataRef::Float(v) => number(*v),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) => date_text(d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

fn data_text(value: &Data) -> String {
    match value {
        Data::Float(v) => number(*v),
        Data::DateTime(d) => date_text(d),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use rust_xlsxwriter::Workbook;

    use super::super::{Preview, preview_bytes};
    use super::*;

    fn table_of(bytes: &[u8], sheet: usize) -> PreviewResult<Table> {
        match preview_bytes(bytes, "台账.xlsx", sheet)? {
            Preview::Table(t) => Ok(t),
            other => panic!("a table, got {other:?}"),
        }
    }

    #[test]
    fn sheets_cells_and_dates() {
        let mut book = Workbook::new();
        let first = book.add_worksheet().set_name("检查台账").unwrap();
        first.write_string(0, 0, "单位").unwrap();
        first.write_string(0, 1, "日期").unwrap();
        first.write_string(0, 2, "得分").unwrap();
        first
            .write_string(1, 0, "<script>alert(1)</script>")
            .unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 5, 12).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        first
            .write_datetime_with_format(1, 1, &date, &format)
            .unwrap();
        first.write_number(1, 2, 0.1 + 0.2).unwrap();
        first.write_number(3, 0, 42).unwrap();
        let second = book.add_worksheet().set_name("汇总").unwrap();
        second.write_string(0, 0, "第二页").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let t = table_of(&bytes, 0).unwrap();
        assert_eq!(t.sheets, ["检查台账", "汇总"]);
        assert_eq!(t.rows[0], ["单位", "日期", "得分"]);
        assert_eq!(
            t.rows[1],
            ["<script>alert(1)</script>", "2026-05-12", "0.3"]
        );
        assert_eq!(t.rows[3][0], "42");
        assert_eq!((t.total_rows, t.total_columns), (4, 3));
        let t = table_of(&bytes, 1).unwrap();
        assert_eq!((t.sheet, t.rows[0][0].as_str()), (1, "第二页"));
        assert_eq!(table_of(&bytes, 9).unwrap().sheet, 0, "no such sheet");
    }

    #[test]
    fn a_long_sheet_is_cut_and_counted() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory().unwrap();
        for row in 0..3_000u32 {
            for col in 0..60u16 {
                sheet
                    .write_number(row, col, (row * 100 + col as u32) as f64)
                    .unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let t = table_of(&bytes, 0).unwrap();
        assert_eq!(t.rows.len(), limits::ROWS);
        assert_eq!(t.columns_shown(), limits::COLUMNS as u64);
        assert_eq!((t.total_rows, t.total_columns), (3_000, 60));
        assert_eq!(t.rows_left_out(), 2_500);
        assert_eq!(t.columns_left_out(), 10);
        assert!(!t.at_least);
    }

    #[test]
    fn corrupt_and_oversized_workbooks_are_refused() {
        let mut bytes = Workbook::new().save_to_buffer().unwrap();
        bytes.truncate(bytes.len() / 2);
        assert_eq!(table_of(&bytes, 0), Err(PreviewRefusal::Corrupt));
        // A shared-strings part that declares more than may be read whole.
        let mut zip = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..(limits::XLSX_STRINGS_BYTES >> 20) + 1 {
            std::io::Write::write_all(&mut zip, &chunk).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(
            table_of(&bytes, 0),
            Err(PreviewRefusal::TooLarge(limits::XLSX_STRINGS_BYTES))
        );
    }
}
