//! Running `pg_dump` / `pg_restore`: the client tools beside the server binaries the
//! embedded cluster uses (same PostgreSQL version), connected to the URL Shian uses.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tokio::process::Command;

use crate::db::embedded::locate_binaries;

pub fn tool(name: &str) -> anyhow::Result<PathBuf> {
    let dir = locate_binaries().context(
        "PostgreSQL's binaries were not found on PATH or under /usr/lib/postgresql/*/bin \
         (Debian/Ubuntu: apt-get install postgresql-client)",
    )?;
    let path = dir.join(name);
    if !path.is_file() {
        bail!("{} is missing beside initdb in {}", name, dir.display());
    }
    Ok(path)
}

/// Runs a client tool against `url` (a libpq URL: the normalised `DATABASE_URL`, which
/// libpq reads the same way as sqlx).
pub async fn run(program: &Path, args: &[&std::ffi::OsStr], url: &str) -> anyhow::Result<()> {
    let output = Command::new(program)
        .args(args)
        .arg("--dbname")
        .arg(url)
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed ({}): {}",
            program.file_name().unwrap_or_default().to_string_lossy(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
