//! The 指标任务责任分解表 as an .xlsx workbook laid out like the plan's annex, ready to
//! print: a title row with the city's name, 序号, the rubric's columns (评价要点, 评价内容,
//! 评价方式, 责任部门, 基本任务) merged over the tasks they cover, then who holds each task,
//! its status, due date and evidence count. 宋体 throughout, wrapped text with row heights
//! set, A4 landscape fitted to the page width, the header rows repeated on every page and
//! "第 N 页 共 M 页" in the footer. Built from plain rows so it can run on a blocking thread.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{ProgrammeTaskRow, TaskExportRow, part_label, status_label};
use crate::i18n::wrapped_lines as lines;

pub const SHEET_NAME: &str = "指标任务责任分解表";

/// The body font of Chinese official tables (Excel, WPS and LibreOffice all map it).
const FONT: &str = "宋体";
/// Points per wrapped line of 10.5 pt (五号) text, with leading.
const LINE_HEIGHT: f64 = 15.0;

/// (heading, column width in Excel's units: about one Latin character, half a Chinese one)
const COLUMNS: [(&str, f64); 10] = [
    ("序号", 5.0),
    ("评价要点", 14.0),
    ("评价内容", 34.0),
    ("评价方式", 10.0),
    ("责任部门", 18.0),
    ("基本任务", 40.0),
    ("责任单位", 13.0),
    ("状态", 7.0),
    ("截止日期", 13.0),
    ("佐证数", 6.0),
];

/// The second sheet: the campaign plan's programmes, beside the rubric's indicators.
pub const PROGRAMME_SHEET_NAME: &str = "工程与行动任务";

const PROGRAMME_COLUMNS: [(&str, f64); 10] = [
    ("类别", 10.0),
    ("序号", 5.0),
    ("名称", 18.0),
    ("牵头单位", 14.0),
    ("责任单位", 26.0),
    ("任务", 40.0),
    ("承担单位", 13.0),
    ("状态", 7.0),
    ("截止日期", 11.0),
    ("佐证数", 6.0),
];

/// The formats of the sheet: all 宋体, thin borders, wrapped.
struct Formats {
    title: Format,
    subtitle: Format,
    head: Format,
    part: Format,
    cell: Format,
    centre: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(10.5);
        let cell = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        Formats {
            title: base
                .clone()
                .set_font_size(18)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle: base.clone().set_align(FormatAlign::Right),
            head: cell
                .clone()
                .set_bold()
                .set_font_name("黑体")
                .set_align(FormatAlign::Center),
            part: cell.clone().set_bold().set_font_name("黑体"),
            centre: cell.clone().set_align(FormatAlign::Center),
            date: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("yyyy年m月d日"),
            cell,
        }
    }
}

/// A4 landscape, fitted to one page wide, header rows repeated, page numbers in the footer.
fn page_setup(ws: &mut Worksheet, header_last_row: u32) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C第 &P 页 共 &N 页");
    ws.set_repeat_rows(header_last_row, header_last_row)?;
    Ok(())
}

/// Writes `text` over rows `first..=last` of `col`: one cell, or a merged range.
fn span(
    ws: &mut Worksheet,
    first: u32,
    last: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if first == last {
        ws.write_string_with_format(first, col, text, format)?;
    } else {
        ws.merge_range(first, col, last, col, text, format)?;
    }
    Ok(())
}

