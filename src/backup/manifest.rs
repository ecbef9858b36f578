//! `manifest.json`: what a backup holds, with the SHA-256 of every piece, so a restore
//! can prove the copy intact before it touches anything.

use std::path::{Component, Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

pub const MANIFEST_FILE: &str = "manifest.json";
pub const DUMP_FILE: &str = "database.dump";
pub const FILES_DIR: &str = "files";
/// Bumped when the layout changes; a restore refuses a format it does not know.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub shian_version: String,
    /// The `pg_dump -Fc` archive.
    pub database: Entry,
    /// Every stored file the dump references, by storage key (also its path under
    /// `files/`).
    pub files: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub async fn read(dir: &Path) -> anyhow::Result<Manifest> {
        use anyhow::Context;
        let path = dir.join(MANIFEST_FILE);
        let text = tokio::fs::read_to_string(&path).await.with_context(|| {
            format!(
                "{} is not a Shian backup (no readable {MANIFEST_FILE})",
                dir.display()
            )
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{} is damaged", path.display()))?;
        if manifest.format != FORMAT {
            anyhow::bail!(
                "{} has backup format {}, this Shian reads format {FORMAT}",
                path.display(),
                manifest.format
            );
        }
        Ok(manifest)
    }

    pub async fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        let path = dir.join(MANIFEST_FILE);
        let mut file = tokio::fs::File::create(&path).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, text.as_bytes()).await?;
        file.sync_all().await?;
        Ok(())
    }
}

/// SHA-256 (hex) and size of a file, read in pieces.
pub async fn checksum(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    Ok((hex(&hasher.finalize()), size))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A storage key is a relative path of plain names (`ab/cd/<uuid>`); anything else in a
/// manifest (`..`, an absolute path) could write outside the target folder.
pub fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && Path::new(key)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_folder() {
        assert!(is_safe_key("ab/cd/0123abcd"));
        assert!(!is_safe_key("../etc/passwd"));
        assert!(!is_safe_key("/etc/passwd"));
        assert!(!is_safe_key("ab/../../x"));
        assert!(!is_safe_key(""));
    }
}
