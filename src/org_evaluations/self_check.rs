//! 自查自评: an organisation's self-deductions per indicator of its own tasks, its 自查报告
//! (free text with its figures inserted), submission before the deadline (after it still
//! allowed, marked late with the days), and the office's return for revision.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};

use super::{Deduction, Evaluation, Kind, MAX_REPORT_CHARS, Refusal, days_late, own_indicators};
use crate::campaigns::Campaign;

/// The figures a 自查报告 states, from the other areas' own queries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// The day they were taken (China time).
    pub as_of: NaiveDate,
    pub tasks_total: i64,
    pub tasks_approved: i64,
    pub tasks_returned: i64,
    pub evidence: i64,
    /// Monthly reports owed so far, filed (on time or late), filed late, missing.
    pub reports_owed: i64,
    pub reports_filed: i64,
    pub reports_late: i64,
    pub reports_missing: i64,
}

pub async fn figures(
    db: &PgPool,
    campaign: &Campaign,
    organisation_id: i64,
) -> anyhow::Result<Figures> {
    let (counts, evidence, records) = tokio::try_join!(
        crate::tasks::status_counts(db, campaign.id, Some(organisation_id)),
        crate::evidence::count_for_organisation(db, campaign.id, organisation_id),
        crate::dashboard::report_records(db, campaign),
    )?;
    let count = |status| {
        counts
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let record = records
        .iter()
        .find(|r| r.organisation_id == organisation_id);
    Ok(Figures {
        as_of: campaign.today(),
        tasks_total: counts.iter().map(|(_, n)| n).sum(),
        tasks_approved: count(crate::tasks::Status::Approved),
        tasks_returned: count(crate::tasks::Status::Returned),
        evidence,
        reports_owed: record.map_or(0, |r| r.owed),
        reports_filed: record.map_or(0, |r| r.on_time + r.late),
        reports_late: record.map_or(0, |r| r.late),
        reports_missing: record.map_or(0, |r| r.missing),
    })
}

/// One indicator's line of the scoring form.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Line {
    pub indicator_id: i64,
    pub number: i32,
    pub content: String,
    pub points: Option<Decimal>,
    pub reason: String,
}

/// An organisation's part of a self-evaluation.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Member {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub organisation_kind: crate::orgs::OrgKind,
    pub report: String,
    pub figures: Option<sqlx::types::Json<Figures>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by_name: Option<String>,
    pub days_late: i32,
    pub returned_reason: String,
    pub returned_at: Option<DateTime<Utc>>,
    /// Sum of its self-deductions, and how many indicators have an entry.
    pub deducted: Decimal,
    pub entered: i64,
    /// Indicators of its own tasks.
    pub indicators: i64,
}

impl Member {
    pub fn score(&self) -> Decimal {
        super::score([self.deducted])
    }

    pub fn submitted(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Days past the deadline: of a late submission, or, not submitted, so far.
    pub fn late_days(&self, evaluation: &Evaluation, today: NaiveDate) -> i32 {
        match (self.submitted_at, evaluation.deadline) {
            (Some(_), _) => self.days_late,
            (None, Some(deadline)) => days_late(deadline, today),
            (None, None) => 0,
        }
    }
}

const MEMBER_SELECT: &str = "SELECT m.organisation_id, o.name AS organisation_name, o.kind AS organisation_kind, \
        m.report, m.figures, m.submitted_at, u.display_name AS submitted_by_name, m.days_late, \
        m.returned_reason, m.returned_at, \
        (SELECT coalesce(sum(s.points), 0) FROM org_self_entries s \
          WHERE s.evaluation_id = m.evaluation_id AND s.organisation_id = m.organisation_id) AS deducted, \
        (SELECT count(*) FROM org_self_entries s \
          WHERE s.evaluation_id = m.evaluation_id AND s.organisation_id = m.organisation_id) AS entered, \
        (SELECT count(*) FROM indicators i \
          WHERE i.edition_id = (SELECT edition_id FROM org_evaluations WHERE id = m.evaluation_id) \
            AND (i.id IN (SELECT s.indicator_id FROM org_self_entries s \
                          WHERE s.evaluation_id = m.evaluation_id AND s.organisation_id = m.organisation_id) \
                 OR i.id IN (SELECT t.indicator_id FROM tasks t WHERE t.campaign_id = $2 \
                             AND t.organisation_id = m.organisation_id AND t.removed_at IS NULL))) AS indicators \
     FROM org_evaluation_members m JOIN organisations o ON o.id = m.organisation_id \
     LEFT JOIN users u ON u.id = m.submitted_by";

/// Every organisation's part, departments first, then counties.
pub async fn members(db: &PgPool, evaluation: &Evaluation) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as(&format!(
        "{MEMBER_SELECT} WHERE m.evaluation_id = $1 \
         ORDER BY array_position(ARRAY['department','county'], o.kind), o.sort_order, o.id"
    ))
    .bind(evaluation.id)
    .bind(evaluation.campaign_id)
    .fetch_all(db)
    .await
}

