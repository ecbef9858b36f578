//! Evidence (佐证资料): files an organisation uploads against a task, with versions.
//! The bytes live in [`crate::storage`]; rows are written only after the bytes are stored.
//! One record can serve several tasks ([`uses`]) and carries the period it is valid for
//! ([`validity`]).

pub mod library;
pub mod uses;
pub mod validity;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool, Postgres, Transaction};

use crate::storage::Stored;

pub mod preview;

pub const KINDS: [&str; 6] = ["document", "ledger", "minutes", "photo", "news", "other"];

/// What the uploader says about a file.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub title: String,
    pub description: String,
    pub year: Option<i32>,
    pub kind: String,
    pub validity: validity::Validity,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct EvidenceRow {
    pub id: i64,
    pub task_id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub description: String,
    pub year: Option<i32>,
    pub kind: String,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub version: i32,
    pub version_id: i64,
    /// When the latest version was uploaded, and by whom: a new version has its own
    /// date, not the first upload's.
    pub version_at: DateTime<Utc>,
    pub version_by_name: Option<String>,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// The indicators every current use serves, in order.
    pub indicators: Vec<i32>,
}

impl EvidenceRow {
    pub fn validity(&self) -> validity::Validity {
        validity::Validity {
            from: self.valid_from,
            until: self.valid_until,
        }
    }

    pub fn previewable(&self) -> bool {
        crate::storage::FileType::from_mime(&self.content_type).is_some_and(|t| t.previewable())
    }

    /// Whether the preview page has something to show for its latest version.
    pub fn has_preview(&self) -> bool {
        preview::offered(&self.content_type, &self.original_name)
    }

    pub fn size_text(&self) -> String {
        human_size(self.size_bytes)
    }
}

pub fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GB", b / 1024.0 / 1024.0 / 1024.0)
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

const ROW: &str = "e.id, e.task_id, e.organisation_id, e.title, e.description, e.year, e.kind, \
     u.display_name AS created_by_name, e.created_at, e.deleted_at, e.created_by, \
     v.version, v.id AS version_id, v.created_at AS version_at, \
     (SELECT display_name FROM users WHERE id = v.created_by) AS version_by_name, f.original_name, f.content_type, f.size_bytes, f.sha256, \
     e.valid_from, e.valid_until, \
     coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
               JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
               WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{}') AS indicators";

/// The evidence a task uses (its own uploads and files linked to it), newest first, each
/// with its latest version; deleted ones too (the page shows them struck out, as part of
/// the history). A row whose `task_id` is another task is a linked file.
pub async fn for_task(db: &PgPool, task_id: i64) -> sqlx::Result<Vec<EvidenceRow>> {
    sqlx::query_as(&format!(
        "SELECT {ROW} FROM evidence_uses use_ JOIN evidence e ON e.id = use_.evidence_id \
         JOIN LATERAL (SELECT * FROM evidence_versions WHERE evidence_id = e.id ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id LEFT JOIN users u ON u.id = e.created_by \
         WHERE use_.task_id = $1 ORDER BY e.deleted_at IS NOT NULL, e.id DESC"
    ))
    .bind(task_id)
    .fetch_all(db)
    .await
}

