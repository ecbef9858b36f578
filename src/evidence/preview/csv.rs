//! CSV files as a table: UTF-8 (with or without a BOM) or GB18030/GBK as Excel on Chinese
//! Windows saves them, comma-, tab- or semicolon-separated. The first rows are decoded;
//! the rest are only counted.

use std::io::{BufReader, Read};

use super::{PreviewResult, Table, capped, limits};

/// Rows counted past the shown ones before the count says "at least".
const COUNT_ROWS: u64 = 5_000_000;

pub fn table(file: impl Read, head: &[u8]) -> PreviewResult<Table> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    let mut file = BufReader::with_capacity(256 * 1024, file);
    // Skip a UTF-8 byte order mark.
    {
        use std::io::BufRead;
        if file.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            file.consume(3);
        }
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(head))
        .from_reader(file);
    let mut table = Table {
        sheets: vec![String::new()],
        ..Table::default()
    };
    let mut record = ::csv::ByteRecord::new();
    let mut chars = 0usize;
    let mut rows = 0u64;
    let mut columns = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) if err.is_io_error() => return Err(super::PreviewRefusal::Corrupt),
            Err(_) => return Err(super::PreviewRefusal::Corrupt),
        }
        rows += 1;
        columns = columns.max(record.len() as u64);
        if table.rows.len() < limits::ROWS && chars < limits::TABLE_CHARS {
            let row: Vec<String> = record
                .iter()
                .take(limits::COLUMNS)
                .map(|field| {
                    let text = if utf8 {
                        String::from_utf8_lossy(field).into_owned()
                    } else {
                        encoding_rs::GB18030
                            .decode_without_bom_handling(field)
                            .0
                            .into_owned()
                    };
                    capped(&text, limits::CELL_CHARS)
                })
                .collect();
            chars += row.iter().map(|c| c.len()).sum::<usize>();
            table.rows.push(row);
        } else if rows >= COUNT_ROWS {
            table.at_least = true;
            break;
        }
    }
    table.total_rows = rows;
    table.total_columns = columns;
    Ok(table)
}

/// The separator the first line uses most: comma, tab or semicolon.
fn delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let mut best = (b',', 0usize);
    for candidate in [b',', b'\t', b';'] {
        let count = line.iter().filter(|b| **b == candidate).count();
        if count > best.1 {
            best = (candidate, count);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::super::{Preview, preview_bytes};
    use super::*;

    fn table_of(bytes: &[u8], name: &str) -> Table {
        match preview_bytes(bytes, name, 0) {
            Ok(Preview::Table(t)) => t,
            other => panic!("a table, got {other:?}"),
        }
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let text = "序号,单位,备注\r\n1,卡若区,\"含,逗号\"\r\n2,<script>alert(1)</script>,\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let t = table_of(&gbk, "台账.csv");
        assert_eq!(t.rows[0], ["序号", "单位", "备注"]);
        assert_eq!(t.rows[1], ["1", "卡若区", "含,逗号"]);
        assert_eq!(t.rows[2][1], "<script>alert(1)</script>", "kept as text");
        assert_eq!((t.total_rows, t.total_columns), (3, 3));
    }

    #[test]
    fn utf8_bom_tabs_and_limits() {
        let mut text = String::from("\u{FEFF}名称\t数量\n");
        for i in 0..1_200 {
            text.push_str(&format!("第{i}项\t{i}\n"));
        }
        let t = table_of(text.as_bytes(), "清单.csv");
        assert_eq!(t.rows[0], ["名称", "数量"], "BOM gone, tab-separated");
        assert_eq!(t.rows.len(), limits::ROWS);
        assert_eq!(t.total_rows, 1_201);
        assert_eq!(t.rows_left_out(), 701);

        let wide: String = (0..80).map(|i| format!("c{i},")).collect();
        let t = table_of(format!("{wide}\n").as_bytes(), "宽.csv");
        assert_eq!(t.columns_shown(), limits::COLUMNS as u64);
        assert_eq!(t.columns_left_out(), 81 - limits::COLUMNS as u64);
        let long = "长".repeat(1_000);
        let t = table_of(format!("{long}\n").as_bytes(), "长.csv");
        assert_eq!(t.rows[0][0].chars().count(), limits::CELL_CHARS + 1);
    }
}
