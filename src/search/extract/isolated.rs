//! Extraction in a child process: `shian extract-text --format F FILE` prints the
//! [`Outcome`] as JSON. The parent bounds it by wall-clock time (the child is killed),
//! CPU seconds and address space (`setrlimit` before `exec`), so a PDF that makes the
//! parser spin or allocate without end costs one failed file, never the server.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::{Format, MAX_TEXT_BYTES, Outcome};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub wall: Duration,
    pub cpu_secs: u64,
    pub memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            wall: Duration::from_secs(90),
            cpu_secs: 60,
            memory_bytes: 3 * 1024 * 1024 * 1024,
        }
    }
}

/// The most the child may print (the text cap, JSON-escaped, with room to spare).
const MAX_OUTPUT: u64 = (MAX_TEXT_BYTES as u64) * 3 + 64 * 1024;

/// Runs `program extract-text` on `path`. Every failure is an [`Outcome::Failed`].
pub async fn extract_file(program: &Path, format: Format, path: &Path, limits: Limits) -> Outcome {
    let Some(arg) = format.as_arg() else {
        return super::extract(format, &[]);
    };
    let mut command = tokio::process::Command::new(program);
    command
        .arg("extract-text")
        .arg("--format")
        .arg(arg)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .env("RUST_LOG", "off");
    let (cpu, memory) = (limits.cpu_secs, limits.memory_bytes);
    // SAFETY: only setrlimit, which is async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            use nix::sys::resource::{Resource, setrlimit};
            setrlimit(Resource::RLIMIT_CPU, cpu, cpu + 5).map_err(std::io::Error::from)?;
            setrlimit(Resource::RLIMIT_AS, memory, memory).map_err(std::io::Error::from)?;
            setrlimit(Resource::RLIMIT_CORE, 0, 0).map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return Outcome::Failed(format!("cannot start the extractor: {err}")),
    };
    let Some(stdout) = child.stdout.take() else {
        return Outcome::Failed("the extractor has no output".into());
    };
    let run = async {
        let mut out = Vec::new();
        stdout.take(MAX_OUTPUT).read_to_end(&mut out).await?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((out, status))
    };
    match tokio::time::timeout(limits.wall, run).await {
        Err(_) => Outcome::Failed(format!(
            "extraction took longer than {} s",
            limits.wall.as_secs()
        )),
        Ok(Err(err)) => Outcome::Failed(format!("extractor failed: {err}")),
        Ok(Ok((out, status))) => match serde_json::from_slice::<Outcome>(&out) {
            Ok(outcome) if status.success() => outcome,
            _ => {
                use std::os::unix::process::ExitStatusExt;
                Outcome::Failed(match status.signal() {
                    Some(24) => "extraction used up its CPU time".to_string(),
                    Some(signal) => {
                        format!("extractor stopped by signal {signal} (too large or malformed)")
                    }
                    None => format!("extractor ended with {status}"),
                })
            }
        },
    }
}

/// The child's side: read the file, extract, print JSON. Never panics outward.
pub fn child_main(format: &str, path: &Path) -> std::process::ExitCode {
    // A panic inside a parser is caught in `extract`; keep its message off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = match (Format::from_arg(format), std::fs::read(path)) {
        (None, _) => Outcome::Failed(format!("unknown format {format}")),
        (_, Err(err)) => Outcome::Failed(format!("cannot read the file: {err}")),
        (Some(format), Ok(bytes)) => super::extract(format, &bytes),
    };
    match serde_json::to_writer(std::io::stdout().lock(), &outcome) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}
