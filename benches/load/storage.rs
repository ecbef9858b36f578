//! Storage throughput (one large upload and download against dd) and the ZIP export.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::Options;
use crate::server::{Server, clerk_name, signed_in};

/// dd's throughput in MB/s, parsed from its summary line.
pub fn dd(args: &[&str]) -> anyhow::Result<f64> {
    let output = Command::new("dd").args(args).output()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let line = text.lines().last().unwrap_or_default();
    // "... copied, 1.234 s, 870 MB/s"
    let mut parts = line.rsplit(", ");
    let rate = parts.next().unwrap_or_default();
    let (value, unit) = rate.split_once(' ').unwrap_or(("0", "MB/s"));
    let value: f64 = value.replace(',', ".").parse().unwrap_or(0.0);
    Ok(match unit {
        "GB/s" => value * 1000.0,
        "kB/s" => value / 1000.0,
        _ => value,
    })
}

pub async fn measure_storage(
    server: &Server,
    work: &Path,
    options: &Options,
) -> anyhow::Result<Value> {
    let mb = options.file_mb;
    let file = work.join("big-upload.pdf");
    // The upload's source: a PDF header and incompressible bytes.
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        out.write_all(b"%PDF-1.7\n")?;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mb {
            for chunk in block.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
            }
            out.write_all(&block)?;
        }
    }
    let disk_file = server_files_dir(work).join("dd-probe");
    let count = mb.to_string();
    let disk_write = dd(&[
        "if=/dev/zero",
        &format!("of={}", disk_file.display()),
        "bs=1M",
        &format!("count={count}"),
        "conv=fsync",
    ])?;
    // Reads are measured from the disk, not from the page cache the write just filled.
    forget_cached(&disk_file);
    let disk_read = dd(&[
        &format!("if={}", disk_file.display()),
        "of=/dev/null",
        "bs=1M",
    ])?;
    let _ = std::fs::remove_file(&disk_file);

    let base = &server.base;
    let clerk = signed_in(base, &clerk_name(base, 0).await?, "Demo-Clerk-2025").await?;
    let page = clerk
        .get(format!("{base}/tasks"))
        .send()
        .await?
        .text()
        .await?;
    let task: i64 = page
        .split("href=\"/tasks/")
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .next()
        .ok_or_else(|| anyhow::anyhow!("the clerk has no task"))?;
    let task_page = clerk
        .get(format!("{base}/tasks/{task}"))
        .send()
        .await?
        .text()
        .await?;
    let token = task_page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    let size = std::fs::metadata(&file)?.len();
    let rss_before_upload = server.memory_window();
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
        tokio::fs::File::open(&file).await?,
        256 * 1024,
    ));
    let part = reqwest::multipart::Part::stream_with_length(body, size)
        .file_name("基准测试大文件.pdf")
        .mime_str("application/pdf")?;
    let form = reqwest::multipart::Form::new()
        .text("title", "基准测试大文件")
        .text("kind", "document")
        .part("files", part);
    let begun = Instant::now();
    let response = clerk
        .post(format!("{base}/tasks/{task}/evidence?csrf_token={token}"))
        .multipart(form)
        .send()
        .await?;
    let upload_secs = begun.elapsed().as_secs_f64();
    anyhow::ensure!(
        response.status() == reqwest::StatusCode::SEE_OTHER,
        "upload answered {}",
        response.status()
    );
    let (_, peak_after_upload) = server.memory();
    let task_page = clerk
        .get(format!("{base}/tasks/{task}"))
        .send()
        .await?
        .text()
        .await?;
    let version: i64 = task_page
        .split("href=\"/files/")
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .next()
        .ok_or_else(|| anyhow::anyhow!("no download link after the upload"))?;
    forget_cached(&server_files_dir(work));
    let rss_before_download = server.memory_window();
    let begun = Instant::now();
    let mut stream = clerk
        .get(format!("{base}/files/{version}"))
        .send()
        .await?
        .bytes_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        received += chunk?.len() as u64;
    }
    let download_secs = begun.elapsed().as_secs_f64();
    let (_, peak_after_download) = server.memory();
    let _ = std::fs::remove_file(&file);
    // Deleted again, so every run's export measures the same demo data. (Deleting keeps
    // the file on disk, as it does for any evidence.)
    let evidence: Option<i64> = task_page
        .split(&format!("href=\"/files/{version}\""))
        .nth(1)
        .and_then(|row| row.split("action=\"/evidence/").nth(1))
        .and_then(|rest| rest.split('/').next()?.parse().ok());
    if let Some(evidence) = evidence {
        let deleted = clerk
            .post(format!("{base}/evidence/{evidence}/delete"))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await?;
        anyhow::ensure!(
            deleted.status() == reqwest::StatusCode::SEE_OTHER,
            "deleting the benchmark's upload answered {}",
            deleted.status()
        );
    }
    let mbs = |secs: f64| ((size as f64 / 1e6 / secs) * 10.0).round() / 10.0;
    Ok(json!({
        "file_mb": mb,
        "disk_write_mb_s": disk_write, "disk_read_mb_s": disk_read,
        "upload_mb_s": mbs(upload_secs), "download_mb_s": mbs(download_secs),
        "downloaded_bytes": received, "uploaded_bytes": size,
        "server_rss_before_upload_kib": rss_before_upload,
        "server_peak_during_upload_kib": peak_after_upload,
        "server_rss_before_download_kib": rss_before_download,
        "server_peak_during_download_kib": peak_after_download,
    }))
}

/// Drops a file's (or a folder's files') pages from the page cache, so the next read
/// comes from the disk; POSIX_FADV_DONTNEED needs no privileges.
pub fn forget_cached(path: &Path) {
    use std::os::fd::AsRawFd;
    if path.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            forget_cached(&entry.path());
        }
    } else if let Ok(file) = std::fs::File::open(path) {
        // SAFETY: a valid open descriptor; the call only advises the kernel.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

pub fn server_files_dir(work: &Path) -> PathBuf {
    work.join("city").join("files")
}

pub async fn measure_export(server: &Server, work: &Path) -> anyhow::Result<Value> {
    forget_cached(&server_files_dir(work));
    let base = &server.base;
    let office = signed_in(base, "office1", "Demo-Office-2025").await?;
    let rss_before = server.memory_window();
    let begun = Instant::now();
    let response = office
        .get(format!("{base}/exports/evidence.zip"))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "export answered {}",
        response.status()
    );
    let mut stream = response.bytes_stream();
    let mut bytes = 0u64;
    while let Some(chunk) = stream.next().await {
        bytes += chunk?.len() as u64;
    }
    let secs = begun.elapsed().as_secs_f64();
    let (_, peak) = server.memory();
    Ok(json!({
        "bytes": bytes, "seconds": (secs * 100.0).round() / 100.0,
        "mb_s": ((bytes as f64 / 1e6 / secs) * 10.0).round() / 10.0,
        "server_rss_before_kib": rss_before, "server_peak_kib": peak,
    }))
}
