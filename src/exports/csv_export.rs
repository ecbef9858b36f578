//! CSV files of tasks and evidence. Each starts with a UTF-8 byte order mark: without
//! it Excel, which is what the office opens them with, reads the file in the system's
//! legacy code page and garbles every Chinese character.

use chrono_tz::Tz;

use super::csv_cell::write_record;
use super::{EvidenceExportRow, TaskExportRow, kind_label, part_label, status_label};

const BOM: &[u8] = "\u{feff}".as_bytes();

const TASK_HEADINGS: [&str; 12] = [
    "任务编号",
    "部分",
    "评价要点",
    "指标",
    "评价内容",
    "评价方式",
    "责任部门",
    "基本任务",
    "责任单位",
    "状态",
    "截止日期",
    "佐证数",
];

const EVIDENCE_HEADINGS: [&str; 15] = [
    "佐证编号",
    "任务编号",
    "部分",
    "评价要点",
    "指标",
    "责任单位",
    "标题",
    "类型",
    "年度",
    "文件名",
    "大小（字节）",
    "SHA-256",
    "版本",
    "上传时间",
    "任务状态",
];

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(BOM.to_vec())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> csv::Result<Vec<u8>> {
    writer.into_inner().map_err(|err| err.into_error().into())
}

pub fn tasks(rows: &[TaskExportRow]) -> csv::Result<Vec<u8>> {
    let mut out = writer();
    write_record(&mut out, TASK_HEADINGS)?;
    for t in rows {
        write_record(
            &mut out,
            [
                t.id.to_string(),
                part_label(&t.part_numeral, &t.part_title),
                t.point_label(),
                t.indicator_number.to_string(),
                t.indicator_content.clone(),
                t.methods_text.clone(),
                t.responsibility_text.clone(),
                t.task_label(),
                t.organisation_name.clone(),
                status_label(t.status),
                t.due_on.map(|d| d.to_string()).unwrap_or_default(),
                t.evidence_count.to_string(),
            ],
        )?;
    }
    finish(out)
}

pub fn evidence(rows: &[EvidenceExportRow], tz: Tz) -> csv::Result<Vec<u8>> {
    let mut out = writer();
    write_record(&mut out, EVIDENCE_HEADINGS)?;
    for e in rows {
        write_record(
            &mut out,
            [
                e.id.to_string(),
                e.task_id.to_string(),
                e.section_label(),
                e.point_label(),
                e.work_label(),
                e.organisation_name.clone(),
                e.title.clone(),
                kind_label(&e.kind),
                e.year.map(|y| y.to_string()).unwrap_or_default(),
                e.original_name.clone(),
                e.size_bytes.to_string(),
                e.sha256.clone(),
                e.version.to_string(),
                e.uploaded_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                status_label(e.task_status),
            ],
        )?;
    }
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_a_byte_order_mark_and_quotes_commas() {
        let bytes = tasks(&[]).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("任务编号,部分,评价要点"));
        assert_eq!(text.lines().count(), 1);
    }
}
