//! File storage on the local disk, under `<data dir>/files`.
//!
//! An upload streams into a temporary file while its SHA-256 is computed and its first
//! bytes are checked against an allow-list of file types; only a complete, accepted file
//! is renamed into place. The temporary file is removed on every other outcome — a refused
//! type, a size over the limit, a broken or dropped connection — so nothing half-written
//! is ever left behind or recorded.

pub mod check;
mod names;
pub mod pending;
pub mod sniff;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

pub use names::{check_file_name, content_disposition};
pub use sniff::FileType;

/// How many leading bytes decide the file type.
const SNIFF_BYTES: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("file larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("file type not allowed")]
    Disallowed,
    #[error("empty file")]
    Empty,
    /// A file named as text (txt, csv) with a NUL byte somewhere: a binary in disguise.
    #[error("text file with binary content")]
    NotText,
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    /// The disk (or the account's quota) is full: not the uploader's fault, and no retry
    /// helps until someone makes room.
    #[error("storage full: {0}")]
    Full(std::io::Error),
    /// The pending marker that protects the file against a crash could not be written.
    #[error("cannot record the pending file: {0}")]
    Unrecorded(#[from] sqlx::Error),
    #[error(transparent)]
    Io(std::io::Error),
}

impl From<std::io::Error> for StorageError {
    fn from(err: std::io::Error) -> Self {
        match err.raw_os_error() {
            Some(code) if code == nix::libc::ENOSPC || code == nix::libc::EDQUOT => {
                StorageError::Full(err)
            }
            _ => StorageError::Io(err),
        }
    }
}

/// A file safely stored, with what was learnt while storing it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub file_type: FileType,
}

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    /// Where each stored key is marked pending until its row is committed
    /// ([`pending`]); without it (tools that record files themselves) no marks are kept.
    db: Option<sqlx::PgPool>,
    /// Keys this process has stored but may not have recorded yet, and since when: the
    /// periodic sweep leaves them alone while their upload may still be running.
    in_flight: Arc<Mutex<HashMap<String, Instant>>>,
    /// Set while the disk is full, so the office is told once per incident.
    full: Arc<AtomicBool>,
}

