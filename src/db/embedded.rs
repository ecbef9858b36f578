//! The embedded default: a PostgreSQL cluster of Shian's own, made and run from the
//! system's `initdb`/`pg_ctl` binaries, kept in one folder and reached over a Unix socket
//! only (no TCP port, so nothing else on the machine can reach it).
//!
//! PostgreSQL refuses to run as root. When Shian itself runs as root (containers, CI),
//! the cluster is created and run as the unprivileged `postgres` account, which owns the
//! cluster's folders.

use std::path::{Path, PathBuf};
use std::process::Output;

use thiserror::Error;
use tokio::process::Command;

#[path = "placement.rs"]
mod placement;

/// Unix sockets are limited to about 107 bytes of path; PostgreSQL appends `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR_LEN: usize = 90;
const OS_USER_WHEN_ROOT: &str = "postgres";
/// Where clusters go when the data folder is out of the postgres account's reach.
pub const DEFAULT_FALLBACK_BASE: &str = "/var/lib/shian";

#[derive(Debug, Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under \
         /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: `apt-get install postgresql`) \
         or set DATABASE_URL to use an existing server."
    )]
    BinariesMissing,
    #[error(
        "Shian runs as root and PostgreSQL refuses to; the unprivileged account `{0}` it would \
         run the database as does not exist. Create it (`useradd --system {0}`) or set DATABASE_URL."
    )]
    NoUnprivilegedUser(&'static str),
    #[error(
        "the postgres account cannot enter {data} nor {fallback}; move the data folder \
         (SHIAN_DATA_DIR) to a folder every account may enter, e.g. /srv/shian, or set DATABASE_URL."
    )]
    Unreachable { data: PathBuf, fallback: PathBuf },
    #[error("{action} failed: {detail}")]
    Command { action: String, detail: String },
    #[error("cannot prepare folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Options that trade durability for speed; only for throwaway test clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Durable,
    Throwaway,
}

#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    root: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<nix::unistd::User>,
    durability: Durability,
    started_here: bool,
}

impl EmbeddedPostgres {
    /// Prepares (but does not start) a cluster kept under `root`.
    pub fn new(root: &Path, durability: Durability) -> Result<Self, EmbeddedError> {
        Self::new_with_fallback(root, durability, Path::new(DEFAULT_FALLBACK_BASE))
    }

    /// Like [`EmbeddedPostgres::new`]; when Shian runs as root and the `postgres` account
    /// cannot reach `root` (a data folder in a private home folder), the cluster is kept
    /// under `fallback_base` instead, and where it went is recorded in `root`.
    pub fn new_with_fallback(
        root: &Path,
        durability: Durability,
        fallback_base: &Path,
    ) -> Result<Self, EmbeddedError> {
        let bin_dir = locate_binaries().ok_or(EmbeddedError::BinariesMissing)?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name(OS_USER_WHEN_ROOT)
                .ok()
                .flatten()
                .ok_or(EmbeddedError::NoUnprivilegedUser(OS_USER_WHEN_ROOT))?;
            Some(user)
        } else {
            None
        };
        let mut root = absolute(root)?;
        if let Some(user) = &run_as {
            root = placement::cluster_root(&root, user, fallback_base)?;
        }
        let mut socket_dir = root.join("run");
        if socket_dir.as_os_str().len() > MAX_SOCKET_DIR_LEN {
            // A deep data folder would overflow the socket path; use a short, stable name.
            let digest = sha2_hex(root.as_os_str().as_encoded_bytes());
            socket_dir = std::env::temp_dir().join(format!("shian-pg-{}", &digest[..16]));
        }
        Ok(EmbeddedPostgres {
            bin_dir,
            root,
            socket_dir,
            run_as,
            durability,
            started_here: false,
        })
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    /// Creates the cluster on first use and starts it unless it is already running.
    pub async fn ensure_running(&mut self) -> Result<(), EmbeddedError> {
        self.prepare_folders()?;
        if !self.data_dir().join("PG_VERSION").exists() {
            tracing::info!(folder = %self.data_dir().display(), "creating embedded PostgreSQL cluster");
            let data = self.data_dir();
            let mut args = vec![
                "-D".into(),
                data.display().to_string(),
                "-U".into(),
                "postgres".into(),
                "--auth=trust".into(),
                "-E".into(),
                "UTF8".into(),
                "--no-locale".into(),
            ];
            if self.durability == Durability::Throwaway {
                args.push("--no-sync".into());
            }
            self.run_pg("initdb", &args, "creating the database cluster (initdb)")
                .await?;
        }
        if self.is_running().await {
            tracing::info!(socket = %self.socket_dir.display(), "embedded PostgreSQL already running; reusing it");
            return Ok(());
        }
        let mut options = format!(
            "-k {} -c listen_addresses='' -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        if self.durability == Durability::Throwaway {
            options.push_str(
                " -F -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            );
        }
        let args = vec![
            "-D".into(),
            self.data_dir().display().to_string(),
            "-l".into(),
            self.log_file().display().to_string(),
            "-w".into(),
            "-t".into(),
            "60".into(),
            "-o".into(),
            options,
            "start".into(),
        ];
        if let Err(err) = self
            .run_pg("pg_ctl", &args, "starting PostgreSQL (pg_ctl start)")
            .await
        {
            let log_tail = tail_of(&self.log_file(), 2000);
            return Err(match err {
                EmbeddedError::Command { action, detail } => EmbeddedError::Command {
                    action,
                    detail: format!("{detail}\n--- {}:\n{log_tail}", self.log_file().display()),
                },
                other => other,
            });
        }
        self.started_here = true;
        tracing::info!(socket = %self.socket_dir.display(), "embedded PostgreSQL started");
        Ok(())
    }

    /// A sqlx URL for `database` over the cluster's socket (the `host` parameter, a
    /// folder, overrides the nominal `localhost`).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// True while the postmaster recorded in `postmaster.pid` is alive. Cheap (no
    /// subprocess), for the watchdog's frequent checks.
    pub fn postmaster_alive(&self) -> bool {
        let Ok(text) = std::fs::read_to_string(self.data_dir().join("postmaster.pid")) else {
            return false;
        };
        let Some(pid) = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse::<i32>().ok())
        else {
            return false;
        };
        // Signal 0 checks that the process exists; a zombie would still count, but the
        // postmaster is not our child (pg_ctl starts it detached).
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
    }

