//! Pending marks: the crash window between moving a file into place and committing the
//! row that records it. Every key is marked before the rename; inserting its row into
//! `stored_files` clears the mark in the same transaction (a database trigger), so a mark
//! older than any upload with no row means the process died in between, and the file is
//! removed by the sweep, at start and daily.

use std::time::Duration;

use sqlx::PgPool;

use super::Storage;

/// A mark this old, with no row, belongs to an upload that will never be recorded.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// How often a running server sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(24 * 3600);

/// How long a key stored by this process counts as possibly still being uploaded (the
/// other files of the same request may take hours on a slow line, since uploads are
/// bounded by idleness and size, not by time).
const IN_FLIGHT_AT_MOST: Duration = Duration::from_secs(48 * 3600);

pub(super) async fn mark(db: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO pending_files (storage_key) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

pub(super) async fn clear(db: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM pending_files WHERE storage_key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Keys marked at least `older_than` ago and still not recorded.
pub async fn abandoned(db: &PgPool, older_than: Duration) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT p.storage_key FROM pending_files p \
         WHERE p.marked_at < now() - make_interval(secs => $1) \
         AND NOT EXISTS (SELECT 1 FROM stored_files f WHERE f.storage_key = p.storage_key) \
         ORDER BY p.storage_key",
    )
    .bind(older_than.as_secs_f64())
    .fetch_all(db)
    .await
}

/// Keys marked less than [`ABANDONED_AFTER`] ago: uploads that may still be recorded.
pub async fn recent(db: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT storage_key FROM pending_files WHERE marked_at >= now() - make_interval(secs => $1)",
    )
    .bind(ABANDONED_AFTER.as_secs_f64())
    .fetch_all(db)
    .await
}

/// Removes the files of abandoned marks (those older than `older_than` with no row),
/// except keys this process stored recently; returns how many were removed.
pub async fn sweep(db: &PgPool, storage: &Storage, older_than: Duration) -> sqlx::Result<usize> {
    let busy = storage.recent_keys(IN_FLIGHT_AT_MOST);
    let mut removed = 0;
    for key in abandoned(db, older_than).await? {
        if busy.contains(&key) {
            continue;
        }
        match tokio::fs::remove_file(storage.path(&key)).await {
            Ok(()) => removed += 1,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::warn!(key, error = %err, "cannot remove an abandoned upload");
                continue;
            }
        }
        clear(db, &key).await?;
        tracing::info!(key, "removed a file whose upload was never recorded");
    }
    Ok(removed)
}
