//! The evidence archive: a ZIP of the latest version of every current piece of evidence
//! in a scope, organised as the rubric is —
//! `一、基础工作/1. 党政同责/1/市食安办/123-会议纪要.pdf` (veto indicators, which have no
//! point, sit directly under their part); the whole campaign's archive also holds the
//! plan's programmes' evidence (`治理提升工程/工程3 农贸市场升级改造/市商务局/…`) — with an
//! index spreadsheet (`索引.xlsx`) first.
//!
//! A whole campaign's archive runs to gigabytes, so it is never built in memory or on
//! disk: the `zip` crate's streaming writer runs on a blocking thread and writes into a
//! bounded channel whose receiving end is the response body. At most
//! `CHUNK * CHUNKS_IN_FLIGHT` bytes are in flight; when the client reads slowly the
//! writer waits, and when it goes away the writer stops. Files are stored, not
//! compressed: evidence is mostly PDFs and photos, which do not shrink, and storing keeps
//! the server's CPU free.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use bytes::Bytes;
use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::{EvidenceExportRow, kind_label, status_label};
use crate::storage::Storage;

/// Name of the index spreadsheet, the archive's first entry.
pub const INDEX_NAME: &str = "索引.xlsx";
/// Bytes per body chunk, and how many chunks may wait for the client.
const CHUNK: usize = 256 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// Makes one folder or file name safe to extract anywhere: path separators, control
/// characters and what Windows forbids in names become `_`; trailing dots and spaces
/// (which Windows drops) go; a name of only dots (`..`) could climb out of the folder
/// and becomes `_`. Chinese is kept as it is.
pub fn sanitise(component: &str) -> String {
    let cleaned: String = component
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        "_".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Where a piece of evidence goes in the archive. The evidence id keeps two files of
/// the same name apart.
pub fn entry_path(row: &EvidenceExportRow) -> String {
    let mut parts = vec![sanitise(&row.section_label())];
    if let (Some(seq), Some(title)) = (row.point_seq, &row.point_title) {
        parts.push(sanitise(&format!("{seq}. {title}")));
    }
    match (row.indicator_number, &row.programme_title) {
        (Some(number), _) => parts.push(number.to_string()),
        // 治理提升工程/工程3 农贸市场升级改造/…
        (None, Some(title)) => parts.push(sanitise(&format!("{} {title}", row.work_label()))),
        (None, None) => {}
    }
    parts.push(sanitise(&row.organisation_name));
    parts.push(sanitise(&format!("{}-{}", row.id, row.original_name)));
    parts.join("/")
}

/// The archive as a response body, produced while it is sent.
pub fn stream(storage: Storage, rows: Vec<EvidenceExportRow>, tz: Tz) -> Body {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let abandoned = Arc::new(AtomicBool::new(false));
        let sink = ChunkSink {
            tx: tx.clone(),
            buffer: Vec::with_capacity(CHUNK),
            abandoned: abandoned.clone(),
        };
        let mut zip = ZipWriter::new_stream(sink);
        let result = match write_entries(&mut zip, &storage, &rows, tz) {
            Ok(()) => zip
                .finish()
                .map_err(io::Error::other)
                .and_then(|mut sink| sink.get_mut().flush()),
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            if abandoned.swap(true, Ordering::SeqCst) {
                tracing::info!("evidence archive: the client went away");
            } else {
                tracing::error!(error = %err, "evidence archive failed");
                // An error in the body cuts the connection, so the download shows as
                // failed instead of ending like a complete (but truncated) archive.
                let _ = tx.blocking_send(Err(err));
            }
        }
        // Dropping an unfinished ZipWriter writes its central directory; with
        // `abandoned` set those bytes are discarded.
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }))
}

/// A file of the archive as found on disk, before anything is written.
struct Planned<'a> {
    row: &'a EvidenceExportRow,
    path: String,
    missing: bool,
}

fn write_entries<W: Write>(
    zip: &mut ZipWriter<zip::write::StreamWriter<W>>,
    storage: &Storage,
    rows: &[EvidenceExportRow],
    tz: Tz,
) -> io::Result<()> {
    // Check every file first, so the index can say which ones are missing.
    let planned: Vec<Planned> = rows
        .iter()
        .map(|row| {
            let on_disk = std::fs::metadata(storage.path(&row.storage_key));
            let missing = !on_disk.is_ok_and(|m| m.len() == row.size_bytes as u64);
            if missing {
                tracing::error!(evidence = row.id, key = %row.storage_key, "evidence file missing from storage");
            }
            Planned {
                row,
                path: entry_path(row),
                missing,
            }
        })
        .collect();
    let index = index_workbook(&planned, tz, storage).map_err(io::Error::other)?;
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file(INDEX_NAME, stored)
        .map_err(io::Error::other)?;
    zip.write_all(&index)?;

    let mut buffer = vec![0u8; CHUNK];
    for entry in planned.iter().filter(|p| !p.missing) {
        let options = stored
            .large_file(entry.row.size_bytes >= i64::from(u32::MAX))
            .last_modified_time(zip_time(entry.row.uploaded_at, tz));
        let mut file = std::fs::File::open(storage.path(&entry.row.storage_key))?;
        zip.start_file(entry.path.as_str(), options)
            .map_err(io::Error::other)?;
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            zip.write_all(&buffer[..read])?;
        }
    }
    Ok(())
}

