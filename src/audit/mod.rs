//! The audit trail: who changed what, when, from where. Rows are only ever inserted.
//! [`search`] finds them again for the audit page and its CSV export.

pub mod object;
pub mod search;

pub use search::{Cursor, Filter, Page, Row, actions, readable_summary, search};

use serde_json::Value;
use sqlx::PgExecutor;

/// One thing that happened, as recorded.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub summary: Value,
    pub client_addr: Option<&'a str>,
}

/// Inserts the event. The actor's organisation is copied onto the row so the audit
/// page can filter by organisation through one index.
pub async fn record(db: impl PgExecutor<'_>, event: Event<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (actor_id, actor_org_id, action, object_type, object_id, summary, client_addr) \
         VALUES ($1, (SELECT organisation_id FROM users WHERE id = $1), $2, $3, $4, $5, $6)",
    )
    .bind(event.actor_id)
    .bind(event.action)
    .bind(event.object_type)
    .bind(event.object_id)
    .bind(event.summary)
    .bind(event.client_addr)
    .execute(db)
    .await?;
    Ok(())
}
