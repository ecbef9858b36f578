//! The audit trail: who changed what, when, from where. Rows are only ever inserted.

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

pub async fn record(db: impl PgExecutor<'_>, event: Event<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (actor_id, action, object_type, object_id, summary, client_addr) \
         VALUES ($1, $2, $3, $4, $5, $6)",
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
