//! The score sheet as an .xlsx workbook: one row per evaluation point and one per
//! deduction under it, part totals, the overall total, vetoes, the verdict and who scored.
//! Built from plain data so it can run on a blocking thread.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

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
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF5")
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let score = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00");
    let minus = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("-0.00")
        .set_font_color("#B42318");
    let bold = Format::new().set_bold().set_border(FormatBorder::Thin);
    let bold_score = bold.clone().set_num_format("0.00");

    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 46)?;
    ws.set_column_width(2, 8)?;
    ws.set_column_width(3, 10)?;
    ws.set_column_width(4, 16)?;
    ws.set_column_width(5, 50)?;
    ws.write_with_format(0, 0, &sheet.title, &title)?;
    ws.write(1, 0, &sheet.subtitle)?;
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
        row += 1;
    }
    row += 1;
    ws.write_with_format(row, 0, &l.verdict, &bold)?;
    ws.write_with_format(row, 1, &sheet.verdict, &bold)?;
    row += 2;
    ws.write_with_format(row, 0, &l.assessors, &bold)?;
    row += 1;
    for (group, names) in &sheet.assessors {
        ws.write_string(row, 0, group)?;
        ws.write_string(row, 1, names)?;
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
