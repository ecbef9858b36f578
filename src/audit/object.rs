//! One object's history from the audit trail: its events in the order they happened,
//! a page at a time by key (never OFFSET), through the (object_type, object_id, at, id)
//! index, so the hundredth page costs what the first does.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{FromRow, PgPool};

#[derive(Debug, Clone, FromRow)]
pub struct ObjectEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub summary: Value,
}

/// One page of an object's events, oldest first.
#[derive(Debug, Clone, Default)]
pub struct ObjectPage {
    pub events: Vec<ObjectEvent>,
    /// Continue after this event id (None: this is the last page).
    pub next: Option<i64>,
}

/// Up to `size` events of the object after event `after` (from the start when None),
/// leaving out refusals (`….refused`: attempts, not changes).
pub async fn history(
    db: &PgPool,
    object_type: &str,
    object_id: &str,
    after: Option<i64>,
    size: i64,
) -> sqlx::Result<ObjectPage> {
    let mut events: Vec<ObjectEvent> = sqlx::query_as(
        "SELECT a.id, a.at, u.display_name AS actor, a.action, a.summary FROM audit_events a \
         LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.object_type = $1 AND a.object_id = $2 AND a.action NOT LIKE '%.refused' \
           AND ($3::bigint IS NULL OR (a.at, a.id) > (SELECT at, id FROM audit_events WHERE id = $3)) \
         ORDER BY a.at, a.id LIMIT $4",
    )
    .bind(object_type)
    .bind(object_id)
    .bind(after)
    .bind(size + 1)
    .fetch_all(db)
    .await?;
    let more = events.len() as i64 > size;
    events.truncate(size.max(0) as usize);
    let next = if more {
        events.last().map(|e| e.id)
    } else {
        None
    };
    Ok(ObjectPage { events, next })
}

/// The latest `size` events of an object whose summary names `item` (e.g. one item of a
/// round: its deductions, decisions on findings, marks), newest first.
pub async fn item_history(
    db: &PgPool,
    object_type: &str,
    object_id: &str,
    item: &str,
    size: i64,
) -> sqlx::Result<Vec<ObjectEvent>> {
    sqlx::query_as(
        "SELECT a.id, a.at, u.display_name AS actor, a.action, a.summary FROM audit_events a \
         LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.object_type = $1 AND a.object_id = $2 AND a.summary ? 'item' \
           AND a.summary->>'item' = $3 AND a.action NOT LIKE '%.refused' \
         ORDER BY a.at DESC, a.id DESC LIMIT $4",
    )
    .bind(object_type)
    .bind(object_id)
    .bind(item)
    .bind(size)
    .fetch_all(db)
    .await
}