fn zip_time(at: chrono::DateTime<chrono::Utc>, tz: Tz) -> zip::DateTime {
    let local = at.with_timezone(&tz);
    zip::DateTime::from_date_and_time(
        u16::try_from(local.year()).unwrap_or(1980),
        local.month() as u8,
        local.day() as u8,
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
    )
    .unwrap_or_default()
}

/// The index: one row per file, saying where it is in the archive and what it is. Written
/// row by row through a scratch file ("constant memory" mode): a campaign's index has tens
/// of thousands of rows, which a sheet kept in memory would hold several times over while
/// the archive streams.
fn index_workbook(
    planned: &[Planned],
    tz: Tz,
    storage: &Storage,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    const COLUMNS: [(&str, f64); 12] = [
        ("压缩包内路径", 60.0),
        ("标题", 30.0),
        ("责任单位", 16.0),
        ("指标", 6.0),
        ("评价要点", 18.0),
        ("类型", 8.0),
        ("年度", 6.0),
        ("大小（字节）", 12.0),
        ("SHA-256", 66.0),
        ("版本", 6.0),
        ("上传时间", 18.0),
        ("任务状态", 9.0),
    ];
    let mut workbook = Workbook::new();
    workbook.set_tempdir(storage.temp_dir())?;
    let ws = workbook.add_worksheet_with_constant_memory()?;
    ws.set_name("索引")?;
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF5");
    for (col, (heading, width)) in COLUMNS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
        ws.write_with_format(0, col as u16, *heading, &head)?;
    }
    ws.write_with_format(0, COLUMNS.len() as u16, "备注", &head)?;
    ws.set_freeze_panes(1, 0)?;
    for (index, entry) in planned.iter().enumerate() {
        let row = index as u32 + 1;
        let e = entry.row;
        // Titles, file names and organisation names are typed by users: written as
        // strings, so a title like `=HYPERLINK(…)` is shown, never evaluated.
        ws.write_string(row, 0, &entry.path)?;
        ws.write_string(row, 1, &e.title)?;
        ws.write_string(row, 2, &e.organisation_name)?;
        ws.write_string(row, 3, e.work_label())?;
        ws.write(row, 4, e.point_label())?;
        ws.write(row, 5, kind_label(&e.kind))?;
        if let Some(year) = e.year {
            ws.write(row, 6, year)?;
        }
        ws.write(row, 7, e.size_bytes as f64)?;
        ws.write(row, 8, &e.sha256)?;
        ws.write(row, 9, e.version)?;
        ws.write(
            row,
            10,
            e.uploaded_at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        )?;
        ws.write(row, 11, status_label(e.task_status))?;
        if entry.missing {
            ws.write(row, 12, "文件缺失，未打包")?;
        }
    }
    if !planned.is_empty() {
        ws.autofilter(0, 0, planned.len() as u32, COLUMNS.len() as u16)?;
    }
    workbook.save_to_buffer()
}

/// The write end of the body channel, in chunks of [`CHUNK`] bytes.
struct ChunkSink {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
    /// Set when the client went away or the archive failed; from then on writes are
    /// swallowed, so the ZipWriter's clean-up on drop has nowhere to complain to.
    abandoned: Arc<AtomicBool>,
}

impl ChunkSink {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        // Blocks this (blocking-pool) thread until the client has taken earlier chunks.
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            self.abandoned.store(true, Ordering::SeqCst);
            io::Error::new(io::ErrorKind::BrokenPipe, "client went away")
        })
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.abandoned.load(Ordering::SeqCst) {
            return Ok(data.len());
        }
        let room = CHUNK - self.buffer.len();
        let taken = room.min(data.len());
        self.buffer.extend_from_slice(&data[..taken]);
        if self.buffer.len() == CHUNK {
            self.send()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.abandoned.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_but_stay_chinese() {
        assert_eq!(sanitise("会议纪要（2024）.pdf"), "会议纪要（2024）.pdf");
        assert_eq!(sanitise("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(sanitise(".."), "_");
        assert_eq!(sanitise("a\\b:c*?\"<>|\u{0}\n"), "a_b_c________");
        assert_eq!(sanitise("  名称. "), "名称");
        assert_eq!(sanitise(""), "_");
    }
}
