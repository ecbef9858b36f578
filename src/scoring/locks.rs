//! A round's locks and reopenings (`round_locks`), and deleting a round that holds
//! nothing. The round's row keeps only the current lock; every lock is a row here with
//! the result frozen then, so a result locked before a reopening stays printable.
//! The checks are the commands' ([`super::commands`]); these are the writes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool, Postgres, Transaction};

use super::Outcome;
use super::completeness::Unfinished;

/// One lock of a round, with its reopening when there was one.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct LockEntry {
    pub id: i64,
    pub round_id: i64,
    pub locked_at: DateTime<Utc>,
    pub locked_by_name: Option<String>,
    pub lock_reason: Option<String>,
    #[serde(skip)]
    pub frozen_outcome: sqlx::types::Json<Outcome>,
    pub unfinished: sqlx::types::Json<Vec<Unfinished>>,
    pub reopened_at: Option<DateTime<Utc>>,
    pub reopened_by_name: Option<String>,
    pub reopen_reason: Option<String>,
}

impl LockEntry {
    pub fn outcome(&self) -> &Outcome {
        &self.frozen_outcome.0
    }

    pub fn is_current(&self) -> bool {
        self.reopened_at.is_none()
    }
}

const LOCK_COLUMNS: &str = "l.id, l.round_id, l.locked_at, lu.display_name AS locked_by_name, l.lock_reason, \
     l.frozen_outcome, l.unfinished, l.reopened_at, ru.display_name AS reopened_by_name, l.reopen_reason \
     FROM round_locks l LEFT JOIN users lu ON lu.id = l.locked_by LEFT JOIN users ru ON ru.id = l.reopened_by";

/// Every lock of a round, the earliest first.
pub async fn list(db: &PgPool, round_id: i64) -> sqlx::Result<Vec<LockEntry>> {
    sqlx::query_as(&format!(
        "SELECT {LOCK_COLUMNS} WHERE l.round_id = $1 ORDER BY l.id"
    ))
    .bind(round_id)
    .fetch_all(db)
    .await
}

pub async fn find(db: &PgPool, round_id: i64, lock_id: i64) -> sqlx::Result<Option<LockEntry>> {
    sqlx::query_as(&format!(
        "SELECT {LOCK_COLUMNS} WHERE l.round_id = $1 AND l.id = $2"
    ))
    .bind(round_id)
    .bind(lock_id)
    .fetch_optional(db)
    .await
}

/// The lock in force on a round, if it is locked.
pub async fn current(db: &PgPool, round_id: i64) -> sqlx::Result<Option<LockEntry>> {
    sqlx::query_as(&format!(
        "SELECT {LOCK_COLUMNS} WHERE l.round_id = $1 AND l.reopened_at IS NULL ORDER BY l.id DESC LIMIT 1"
    ))
    .bind(round_id)
    .fetch_optional(db)
    .await
}

/// What a lock writes.
pub struct NewLock<'a> {
    pub outcome: &'a Outcome,
    /// Why it was locked with something unfinished (None: it was complete).
    pub reason: Option<&'a str>,
    pub unfinished: &'a [Unfinished],
    pub user_id: Option<i64>,
}

