//! Finding events again: the audit page (newest first, paged by key) and its CSV export.
//!
//! The trail holds millions of rows, so every query here is shaped to be answered from
//! an index in page order (see `migrations/20261202000003_audit_hardening.sql`):
//! - rows are ordered by `(at, id)` and paged by key — "older than this row" — never by
//!   OFFSET, so page 1,000 costs what page 1 costs;
//! - the SQL holds only the filters that are set (no `$1 IS NULL OR …`, which keeps
//!   PostgreSQL from using an index once it switches to a generic plan);
//! - the free-text filter (object id, details, address) has no index, so on the page it
//!   reads at most [`TEXT_SCAN_ROWS`] rows of the other filters' range per request and
//!   says where it stopped; the next request continues from there.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder};

/// How many rows one page request reads at most while looking for a text match.
pub const TEXT_SCAN_ROWS: i64 = 20_000;

/// What the audit page narrows by; all optional.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor_id: Option<i64>,
    /// The organisation the actor belonged to when acting.
    pub organisation_id: Option<i64>,
    pub action: Option<String>,
    /// China Standard Time days, both ends included.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Part of the object id, the details or the address.
    pub text: Option<String>,
}

/// Which page: the newest, or the rows just older or just newer than a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Cursor {
    #[default]
    Newest,
    Before(i64),
    After(i64),
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Row {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub organisation: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: Value,
    pub client_addr: Option<String>,
}

/// One page of rows (newest first) and the cursors of its neighbours.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub rows: Vec<Row>,
    /// Continue with rows older than this id.
    pub older: Option<i64>,
    /// Continue with rows newer than this id.
    pub newer: Option<i64>,
    /// The text search stopped after [`TEXT_SCAN_ROWS`] rows before filling the page.
    pub scan_limited: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    NewestFirst,
    OldestFirst,
}

impl Order {
    fn sql(self) -> &'static str {
        match self {
            Order::NewestFirst => " ORDER BY at DESC, id DESC",
            Order::OldestFirst => " ORDER BY at ASC, id ASC",
        }
    }

    /// The same order over the joined result (columns of the subquery `s`).
    fn outer_sql(self) -> &'static str {
        match self {
            Order::NewestFirst => " ORDER BY s.at DESC, s.id DESC",
            Order::OldestFirst => " ORDER BY s.at ASC, s.id ASC",
        }
    }
}

/// A row's place in the order: rows strictly older (or newer) than it.
#[derive(Debug, Clone, Copy)]
struct Bound {
    at: DateTime<Utc>,
    id: i64,
}

const CHINA: i32 = 8 * 3600;

