//! Running `pg_dump` / `pg_restore`: the client tools beside the server binaries the
//! embedded cluster uses (same PostgreSQL version), connected to the URL Shian uses.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use tokio::process::Command;

use crate::db::embedded::locate_binaries;

pub fn tool(name: &str) -> anyhow::Result<PathBuf> {
    let dir = locate_binaries().context(
        "PostgreSQL's binaries were not found on PATH or under /usr/lib/postgresql/*/bin \
         (Debian/Ubuntu: apt-get install postgresql)",
    )?;
    // `initdb` on PATH may be a symbolic link into the real folder (Debian's
    // /usr/lib/postgresql/<version>/bin), where the client tools of the same version sit.
    let real_dir = dir
        .join("initdb")
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    [Some(dir.clone()), real_dir]
        .into_iter()
        .flatten()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("{name} is missing beside initdb in {}", dir.display()))
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