pub async fn find(db: &PgPool, id: i64) -> sqlx::Result<Option<EvidenceRow>> {
    sqlx::query_as(&format!(
        "SELECT {ROW} FROM evidence e \
         JOIN LATERAL (SELECT * FROM evidence_versions WHERE evidence_id = e.id ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id LEFT JOIN users u ON u.id = e.created_by WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Version {
    pub id: i64,
    pub evidence_id: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub storage_key: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Every version of every piece of evidence a task uses, newest first.
pub async fn versions_for_task(db: &PgPool, task_id: i64) -> sqlx::Result<Vec<Version>> {
    sqlx::query_as(
        "SELECT v.id, v.evidence_id, v.version, v.created_at, u.display_name AS created_by_name, f.storage_key, \
                f.original_name, f.content_type, f.size_bytes, f.sha256 \
         FROM evidence_versions v JOIN evidence_uses eu ON eu.evidence_id = v.evidence_id JOIN stored_files f ON f.id = v.file_id \
         LEFT JOIN users u ON u.id = v.created_by WHERE eu.task_id = $1 ORDER BY v.evidence_id, v.version DESC",
    )
    .bind(task_id)
    .fetch_all(db)
    .await
}

/// A version with the evidence it belongs to (for downloads and their access check).
pub async fn version(db: &PgPool, version_id: i64) -> sqlx::Result<Option<(Version, i64, i64)>> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT e.organisation_id, e.task_id FROM evidence_versions v JOIN evidence e ON e.id = v.evidence_id WHERE v.id = $1",
    )
    .bind(version_id)
    .fetch_optional(db)
    .await?;
    let Some((organisation_id, task_id)) = row else {
        return Ok(None);
    };
    let version: Option<Version> = sqlx::query_as(
        "SELECT v.id, v.evidence_id, v.version, v.created_at, u.display_name AS created_by_name, f.storage_key, \
                f.original_name, f.content_type, f.size_bytes, f.sha256 \
         FROM evidence_versions v JOIN stored_files f ON f.id = v.file_id LEFT JOIN users u ON u.id = v.created_by \
         WHERE v.id = $1",
    )
    .bind(version_id)
    .fetch_optional(db)
    .await?;
    Ok(version.map(|v| (v, organisation_id, task_id)))
}

pub async fn insert_file(
    db: impl sqlx::PgExecutor<'_>,
    stored: &Stored,
    name: &str,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO stored_files (storage_key, original_name, content_type, size_bytes, sha256, uploaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&stored.key)
    .bind(name.trim())
    .bind(stored.file_type.mime())
    .bind(stored.size as i64)
    .bind(&stored.sha256)
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// Records a new piece of evidence for `task` whose file is already stored.
pub async fn create(
    tx: &mut Transaction<'_, Postgres>,
    task: &crate::tasks::Task,
    meta: &Meta,
    stored: &Stored,
    original_name: &str,
    user_id: i64,
) -> sqlx::Result<i64> {
    let file_id = insert_file(&mut **tx, stored, original_name, user_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evidence (campaign_id, task_id, organisation_id, title, description, year, kind, created_by, \
                               valid_from, valid_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(task.campaign_id)
    .bind(task.id)
    .bind(task.organisation_id)
    .bind(meta.title.trim())
    .bind(meta.description.trim())
    .bind(meta.year)
    .bind(&meta.kind)
    .bind(user_id)
    .bind(meta.validity.from)
    .bind(meta.validity.until)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO evidence_uses (evidence_id, task_id, linked_by) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(task.id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO evidence_versions (evidence_id, version, file_id, created_by) VALUES ($1, 1, $2, $3)")
        .bind(id)
        .bind(file_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// Adds a new version; the earlier ones stay.
pub async fn add_version(
    tx: &mut Transaction<'_, Postgres>,
    evidence_id: i64,
    stored: &Stored,
    original_name: &str,
    user_id: i64,
) -> sqlx::Result<i32> {
    let file_id = insert_file(&mut **tx, stored, original_name, user_id).await?;
    sqlx::query_scalar(
        "INSERT INTO evidence_versions (evidence_id, version, file_id, created_by) \
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM evidence_versions WHERE evidence_id = $1 \
         RETURNING version",
    )
    .bind(evidence_id)
    .bind(file_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn soft_delete(
    tx: &mut Transaction<'_, Postgres>,
    evidence_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE evidence SET deleted_at = now(), deleted_by = $2 WHERE id = $1 AND deleted_at IS NULL")
        .bind(evidence_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Evidence records an organisation holds in a campaign (deleted ones not counted).
pub async fn count_for_organisation(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM evidence WHERE campaign_id = $1 AND organisation_id = $2 AND deleted_at IS NULL",
    )
    .bind(campaign_id)
    .bind(organisation_id)
    .fetch_one(db)
    .await
}

/// Who reads evidence: the whole campaign (office, leaders, assessors) or one
/// organisation's clerks, who see what their organisation uploaded and what is linked to
/// its tasks. Pages, downloads, previews and search all ask this one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Everyone,
    Organisation(i64),
}

impl Reader {
    pub fn of(user: &crate::accounts::User) -> Reader {
        match (user.role, user.organisation_id) {
            (crate::accounts::Role::Department, Some(org)) => Reader::Organisation(org),
            // A clerk without an organisation reads nothing; no organisation has id 0.
            (crate::accounts::Role::Department, None) => Reader::Organisation(0),
            _ => Reader::Everyone,
        }
    }

    /// The organisation a clause must restrict to, for SQL binds (`$n::bigint IS NULL OR …`).
    pub fn organisation(self) -> Option<i64> {
        match self {
            Reader::Everyone => None,
            Reader::Organisation(org) => Some(org),
        }
    }
}

/// The SQL condition "evidence `e` is readable by the organisation bound at `$n`" (or by
/// everyone when it is NULL), for queries over `evidence e`.
///
/// The uses are asked as one uncorrelated set (`e.id IN (…)`), which PostgreSQL builds
/// once per statement and probes per row; a correlated `EXISTS` under the `OR` was a
/// subplan run again for every row, which over a search's 16,000 matches took seconds.
pub fn readable_clause(n: usize) -> String {
    format!(
        "(${n}::bigint IS NULL OR e.organisation_id = ${n} OR e.id IN (SELECT ru.evidence_id FROM evidence_uses ru \
          JOIN tasks rt ON rt.id = ru.task_id WHERE rt.organisation_id = ${n}))"
    )
}

/// [`readable_clause`] asked row by row (a correlated `EXISTS`), for statements that check
/// a page's few rows, such as the search page's twenty: there building the whole set of
/// the organisation's uses costs more than the rows' own index probes.
pub fn readable_clause_for_few_rows(n: usize) -> String {
    format!(
        "(${n}::bigint IS NULL OR e.organisation_id = ${n} OR EXISTS (SELECT 1 FROM evidence_uses ru \
          JOIN tasks rt ON rt.id = ru.task_id WHERE ru.evidence_id = e.id AND rt.organisation_id = ${n}))"
    )
}

/// A stored version asked for by id, as the download, the preview and the API see it.
#[derive(Debug)]
pub enum VersionRead {
    /// The version with its record's home task.
    Readable { version: Version, task_id: i64 },
    /// No such version.
    Missing,
    /// It exists, and `reader` may not read it.
    Refused,
}

/// Version `version_id` if `reader` may read it: the one question every way of reading
/// a file's bytes (download, inline view, preview) asks.
pub async fn readable_version(
    db: &PgPool,
    reader: Reader,
    version_id: i64,
) -> sqlx::Result<VersionRead> {
    let Some((version, _, task_id)) = self::version(db, version_id).await? else {
        return Ok(VersionRead::Missing);
    };
    if !readable(db, reader, version.evidence_id).await? {
        return Ok(VersionRead::Refused);
    }
    Ok(VersionRead::Readable { version, task_id })
}

/// May `reader` read evidence `evidence_id` (its files, previews, text)?
pub async fn readable(db: &PgPool, reader: Reader, evidence_id: i64) -> sqlx::Result<bool> {
    let Reader::Organisation(org) = reader else {
        return Ok(true);
    };
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM evidence e WHERE e.id = $1 AND {})",
        readable_clause(2)
    ))
    .bind(evidence_id)
    .bind(org)
    .fetch_one(db)
    .await
}
