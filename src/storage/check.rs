//! `shian storage check`: compares the file folder with the rows that record its files.
//! Finds files no row records (orphans), rows whose file is gone, and files whose bytes
//! no longer match the recorded SHA-256. `--repair` moves orphans into a quarantine
//! folder; it never deletes anything, and never touches a file a row records.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{Storage, pending};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub file_id: i64,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub file_id: i64,
    pub key: String,
    pub expected_sha256: String,
    pub actual_sha256: String,
}

#[derive(Debug, Default)]
pub struct Report {
    /// Files checked against their row.
    pub checked: usize,
    /// Files without a row (keys).
    pub orphans: Vec<String>,
    /// Files without a row that belong to an upload still within its pending window.
    pub in_progress: Vec<String>,
    pub missing: Vec<Missing>,
    pub mismatched: Vec<Mismatch>,
    /// Where each orphan was moved to (with `repair`).
    pub quarantined: Vec<PathBuf>,
}

impl Report {
    pub fn problems(&self) -> usize {
        self.orphans.len() + self.missing.len() + self.mismatched.len()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for key in &self.orphans {
            writeln!(f, "orphan file (no row): {key}")?;
        }
        for m in &self.missing {
            writeln!(f, "missing file: {} (stored_files id {})", m.key, m.file_id)?;
        }
        for m in &self.mismatched {
            writeln!(
                f,
                "checksum mismatch: {} (stored_files id {}): recorded {}, on disk {}",
                m.key, m.file_id, m.expected_sha256, m.actual_sha256
            )?;
        }
        for path in &self.quarantined {
            writeln!(f, "quarantined: {}", path.display())?;
        }
        if !self.in_progress.is_empty() {
            writeln!(
                f,
                "{} file(s) of uploads in progress left alone",
                self.in_progress.len()
            )?;
        }
        write!(
            f,
            "{} file(s) checked, {} problem(s): {} orphan(s), {} missing, {} checksum mismatch(es)",
            self.checked,
            self.problems(),
            self.orphans.len(),
            self.missing.len(),
            self.mismatched.len()
        )
    }
}

/// Checks every file and row; with `repair`, moves orphans under `quarantine` (keeping
/// their key as the path, so one can be put back by hand).
pub async fn run(
    db: &PgPool,
    storage: &Storage,
    quarantine: &Path,
    repair: bool,
) -> anyhow::Result<Report> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, storage_key, sha256 FROM stored_files ORDER BY id")
            .fetch_all(db)
            .await?;
    let in_progress: HashSet<String> = pending::recent(db).await?.into_iter().collect();
    let root = storage.root().to_path_buf();
    let skip = storage.temp_dir();
    let on_disk = tokio::task::spawn_blocking(move || {
        if root.is_dir() {
            files_under(&root, &root, &skip)
        } else {
            Ok(Vec::new())
        }
    })
    .await
    .context("listing stored files")??;
    let recorded: HashMap<&str, (i64, &str)> = rows
        .iter()
        .map(|(id, key, sha)| (key.as_str(), (*id, sha.as_str())))
        .collect();

    let mut report = Report::default();
    for key in &on_disk {
        let Some((file_id, expected)) = recorded.get(key.as_str()) else {
            if in_progress.contains(key) {
                report.in_progress.push(key.clone());
            } else {
                report.orphans.push(key.clone());
            }
            continue;
        };
        let path = storage.path(key);
        let actual = tokio::task::spawn_blocking(move || sha256_of(&path))
            .await
            .context("hashing a stored file")?
            .with_context(|| format!("reading stored file {key}"))?;
        report.checked += 1;
        if actual != *expected {
            report.mismatched.push(Mismatch {
                file_id: *file_id,
                key: key.clone(),
                expected_sha256: expected.to_string(),
                actual_sha256: actual,
            });
        }
    }
    let present: HashSet<&str> = on_disk.iter().map(String::as_str).collect();
    for (file_id, key, _) in &rows {
        if !present.contains(key.as_str()) {
            report.missing.push(Missing {
                file_id: *file_id,
                key: key.clone(),
            });
        }
    }
    if repair {
        for key in &report.orphans {
            let target = quarantine.join(key);
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            move_file(&storage.path(key), &target)
                .await
                .with_context(|| format!("moving {key} to {}", target.display()))?;
            report.quarantined.push(target);
        }
    }
    Ok(report)
}

/// A rename when the quarantine is on the same disk, else a copy that is synced before
/// the original is removed.
async fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if tokio::fs::rename(from, to).await.is_ok() {
        return Ok(());
    }
    tokio::fs::copy(from, to).await?;
    tokio::fs::File::open(to).await?.sync_all().await?;
    tokio::fs::remove_file(from).await
}

/// Keys (paths relative to `root`, with `/`) of every file under `dir` but `skip`.
fn files_under(root: &Path, dir: &Path, skip: &Path) -> std::io::Result<Vec<String>> {
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path == skip {
            continue;
        }
        if path.is_dir() {
            keys.extend(files_under(root, &path, skip)?);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            keys.push(parts.join("/"));
        }
    }
    keys.sort();
    Ok(keys)
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
