//! The office's view of the whole evidence library: every current record with its uses
//! and validity, filtered (organisation, kind, year, lapsing before a day), in pages.

use chrono::NaiveDate;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};

#[derive(Debug, Clone, Default)]
pub struct LibraryFilter {
    pub organisation_id: Option<i64>,
    pub kind: Option<String>,
    pub year: Option<i32>,
    /// Only evidence whose validity ends before this day (the evaluation's).
    pub lapsing_before: Option<NaiveDate>,
}

#[derive(Debug, Clone, FromRow)]
pub struct LibraryRow {
    pub id: i64,
    pub title: String,
    pub organisation_name: String,
    pub kind: String,
    pub year: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub version_id: i64,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub indicators: Vec<i32>,
    pub home_task_id: i64,
}

impl LibraryRow {
    pub fn size_text(&self) -> String {
        super::human_size(self.size_bytes)
    }
}

/// `WHERE` and the conditions the filter sets, over `evidence e` (only the set ones, as
/// for tasks: see [`crate::tasks`]'s filter).
fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, campaign_id: i64, filter: &LibraryFilter) {
    qb.push(" WHERE e.campaign_id = ")
        .push_bind(campaign_id)
        .push(" AND e.deleted_at IS NULL");
    if let Some(org) = filter.organisation_id {
        qb.push(" AND e.organisation_id = ").push_bind(org);
    }
    if let Some(kind) = &filter.kind {
        qb.push(" AND e.kind = ").push_bind(kind.clone());
    }
    if let Some(year) = filter.year {
        qb.push(" AND e.year = ").push_bind(year);
    }
    if let Some(day) = filter.lapsing_before {
        qb.push(" AND e.valid_until < ").push_bind(day);
    }
}

pub async fn count(db: &PgPool, campaign_id: i64, filter: &LibraryFilter) -> sqlx::Result<i64> {
    let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM evidence e");
    push_filter(&mut qb, campaign_id, filter);
    qb.build_query_scalar().fetch_one(db).await
}

/// A page of the library: lapsing ones by their end date first when that filter is on,
/// else newest first.
pub async fn page(
    db: &PgPool,
    campaign_id: i64,
    filter: &LibraryFilter,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<LibraryRow>> {
    let order = if filter.lapsing_before.is_some() {
        "e.valid_until, e.id"
    } else {
        "e.id DESC"
    };
    // The page's ids first: the latest version and the uses are looked up for the 50
    // rows shown, never for every record the filter keeps.
    let mut qb = QueryBuilder::<Postgres>::new("WITH page AS (SELECT e.id FROM evidence e");
    push_filter(&mut qb, campaign_id, filter);
    qb.push(format!(" ORDER BY {order} OFFSET "))
        .push_bind(offset)
        .push(" LIMIT ")
        .push_bind(limit)
        .push(format!(
            ") \
         SELECT e.id, e.title, o.name AS organisation_name, e.kind, e.year, e.valid_from, e.valid_until, \
                v.id AS version_id, f.original_name, f.content_type, f.size_bytes, e.task_id AS home_task_id, \
                coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
                          JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
                          WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{{}}') AS indicators \
         FROM page JOIN evidence e ON e.id = page.id \
         JOIN LATERAL (SELECT id, file_id FROM evidence_versions WHERE evidence_id = e.id ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id JOIN organisations o ON o.id = e.organisation_id \
         ORDER BY {order}"
        ));
    qb.build_query_as().fetch_all(db).await
}

/// The day the assessors will read the material: the start of the next assessment
/// round of the campaign that has a date, else the campaign's end.
pub async fn evaluation_day(
    db: &PgPool,
    campaign_id: i64,
    today: NaiveDate,
) -> sqlx::Result<NaiveDate> {
    sqlx::query_scalar(
        "SELECT coalesce((SELECT min(starts_on) FROM assessment_rounds WHERE campaign_id = $1 AND starts_on >= $2), \
                         (SELECT ends_on FROM campaigns WHERE id = $1))",
    )
    .bind(campaign_id)
    .bind(today)
    .fetch_one(db)
    .await
}
