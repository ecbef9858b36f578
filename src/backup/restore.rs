//! `shian restore --from DIR`.

use std::path::Path;

use anyhow::{Context, bail};

use super::create::copy_hashing;
use super::manifest::{self, FILES_DIR, Manifest};
use super::tools;
use crate::config::Config;
use crate::db::Database;

#[derive(Debug)]
pub struct RestoreReport {
    pub files: usize,
    pub file_bytes: u64,
}

pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<RestoreReport> {
    let manifest = Manifest::read(from).await?;
    verify(from, &manifest).await?;
    let files_dir = config.files_dir();
    if !super::holds_no_files(&files_dir)? {
        bail!(
            "The file folder {} already holds files; restore only into an empty data folder.",
            files_dir.display()
        );
    }
    let database = Database::open_unmigrated(config).await?;
    let result = run(&database, from, &manifest, &files_dir).await;
    database.close().await;
    result
}

/// Every checksum first, before anything is written: a damaged backup is refused with
/// the damaged pieces named.
async fn verify(from: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let mut damaged = Vec::new();
    let pieces = std::iter::once((from.join(&manifest.database.path), &manifest.database)).chain(
        manifest
            .files
            .iter()
            .map(|entry| (from.join(FILES_DIR).join(&entry.path), entry)),
    );
    for (path, entry) in pieces {
        if !manifest::is_safe_key(&entry.path) {
            bail!(
                "the manifest names {:?}, which is not a plain relative path",
                entry.path
            );
        }
        match manifest::checksum(&path).await {
            Ok((sha256, size)) if sha256 == entry.sha256 && size == entry.size => {}
            Ok(_) => damaged.push(format!("{} (checksum differs)", path.display())),
            Err(err) => damaged.push(format!("{} ({err})", path.display())),
        }
    }
    if !damaged.is_empty() {
        bail!(
            "the backup is damaged, nothing was restored: {}",
            damaged.join(", ")
        );
    }
    Ok(())
}

async fn run(
    database: &Database,
    from: &Path,
    manifest: &Manifest,
    files_dir: &Path,
) -> anyhow::Result<RestoreReport> {
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&database.pool)
    .await?;
    if tables > 0 {
        bail!(
            "The target database already holds {tables} tables; restore only into an empty database."
        );
    }
    let pg_restore = tools::tool("pg_restore")?;
    let dump = from.join(&manifest.database.path);
    tools::run(
        &pg_restore,
        &[
            "--no-owner".as_ref(),
            "--no-privileges".as_ref(),
            "--exit-on-error".as_ref(),
            "--single-transaction".as_ref(),
            dump.as_os_str(),
        ],
        &database.url,
    )
    .await
    .context("restoring the database")?;

    let mut file_bytes = 0;
    for entry in &manifest.files {
        let target = files_dir.join(&entry.path);
        let (sha256, size) = copy_hashing(&from.join(FILES_DIR).join(&entry.path), &target)
            .await
            .with_context(|| format!("copying {}", entry.path))?;
        // Checked again where it landed: the copy itself can fail silently on a bad disk.
        let (landed, _) = manifest::checksum(&target).await?;
        if sha256 != entry.sha256 || landed != entry.sha256 || size != entry.size {
            bail!("{} differs from the backup after copying", target.display());
        }
        file_bytes += size;
    }
    Ok(RestoreReport {
        files: manifest.files.len(),
        file_bytes,
    })
}
