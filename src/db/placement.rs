//! Where the embedded cluster lives when Shian runs as root. PostgreSQL runs as the
//! `postgres` account, which must be able to enter every folder on the way to the
//! cluster. A data folder inside a private home folder (`/root`, mode 0700) is out of its
//! reach, so the cluster then goes to `<fallback>/pg-<hash of the data folder path>`,
//! and a small file in the data folder (`cluster-location`) records where, so the same
//! cluster is found on every later start even if permissions change.
//!
//! The alternative, granting the account traversal of the home folder with an ACL,
//! changes the permissions of a folder the user owns (and `setfacl` is often missing).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::EmbeddedError;

const LOCATION_FILE: &str = "cluster-location";

pub fn cluster_root(
    root: &Path,
    user: &nix::unistd::User,
    fallback_base: &Path,
) -> Result<PathBuf, EmbeddedError> {
    let record = root.join(LOCATION_FILE);
    if let Ok(text) = std::fs::read_to_string(&record) {
        let recorded = PathBuf::from(text.trim());
        if recorded.is_absolute() {
            return Ok(recorded);
        }
    }
    if can_enter_all(root, user) {
        return Ok(root.to_path_buf());
    }
    let folder_error = |path: &Path, source: std::io::Error| EmbeddedError::Folder {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(fallback_base).map_err(|e| folder_error(fallback_base, e))?;
    let base = fallback_base
        .canonicalize()
        .map_err(|e| folder_error(fallback_base, e))?;
    if !can_enter_all(&base, user) {
        return Err(EmbeddedError::Unreachable {
            data: root.to_path_buf(),
            fallback: base,
        });
    }
    let digest = super::sha2_hex(root.as_os_str().as_encoded_bytes());
    let cluster = base.join(format!("pg-{}", &digest[..16]));
    std::fs::write(&record, format!("{}\n", cluster.display()))
        .map_err(|e| folder_error(&record, e))?;
    tracing::info!(
        data = %root.display(),
        cluster = %cluster.display(),
        "the postgres account cannot enter the data folder; keeping the cluster outside it"
    );
    Ok(cluster)
}

/// True when `user` has search (x) permission on `dir` and every folder above it.
fn can_enter_all(dir: &Path, user: &nix::unistd::User) -> bool {
    dir.ancestors().all(|folder| {
        let Ok(meta) = std::fs::metadata(folder) else {
            return false;
        };
        let mode = meta.mode();
        if meta.uid() == user.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == user.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    })
}