/// Midnight of `day` in China Standard Time.
fn china_midnight(day: NaiveDate) -> DateTime<Utc> {
    let offset = FixedOffset::east_opt(CHINA).expect("valid offset");
    offset
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

fn like_pattern(text: &str) -> String {
    format!("%{}%", crate::accounts::escape_like(text))
}

/// `AND …` for every filter that is set (the text filter only if `with_text`), and the
/// keyset bound in the direction of `order`.
fn push_filters(
    qb: &mut QueryBuilder<'_, Postgres>,
    filter: &Filter,
    bound: Option<Bound>,
    order: Order,
    with_text: bool,
) {
    qb.push(" WHERE TRUE");
    if let Some(actor) = filter.actor_id {
        qb.push(" AND actor_id = ").push_bind(actor);
    }
    if let Some(org) = filter.organisation_id {
        qb.push(" AND actor_org_id = ").push_bind(org);
    }
    if let Some(action) = &filter.action {
        qb.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(from) = filter.from {
        qb.push(" AND at >= ").push_bind(china_midnight(from));
    }
    if let Some(to) = filter.to {
        qb.push(" AND at < ")
            .push_bind(china_midnight(to) + Duration::days(1));
    }
    if let Some(bound) = bound {
        let op = match order {
            Order::NewestFirst => "<",
            Order::OldestFirst => ">",
        };
        qb.push(format!(" AND (at, id) {op} ("))
            .push_bind(bound.at)
            .push(", ")
            .push_bind(bound.id)
            .push(")");
    }
    if with_text && let Some(text) = &filter.text {
        push_text_match(qb, text);
    }
}

fn push_text_match(qb: &mut QueryBuilder<'_, Postgres>, text: &str) {
    let pattern = like_pattern(text);
    qb.push(" AND (object_id ILIKE ")
        .push_bind(pattern.clone())
        .push(" OR summary::text ILIKE ")
        .push_bind(pattern.clone())
        .push(" OR client_addr ILIKE ")
        .push_bind(pattern)
        .push(")");
}

const COLUMNS: &str =
    "id, at, actor_id, actor_org_id, action, object_type, object_id, summary, client_addr";

/// Up to `limit` rows past `bound` in `order`. With `text_window`, the text filter is
/// applied to at most that many rows of the other filters' range; without, to all.
async fn fetch(
    db: &PgPool,
    filter: &Filter,
    bound: Option<Bound>,
    order: Order,
    limit: i64,
    text_window: Option<i64>,
) -> sqlx::Result<Vec<Row>> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT s.id, s.at, u.display_name || ' (' || u.username || ')' AS actor, \
                o.name AS organisation, s.action, s.object_type, s.object_id, s.summary, s.client_addr \
         FROM (",
    );
    match (&filter.text, text_window) {
        (Some(text), Some(window)) => {
            qb.push(format!(
                "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM audit_events"
            ));
            push_filters(&mut qb, filter, bound, order, false);
            qb.push(order.sql()).push(" LIMIT ").push_bind(window);
            qb.push(") w WHERE TRUE");
            push_text_match(&mut qb, text);
        }
        _ => {
            qb.push(format!("SELECT {COLUMNS} FROM audit_events"));
            push_filters(&mut qb, filter, bound, order, true);
        }
    }
    qb.push(order.sql()).push(" LIMIT ").push_bind(limit);
    qb.push(
        ") s LEFT JOIN users u ON u.id = s.actor_id \
         LEFT JOIN organisations o ON o.id = s.actor_org_id",
    );
    qb.push(order.outer_sql());
    qb.build_query_as().fetch_all(db).await
}

/// The id of the last row a text search of at most [`TEXT_SCAN_ROWS`] rows would read,
/// if the range holds that many (the search may continue past it).
async fn window_end(
    db: &PgPool,
    filter: &Filter,
    bound: Option<Bound>,
    order: Order,
) -> sqlx::Result<Option<i64>> {
    let mut qb = QueryBuilder::<Postgres>::new("SELECT id FROM audit_events");
    push_filters(&mut qb, filter, bound, order, false);
    qb.push(order.sql())
        .push(" LIMIT 1 OFFSET ")
        .push_bind(TEXT_SCAN_ROWS - 1);
    qb.build_query_scalar().fetch_optional(db).await
}

async fn bound_of(db: &PgPool, id: i64) -> sqlx::Result<Option<Bound>> {
    let row: Option<(DateTime<Utc>, i64)> =
        sqlx::query_as("SELECT at, id FROM audit_events WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(at, id)| Bound { at, id }))
}

/// One page of `size` rows, newest first.
pub async fn search(db: &PgPool, filter: &Filter, cursor: Cursor, size: i64) -> sqlx::Result<Page> {
    let (order, from) = match cursor {
        Cursor::Newest => (Order::NewestFirst, None),
        Cursor::Before(id) => (Order::NewestFirst, Some(id)),
        Cursor::After(id) => (Order::OldestFirst, Some(id)),
    };
    let bound = match from {
        Some(id) => match bound_of(db, id).await? {
            Some(bound) => Some(bound),
            // A cursor to a row that does not exist: nothing lies past it.
            None => return Ok(Page::default()),
        },
        None => None,
    };
    let window = filter.text.as_ref().map(|_| TEXT_SCAN_ROWS);
    let mut rows = fetch(db, filter, bound, order, size + 1, window).await?;
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    // Not a full page of text matches: did the search stop at its bound?
    let stopped_at = if !more && window.is_some() {
        window_end(db, filter, bound, order).await?
    } else {
        None
    };
    // Where the next request in the same direction starts.
    let onward = if more {
        rows.last().map(|r| r.id)
    } else {
        stopped_at
    };
    // Where a request in the other direction starts.
    let back = match (rows.first(), from) {
        (Some(first), Some(_)) => Some(first.id),
        (None, Some(id)) => Some(id),
        (_, None) => None,
    };
    let mut page = Page {
        rows,
        older: None,
        newer: None,
        scan_limited: stopped_at.is_some(),
    };
    match order {
        Order::NewestFirst => {
            page.older = onward;
            page.newer = back;
        }
        Order::OldestFirst => {
            page.rows.reverse();
            page.newer = onward;
            page.older = back;
        }
    }
    Ok(page)
}

/// Every row the filter matches, newest first, in batches of `batch` rows (each batch
/// one index-ordered query past the last row of the one before; the text filter is
/// applied to the whole range, not a window). For the streamed CSV export.
pub fn export(
    db: PgPool,
    filter: Filter,
    batch: i64,
) -> impl futures_util::Stream<Item = sqlx::Result<Vec<Row>>> + Send + 'static {
    futures_util::stream::try_unfold(Some(None::<Bound>), move |state| {
        let db = db.clone();
        let filter = filter.clone();
        async move {
            let Some(bound) = state else {
                return Ok(None);
            };
            let rows = fetch(&db, &filter, bound, Order::NewestFirst, batch, None).await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let next = (rows.len() as i64 == batch)
                .then(|| rows.last().map(|r| Bound { at: r.at, id: r.id }))
                .flatten();
            Ok(Some((rows, next.map(Some))))
        }
    })
}

/// The actions that occur in the trail, by a skip scan of the action index (one short
/// index probe per distinct action rather than a pass over millions of rows).
pub async fn actions(db: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "WITH RECURSIVE found AS ( \
             (SELECT action FROM audit_events ORDER BY action LIMIT 1) \
             UNION ALL \
             SELECT (SELECT a.action FROM audit_events a WHERE a.action > found.action ORDER BY a.action LIMIT 1) \
             FROM found WHERE found.action IS NOT NULL \
         ) SELECT action FROM found WHERE action IS NOT NULL",
    )
    .fetch_all(db)
    .await
}

