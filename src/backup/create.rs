//! `shian backup --to DIR`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::manifest::{self, DUMP_FILE, Entry, FILES_DIR, Manifest};
use super::tools;
use crate::config::Config;
use crate::db::Database;

#[derive(Debug)]
pub struct BackupReport {
    pub dump_bytes: u64,
    pub files: usize,
    pub file_bytes: u64,
    /// Files the database lists that were not on disk (already lost before the backup).
    pub missing: Vec<String>,
}

/// Row of `stored_files` as seen by the dump's snapshot.
#[derive(sqlx::FromRow)]
struct Listed {
    storage_key: String,
}

pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<BackupReport> {
    prepare_target(to)?;
    let database = Database::open(config).await?;
    let result = run(config, &database, to).await;
    database.close().await;
    result
}

/// The folder must be new or empty: a backup never mixes with an older one.
fn prepare_target(to: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(to) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty; back up into a new or empty folder",
                    to.display()
                );
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(to)
                .with_context(|| format!("cannot create {}", to.display()))?;
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", to.display())),
    }
    Ok(())
}

async fn run(config: &Config, database: &Database, to: &Path) -> anyhow::Result<BackupReport> {
    // One snapshot for both the dump and the file list.
    let mut snapshot = database.pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *snapshot)
        .await?;
    let snapshot_id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *snapshot)
        .await?;
    let listed: Vec<Listed> = sqlx::query_as("SELECT storage_key FROM stored_files ORDER BY id")
        .fetch_all(&mut *snapshot)
        .await?;

    let dump_path = to.join(DUMP_FILE);
    let pg_dump = tools::tool("pg_dump")?;
    tools::run(
        &pg_dump,
        &[
            "--format=custom".as_ref(),
            "--no-owner".as_ref(),
            format!("--snapshot={snapshot_id}").as_ref(),
            "--file".as_ref(),
            dump_path.as_os_str(),
        ],
        &database.url,
    )
    .await
    .context("dumping the database")?;
    // The snapshot only has to live while pg_dump takes it over.
    snapshot.commit().await?;
    let (dump_sha, dump_bytes) = manifest::checksum(&dump_path).await?;

    let source = config.files_dir();
    let mut files = Vec::with_capacity(listed.len());
    let mut missing = Vec::new();
    let mut file_bytes = 0;
    for row in listed {
        if !manifest::is_safe_key(&row.storage_key) {
            bail!(
                "stored file key {:?} is not a plain relative path",
                row.storage_key
            );
        }
        let from = source.join(&row.storage_key);
        let into = to.join(FILES_DIR).join(&row.storage_key);
        match copy_hashing(&from, &into).await {
            Ok((sha256, size)) => {
                file_bytes += size;
                files.push(Entry {
                    path: row.storage_key,
                    size,
                    sha256,
                });
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(key = %row.storage_key, "stored file missing; not in the backup");
                missing.push(row.storage_key);
            }
            Err(err) => {
                return Err(err).with_context(|| format!("copying {}", from.display()));
            }
        }
    }
    let manifest = Manifest {
        format: manifest::FORMAT,
        created_at: chrono::Utc::now(),
        shian_version: env!("CARGO_PKG_VERSION").to_string(),
        database: Entry {
            path: DUMP_FILE.to_string(),
            size: dump_bytes,
            sha256: dump_sha,
        },
        files,
    };
    // Written last: a folder without a manifest is an unfinished backup.
    manifest.write(to).await?;
    Ok(BackupReport {
        dump_bytes,
        files: manifest.files.len(),
        file_bytes,
        missing,
    })
}

/// Copies `from` to `into` (creating folders), returning the SHA-256 and size of the
/// bytes written, and syncs the copy to disk.
pub(super) async fn copy_hashing(from: &Path, into: &PathBuf) -> std::io::Result<(String, u64)> {
    let mut reader = tokio::fs::File::open(from).await?;
    if let Some(parent) = into.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let mut writer = tokio::fs::File::create(into).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
        writer.write_all(&buffer[..read]).await?;
    }
    writer.sync_all().await?;
    Ok((manifest::hex(&hasher.finalize()), size))
}
