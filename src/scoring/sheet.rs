//! The score sheet as an .xlsx workbook: one row per evaluation point and one per
//! deduction under it, part totals, the overall total, vetoes, the verdict, who scored and
//! lines for their signatures. It prints on A4 portrait fitted to the page width, so each
//! item's score stands on its line (宋体, header row repeated, page numbers in the footer).
//! Built from plain data so it can run on a blocking thread.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::i18n::wrapped_lines;

/// Column headings and fixed words, already in the reader's language.
pub struct Labels {
    pub part: String,
    pub point: String,
    pub max: String,
    pub score: String,
    pub group: String,
    pub remark: String,
    pub deduction: String,
    pub not_counted: String,
    pub part_total: String,
    pub total: String,
    pub veto: String,
    pub triggered: String,
    pub not_triggered: String,
    pub verdict: String,
    pub assessors: String,
    /// "评审组长（签字）："
    pub sign_leader: String,
    /// "评审专家（签字）："
    pub sign_experts: String,
    /// "日期：      年    月    日"
    pub sign_date: String,
}

pub struct SheetPoint {
    pub part: String,
    pub label: String,
    pub max: Option<Decimal>,
    pub score: Option<Decimal>,
    pub counted: bool,
    pub group: String,
    pub remark: String,
    /// (indicator number, points, reason, assessor)
    pub deductions: Vec<(i32, Decimal, String, String)>,
}

pub struct SheetVeto {
    pub label: String,
    pub triggered: Option<bool>,
    pub note: String,
}

pub struct Sheet {
    pub title: String,
    pub subtitle: String,
    pub labels: Labels,
    pub points: Vec<SheetPoint>,
    /// (part heading, score, max)
    pub parts: Vec<(String, Decimal, Option<Decimal>)>,
    pub total: Decimal,
    pub max_total: Decimal,
    pub vetoes: Vec<SheetVeto>,
    pub verdict: String,
    /// (group, assessor names)
    pub assessors: Vec<(String, String)>,
}

fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

