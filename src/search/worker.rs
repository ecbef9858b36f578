//! The background indexer: one task per server process that extracts the text of queued
//! files (one at a time, in a child process with limits) and rebuilds the search vectors
//! of evidence records whose title, file or organisation changed.
//!
//! The queue is `evidence_text` (filled by a trigger on `evidence_versions`); a row is
//! claimed with `FOR UPDATE SKIP LOCKED` and a lease (`claimed_at`), so several server
//! processes on one database never extract the same file twice at once, and a file whose
//! worker died is claimed again once the lease has run out. After [`MAX_ATTEMPTS`] the
//! row stays failed. Uploads wake the worker (a write request ends by calling
//! [`Wake::wake`]); otherwise it looks every [`POLL`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::AsyncReadExt;
use tokio::sync::Notify;

use super::extract::isolated::{self, Limits};
use super::extract::{Format, Outcome};
use super::terms::{Scheme, VectorBuilder, Weight};

/// A file whose extraction has not finished this long after it was claimed is claimed
/// again (its worker died). Longer than any extraction may take ([`Limits::wall`]).
pub const LEASE: Duration = Duration::from_secs(600);
pub const MAX_ATTEMPTS: i32 = 3;
pub const POLL: Duration = Duration::from_secs(5);
/// Evidence vectors rebuilt per transaction.
pub const BATCH: i64 = 500;

/// Wakes the worker of this process (cheap; many wakes while it works make one more look).
#[derive(Debug, Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

#[derive(Debug, Clone)]
pub struct Worker {
    db: PgPool,
    files: PathBuf,
    program: PathBuf,
    limits: Limits,
    wake: Wake,
    /// Told when the index changed, so cached searches see new files.
    figures: Option<crate::derived::Derived>,
}

/// What one unit of work did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Idle,
    Rebuilt(usize),
    Extracted {
        state: &'static str,
        text_bytes: usize,
    },
}

/// Totals of a drain (`shian search reindex --wait`).
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub files: usize,
    pub text_bytes: usize,
    pub by_state: std::collections::BTreeMap<&'static str, usize>,
    pub vectors: usize,
    pub extract_time: Duration,
    pub vector_time: Duration,
    pub total_time: Duration,
}