pub async fn member(
    db: &PgPool,
    evaluation: &Evaluation,
    organisation_id: i64,
) -> sqlx::Result<Option<Member>> {
    sqlx::query_as(&format!(
        "{MEMBER_SELECT} WHERE m.evaluation_id = $1 AND m.organisation_id = $3"
    ))
    .bind(evaluation.id)
    .bind(evaluation.campaign_id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// The scoring form's lines: each indicator of the organisation's tasks with its entry,
/// on the evaluation's edition (after a migration a finalised evaluation shows the
/// indicators it was scored on: those with entries).
pub async fn lines(
    db: &PgPool,
    evaluation: &Evaluation,
    organisation_id: i64,
) -> sqlx::Result<Vec<Line>> {
    sqlx::query_as(
        "SELECT i.id AS indicator_id, i.number, i.content, s.points, coalesce(s.reason, '') AS reason \
         FROM indicators i LEFT JOIN org_self_entries s ON s.indicator_id = i.id \
              AND s.evaluation_id = $1 AND s.organisation_id = $3 \
         WHERE i.edition_id = $4 \
           AND (s.indicator_id IS NOT NULL \
                OR i.id IN (SELECT t.indicator_id FROM tasks t WHERE t.campaign_id = $2 \
                            AND t.organisation_id = $3 AND t.removed_at IS NULL)) \
         ORDER BY i.number",
    )
    .bind(evaluation.id)
    .bind(evaluation.campaign_id)
    .bind(organisation_id)
    .bind(evaluation.edition_id)
    .fetch_all(db)
    .await
}

/// Checks the state shared by every change an organisation makes: a self-evaluation,
/// open, and its part not yet submitted.
async fn check_editable(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    evaluation: &Evaluation,
    organisation_id: i64,
) -> sqlx::Result<Result<(), Refusal>> {
    if let Err(refusal) = evaluation
        .check_kind(Kind::SelfCheck)
        .and_then(|_| evaluation.check_open())
    {
        return Ok(Err(refusal));
    }
    // Held until the change commits, so the office cannot finalise in between.
    let state: Option<super::State> =
        sqlx::query_scalar("SELECT state FROM org_evaluations WHERE id = $1 FOR SHARE")
            .bind(evaluation.id)
            .fetch_optional(&mut **tx)
            .await?;
    if state != Some(super::State::Open) {
        return Ok(Err(Refusal::Finalised));
    }
    let submitted: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "SELECT submitted_at FROM org_evaluation_members WHERE evaluation_id = $1 AND organisation_id = $2 FOR UPDATE",
    )
    .bind(evaluation.id)
    .bind(organisation_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match submitted {
        None => Err(Refusal::NotOwnIndicator),
        Some(Some(_)) => Err(Refusal::Submitted),
        Some(None) => Ok(()),
    })
}

/// Records (or corrects) the organisation's self-deduction for one indicator of its own
/// tasks.
pub async fn save_entry(
    db: &PgPool,
    evaluation: &Evaluation,
    organisation_id: i64,
    indicator_id: i64,
    entry: &Deduction,
    actor_id: i64,
) -> sqlx::Result<Result<(), Refusal>> {
    let mut tx = db.begin().await?;
    if let Err(refusal) = check_editable(&mut tx, evaluation, organisation_id).await? {
        return Ok(Err(refusal));
    }
    let own = own_indicators(&mut *tx, evaluation.campaign_id, organisation_id).await?;
    if !own.iter().any(|(id, _, _)| *id == indicator_id) {
        return Ok(Err(Refusal::NotOwnIndicator));
    }
    sqlx::query(
        "INSERT INTO org_self_entries (evaluation_id, organisation_id, indicator_id, points, reason, entered_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (evaluation_id, organisation_id, indicator_id) DO UPDATE SET points = EXCLUDED.points, \
             reason = EXCLUDED.reason, entered_by = EXCLUDED.entered_by, updated_at = now()",
    )
    .bind(evaluation.id)
    .bind(organisation_id)
    .bind(indicator_id)
    .bind(entry.points())
    .bind(entry.reason())
    .bind(actor_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Marks every indicator without an entry yet as 无扣分 (0); returns how many.
pub async fn rest_without_deduction(
    db: &PgPool,
    evaluation: &Evaluation,
    organisation_id: i64,
    actor_id: i64,
) -> sqlx::Result<Result<u64, Refusal>> {
    let mut tx = db.begin().await?;
    if let Err(refusal) = check_editable(&mut tx, evaluation, organisation_id).await? {
        return Ok(Err(refusal));
    }
    let added = sqlx::query(
        "INSERT INTO org_self_entries (evaluation_id, organisation_id, indicator_id, points, reason, entered_by) \
         SELECT DISTINCT $1, $2, t.indicator_id, 0, '', $4 FROM tasks t \
         WHERE t.campaign_id = $3 AND t.organisation_id = $2 AND t.removed_at IS NULL AND t.indicator_id IS NOT NULL \
         ON CONFLICT DO NOTHING",
    )
    .bind(evaluation.id)
    .bind(organisation_id)
    .bind(evaluation.campaign_id)
    .bind(actor_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Ok(added))
}

/// Saves the report's text; with `submit`, also submits it: every indicator must have an
/// entry and the text must not be empty. The figures are frozen with the submission, and
/// a submission after the deadline records its days late.
pub async fn save_report(
    db: &PgPool,
    campaign: &Campaign,
    evaluation: &Evaluation,
    organisation_id: i64,
    text: &str,
    submit: bool,
    actor_id: i64,
) -> anyhow::Result<Result<i32, Vec<Refusal>>> {
    let text = text.trim();
    let mut refusals = Vec::new();
    if text.chars().count() > MAX_REPORT_CHARS {
        refusals.push(Refusal::TooLong);
    }
    if submit && text.is_empty() {
        refusals.push(Refusal::ReportMissing);
    }
    let figures = if submit {
        Some(figures(db, campaign, organisation_id).await?)
    } else {
        None
    };
    let mut tx = db.begin().await?;
    if let Err(refusal) = check_editable(&mut tx, evaluation, organisation_id).await? {
        return Ok(Err(vec![refusal]));
    }
    if submit {
        let missing: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT t.indicator_id) FROM tasks t \
             WHERE t.campaign_id = $1 AND t.organisation_id = $2 AND t.removed_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM org_self_entries s WHERE s.evaluation_id = $3 \
                               AND s.organisation_id = t.organisation_id AND s.indicator_id = t.indicator_id)",
        )
        .bind(evaluation.campaign_id)
        .bind(organisation_id)
        .bind(evaluation.id)
        .fetch_one(&mut *tx)
        .await?;
        if missing > 0 {
            refusals.push(Refusal::Unscored);
        }
    }
    if !refusals.is_empty() {
        return Ok(Err(refusals));
    }
    let late = match (submit, evaluation.deadline) {
        (true, Some(deadline)) => days_late(deadline, campaign.today()),
        _ => 0,
    };
    sqlx::query(
        "UPDATE org_evaluation_members SET report = $3, \
             figures = CASE WHEN $4 THEN $5 ELSE figures END, \
             submitted_at = CASE WHEN $4 THEN now() END, \
             submitted_by = CASE WHEN $4 THEN $6 END, \
             days_late = CASE WHEN $4 THEN $7 ELSE 0 END \
         WHERE evaluation_id = $1 AND organisation_id = $2",
    )
    .bind(evaluation.id)
    .bind(organisation_id)
    .bind(text)
    .bind(submit)
    .bind(figures.map(sqlx::types::Json))
    .bind(actor_id)
    .bind(late)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(late))
}

/// The office returns a submitted report for revision, with a reason: its entries unlock.
pub async fn return_for_revision(
    db: &PgPool,
    evaluation: &Evaluation,
    organisation_id: i64,
    reason: &str,
) -> sqlx::Result<Result<(), Refusal>> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Err(Refusal::ReasonMissing));
    }
    if reason.chars().count() > super::MAX_REASON_CHARS {
        return Ok(Err(Refusal::TooLong));
    }
    if let Err(refusal) = evaluation
        .check_kind(Kind::SelfCheck)
        .and_then(|_| evaluation.check_open())
    {
        return Ok(Err(refusal));
    }
    let changed = sqlx::query(
        "UPDATE org_evaluation_members SET submitted_at = NULL, submitted_by = NULL, days_late = 0, \
             figures = NULL, returned_reason = $3, returned_at = now() \
         WHERE evaluation_id = $1 AND organisation_id = $2 AND submitted_at IS NOT NULL",
    )
    .bind(evaluation.id)
    .bind(organisation_id)
    .bind(reason)
    .execute(db)
    .await?
    .rows_affected();
    Ok(if changed == 1 {
        Ok(())
    } else {
        Err(Refusal::NotSubmitted)
    })
}