pub fn build(sheet: &Sheet) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("评分表")?;
    let base = Format::new().set_font_name("宋体").set_font_size(10.5);
    let title = base
        .clone()
        .set_font_name("黑体")
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let subtitle = base.clone().set_align(FormatAlign::Center);
    let head = base
        .clone()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF5")
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell = base
        .clone()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let score = cell
        .clone()
        .set_num_format("0.00")
        .set_align(FormatAlign::Center);
    let minus = score
        .clone()
        .set_num_format("-0.00")
        .set_font_color("#B42318");
    let bold = cell.clone().set_bold();
    let bold_score = score.clone().set_bold();
    let sign = base.clone().set_align(FormatAlign::Bottom);

    // Item, maximum and score side by side at the left, so the eye runs along one line.
    ws.set_column_width(0, 8)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 7)?;
    ws.set_column_width(3, 8)?;
    ws.set_column_width(4, 12)?;
    ws.set_column_width(5, 30)?;
    ws.merge_range(0, 0, 0, 5, &sheet.title, &title)?;
    ws.set_row_height(0, 30)?;
    ws.merge_range(1, 0, 1, 5, &sheet.subtitle, &subtitle)?;
    ws.set_paper_size(9);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.6, 0.6, 0.7, 0.7, 0.3, 0.3);
    ws.set_footer("&C第 &P 页 共 &N 页");
    ws.set_repeat_rows(3, 3)?;
    let l = &sheet.labels;
    let headings = [&l.part, &l.point, &l.max, &l.score, &l.group, &l.remark];
    for (col, text) in headings.iter().enumerate() {
        ws.write_with_format(3, col as u16, text.as_str(), &head)?;
    }
    ws.set_freeze_panes(4, 0)?;

    let mut row = 4u32;
    for point in &sheet.points {
        ws.write_with_format(row, 0, &point.part, &cell)?;
        ws.write_with_format(row, 1, &point.label, &cell)?;
        match point.max {
            Some(max) => ws.write_with_format(row, 2, num(max), &score)?,
            None => ws.write_blank(row, 2, &cell)?,
        };
        match (point.score, point.counted) {
            (Some(s), true) => ws.write_with_format(row, 3, num(s), &score)?,
            (_, false) => ws.write_with_format(row, 3, &l.not_counted, &cell)?,
            (None, true) => ws.write_blank(row, 3, &cell)?,
        };
        ws.write_with_format(row, 4, &point.group, &cell)?;
        // Remarks, reasons, names and notes are typed by users: strings, never formulas.
        ws.write_string_with_format(row, 5, &point.remark, &cell)?;
        row += 1;
        for (indicator, points, reason, who) in &point.deductions {
            ws.write_with_format(row, 0, "", &cell)?;
            ws.write_with_format(row, 1, format!("{} {indicator}", l.deduction), &cell)?;
            ws.write_blank(row, 2, &cell)?;
            ws.write_with_format(row, 3, num(*points), &minus)?;
            ws.write_string_with_format(row, 4, who, &cell)?;
            ws.write_string_with_format(row, 5, reason, &cell)?;
            row += 1;
        }
    }
    row += 1;
    for (heading, part_score, max) in &sheet.parts {
        ws.write_with_format(row, 0, &l.part_total, &bold)?;
        ws.write_with_format(row, 1, heading, &bold)?;
        match max {
            Some(m) => ws.write_with_format(row, 2, num(*m), &bold_score)?,
            None => ws.write_blank(row, 2, &bold)?,
        };
        ws.write_with_format(row, 3, num(*part_score), &bold_score)?;
        row += 1;
    }
    ws.write_with_format(row, 0, &l.total, &bold)?;
    ws.write_with_format(row, 1, "", &bold)?;
    ws.write_with_format(row, 2, num(sheet.max_total), &bold_score)?;
    ws.write_with_format(row, 3, num(sheet.total), &bold_score)?;
    row += 2;
    for veto in &sheet.vetoes {
        ws.write_with_format(row, 0, &l.veto, &cell)?;
        ws.write_with_format(row, 1, &veto.label, &cell)?;
        let state = match veto.triggered {
            Some(true) => l.triggered.as_str(),
            Some(false) => l.not_triggered.as_str(),
            None => "",
        };
        ws.write_with_format(row, 3, state, &cell)?;
        ws.write_string_with_format(row, 5, &veto.note, &cell)?;
        let lines = wrapped_lines(&veto.label, 40.0).max(wrapped_lines(&veto.note, 30.0));
        ws.set_row_height(row, lines * 15.0)?;
        row += 1;
    }
    row += 1;
    ws.write_with_format(row, 0, &l.verdict, &bold)?;
    ws.merge_range(row, 1, row, 5, &sheet.verdict, &bold)?;
    ws.set_row_height(row, wrapped_lines(&sheet.verdict, 100.0) * 15.0)?;
    row += 2;
    ws.write_with_format(row, 0, &l.assessors, &bold)?;
    row += 1;
    for (group, names) in &sheet.assessors {
        ws.write_string_with_format(row, 0, group, &base)?;
        ws.merge_range(row, 1, row, 5, names, &base)?;
        row += 1;
    }
    // Signature lines, each on its own row with room to sign.
    row += 1;
    for line in [&l.sign_leader, &l.sign_experts, &l.sign_date] {
        ws.merge_range(row, 0, row, 5, line, &sign)?;
        ws.set_row_height(row, 30)?;
        row += 1;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn builds_a_workbook() {
        let labels = Labels {
            part: "部分".into(),
            point: "评价要点".into(),
            max: "分值".into(),
            score: "得分".into(),
            group: "评审组".into(),
            remark: "备注".into(),
            deduction: "扣分 指标".into(),
            not_counted: "不计分".into(),
            part_total: "小计".into(),
            total: "总分".into(),
            veto: "否决项".into(),
            triggered: "触发".into(),
            not_triggered: "未触发".into(),
            verdict: "结论".into(),
            assessors: "评审专家".into(),
            sign_leader: "评审组长（签字）：".into(),
            sign_experts: "评审专家（签字）：".into(),
            sign_date: "日期：      年    月    日".into(),
        };
        let sheet = Sheet {
            title: "省级初评评分表".into(),
            subtitle: "昌都市".into(),
            labels,
            points: vec![SheetPoint {
                part: "一".into(),
                label: "1. 组织领导".into(),
                max: Some(dec!(3)),
                score: Some(dec!(2.5)),
                counted: true,
                group: "第一组".into(),
                remark: String::new(),
                deductions: vec![(1, dec!(0.5), "会议纪要缺2021年".into(), "王专家".into())],
            }],
            parts: vec![("一、基础工作".into(), dec!(2.5), Some(dec!(30)))],
            total: dec!(2.5),
            max_total: dec!(120),
            vetoes: vec![SheetVeto {
                label: "90".into(),
                triggered: Some(false),
                note: String::new(),
            }],
            verdict: "通过".into(),
            assessors: vec![("第一组".into(), "王专家".into())],
        };
        let bytes = build(&sheet).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip archive");
    }
}
