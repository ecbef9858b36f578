//! The 指标任务责任分解表 as an .xlsx workbook: the rubric's columns (评价要点, 评价内容,
//! 评价方式, 责任部门, 基本任务) followed by who holds each task, its status, due date and
//! evidence count. One row per task under a heading row per part; the point and
//! indicator cells are repeated on every row (not merged) so the sheet can be filtered
//! and sorted. Built from plain rows so it can run on a blocking thread.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::{ProgrammeTaskRow, TaskExportRow, part_label, status_label};

pub const SHEET_NAME: &str = "指标任务责任分解表";

/// (heading, column width)
const COLUMNS: [(&str, f64); 9] = [
    ("评价要点", 16.0),
    ("评价内容", 46.0),
    ("评价方式", 14.0),
    ("责任部门", 24.0),
    ("基本任务", 52.0),
    ("责任单位", 16.0),
    ("状态", 9.0),
    ("截止日期", 12.0),
    ("佐证数", 8.0),
];

/// The second sheet: the campaign plan's programmes, beside the rubric's indicators.
pub const PROGRAMME_SHEET_NAME: &str = "工程与行动任务";

const PROGRAMME_COLUMNS: [(&str, f64); 10] = [
    ("类别", 12.0),
    ("序号", 6.0),
    ("名称", 24.0),
    ("牵头单位", 16.0),
    ("责任单位", 30.0),
    ("任务", 46.0),
    ("承担单位", 16.0),
    ("状态", 9.0),
    ("截止日期", 12.0),
    ("佐证数", 8.0),
];

/// The workbook's bytes. `rows` must be in rubric order (see [`super::task_rows`]);
/// `programmes` in their order (see [`super::programme_rows`]).
pub fn build(
    rows: &[TaskExportRow],
    programmes: &[ProgrammeTaskRow],
) -> Result<Vec<u8>, XlsxError> {
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
    let part = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#F4F6F8");
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
        .set_text_wrap();
    let date = cell.clone().set_num_format("yyyy-mm-dd");
    let count = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);

    for (col, (heading, width)) in COLUMNS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
        ws.write_with_format(0, col as u16, *heading, &head)?;
    }
    ws.set_freeze_panes(1, 0)?;

    let last_col = (COLUMNS.len() - 1) as u16;
    let mut row = 1u32;
    let mut current_part = None;
    for task in rows {
        if current_part != Some(task.part_seq) {
            current_part = Some(task.part_seq);
            let heading = part_label(&task.part_numeral, &task.part_title);
            ws.merge_range(row, 0, row, last_col, &heading, &part)?;
            row += 1;
        }
        ws.write_with_format(row, 0, task.point_label(), &cell)?;
        ws.write_with_format(
            row,
            1,
            format!("{}. {}", task.indicator_number, task.indicator_content),
            &cell,
        )?;
        ws.write_with_format(row, 2, &task.methods_text, &cell)?;
        ws.write_with_format(row, 3, &task.responsibility_text, &cell)?;
        // The office's own task texts and organisation names are typed by users: strings.
        ws.write_string_with_format(row, 4, task.task_label(), &cell)?;
        ws.write_string_with_format(row, 5, &task.organisation_name, &cell)?;
        ws.write_with_format(row, 6, status_label(task.status), &cell)?;
        match &task.due_on {
            Some(due) => ws.write_with_format(row, 7, due, &date)?,
            None => ws.write_blank(row, 7, &cell)?,
        };
        ws.write_with_format(row, 8, task.evidence_count as f64, &count)?;
        row += 1;
    }
    if !programmes.is_empty() {
        let ws = workbook.add_worksheet();
        ws.set_name(PROGRAMME_SHEET_NAME)?;
        for (col, (heading, width)) in PROGRAMME_COLUMNS.iter().enumerate() {
            ws.set_column_width(col as u16, *width)?;
            ws.write_with_format(0, col as u16, *heading, &head)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (index, task) in programmes.iter().enumerate() {
            let row = index as u32 + 1;
            ws.write_with_format(row, 0, crate::programmes::kind_name(&task.kind), &cell)?;
            ws.write_with_format(row, 1, task.number, &count)?;
            ws.write_string_with_format(row, 2, &task.title, &cell)?;
            ws.write_string_with_format(row, 3, &task.lead_text, &cell)?;
            ws.write_string_with_format(row, 4, &task.responsible_text, &cell)?;
            ws.write_string_with_format(row, 5, &task.text, &cell)?;
            ws.write_string_with_format(row, 6, &task.organisation_name, &cell)?;
            ws.write_with_format(row, 7, status_label(task.status), &cell)?;
            match &task.due_on {
                Some(due) => ws.write_with_format(row, 8, due, &date)?,
                None => ws.write_blank(row, 8, &cell)?,
            };
            ws.write_with_format(row, 9, task.evidence_count as f64, &count)?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::Status;

    fn task(part_seq: i32, point: Option<(i32, &str)>, number: i32) -> TaskExportRow {
        TaskExportRow {
            id: number as i64,
            part_seq,
            part_numeral: "一".into(),
            part_title: "基础工作".into(),
            point_seq: point.map(|p| p.0),
            point_title: point.map(|p| p.1.to_string()),
            indicator_number: number,
            indicator_content: "落实责任制".into(),
            methods_text: "资料审查".into(),
            responsibility_text: "市食安办；各县（区）".into(),
            task_seq: Some(1),
            text: "收集佐证".into(),
            organisation_name: "市食安办".into(),
            status: Status::Returned,
            due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 25),
            evidence_count: 2,
        }
    }

    #[test]
    fn builds_a_workbook() {
        let rows = [task(1, Some((1, "党政同责")), 1), task(6, None, 90)];
        assert_eq!(rows[0].point_label(), "1. 党政同责");
        assert_eq!(
            rows[1].point_label(),
            "一、基础工作",
            "a veto row shows its part"
        );
        assert_eq!(rows[0].task_label(), "1. 收集佐证");
        let bytes = build(&rows, &[]).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip archive");
    }
}
