//! 使用: one evidence record serving several tasks. The same meeting minutes can serve
//! indicators 1, 3 and 7 as one stored file; each task is reviewed on its own, so the
//! file may be approved for one and returned for another.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool, Postgres, Transaction};

use crate::tasks::Task;

/// Who asks to link or unlink, as far as the rules care.
#[derive(Debug, Clone, Copy)]
pub struct Linker {
    pub user_id: i64,
    /// The city office shares one organisation's evidence with another's task; clerks
    /// link only their own organisation's evidence to its own tasks.
    pub may_share: bool,
}

/// Why a file cannot be attached to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// The evidence was deleted or is not this campaign's.
    EvidenceGone,
    /// The task is withdrawn, or waiting for review / approved (its material is fixed).
    TaskClosed,
    AlreadyLinked,
    /// Another organisation's evidence, and the linker may not share it.
    NotShareable,
}

/// Why a file cannot be detached from a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlinkRefusal {
    NotLinked,
    /// The task it was uploaded for: deleting the evidence is how it leaves that task.
    HomeUse,
    TaskClosed,
}

#[derive(Debug, Clone, FromRow)]
struct Facts {
    campaign_id: i64,
    organisation_id: i64,
    home_task_id: i64,
    deleted: bool,
}

async fn facts(
    tx: &mut Transaction<'_, Postgres>,
    evidence_id: i64,
) -> sqlx::Result<Option<Facts>> {
    sqlx::query_as(
        "SELECT campaign_id, organisation_id, task_id AS home_task_id, deleted_at IS NOT NULL AS deleted \
         FROM evidence WHERE id = $1 FOR UPDATE",
    )
    .bind(evidence_id)
    .fetch_optional(&mut **tx)
    .await
}

async fn is_linked(
    tx: &mut Transaction<'_, Postgres>,
    evidence_id: i64,
    task_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM evidence_uses WHERE evidence_id = $1 AND task_id = $2)",
    )
    .bind(evidence_id)
    .bind(task_id)
    .fetch_one(&mut **tx)
    .await
}

/// Attaches `evidence_id` to `task` (locked by the caller) if the rules allow it.
pub async fn link(
    tx: &mut Transaction<'_, Postgres>,
    linker: Linker,
    evidence_id: i64,
    task: &Task,
) -> sqlx::Result<Result<(), LinkRefusal>> {
    let Some(facts) = facts(tx, evidence_id).await? else {
        return Ok(Err(LinkRefusal::EvidenceGone));
    };
    if facts.deleted || facts.campaign_id != task.campaign_id {
        return Ok(Err(LinkRefusal::EvidenceGone));
    }
    if task.removed_at.is_some() || !task.status.editable() {
        return Ok(Err(LinkRefusal::TaskClosed));
    }
    if facts.organisation_id != task.organisation_id && !linker.may_share {
        return Ok(Err(LinkRefusal::NotShareable));
    }
    if is_linked(tx, evidence_id, task.id).await? {
        return Ok(Err(LinkRefusal::AlreadyLinked));
    }
    sqlx::query("INSERT INTO evidence_uses (evidence_id, task_id, linked_by) VALUES ($1, $2, $3)")
        .bind(evidence_id)
        .bind(task.id)
        .bind(linker.user_id)
        .execute(&mut **tx)
        .await?;
    Ok(Ok(()))
}

/// Detaches `evidence_id` from `task` (locked by the caller); the file and its other uses
/// stay.
pub async fn unlink(
    tx: &mut Transaction<'_, Postgres>,
    evidence_id: i64,
    task: &Task,
) -> sqlx::Result<Result<(), UnlinkRefusal>> {
    let Some(facts) = facts(tx, evidence_id).await? else {
        return Ok(Err(UnlinkRefusal::NotLinked));
    };
    if !is_linked(tx, evidence_id, task.id).await? {
        return Ok(Err(UnlinkRefusal::NotLinked));
    }
    if facts.home_task_id == task.id {
        return Ok(Err(UnlinkRefusal::HomeUse));
    }
    if task.removed_at.is_some() || !task.status.editable() {
        return Ok(Err(UnlinkRefusal::TaskClosed));
    }
    sqlx::query("DELETE FROM evidence_uses WHERE evidence_id = $1 AND task_id = $2")
        .bind(evidence_id)
        .bind(task.id)
        .execute(&mut **tx)
        .await?;
    Ok(Ok(()))
}

