//! The 问题整改台账 (problem rectification ledger) in the layout offices file it: 序号,
//! 问题来源, 问题描述, 指标, 责任单位, 整改时限, 整改措施, 整改状态, 销号时间 — as .xlsx and as
//! CSV. Built from plain rows so it can run on a blocking thread.

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::csv_cell::write_record;
use crate::problems::{Problem, State};

pub const SHEET_NAME: &str = "问题整改台账";

/// (heading, column width)
const COLUMNS: [(&str, f64); 9] = [
    ("序号", 6.0),
    ("问题来源", 18.0),
    ("问题描述", 48.0),
    ("指标", 8.0),
    ("责任单位", 16.0),
    ("整改时限", 12.0),
    ("整改措施", 48.0),
    ("整改状态", 14.0),
    ("销号时间", 12.0),
];

/// One line of the ledger, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub seq: usize,
    pub source: String,
    pub description: String,
    pub indicator: String,
    pub organisation: String,
    pub deadline: NaiveDate,
    pub measures: String,
    pub state: String,
    pub closed_on: Option<NaiveDate>,
}

/// The ledger's rows in list order; the state says 逾期 for open problems past their
/// deadline on `today`, and the closing time is the day in the campaign's time zone.
pub fn rows(problems: &[Problem], today: NaiveDate, tz: Tz) -> Vec<LedgerRow> {
    problems
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let late = p.standing().days_overdue(today);
            let state = if late > 0 {
                format!("{}（逾期{}天）", p.state.official(), late)
            } else {
                p.state.official().to_string()
            };
            LedgerRow {
                seq: i + 1,
                source: p.source_label.clone(),
                description: p.description.clone(),
                indicator: p
                    .indicator_number
                    .map(|n| format!("第{n}项"))
                    .unwrap_or_default(),
                organisation: p.organisation_name.clone(),
                deadline: p.deadline,
                measures: p.measures.clone(),
                state,
                closed_on: p
                    .closed_at
                    .filter(|_| p.state == State::Closed)
                    .map(|at| at.with_timezone(&tz).date_naive()),
            }
        })
        .collect()
}

pub fn xlsx(rows: &[LedgerRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET_NAME)?;
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF5")
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
        .set_text_wrap();
    let date = cell.clone().set_num_format("yyyy-mm-dd");
    for (col, (heading, width)) in COLUMNS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
        ws.write_with_format(0, col as u16, *heading, &head)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_with_format(row, 0, r.seq as u32, &cell)?;
        ws.write_with_format(row, 1, &r.source, &cell)?;
        ws.write_with_format(row, 2, &r.description, &cell)?;
        ws.write_with_format(row, 3, &r.indicator, &cell)?;
        ws.write_with_format(row, 4, &r.organisation, &cell)?;
        ws.write_with_format(row, 5, &r.deadline, &date)?;
        ws.write_with_format(row, 6, &r.measures, &cell)?;
        ws.write_with_format(row, 7, &r.state, &cell)?;
        match &r.closed_on {
            Some(day) => ws.write_with_format(row, 8, day, &date)?,
            None => ws.write_with_format(row, 8, "", &cell)?,
        };
    }
    workbook.save_to_buffer()
}

pub fn csv(rows: &[LedgerRow]) -> csv::Result<Vec<u8>> {
    let mut out = csv::WriterBuilder::new().from_writer("\u{feff}".as_bytes().to_vec());
    write_record(&mut out, COLUMNS.iter().map(|(h, _)| *h))?;
    for r in rows {
        write_record(
            &mut out,
            [
                r.seq.to_string(),
                r.source.clone(),
                r.description.clone(),
                r.indicator.clone(),
                r.organisation.clone(),
                r.deadline.to_string(),
                r.measures.clone(),
                r.state.clone(),
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            ],
        )?;
    }
    out.into_inner().map_err(|err| err.into_error().into())
}
