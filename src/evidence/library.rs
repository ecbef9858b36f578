//! The office's view of the whole evidence library: every current record with its uses
//! and validity, filtered (organisation, kind, year, lapsing before a day), in pages.

use chrono::NaiveDate;
use sqlx::{FromRow, PgPool};

use crate::db::conditions::Conditions;

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

/// The filter's conditions over `evidence e` (see [`crate::db::conditions`] for why
/// only the set ones are written).
fn conditions(campaign_id: i64, filter: &LibraryFilter) -> sqlx::Result<Conditions> {
    let mut c = Conditions::new("e.campaign_id = {} AND e.deleted_at IS NULL", campaign_id)?;
    c.and_if("e.organisation_id = {}", filter.organisation_id)?;
    c.and_if("e.kind = {}", filter.kind.clone())?;
    c.and_if("e.year = {}", filter.year)?;
    c.and_if("e.valid_until < {}", filter.lapsing_before)?;
    Ok(c)
}

pub async fn count(db: &PgPool, campaign_id: i64, filter: &LibraryFilter) -> sqlx::Result<i64> {
    let c = conditions(campaign_id, filter)?;
    sqlx::query_scalar_with(
        &format!("SELECT count(*) FROM evidence e WHERE {}", c.clause()),
        c.into_arguments(),
    )
    .fetch_one(db)
    .await
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
    let mut c = conditions(campaign_id, filter)?;
    let (offset, limit) = (c.bind(offset)?, c.bind(limit)?);
    let clause = c.clause().to_string();
    // The page's ids first: the latest version and the uses are looked up for the 50
    // rows shown, never for every record the filter keeps.
    sqlx::query_as_with(
        &format!(
            "WITH page AS (SELECT e.id FROM evidence e WHERE {clause} ORDER BY {order} OFFSET {offset} LIMIT {limit}) \
         SELECT e.id, e.title, o.name AS organisation_name, e.kind, e.year, e.valid_from, e.valid_until, \
                v.id AS version_id, f.original_name, f.content_type, f.size_bytes, e.task_id AS home_task_id, \
                coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
                          JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
                          WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{{}}') AS indicators \
         FROM page JOIN evidence e ON e.id = page.id \
         JOIN LATERAL (SELECT id, file_id FROM evidence_versions WHERE evidence_id = e.id ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id JOIN organisations o ON o.id = e.organisation_id \
         ORDER BY {order}"
        ),
        c.into_arguments(),
    )
    .fetch_all(db)
    .await
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