/// Removes the temporary file unless it was moved into place — also when the future
/// writing it is dropped because the client went away.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Storage {
    pub fn new(root: PathBuf) -> std::io::Result<Storage> {
        let storage = Storage::inspect(root);
        std::fs::create_dir_all(storage.temp_dir())?;
        storage.remove_leftovers();
        Ok(storage)
    }

    /// The storage of `root` for a tool that only reads it (`shian storage check`): the
    /// temporary files of a server running at the same time are left alone.
    pub fn inspect(root: PathBuf) -> Storage {
        Storage {
            root,
            db: None,
            in_flight: Arc::default(),
            full: Arc::default(),
        }
    }

    /// Marks every stored key pending in `db` before it is moved into place; the row
    /// that records the file clears the mark in the same transaction (a trigger), so a
    /// crash in between leaves a mark the sweep finds instead of an anonymous file.
    pub fn with_pending_marks(mut self, db: sqlx::PgPool) -> Storage {
        self.db = Some(db);
        self
    }

    /// The folder holding every stored file.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// Records that a write failed for lack of space; true only for the first failure
    /// of an incident (the disk has been full since), so the office is told once.
    pub fn note_full(&self) -> bool {
        !self.full.swap(true, Ordering::SeqCst)
    }

    /// Where files being written live until they are complete (uploads, and the scratch
    /// files of large spreadsheets): on the same disk, so a finished upload moves into
    /// place by a rename.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Temporary files can only survive a crash; clear them at start.
    fn remove_leftovers(&self) {
        if let Ok(entries) = std::fs::read_dir(self.temp_dir()) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Streams `body` to disk. `name` (the uploaded file name) helps tell text formats
    /// apart, since those have no magic bytes.
    pub async fn store<S, E>(
        &self,
        name: &str,
        mut body: S,
        limit: u64,
    ) -> Result<Stored, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut temp = TempFile {
            path: self.temp_dir().join(format!("{id}.part")),
            keep: false,
        };
        let mut file = tokio::fs::File::create(&temp.path).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut file_type: Option<FileType> = None;

        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| StorageError::Interrupted(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(StorageError::TooLarge { limit });
            }
            match file_type {
                None => {
                    let wanted = SNIFF_BYTES - head.len();
                    let (sniffed, rest) = chunk.split_at(wanted.min(chunk.len()));
                    head.extend_from_slice(sniffed);
                    if head.len() >= SNIFF_BYTES {
                        let detected =
                            sniff::detect(&head, name).ok_or(StorageError::Disallowed)?;
                        refuse_binary_text(detected, rest)?;
                        file_type = Some(detected);
                    }
                }
                // Only the head decides the type; the rest of a text file must still be
                // text, or a binary could pass with a harmless first page.
                Some(detected) => refuse_binary_text(detected, &chunk)?,
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        if size == 0 {
            return Err(StorageError::Empty);
        }
        let file_type = match file_type {
            Some(t) => t,
            None => sniff::detect(&head, name).ok_or(StorageError::Disallowed)?,
        };
        file.sync_all().await?;
        drop(file);

        let key = format!("{}/{}/{id}", &id[..2], &id[2..4]);
        let final_path = self.path(&key);
        if let Some(parent) = final_path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        if let Some(db) = &self.db {
            self.in_flight
                .lock()
                .expect("in-flight lock")
                .insert(key.clone(), Instant::now());
            if let Err(err) = pending::mark(db, &key).await {
                self.forget(&key);
                return Err(err.into());
            }
        }
        if let Err(err) = tokio::fs::rename(&temp.path, &final_path).await {
            self.unmark(&key).await;
            return Err(err.into());
        }
        temp.keep = true;
        self.full.store(false, Ordering::SeqCst);
        Ok(Stored {
            key,
            size,
            sha256: hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            file_type,
        })
    }

    pub async fn open(&self, key: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path(key)).await
    }

    /// Deletes a stored file (used when the database refused to record it).
    pub async fn remove(&self, key: &str) {
        if let Err(err) = tokio::fs::remove_file(self.path(key)).await {
            tracing::warn!(key, error = %err, "could not remove stored file");
        }
        self.unmark(key).await;
    }

    /// Clears the pending mark of a key that will not be recorded.
    async fn unmark(&self, key: &str) {
        if let Some(db) = &self.db
            && let Err(err) = pending::clear(db, key).await
        {
            tracing::warn!(key, error = %err, "could not clear a pending mark; the sweep will");
        }
        self.forget(key);
    }

    fn forget(&self, key: &str) {
        self.in_flight.lock().expect("in-flight lock").remove(key);
    }

    /// Keys stored by this process within `window` (their upload may still be running).
    fn recent_keys(&self, window: std::time::Duration) -> std::collections::HashSet<String> {
        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
        in_flight.retain(|_, since| since.elapsed() < window);
        in_flight.keys().cloned().collect()
    }

    /// Deletes stored files of an upload that is not going to be recorded.
    pub async fn discard(&self, files: &[(Stored, String)]) {
        for (file, _) in files {
            self.remove(&file.key).await;
        }
    }

    /// Streams a stored file as a download (`inline` shows it in the browser instead).
    pub async fn response(
        &self,
        key: &str,
        name: &str,
        size: u64,
        content_type: &str,
        inline: bool,
    ) -> std::io::Result<axum::response::Response> {
        use axum::http::{HeaderValue, header};
        let file = self.open(key).await?;
        let mut response = axum::response::IntoResponse::into_response(read_ahead(file));
        let headers = response.headers_mut();
        let content_type = if inline {
            content_type
        } else {
            "application/octet-stream"
        };
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        let disposition = content_disposition(if inline { "inline" } else { "attachment" }, name);
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=3600"),
        );
        // The browser's PDF viewer needs plugins; nothing else may run in a shown file.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'",
            ),
        );
        Ok(response)
    }
}

/// A text file (by its name and head) must not contain a NUL byte anywhere.
fn refuse_binary_text(file_type: FileType, bytes: &[u8]) -> Result<(), StorageError> {
    if matches!(file_type, FileType::Text | FileType::Csv) && bytes.contains(&0) {
        return Err(StorageError::NotText);
    }
    Ok(())
}

