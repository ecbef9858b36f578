//! Monthly progress reports (每月25日前上报): one per organisation and month. The first
//! submission fixes the lateness; later corrections change the text, never the record.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::campaigns::Campaign;
use crate::storage::Stored;

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Report {
    pub id: i64,
    pub organisation_id: i64,
    pub period: NaiveDate,
    pub body: String,
    pub due_at: DateTime<Utc>,
    pub first_submitted_at: DateTime<Utc>,
    pub late_days: i32,
    pub submitted_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Where one organisation stands for one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Standing {
    OnTime,
    /// Submitted, this many days after the deadline.
    Late(i32),
    /// Not submitted, deadline passed this many days ago.
    Missing(i64),
    /// Not submitted, deadline still ahead.
    Open,
    /// Due before the organisation joined the campaign: not owed.
    NotOwed,
}

impl Standing {
    pub fn css(&self) -> &'static str {
        match self {
            Standing::OnTime => "ok",
            Standing::Late(_) => "notice",
            Standing::Missing(_) => "off",
            Standing::Open | Standing::NotOwed => "",
        }
    }
}

/// Whether an organisation that joined on `joined_on` (`None`: since the campaign
/// began) owes the report due at `due_at`: only reports due after the day it joined.
pub fn owed(joined_on: Option<NaiveDate>, due_at: DateTime<Utc>) -> bool {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    joined_on.is_none_or(|joined| due_at.with_timezone(&china).date_naive() > joined)
}

/// A month's report as it stands for an organisation that joined on `joined_on`. A
/// report sent although not owed counts as sent.
pub fn standing(
    report: Option<&Report>,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
    joined_on: Option<NaiveDate>,
) -> Standing {
    match report {
        Some(r) if r.late_days == 0 => Standing::OnTime,
        Some(r) => Standing::Late(r.late_days),
        None if !owed(joined_on, due_at) => Standing::NotOwed,
        None if now > due_at => Standing::Missing((now - due_at).num_days() + 1),
        None => Standing::Open,
    }
}

/// Whole days (rounded up) from the deadline to `at`; 0 when on time.
pub fn late_days(due_at: DateTime<Utc>, at: DateTime<Utc>) -> i32 {
    if at <= due_at {
        return 0;
    }
    let seconds = (at - due_at).num_seconds();
    ((seconds + 86_399) / 86_400) as i32
}

const COLUMNS: &str = "r.id, r.organisation_id, r.period, r.body, r.due_at, r.first_submitted_at, r.late_days, \
     u.display_name AS submitted_by_name, r.updated_at";

pub async fn for_campaign(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Report>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM monthly_reports r LEFT JOIN users u ON u.id = r.submitted_by WHERE r.campaign_id = $1"
    ))
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

pub async fn for_organisation(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: i64,
) -> sqlx::Result<Vec<Report>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM monthly_reports r LEFT JOIN users u ON u.id = r.submitted_by \
         WHERE r.campaign_id = $1 AND r.organisation_id = $2 ORDER BY r.period DESC"
    ))
    .bind(campaign_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Attachment {
    pub report_id: i64,
    pub file_id: i64,
    pub original_name: String,
    pub size_bytes: i64,
}

pub async fn attachments(db: &PgPool, report_ids: &[i64]) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query_as(
        "SELECT rf.report_id, f.id AS file_id, f.original_name, f.size_bytes FROM monthly_report_files rf \
         JOIN stored_files f ON f.id = rf.file_id WHERE rf.report_id = ANY($1) ORDER BY f.id",
    )
    .bind(report_ids)
    .fetch_all(db)
    .await
}

/// The file and the organisation whose report it belongs to (for the access check).
pub async fn attachment_file(
    db: &PgPool,
    file_id: i64,
) -> sqlx::Result<Option<(String, String, i64, i64)>> {
    sqlx::query_as(
        "SELECT f.storage_key, f.original_name, f.size_bytes, r.organisation_id FROM monthly_report_files rf \
         JOIN stored_files f ON f.id = rf.file_id JOIN monthly_reports r ON r.id = rf.report_id WHERE f.id = $1",
    )
    .bind(file_id)
    .fetch_optional(db)
    .await
}

/// Records (or corrects) a report. Returns the days late of the first submission.
pub async fn submit(
    db: &PgPool,
    campaign: &Campaign,
    organisation_id: i64,
    period: NaiveDate,
    body: &str,
    files: &[(Stored, String)],
    user_id: i64,
) -> sqlx::Result<i32> {
    let due_at = campaign.report_due_at(period);
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let (id, late): (i64, i32) = sqlx::query_as(
        "INSERT INTO monthly_reports (campaign_id, organisation_id, period, body, due_at, first_submitted_at, late_days, submitted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (campaign_id, organisation_id, period) \
         DO UPDATE SET body = EXCLUDED.body, updated_at = now() \
         RETURNING id, late_days",
    )
    .bind(campaign.id)
    .bind(organisation_id)
    .bind(period)
    .bind(body.trim())
    .bind(due_at)
    .bind(now)
    .bind(late_days(due_at, now))
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    for (stored, name) in files {
        let file_id: i64 = sqlx::query_scalar(
            "INSERT INTO stored_files (storage_key, original_name, content_type, size_bytes, sha256, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&stored.key)
        .bind(name)
        .bind(stored.file_type.mime())
        .bind(stored.size as i64)
        .bind(&stored.sha256)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO monthly_report_files (report_id, file_id) VALUES ($1, $2)")
            .bind(id)
            .bind(file_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(late)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lateness_counts_started_days() {
        let due = Utc.with_ymd_and_hms(2026, 3, 25, 16, 0, 0).unwrap();
        assert_eq!(late_days(due, due), 0);
        assert_eq!(late_days(due, due + chrono::Duration::seconds(1)), 1);
        assert_eq!(late_days(due, due + chrono::Duration::days(3)), 3);
        assert_eq!(
            late_days(
                due,
                due + chrono::Duration::days(3) + chrono::Duration::hours(1)
            ),
            4
        );
        assert_eq!(
            standing(None, due, due + chrono::Duration::hours(30), None),
            Standing::Missing(2)
        );
        assert_eq!(
            standing(None, due, due - chrono::Duration::hours(1), None),
            Standing::Open
        );
    }

    #[test]
    fn reports_are_owed_only_when_due_after_joining() {
        // Due 2026-03-26 00:00 in China (16:00 UTC the day before).
        let due = Utc.with_ymd_and_hms(2026, 3, 25, 16, 0, 0).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d);
        assert!(owed(None, due));
        assert!(owed(day(25), due));
        assert!(!owed(day(26), due));
        assert!(!owed(day(31), due));
        let late = due + chrono::Duration::days(40);
        assert_eq!(standing(None, due, late, day(27)), Standing::NotOwed);
        assert_eq!(standing(None, due, late, day(1)), Standing::Missing(41));
    }
}