/// The details as `key: value` text, e.g. `file: 抽检报告.pdf; inline: 是`, in key
/// order (PostgreSQL's jsonb keeps no other). Strings are shown without quotes, lists joined by
/// commas; anything deeper stays compact JSON.
pub fn readable_summary(summary: &Value, yes: &str, no: &str) -> String {
    fn scalar(value: &Value, yes: &str, no: &str) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Bool(true) => yes.to_string(),
            Value::Bool(false) => no.to_string(),
            Value::Null => "—".to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| scalar(v, yes, no))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        }
    }
    match summary {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| format!("{key}: {}", scalar(value, yes, no)))
            .collect::<Vec<_>>()
            .join("; "),
        other => scalar(other, yes, no),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_as_key_value_text() {
        let summary = serde_json::json!({"file": "抽检报告.pdf", "inline": true, "usernames": ["a", "b"], "n": 3});
        let text = readable_summary(&summary, "是", "否");
        assert!(text.contains("file: 抽检报告.pdf"), "{text}");
        assert!(text.contains("inline: 是"), "{text}");
        assert!(text.contains("usernames: a, b"), "{text}");
        assert!(text.contains("n: 3"), "{text}");
        assert_eq!(readable_summary(&serde_json::json!({}), "是", "否"), "");
    }

    #[test]
    fn china_days_start_at_midnight_plus_eight() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(
            china_midnight(day).to_rfc3339(),
            "2026-12-01T16:00:00+00:00"
        );
    }
}