impl Worker {
    /// `program` runs `extract-text` (the shian binary itself unless told otherwise).
    pub fn new(db: PgPool, files: PathBuf, program: Option<PathBuf>, wake: Wake) -> Worker {
        let program = program
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("shian"));
        Worker {
            db,
            files,
            program,
            limits: Limits::default(),
            wake,
            figures: None,
        }
    }

    /// Searches cached in `figures` are recomputed after every change of the index.
    pub fn with_figures(mut self, figures: crate::derived::Derived) -> Worker {
        self.figures = Some(figures);
        self
    }

    /// Works until the process ends.
    pub async fn run(self) {
        loop {
            match self.step().await {
                Ok(Step::Idle) => {
                    let _ = tokio::time::timeout(POLL, self.wake.0.notified()).await;
                }
                Ok(step) => {
                    if let (Step::Rebuilt(_), Some(figures)) = (step, &self.figures) {
                        figures.changed();
                    }
                    tokio::task::yield_now().await
                }
                Err(err) => {
                    tracing::warn!(error = %err, "search indexing failed; trying again shortly");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Works until nothing is left, and says what it did.
    pub async fn drain(&self) -> anyhow::Result<Report> {
        let started = Instant::now();
        let mut report = Report::default();
        // Files first, then every vector once (the live worker does it the other way
        // round, so that a new upload's title is searchable at once).
        loop {
            let before = Instant::now();
            match self.extract_next().await? {
                Step::Extracted { state, text_bytes } => {
                    report.files += 1;
                    report.text_bytes += text_bytes;
                    *report.by_state.entry(state).or_default() += 1;
                    report.extract_time += before.elapsed();
                }
                _ => break,
            }
        }
        let before = Instant::now();
        loop {
            match rebuild_stale(&self.db, BATCH).await? {
                0 => break,
                n => report.vectors += n,
            }
        }
        report.vector_time = before.elapsed();
        report.total_time = started.elapsed();
        Ok(report)
    }

    /// One unit of work: a batch of stale vectors first (cheap, and makes titles
    /// searchable at once), else one queued file.
    pub async fn step(&self) -> anyhow::Result<Step> {
        let rebuilt = rebuild_stale(&self.db, BATCH).await?;
        if rebuilt > 0 {
            return Ok(Step::Rebuilt(rebuilt));
        }
        self.extract_next().await
    }

    async fn extract_next(&self) -> anyhow::Result<Step> {
        let claimed: Option<(i64, i32, String, String, String)> = sqlx::query_as(
            "WITH next AS ( \
                 SELECT file_id FROM evidence_text \
                  WHERE state = 'queued' AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => $1)) \
                  ORDER BY queued_at, file_id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE evidence_text t SET claimed_at = now(), attempts = t.attempts + 1 \
               FROM next, stored_files f WHERE t.file_id = next.file_id AND f.id = t.file_id \
             RETURNING t.file_id, t.attempts, f.storage_key, f.original_name, f.content_type",
        )
        .bind(LEASE.as_secs_f64())
        .fetch_optional(&self.db)
        .await?;
        let Some((file_id, attempts, key, name, content_type)) = claimed else {
            return Ok(Step::Idle);
        };
        let started = Instant::now();
        let outcome = if attempts > MAX_ATTEMPTS {
            Outcome::Failed(format!("gave up after {MAX_ATTEMPTS} attempts"))
        } else {
            let path = self.files.join(&key);
            match head(&path).await {
                Err(err) => Outcome::Failed(format!("the stored file cannot be read: {err}")),
                Ok(head) => {
                    let format = Format::of(&content_type, &name, &head);
                    isolated::extract_file(&self.program, format, &path, self.limits).await
                }
            }
        };
        let (state, body, error) = match outcome {
            Outcome::Text(text) => ("done", Some(text), None),
            Outcome::NoTextLayer => ("no_text", None, None),
            Outcome::NotText => ("not_text", None, None),
            Outcome::Failed(reason) => ("failed", None, Some(reason)),
        };
        let text_bytes = body.as_ref().map_or(0, String::len);
        let terms = match body.clone() {
            Some(text) if !text.is_empty() => Some(
                tokio::task::spawn_blocking(move || {
                    let mut vector = VectorBuilder::new();
                    vector.add(&text, Weight::D, Scheme::WordsAndBigrams);
                    vector.literal()
                })
                .await?,
            ),
            _ => None,
        };
        if let Some(reason) = &error {
            tracing::info!(file_id, %name, %reason, "no text extracted");
        }
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "UPDATE evidence_text SET state = $2, body = $3, terms = $4::tsvector, text_bytes = $5, \
                    finished_at = now(), took_ms = $6, error = $7, claimed_at = NULL \
              WHERE file_id = $1",
        )
        .bind(file_id)
        .bind(state)
        .bind(&body)
        .bind(&terms)
        .bind(text_bytes as i32)
        .bind(started.elapsed().as_millis().min(i32::MAX as u128) as i32)
        .bind(&error)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE evidence_search SET stale = TRUE WHERE file_id = $1 AND NOT stale")
            .bind(file_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Step::Extracted { state, text_bytes })
    }
}

/// The first bytes of a stored file (to tell a .docx from an old .doc).
async fn head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let file = tokio::fs::File::open(path).await?;
    let mut head = Vec::with_capacity(16);
    file.take(16).read_to_end(&mut head).await?;
    Ok(head)
}

/// The vector of an evidence record's own words (title A; description, organisation
/// and file name B).
pub fn meta_vector(title: &str, description: &str, organisation: &str, file_name: &str) -> String {
    let mut vector = VectorBuilder::new();
    vector.add(title, Weight::A, Scheme::WordsAndBigrams);
    vector.add(description, Weight::B, Scheme::WordsAndBigrams);
    vector.add(organisation, Weight::B, Scheme::WordsAndBigrams);
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    vector.add(stem, Weight::B, Scheme::WordsAndBigrams);
    vector.literal()
}

/// Rebuilds up to `limit` stale vectors: the record's own words and its latest file's
/// text (when extracted). Returns how many.
pub async fn rebuild_stale(db: &PgPool, limit: i64) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let rows: Vec<(i64, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT s.evidence_id, e.title, e.description, o.name, f.original_name, v.file_id \
           FROM evidence_search s JOIN evidence e ON e.id = s.evidence_id \
           JOIN organisations o ON o.id = e.organisation_id \
           JOIN LATERAL (SELECT file_id FROM evidence_versions WHERE evidence_id = e.id \
                         ORDER BY version DESC LIMIT 1) v ON true \
           JOIN stored_files f ON f.id = v.file_id \
          WHERE s.stale ORDER BY s.evidence_id LIMIT $1 FOR UPDATE OF s SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        // Stale rows of evidence without any version (none today) would stay stale.
        return Ok(0);
    }
    let count = rows.len();
    let (ids, metas, files) = tokio::task::spawn_blocking(move || {
        let mut ids = Vec::with_capacity(rows.len());
        let mut metas = Vec::with_capacity(rows.len());
        let mut files = Vec::with_capacity(rows.len());
        for (id, title, description, organisation, file_name, file_id) in rows {
            ids.push(id);
            metas.push(meta_vector(&title, &description, &organisation, &file_name));
            files.push(file_id);
        }
        (ids, metas, files)
    })
    .await?;
    sqlx::query(
        "UPDATE evidence_search s \
            SET vector = m.meta::tsvector || coalesce(t.terms, ''::tsvector), meta = m.meta::tsvector, \
                file_id = m.file_id, \
                stale = FALSE, built_at = now() \
           FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS m(evidence_id, meta, file_id) \
           LEFT JOIN evidence_text t ON t.file_id = m.file_id \
          WHERE s.evidence_id = m.evidence_id",
    )
    .bind(&ids)
    .bind(&metas)
    .bind(&files)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(count)
}

/// `shian search reindex`: every evidence record's latest file queued again (its old
/// text stays searchable until the new one is in), every vector stale.
pub async fn requeue_all(db: &PgPool) -> sqlx::Result<(u64, u64)> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO evidence_text (file_id) \
         SELECT DISTINCT latest.file_id FROM (SELECT DISTINCT ON (v.evidence_id) v.file_id \
             FROM evidence_versions v ORDER BY v.evidence_id, v.version DESC) latest \
         ON CONFLICT (file_id) DO UPDATE SET state = 'queued', attempts = 0, claimed_at = NULL, \
             queued_at = now(), error = NULL",
    )
    .execute(&mut *tx)
    .await?;
    let files: i64 =
        sqlx::query_scalar("SELECT count(*) FROM evidence_text WHERE state = 'queued'")
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO evidence_search (evidence_id, campaign_id) SELECT id, campaign_id FROM evidence \
         ON CONFLICT (evidence_id) DO UPDATE SET stale = TRUE",
    )
    .execute(&mut *tx)
    .await?;
    let vectors: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence_search WHERE stale")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((files as u64, vectors as u64))
}