/// Locks an open round: freezes the outcome in the round's row and writes the lock's
/// entry. Returns the entry's id, or None when the round was not open.
pub async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    round_id: i64,
    new: &NewLock<'_>,
) -> sqlx::Result<Option<i64>> {
    let done = sqlx::query(
        "UPDATE assessment_rounds SET state = 'locked', frozen_outcome = $2, locked_at = now(), \
             lock_reason = $3, updated_at = now() WHERE id = $1 AND state = 'open'",
    )
    .bind(round_id)
    .bind(sqlx::types::Json(new.outcome))
    .bind(new.reason)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    let id = sqlx::query_scalar(
        "INSERT INTO round_locks (round_id, locked_at, locked_by, lock_reason, frozen_outcome, unfinished) \
         SELECT id, locked_at, $2, lock_reason, frozen_outcome, $3 FROM assessment_rounds WHERE id = $1 \
         RETURNING id",
    )
    .bind(round_id)
    .bind(new.user_id)
    .bind(sqlx::types::Json(new.unfinished))
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// Reopens a locked round: closes its current lock entry with who and why, and sets the
/// round back to open with nothing frozen. A round locked before lock entries existed
/// gets its entry first, so its result stays readable. False when it was not locked.
pub async fn reopen(
    tx: &mut Transaction<'_, Postgres>,
    round_id: i64,
    user_id: i64,
    reason: &str,
) -> sqlx::Result<bool> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM assessment_rounds WHERE id = $1 FOR UPDATE")
            .bind(round_id)
            .fetch_optional(&mut **tx)
            .await?;
    if state.as_deref() != Some("locked") {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO round_locks (round_id, locked_at, lock_reason, frozen_outcome) \
         SELECT id, coalesce(locked_at, now()), lock_reason, frozen_outcome FROM assessment_rounds r \
         WHERE r.id = $1 AND NOT EXISTS (SELECT 1 FROM round_locks l WHERE l.round_id = r.id AND l.reopened_at IS NULL)",
    )
    .bind(round_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE round_locks SET reopened_at = now(), reopened_by = $2, reopen_reason = $3 \
         WHERE round_id = $1 AND reopened_at IS NULL",
    )
    .bind(round_id)
    .bind(user_id)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE assessment_rounds SET state = 'open', frozen_outcome = NULL, lock_reason = NULL, \
             locked_at = NULL, updated_at = now() WHERE id = $1",
    )
    .bind(round_id)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// What a round holds, as far as deleting it asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow)]
pub struct Holdings {
    /// Deductions, measurements, awards, veto marks, item reviews and evidence marks
    /// (withdrawn deductions too: they are history).
    pub recorded: i64,
    /// 公示 that name the round.
    pub publicity: i64,
    /// Earlier locks (a reopened round keeps its earlier results).
    pub locks: i64,
    /// Published 公示 that name the round (they show its frozen result to the public).
    pub published: i64,
}

const HOLDINGS: &str = "(SELECT count(*) FROM score_deductions WHERE round_id = $1) \
     + (SELECT count(*) FROM score_measurements WHERE round_id = $1) \
     + (SELECT count(*) FROM score_awards WHERE round_id = $1) \
     + (SELECT count(*) FROM score_vetoes WHERE round_id = $1) \
     + (SELECT count(*) FROM score_item_reviews WHERE round_id = $1) \
     + (SELECT count(*) FROM evidence_marks WHERE round_id = $1)";

pub async fn holdings(db: &PgPool, round_id: i64) -> sqlx::Result<Holdings> {
    sqlx::query_as(&format!(
        "SELECT {HOLDINGS} AS recorded, \
                (SELECT count(*) FROM publicity_rounds WHERE round_id = $1) AS publicity, \
                (SELECT count(*) FROM round_locks WHERE round_id = $1) AS locks, \
                (SELECT count(*) FROM publicity_rounds pr JOIN publicity_notices n ON n.id = pr.notice_id \
                 WHERE pr.round_id = $1 AND n.state = 'published') AS published"
    ))
    .bind(round_id)
    .fetch_one(db)
    .await
}

/// Deletes a draft or open round that holds nothing and no 公示 names (checked again
/// in the statement, so a score recorded meanwhile keeps it). False when it stayed.
pub async fn delete(db: &PgPool, round_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "DELETE FROM assessment_rounds WHERE id = $1 AND state IN ('draft', 'open') \
         AND {HOLDINGS} = 0 \
         AND NOT EXISTS (SELECT 1 FROM publicity_rounds WHERE round_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM round_locks WHERE round_id = $1)"
    ))
    .bind(round_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
