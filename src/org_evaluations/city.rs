//! 市级考评: the office's 考评组 evaluates each department and county on its own tasks —
//! completion (share of its tasks approved), deductions with reasons and how they were
//! found, a score (100 − deductions, floored at 0), a grade from the evaluation's bands,
//! a ranking split into 部门 and 县区 — and turns deductions into rectification work.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use super::{Deduction, Evaluation, Grade, Kind, Refusal, own_indicators, ranks};
use crate::orgs::OrgKind;
use crate::tasks;

/// How a finding was made (campaign plan 六(四)2).
pub const METHODS: [&str; 5] = ["report", "records", "survey", "site", "unannounced"];

#[derive(Debug, Clone)]
pub struct Method(&'static str);

impl Method {
    pub fn parse(text: &str) -> Result<Method, Refusal> {
        METHODS
            .iter()
            .find(|m| **m == text.trim())
            .map(|m| Method(m))
            .ok_or(Refusal::BadMethod)
    }
}

/// A recorded deduction, with the tasks it returned for rectification.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct DeductionRow {
    pub id: i64,
    pub organisation_id: i64,
    pub indicator_id: Option<i64>,
    pub indicator_number: Option<i32>,
    pub points: Decimal,
    pub reason: String,
    pub method: String,
    pub entered_by_name: Option<String>,
    pub entered_at: DateTime<Utc>,
    pub task_ids: Vec<i64>,
    pub rectify_due: Option<NaiveDate>,
}

pub async fn deductions(
    db: &PgPool,
    evaluation_id: i64,
    organisation_id: Option<i64>,
) -> sqlx::Result<Vec<DeductionRow>> {
    sqlx::query_as(
        "SELECT d.id, d.organisation_id, d.indicator_id, i.number AS indicator_number, d.points, d.reason, \
                d.method, u.display_name AS entered_by_name, d.entered_at, \
                coalesce((SELECT array_agg(r.task_id ORDER BY r.task_id) FROM org_evaluation_rectifications r \
                          WHERE r.deduction_id = d.id), '{}') AS task_ids, \
                (SELECT max(r.due_on) FROM org_evaluation_rectifications r WHERE r.deduction_id = d.id) AS rectify_due \
         FROM org_evaluation_deductions d LEFT JOIN indicators i ON i.id = d.indicator_id \
         LEFT JOIN users u ON u.id = d.entered_by \
         WHERE d.evaluation_id = $1 AND ($2::bigint IS NULL OR d.organisation_id = $2) ORDER BY d.id",
    )
    .bind(evaluation_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// Records a deduction for an organisation, on one of its own indicators or general.
pub async fn add_deduction(
    db: &PgPool,
    evaluation: &Evaluation,
    organisation_id: i64,
    indicator_id: Option<i64>,
    deduction: &Deduction,
    method: &Method,
    actor_id: i64,
) -> sqlx::Result<Result<i64, Refusal>> {
    if let Err(refusal) = evaluation.check_kind(Kind::City) {
        return Ok(Err(refusal));
    }
    if evaluation.state == super::State::Finalised {
        return Ok(Err(Refusal::Finalised));
    }
    if deduction.points() <= Decimal::ZERO {
        return Ok(Err(Refusal::BadPoints));
    }
    if let Some(indicator_id) = indicator_id {
        let own = own_indicators(db, evaluation.campaign_id, organisation_id).await?;
        if !own.iter().any(|(id, _, _)| *id == indicator_id) {
            return Ok(Err(Refusal::NotOwnIndicator));
        }
    }
    // Checked again in the insert itself, so a deduction never lands after finalising.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO org_evaluation_deductions (evaluation_id, organisation_id, indicator_id, points, reason, method, entered_by) \
         SELECT $1, $2, $3, $4, $5, $6, $7 FROM org_evaluations e \
         WHERE e.id = $1 AND e.state <> 'finalised' FOR SHARE OF e \
         RETURNING id",
    )
    .bind(evaluation.id)
    .bind(organisation_id)
    .bind(indicator_id)
    .bind(deduction.points())
    .bind(deduction.reason())
    .bind(method.0)
    .bind(actor_id)
    .fetch_optional(db)
    .await?;
    Ok(id.ok_or(Refusal::Finalised))
}

/// Withdraws a deduction recorded by mistake, until the evaluation is finalised and as
/// long as it has not become rectification work. Returns its organisation.
/// A deduction of this evaluation: the organisation it is against, and its reason.
pub async fn deduction_of(
    db: &PgPool,
    evaluation_id: i64,
    deduction_id: i64,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT organisation_id, reason FROM org_evaluation_deductions WHERE id = $1 AND evaluation_id = $2",
    )
    .bind(deduction_id)
    .bind(evaluation_id)
    .fetch_optional(db)
    .await
}