/// One task an evidence record serves.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Use {
    pub task_id: i64,
    pub indicator_number: i32,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub task_status: crate::tasks::Status,
    pub home: bool,
    pub linked_at: DateTime<Utc>,
}

/// The current tasks an evidence record serves, in indicator order.
pub async fn of_evidence(db: &PgPool, evidence_id: i64) -> sqlx::Result<Vec<Use>> {
    sqlx::query_as(
        "SELECT t.id AS task_id, i.number AS indicator_number, t.organisation_id, o.name AS organisation_name, \
                t.status AS task_status, e.task_id = t.id AS home, eu.linked_at \
         FROM evidence_uses eu JOIN evidence e ON e.id = eu.evidence_id JOIN tasks t ON t.id = eu.task_id \
         JOIN indicators i ON i.id = t.indicator_id JOIN organisations o ON o.id = t.organisation_id \
         WHERE eu.evidence_id = $1 AND t.removed_at IS NULL ORDER BY i.number, o.sort_order, t.id",
    )
    .bind(evidence_id)
    .fetch_all(db)
    .await
}

/// Evidence that could be attached to `task`: current, of the same campaign, not yet on
/// it, the organisation's own (or any organisation's when `share`), whose title, file
/// name or organisation contains `words` when given. Newest first, at most `limit`.
#[derive(Debug, Clone, FromRow)]
pub struct Candidate {
    pub id: i64,
    pub title: String,
    pub original_name: String,
    pub organisation_name: String,
    pub year: Option<i32>,
    pub indicators: Vec<i32>,
}

pub async fn candidates(
    db: &PgPool,
    task: &Task,
    share: bool,
    words: &str,
    limit: i64,
) -> sqlx::Result<Vec<Candidate>> {
    let words = words.trim();
    let pattern = format!(
        "%{}%",
        words
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    sqlx::query_as(
        "SELECT e.id, e.title, f.original_name, o.name AS organisation_name, e.year, \
                coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
                          JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
                          WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{}') AS indicators \
         FROM evidence e \
         JOIN LATERAL (SELECT file_id FROM evidence_versions WHERE evidence_id = e.id ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id JOIN organisations o ON o.id = e.organisation_id \
         WHERE e.campaign_id = $1 AND e.deleted_at IS NULL \
           AND ($2 OR e.organisation_id = $3) \
           AND NOT EXISTS (SELECT 1 FROM evidence_uses eu WHERE eu.evidence_id = e.id AND eu.task_id = $4) \
           AND ($5 = '' OR e.title ILIKE $6 OR f.original_name ILIKE $6 OR o.name ILIKE $6) \
         ORDER BY e.id DESC LIMIT $7",
    )
    .bind(task.campaign_id)
    .bind(share)
    .bind(task.organisation_id)
    .bind(task.id)
    .bind(words)
    .bind(&pattern)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// An already stored evidence record with exactly these bytes, which the uploader may
/// read: uploading the same file again is offered as a link to it instead.
#[derive(Debug, Clone, FromRow)]
pub struct SameFile {
    pub id: i64,
    pub title: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub indicators: Vec<i32>,
}

pub async fn same_file(
    db: &PgPool,
    campaign_id: i64,
    sha256: &str,
    reader: super::Reader,
) -> sqlx::Result<Option<SameFile>> {
    sqlx::query_as(&format!(
        "SELECT e.id, e.title, e.organisation_id, o.name AS organisation_name, \
                coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
                          JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
                          WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{{}}') AS indicators \
         FROM stored_files f JOIN evidence_versions v ON v.file_id = f.id \
         JOIN evidence e ON e.id = v.evidence_id JOIN organisations o ON o.id = e.organisation_id \
         WHERE f.sha256 = $1 AND e.campaign_id = $2 AND e.deleted_at IS NULL \
           AND v.version = (SELECT max(version) FROM evidence_versions WHERE evidence_id = e.id) \
           AND {} \
         ORDER BY e.id LIMIT 1",
        super::readable_clause(3)
    ))
    .bind(sha256)
    .bind(campaign_id)
    .bind(reader.organisation())
    .fetch_optional(db)
    .await
}