/// The workbook's bytes: `city` names the title, `as_of` the date it was made. `rows`
/// must be in rubric order (see [`super::task_rows`]); `programmes` in their order (see
/// [`super::programme_rows`]).
pub fn build(
    city: &str,
    as_of: NaiveDate,
    rows: &[TaskExportRow],
    programmes: &[ProgrammeTaskRow],
) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET_NAME)?;
    let last_col = (COLUMNS.len() - 1) as u16;
    let title = format!("{city}创建国家食品安全示范城市指标任务责任分解表");
    ws.merge_range(0, 0, 0, last_col, &title, &f.title)?;
    ws.set_row_height(0, 36)?;
    let made = format!("制表日期：{}", crate::i18n::chinese_date(as_of));
    ws.merge_range(1, 0, 1, last_col, &made, &f.subtitle)?;
    for (col, (heading, width)) in COLUMNS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
        ws.write_with_format(2, col as u16, *heading, &f.head)?;
    }
    ws.set_row_height(2, 22)?;
    ws.set_freeze_panes(3, 0)?;
    page_setup(ws, 2)?;

    // Rows are laid out first (which sheet row each task takes, how tall its own cells
    // make it), then the merged cells of each point and indicator are written over them
    // and the rows grown where a merged text needs more room than its rows give.
    let mut row = 3u32;
    let mut heights: Vec<(u32, f64)> = Vec::new();
    let mut index = 0;
    while index < rows.len() {
        let part_seq = rows[index].part_seq;
        let heading = part_label(&rows[index].part_numeral, &rows[index].part_title);
        ws.merge_range(row, 0, row, last_col, &heading, &f.part)?;
        ws.set_row_height(row, 20)?;
        row += 1;
        while index < rows.len() && rows[index].part_seq == part_seq {
            // One 评价要点 (or, for a veto, its part) over its indicators.
            let point = rows[index].point_label();
            let point_first = row;
            while index < rows.len()
                && rows[index].part_seq == part_seq
                && rows[index].point_label() == point
            {
                let number = rows[index].indicator_number;
                let indicator_first = row;
                let first = &rows[index];
                while index < rows.len()
                    && rows[index].part_seq == part_seq
                    && rows[index].indicator_number == number
                {
                    let task = &rows[index];
                    // The office's task texts and organisation names are typed by users:
                    // strings, never formulas.
                    ws.write_string_with_format(row, 5, task.task_label(), &f.cell)?;
                    ws.write_string_with_format(row, 6, &task.organisation_name, &f.cell)?;
                    ws.write_with_format(row, 7, status_label(task.status), &f.centre)?;
                    match &task.due_on {
                        Some(due) => ws.write_with_format(row, 8, due, &f.date)?,
                        None => ws.write_blank(row, 8, &f.cell)?,
                    };
                    ws.write_with_format(row, 9, task.evidence_count as f64, &f.centre)?;
                    let own = lines(&task.task_label(), COLUMNS[5].1)
                        .max(lines(&task.organisation_name, COLUMNS[6].1));
                    heights.push((row, own * LINE_HEIGHT));
                    row += 1;
                    index += 1;
                }
                let last = row - 1;
                let content = format!("{}. {}", number, first.indicator_content);
                if last > indicator_first {
                    ws.merge_range(indicator_first, 0, last, 0, "", &f.centre)?;
                }
                ws.write_number_with_format(indicator_first, 0, number as f64, &f.centre)?;
                span(ws, indicator_first, last, 2, &content, &f.cell)?;
                span(ws, indicator_first, last, 3, &first.methods_text, &f.centre)?;
                span(
                    ws,
                    indicator_first,
                    last,
                    4,
                    &first.responsibility_text,
                    &f.cell,
                )?;
                let needed = [
                    lines(&content, COLUMNS[2].1),
                    lines(&first.methods_text, COLUMNS[3].1),
                    lines(&first.responsibility_text, COLUMNS[4].1),
                ]
                .into_iter()
                .fold(1.0, f64::max)
                    * LINE_HEIGHT;
                grow(&mut heights, indicator_first, last, needed);
            }
            let point_last = row - 1;
            span(ws, point_first, point_last, 1, &point, &f.cell)?;
            grow(
                &mut heights,
                point_first,
                point_last,
                lines(&point, COLUMNS[1].1) * LINE_HEIGHT,
            );
        }
    }
    for (row, height) in heights {
        ws.set_row_height(row, height.max(LINE_HEIGHT + 3.0))?;
    }

    if !programmes.is_empty() {
        let ws = workbook.add_worksheet();
        ws.set_name(PROGRAMME_SHEET_NAME)?;
        let last_col = (PROGRAMME_COLUMNS.len() - 1) as u16;
        let title = format!("{city}创建国家食品安全示范城市治理提升工程和专项整治行动任务表");
        ws.merge_range(0, 0, 0, last_col, &title, &f.title)?;
        ws.set_row_height(0, 36)?;
        for (col, (heading, width)) in PROGRAMME_COLUMNS.iter().enumerate() {
            ws.set_column_width(col as u16, *width)?;
            ws.write_with_format(1, col as u16, *heading, &f.head)?;
        }
        ws.set_freeze_panes(2, 0)?;
        page_setup(ws, 1)?;
        for (index, task) in programmes.iter().enumerate() {
            let row = index as u32 + 2;
            ws.write_with_format(row, 0, crate::programmes::kind_name(&task.kind), &f.cell)?;
            ws.write_with_format(row, 1, task.number, &f.centre)?;
            ws.write_string_with_format(row, 2, &task.title, &f.cell)?;
            ws.write_string_with_format(row, 3, &task.lead_text, &f.cell)?;
            ws.write_string_with_format(row, 4, &task.responsible_text, &f.cell)?;
            ws.write_string_with_format(row, 5, &task.text, &f.cell)?;
            ws.write_string_with_format(row, 6, &task.organisation_name, &f.cell)?;
            ws.write_with_format(row, 7, status_label(task.status), &f.centre)?;
            match &task.due_on {
                Some(due) => ws.write_with_format(row, 8, due, &f.date)?,
                None => ws.write_blank(row, 8, &f.cell)?,
            };
            ws.write_with_format(row, 9, task.evidence_count as f64, &f.centre)?;
            let needed = [
                lines(&task.text, PROGRAMME_COLUMNS[5].1),
                lines(&task.responsible_text, PROGRAMME_COLUMNS[4].1),
                lines(&task.title, PROGRAMME_COLUMNS[2].1),
            ]
            .into_iter()
            .fold(1.0, f64::max);
            ws.set_row_height(row, needed * LINE_HEIGHT)?;
        }
    }
    workbook.save_to_buffer()
}