pub async fn withdraw_deduction(
    db: &PgPool,
    evaluation: &Evaluation,
    deduction_id: i64,
) -> sqlx::Result<Result<i64, Refusal>> {
    if evaluation.state == super::State::Finalised {
        return Ok(Err(Refusal::Finalised));
    }
    let mut tx = db.begin().await?;
    let state: Option<super::State> =
        sqlx::query_scalar("SELECT state FROM org_evaluations WHERE id = $1 FOR SHARE")
            .bind(evaluation.id)
            .fetch_optional(&mut *tx)
            .await?;
    if state == Some(super::State::Finalised) {
        return Ok(Err(Refusal::Finalised));
    }
    let removed: Option<i64> = sqlx::query_scalar(
        "DELETE FROM org_evaluation_deductions d WHERE d.id = $1 AND d.evaluation_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM org_evaluation_rectifications r WHERE r.deduction_id = d.id) \
         RETURNING d.organisation_id",
    )
    .bind(deduction_id)
    .bind(evaluation.id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(removed.ok_or(Refusal::AlreadyRectified))
}

/// Turns a deduction into rectification work: every task of the organisation for the
/// deduction's indicator is returned (the review loop's 退回) with the reason and due date,
/// the link is kept, and the deduction goes on the problem list with that deadline.
/// Returns the returned tasks, for the notifications.
pub async fn rectify(
    db: &PgPool,
    evaluation: &Evaluation,
    deduction_id: i64,
    due_on: NaiveDate,
    actor_id: i64,
) -> anyhow::Result<Result<Vec<tasks::Task>, Refusal>> {
    if let Err(refusal) = evaluation.check_kind(Kind::City) {
        return Ok(Err(refusal));
    }
    let mut tx = db.begin().await?;
    let row: Option<(i64, Option<i64>, String, bool)> = sqlx::query_as(
        "SELECT d.organisation_id, d.indicator_id, d.reason, \
                EXISTS (SELECT 1 FROM org_evaluation_rectifications r WHERE r.deduction_id = d.id) \
         FROM org_evaluation_deductions d WHERE d.id = $1 AND d.evaluation_id = $2 FOR UPDATE",
    )
    .bind(deduction_id)
    .bind(evaluation.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((organisation_id, indicator_id, reason, done)) = row else {
        return Ok(Err(Refusal::WrongState));
    };
    if done {
        return Ok(Err(Refusal::AlreadyRectified));
    }
    let Some(indicator_id) = indicator_id else {
        return Ok(Err(Refusal::NoIndicator));
    };
    let task_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tasks WHERE campaign_id = $1 AND organisation_id = $2 AND indicator_id = $3 \
         AND removed_at IS NULL ORDER BY id",
    )
    .bind(evaluation.campaign_id)
    .bind(organisation_id)
    .bind(indicator_id)
    .fetch_all(&mut *tx)
    .await?;
    if task_ids.is_empty() {
        return Ok(Err(Refusal::NoTask));
    }
    let comment = format!("{}：{}", evaluation.name, reason);
    let mut returned = Vec::new();
    for task_id in task_ids {
        let task = tasks::return_for_rectification(
            &mut tx,
            task_id,
            actor_id,
            &comment,
            due_on,
            serde_json::json!({ "org_evaluation": evaluation.id, "deduction": deduction_id }),
        )
        .await?;
        if let Some(task) = task {
            sqlx::query(
                "INSERT INTO org_evaluation_rectifications (deduction_id, task_id, due_on, returned_by) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(deduction_id)
            .bind(task.id)
            .bind(due_on)
            .bind(actor_id)
            .execute(&mut *tx)
            .await?;
            returned.push(task);
        }
    }
    // The same deduction is on the problem list, so the organisation answers it with its
    // 整改措施 and the office closes it (销号) like any other problem.
    crate::problems::raise_from_evaluation(
        &mut tx,
        evaluation.campaign_id,
        deduction_id,
        &format!("{} 限期整改", evaluation.name),
        Some(indicator_id),
        &reason,
        organisation_id,
        due_on,
        actor_id,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(returned))
}

/// An organisation's result.
#[derive(Debug, Clone, Serialize)]
pub struct OrgScore {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub organisation_kind: OrgKind,
    pub tasks_total: i64,
    pub tasks_approved: i64,
    pub deducted: Decimal,
    pub deductions: i64,
    pub score: Decimal,
    pub grade: Grade,
    /// Within its kind (部门 or 县区); equal scores share a rank.
    pub rank: usize,
}

impl OrgScore {
    /// Completion: share of its tasks approved, in percent with one decimal.
    pub fn completion(&self) -> Decimal {
        if self.tasks_total == 0 {
            return Decimal::ZERO;
        }
        (Decimal::from(self.tasks_approved * 100) / Decimal::from(self.tasks_total)).round_dp(1)
    }
}

/// Every organisation's result, departments then counties, each best first. Completion is
/// live until the evaluation is finalised, then the frozen figures.
pub async fn results(db: &PgPool, evaluation: &Evaluation) -> sqlx::Result<Vec<OrgScore>> {
    #[derive(FromRow)]
    struct Row {
        organisation_id: i64,
        organisation_name: String,
        organisation_kind: OrgKind,
        tasks_total: i64,
        tasks_approved: i64,
        deducted: Decimal,
        deductions: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.organisation_id, o.name AS organisation_name, o.kind AS organisation_kind, \
                coalesce(m.tasks_total, (SELECT count(*) FROM tasks t WHERE t.campaign_id = $2 \
                    AND t.organisation_id = m.organisation_id AND t.removed_at IS NULL))::bigint AS tasks_total, \
                coalesce(m.tasks_approved, (SELECT count(*) FROM tasks t WHERE t.campaign_id = $2 \
                    AND t.organisation_id = m.organisation_id AND t.removed_at IS NULL \
                    AND t.status = 'approved'))::bigint AS tasks_approved, \
                coalesce(d.deducted, 0) AS deducted, coalesce(d.n, 0) AS deductions \
         FROM org_evaluation_members m JOIN organisations o ON o.id = m.organisation_id \
         LEFT JOIN (SELECT organisation_id, sum(points) AS deducted, count(*) AS n \
                    FROM org_evaluation_deductions WHERE evaluation_id = $1 GROUP BY organisation_id) d \
                ON d.organisation_id = m.organisation_id \
         WHERE m.evaluation_id = $1",
    )
    .bind(evaluation.id)
    .bind(evaluation.campaign_id)
    .fetch_all(db)
    .await?;
    let bands = evaluation.bands();
    let mut out: Vec<OrgScore> = rows
        .into_iter()
        .map(|r| {
            let score = super::score([r.deducted]);
            OrgScore {
                organisation_id: r.organisation_id,
                organisation_name: r.organisation_name,
                organisation_kind: r.organisation_kind,
                tasks_total: r.tasks_total,
                tasks_approved: r.tasks_approved,
                deducted: r.deducted,
                deductions: r.deductions,
                grade: bands.grade(score),
                score,
                rank: 0,
            }
        })
        .collect();
    let kind_order = |k: OrgKind| if k == OrgKind::Department { 0 } else { 1 };
    out.sort_by(|a, b| {
        kind_order(a.organisation_kind)
            .cmp(&kind_order(b.organisation_kind))
            .then(b.score.cmp(&a.score))
            .then(a.organisation_name.cmp(&b.organisation_name))
    });
    for kind in [OrgKind::Department, OrgKind::County] {
        let scores: Vec<Decimal> = out
            .iter()
            .filter(|r| r.organisation_kind == kind)
            .map(|r| r.score)
            .collect();
        let ranked = ranks(&scores);
        for (result, rank) in out
            .iter_mut()
            .filter(|r| r.organisation_kind == kind)
            .zip(ranked)
        {
            result.rank = rank;
        }
    }
    Ok(out)
}
