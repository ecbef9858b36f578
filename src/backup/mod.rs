//! Backup and restore of a whole instance: the database and the files it references.
//!
//! A backup dumps the database first (`pg_dump -Fc` on a snapshot exported by a
//! repeatable-read transaction), lists the stored files from that same snapshot, then
//! copies exactly those files. A file uploaded after the snapshot is not in the dump and
//! not copied; every file the dump references was already complete on disk (a row is
//! written only after its file is in place), so the copy is consistent. `manifest.json`
//! records the SHA-256 of the dump and of every file.
//!
//! A restore checks every checksum before touching anything, refuses a target that holds
//! data, restores the dump, copies the files and checks them again where they landed.

mod create;
pub mod manifest;
mod restore;
mod tools;

pub use create::{BackupReport, backup};
pub use restore::{RestoreReport, restore};

use std::path::Path;

/// True when `dir` is missing or holds no regular file at any depth (empty folders,
/// e.g. the storage's own `tmp/`, do not count).
pub(crate) fn holds_no_files(dir: &Path) -> std::io::Result<bool> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            if !holds_no_files(&entry.path())? {
                return Ok(false);
            }
        } else {
            return Ok(false);
        }
    }
    Ok(true)
}