/// Bytes per read of a download, and how many reads may wait for the client.
const DOWNLOAD_CHUNK: usize = 1 << 20;
const DOWNLOAD_CHUNKS_AHEAD: usize = 4;

/// A response body that reads the file ahead of the client: a task reads the next chunks
/// while the earlier ones are being sent, so disk and network overlap instead of taking
/// turns (a cold gigabyte downloads at the speed of the slower of the two, not the sum).
/// At most [`DOWNLOAD_CHUNKS_AHEAD`] chunks wait; when the client goes away the task ends.
fn read_ahead(file: tokio::fs::File) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel(DOWNLOAD_CHUNKS_AHEAD);
    tokio::spawn(async move {
        let mut chunks = tokio_util::io::ReaderStream::with_capacity(file, DOWNLOAD_CHUNK);
        while let Some(chunk) = chunks.next().await {
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    axum::body::Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;
    use std::path::Path;

    fn chunks(
        data: &[u8],
        size: usize,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        let parts: Vec<Result<Bytes, std::io::Error>> = data
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        stream::iter(parts)
    }

    fn files_in(dir: &Path) -> usize {
        walk(dir).len()
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path))
            } else {
                out.push(path)
            }
        }
        out
    }

    fn pdf(size: usize) -> Vec<u8> {
        let mut data = b"%PDF-1.7\n".to_vec();
        data.resize(size, b'x');
        data
    }

    #[tokio::test]
    async fn stores_hashes_and_types_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::new(dir.path().to_path_buf()).unwrap();
        let data = pdf(100_000);
        let stored = storage
            .store("报告.pdf", chunks(&data, 4096), 1 << 20)
            .await
            .unwrap();
        assert_eq!(stored.size, 100_000);
        assert_eq!(stored.file_type, FileType::Pdf);
        let expected: String = Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stored.sha256, expected);
        assert_eq!(std::fs::read(storage.path(&stored.key)).unwrap(), data);
        assert_eq!(files_in(dir.path()), 1, "no temporary file left");
    }

    #[tokio::test]
    async fn refusals_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::new(dir.path().to_path_buf()).unwrap();
        let too_big = storage
            .store("a.pdf", chunks(&pdf(50_000), 1000), 10_000)
            .await;
        assert!(matches!(
            too_big,
            Err(StorageError::TooLarge { limit: 10_000 })
        ));

        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
        exe.resize(20_000, 0);
        let disguised = storage.store("报告.pdf", chunks(&exe, 1000), 1 << 20).await;
        assert!(matches!(disguised, Err(StorageError::Disallowed)));

        let empty = storage.store("a.txt", chunks(b"", 10), 1 << 20).await;
        assert!(matches!(empty, Err(StorageError::Empty)));

        let broken = stream::iter(vec![
            Ok(Bytes::from(pdf(9000))),
            Err(std::io::Error::other("connection reset")),
        ]);
        let interrupted = storage.store("a.pdf", broken, 1 << 20).await;
        assert!(matches!(interrupted, Err(StorageError::Interrupted(_))));

        // A future dropped mid-stream (the client went away) cleans up too.
        let stalled = stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(pdf(9000)))])
            .chain(stream::pending());
        let pending = storage.store("a.pdf", stalled, 1 << 20);
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(100), pending).await;
        assert!(timed_out.is_err());
        assert_eq!(
            files_in(dir.path()),
            0,
            "every refusal removed its temporary file"
        );
    }

    #[test]
    fn file_names() {
        assert!(check_file_name("2024年工作总结.pdf").is_ok());
        assert_eq!(
            check_file_name("../../etc/passwd"),
            Err("upload-error-path-in-name")
        );
        assert_eq!(
            check_file_name("C:\\docs\\a.pdf"),
            Err("upload-error-path-in-name")
        );
        assert_eq!(check_file_name("a\u{0}.pdf"), Err("upload-error-bad-name"));
        assert_eq!(check_file_name("  "), Err("upload-error-no-name"));
    }

    #[test]
    fn disposition_keeps_chinese_names() {
        let header = content_disposition("attachment", "会议纪要 2024.pdf");
        assert!(header.starts_with("attachment; filename=\"____ 2024.pdf\"; filename*=UTF-8''"));
        assert!(header.contains("%E4%BC%9A"));
    }
}
