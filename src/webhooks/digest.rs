//! Gathering a robot's queued notifications into one digest, at most one per robot per
//! interval (`SHIAN_WEBHOOK_DIGEST_MINUTES`). The first notices after a quiet spell go
//! out at the job's next look; whatever follows within the interval waits for the next
//! digest, so a busy afternoon of reviews is one message every few minutes, not one per
//! click.

use sqlx::PgPool;

use super::Vendor;
use super::message::{self, Line};
use crate::i18n::Lang;
use crate::notifications::{self, Notification};

/// Notifications older than this are not posted (a robot switched back on after a long
/// pause starts afresh), as for e-mail.
pub const MAX_AGE_HOURS: i32 = 48;

/// Robots looked at per pass (the rest at the next).
const ROBOTS_PER_PASS: i64 = 100;

/// Makes every digest that is due; returns how many went into the outbox.
pub async fn make_due(
    db: &PgPool,
    interval_minutes: u32,
    public_base: &str,
) -> anyhow::Result<usize> {
    let interval = i32::try_from(interval_minutes).unwrap_or(i32::MAX);
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT w.id FROM webhooks w WHERE w.enabled \
           AND (w.last_digest_at IS NULL OR w.last_digest_at <= now() - make_interval(mins => $1)) \
           AND EXISTS (SELECT 1 FROM webhook_pending p WHERE p.webhook_id = w.id) \
         ORDER BY w.id LIMIT $2",
    )
    .bind(interval)
    .bind(ROBOTS_PER_PASS)
    .fetch_all(db)
    .await?;
    let mut made = 0;
    for id in due {
        if make_one(db, id, interval, public_base).await? {
            made += 1;
        }
    }
    Ok(made)
}

/// One robot's digest, in one transaction: the queue rows taken, the delivery added and
/// the robot's clock moved together, so a crash leaves either all or nothing.
async fn make_one(
    db: &PgPool,
    robot: i64,
    interval: i32,
    public_base: &str,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    // Another process digesting this robot holds the row: skip it rather than wait. NO
    // KEY UPDATE, not UPDATE, so that requests inserting notifications (whose queue rows
    // check their key against this row) are not held up meanwhile.
    let found: Option<(Vendor, String)> = sqlx::query_as(
        "SELECT w.vendor, o.name FROM webhooks w JOIN organisations o ON o.id = w.organisation_id \
         WHERE w.id = $1 AND w.enabled \
           AND (w.last_digest_at IS NULL OR w.last_digest_at <= now() - make_interval(mins => $2)) \
         FOR NO KEY UPDATE OF w SKIP LOCKED",
    )
    .bind(robot)
    .bind(interval)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((vendor, organisation)) = found else {
        return Ok(false);
    };
    // Taken by deleting, in the same statement that reads them: a row queued after this
    // statement began stays for the next digest instead of being deleted unread. The
    // same notice is stored once per user; grouped, it is one line.
    let notices: Vec<Notification> = sqlx::query_as(
        "WITH taken AS (DELETE FROM webhook_pending WHERE webhook_id = $1 RETURNING notification_id) \
         SELECT min(n.id) AS id, n.kind, n.params, n.link, min(n.created_at) AS created_at, \
                NULL::timestamptz AS read_at \
         FROM taken t JOIN notifications n ON n.id = t.notification_id \
         WHERE n.created_at > now() - make_interval(hours => $2) \
         GROUP BY n.kind, n.params, n.link ORDER BY min(n.id)",
    )
    .bind(robot)
    .bind(MAX_AGE_HOURS)
    .fetch_all(&mut *tx)
    .await?;
    if notices.is_empty() {
        // Only stale rows were queued: they are gone, and no message is due.
        tx.commit().await?;
        return Ok(false);
    }
    let lines: Vec<Line> = notices
        .iter()
        .map(|n| Line {
            text: notifications::text(Lang::Zh, n),
            link: n.link.clone(),
        })
        .collect();
    let payload = message::digest_payload(vendor, &organisation, &lines, public_base);
    sqlx::query("INSERT INTO webhook_deliveries (webhook_id, payload, items) VALUES ($1, $2, $3)")
        .bind(robot)
        .bind(payload)
        .bind(lines.len() as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE webhooks SET last_digest_at = now() WHERE id = $1")
        .bind(robot)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(robot, notices = lines.len(), "work-group digest queued");
    Ok(true)
}