    pub async fn is_running(&self) -> bool {
        let args = vec![
            "-D".into(),
            self.data_dir().display().to_string(),
            "status".into(),
        ];
        self.run_pg("pg_ctl", &args, "pg_ctl status").await.is_ok()
    }

    /// Stops the cluster if this process started it (a cluster found running is left alone).
    pub async fn stop_if_started_here(&mut self) {
        if self.started_here {
            self.stop().await;
        }
    }

    pub async fn stop(&mut self) {
        let mode = match self.durability {
            Durability::Durable => "fast",
            Durability::Throwaway => "immediate",
        };
        let args = vec![
            "-D".into(),
            self.data_dir().display().to_string(),
            "-m".into(),
            mode.into(),
            "-w".into(),
            "stop".into(),
        ];
        match self.run_pg("pg_ctl", &args, "stopping PostgreSQL").await {
            Ok(_) => tracing::info!("embedded PostgreSQL stopped"),
            Err(err) => tracing::warn!(error = %err, "could not stop embedded PostgreSQL"),
        }
        self.started_here = false;
    }

    fn prepare_folders(&self) -> Result<(), EmbeddedError> {
        for dir in [&self.root, &self.socket_dir] {
            std::fs::create_dir_all(dir).map_err(|source| EmbeddedError::Folder {
                path: dir.clone(),
                source,
            })?;
            if let Some(user) = &self.run_as {
                nix::unistd::chown(dir.as_path(), Some(user.uid), Some(user.gid)).map_err(
                    |errno| EmbeddedError::Folder {
                        path: dir.clone(),
                        source: errno.into(),
                    },
                )?;
            }
        }
        Ok(())
    }

    async fn run_pg(
        &self,
        program: &str,
        args: &[String],
        action: &str,
    ) -> Result<Output, EmbeddedError> {
        let binary = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(&user.name).arg("--").arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        command
            .args(args)
            // The postgres account may not be allowed into the caller's working folder.
            .current_dir(&self.root)
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null())
            // Own process group: a terminal's ctrl-c reaches Shian, which then shuts the
            // database down in order, instead of reaching PostgreSQL directly.
            .process_group(0)
            .kill_on_drop(false);
        let output = command.output().await.map_err(|e| EmbeddedError::Command {
            action: action.to_string(),
            detail: format!("cannot run {}: {e}", binary.display()),
        })?;
        if output.status.success() {
            Ok(output)
        } else {
            let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_string();
            if detail.is_empty() {
                detail = String::from_utf8_lossy(&output.stdout).trim().to_string();
            }
            if detail.is_empty() {
                detail = format!("exit status {}", output.status);
            }
            Err(EmbeddedError::Command {
                action: action.to_string(),
                detail,
            })
        }
    }
}

/// Finds a folder holding `initdb` and `pg_ctl`: PATH first, then the newest
/// `/usr/lib/postgresql/<version>/bin`.
pub fn locate_binaries() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d))
    {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

fn absolute(path: &Path) -> Result<PathBuf, EmbeddedError> {
    std::fs::create_dir_all(path).map_err(|source| EmbeddedError::Folder {
        path: path.to_path_buf(),
        source,
    })?;
    path.canonicalize().map_err(|source| EmbeddedError::Folder {
        path: path.to_path_buf(),
        source,
    })
}

fn tail_of(path: &Path, max_bytes: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(max_bytes);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

fn sha2_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
