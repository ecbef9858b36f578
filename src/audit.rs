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

/// What the audit page narrows by; all optional.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Matches the actor's username or name, the object id, or the summary text.
    pub text: Option<String>,
    pub action: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// Older than this id (paging).
    pub before_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Row {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: Value,
    pub client_addr: Option<String>,
}

/// Newest first. Dates are China Standard Time days.
pub async fn search(db: &sqlx::PgPool, filter: &Filter, limit: i64) -> sqlx::Result<Vec<Row>> {
    let pattern = filter
        .text
        .as_deref()
        .map(|t| format!("%{}%", crate::accounts::escape_like(t)));
    sqlx::query_as(
        "SELECT a.id, a.at, coalesce(u.display_name || ' (' || u.username || ')', NULL) AS actor, a.action, \
                a.object_type, a.object_id, a.summary, a.client_addr \
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE ($1::text IS NULL OR u.username ILIKE $1 OR u.display_name ILIKE $1 OR a.object_id ILIKE $1 \
                OR a.summary::text ILIKE $1 OR a.client_addr ILIKE $1) \
           AND ($2::text IS NULL OR a.action = $2) \
           AND ($3::date IS NULL OR a.at >= ($3::date::timestamp AT TIME ZONE 'Asia/Shanghai')) \
           AND ($4::date IS NULL OR a.at < (($4::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')) \
           AND ($5::bigint IS NULL OR a.id < $5) \
         ORDER BY a.id DESC LIMIT $6",
    )
    .bind(pattern)
    .bind(filter.action.as_deref())
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.before_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn actions(db: &sqlx::PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT action FROM audit_events ORDER BY action")
        .fetch_all(db)
        .await
}