/// Grows rows `first..=last` evenly until together they are at least `needed` tall.
fn grow(heights: &mut [(u32, f64)], first: u32, last: u32, needed: f64) {
    let block: Vec<usize> = heights
        .iter()
        .enumerate()
        .filter(|(_, (row, _))| (first..=last).contains(row))
        .map(|(i, _)| i)
        .collect();
    let have: f64 = block.iter().map(|&i| heights[i].1).sum();
    if have < needed && !block.is_empty() {
        let extra = (needed - have) / block.len() as f64;
        for i in block {
            heights[i].1 += extra;
        }
    }
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
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let bytes = build("昌都市", day, &rows, &[]).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip archive");
        let sheet = sheet_xml(&bytes);
        assert!(
            sheet.contains(r#"paperSize="9""#) && sheet.contains(r#"orientation="landscape""#),
            "A4 landscape"
        );
        assert!(
            sheet.contains(r#"fitToHeight="0""#),
            "fitted to the page width"
        );
        assert!(sheet.contains("第 &amp;P 页 共 &amp;N 页"), "page numbers");
    }

    #[test]
    fn points_and_indicators_are_merged_over_their_tasks() {
        let point = Some((1, "党政同责"));
        let mut second = task(1, point, 1);
        second.organisation_name = "卡若区".into();
        let rows = [task(1, point, 1), second, task(1, point, 2)];
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let sheet = sheet_xml(&build("昌都市", day, &rows, &[]).unwrap());
        // Title and date rows, the part's heading; 评价要点 over rows 5–7; 序号 and the
        // indicator's cells over the two tasks of indicator 1 (rows 5–6).
        for range in [
            "A1:J1", "A2:J2", "A4:J4", "B5:B7", "A5:A6", "C5:C6", "D5:D6", "E5:E6",
        ] {
            assert!(
                sheet.contains(&format!(r#"<mergeCell ref="{range}"/>"#)),
                "{range} merged"
            );
        }
        assert!(
            !sheet.contains(r#"ref="A7:A7""#),
            "a single task is not merged"
        );
    }

    fn sheet_xml(bytes: &[u8]) -> String {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }
}
