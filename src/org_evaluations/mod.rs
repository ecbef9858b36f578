//! Organisation evaluations (campaign plan 六(四)): the 自查自评 every department and county
//! makes of itself — a self-deduction per indicator of its own tasks and a 自查报告 with its
//! figures inserted — and the office's 市级考评 of each of them: completion of its tasks,
//! deductions with reasons (听取汇报、查阅资料、问卷调查、实地检查、明察暗访), a score, a grade
//! and a ranking, each deduction able to become rectification work (限期整改).
//!
//! The arithmetic, the same for both kinds: every organisation starts from 100 points; its
//! score is 100 minus the sum of its deductions, never below 0 ([`score`]). A grade comes
//! from the evaluation's bands ([`Bands`], default 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else
//! 不合格). Completion is the share of the organisation's tasks approved; it is shown beside
//! the score, not mixed into it. Ranks are "1, 1, 3": equal scores share a rank.
//!
//! Commands take parsed values ([`Points`], [`Bands`], [`NewEvaluation`]) and refusals are
//! a [`Refusal`] the web layer words.

pub mod city;
mod rules;
pub mod self_check;

pub use rules::*;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgExecutor, PgPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 自查自评
    #[sqlx(rename = "self")]
    #[serde(rename = "self")]
    SelfCheck,
    /// 市级考评
    City,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SelfCheck => "self",
            Kind::City => "city",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [Kind::SelfCheck, Kind::City]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// draft (the office prepares; nobody else sees it) → open (self: organisations score and
/// report; city: the 考评组 records deductions) → finalised (frozen; a 市级考评's results are
/// shown to the organisations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Open,
    Finalised,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Open => "open",
            State::Finalised => "finalised",
        }
    }

    /// The state after `self`, if there is one.
    pub fn next(self) -> Option<State> {
        match self {
            State::Draft => Some(State::Open),
            State::Open => Some(State::Finalised),
            State::Finalised => None,
        }
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub campaign_id: i64,
    /// The rubric edition it was made on: a finalised evaluation keeps reading its
    /// indicators after the campaign moves to another edition.
    pub edition_id: i64,
    pub kind: Kind,
    pub name: String,
    pub deadline: Option<NaiveDate>,
    pub state: State,
    pub excellent_min: Decimal,
    pub good_min: Decimal,
    pub pass_min: Decimal,
    pub created_at: DateTime<Utc>,
    pub finalised_at: Option<DateTime<Utc>>,
}

impl Evaluation {
    pub fn bands(&self) -> Bands {
        Bands {
            excellent: self.excellent_min,
            good: self.good_min,
            pass: self.pass_min,
        }
    }

    /// Open for the organisations' and the 考评组's entries.
    pub fn check_open(&self) -> Result<(), Refusal> {
        match self.state {
            State::Open => Ok(()),
            State::Finalised => Err(Refusal::Finalised),
            State::Draft => Err(Refusal::NotOpen),
        }
    }

    pub fn check_kind(&self, kind: Kind) -> Result<(), Refusal> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(Refusal::WrongKind)
        }
    }
}

/// A new evaluation, checked: a name, and for a self-evaluation its deadline.
const COLUMNS: &str = "id, campaign_id, edition_id, kind, name, deadline, state, excellent_min, good_min, pass_min, \
     created_at, finalised_at";

/// Makes the evaluation for every active department and county. A self-evaluation opens
/// at once (the organisations see it on their dashboards); a 市级考评 starts as a draft.
pub async fn create(
    db: &PgPool,
    campaign_id: i64,
    new: &NewEvaluation,
    actor_id: i64,
) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let state = match new.kind() {
        Kind::SelfCheck => State::Open,
        Kind::City => State::Draft,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO org_evaluations (campaign_id, kind, name, deadline, state, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(new.kind().as_str())
    .bind(new.name())
    .bind(new.deadline())
    .bind(state.as_str())
    .bind(actor_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO org_evaluation_members (evaluation_id, organisation_id) \
         SELECT $1, id FROM organisations WHERE active AND kind IN ('department', 'county')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Evaluation>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM org_evaluations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The campaign's evaluations, newest first.
pub async fn list(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Evaluation>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM org_evaluations WHERE campaign_id = $1 ORDER BY id DESC"
    ))
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// Is `organisation_id` one of the organisations the evaluation covers?
/// The organisations an evaluation covers.
pub async fn member_ids(db: &PgPool, evaluation_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT organisation_id FROM org_evaluation_members WHERE evaluation_id = $1",
    )
    .bind(evaluation_id)
    .fetch_all(db)
    .await
}

pub async fn covers(db: &PgPool, evaluation_id: i64, organisation_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM org_evaluation_members WHERE evaluation_id = $1 AND organisation_id = $2)",
    )
    .bind(evaluation_id)
    .bind(organisation_id)
    .fetch_one(db)
    .await
}

/// Moves the evaluation one step on (draft → open → finalised). Finalising freezes each
/// organisation's completion (approved and total tasks) as it stands.
pub async fn advance(
    db: &PgPool,
    evaluation: &Evaluation,
    to: State,
    actor_id: i64,
) -> sqlx::Result<Result<(), Refusal>> {
    if evaluation.state.next() != Some(to) {
        return Ok(Err(Refusal::WrongState));
    }
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE org_evaluations SET state = $2, \
             finalised_at = CASE WHEN $2 = 'finalised' THEN now() END, \
             finalised_by = CASE WHEN $2 = 'finalised' THEN $4 END \
         WHERE id = $1 AND state = $3",
    )
    .bind(evaluation.id)
    .bind(to.as_str())
    .bind(evaluation.state.as_str())
    .bind(actor_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(Err(Refusal::WrongState));
    }
    if to == State::Finalised {
        sqlx::query(
            "UPDATE org_evaluation_members m SET tasks_total = c.total, tasks_approved = c.approved \
             FROM (SELECT m2.organisation_id, count(t.id)::int AS total, \
                          (count(t.id) FILTER (WHERE t.status = 'approved'))::int AS approved \
                   FROM org_evaluation_members m2 \
                   LEFT JOIN tasks t ON t.organisation_id = m2.organisation_id AND t.campaign_id = $2 \
                        AND t.removed_at IS NULL \
                   WHERE m2.evaluation_id = $1 GROUP BY m2.organisation_id) c \
             WHERE m.evaluation_id = $1 AND m.organisation_id = c.organisation_id",
        )
        .bind(evaluation.id)
        .bind(evaluation.campaign_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Changes the grade bands, until the evaluation is finalised.
pub async fn set_bands(
    db: &PgPool,
    evaluation: &Evaluation,
    bands: Bands,
) -> sqlx::Result<Result<(), Refusal>> {
    if evaluation.state == State::Finalised {
        return Ok(Err(Refusal::Finalised));
    }
    sqlx::query(
        "UPDATE org_evaluations SET excellent_min = $2, good_min = $3, pass_min = $4 \
         WHERE id = $1 AND state <> 'finalised'",
    )
    .bind(evaluation.id)
    .bind(bands.excellent)
    .bind(bands.good)
    .bind(bands.pass)
    .execute(db)
    .await?;
    Ok(Ok(()))
}

/// The indicators of the organisation's own (not removed) tasks: (id, number, content).
pub async fn own_indicators(
    db: impl PgExecutor<'_>,
    campaign_id: i64,
    organisation_id: i64,
) -> sqlx::Result<Vec<(i64, i32, String)>> {
    sqlx::query_as(
        "SELECT DISTINCT i.id, i.number, i.content FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         WHERE t.campaign_id = $1 AND t.organisation_id = $2 AND t.removed_at IS NULL ORDER BY i.number",
    )
    .bind(campaign_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// One organisation's line in either kind: what the dashboard panel and the API show.
#[derive(Debug, Clone, Serialize)]
pub struct OrgResult {
    pub evaluation_id: i64,
    pub kind: Kind,
    pub name: String,
    pub state: State,
    pub deadline: Option<NaiveDate>,
    pub score: Decimal,
    pub grade: Option<Grade>,
    pub deductions: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub days_late: i32,
}

/// The organisation's evaluations that it may see: self-evaluations once open, 市级考评
/// once finalised (with `all`, the office's view: every one but nothing hidden).
pub async fn results_for(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: i64,
    all: bool,
    today: NaiveDate,
) -> sqlx::Result<Vec<OrgResult>> {
    #[derive(FromRow)]
    struct Row {
        id: i64,
        kind: Kind,
        name: String,
        state: State,
        deadline: Option<NaiveDate>,
        excellent_min: Decimal,
        good_min: Decimal,
        pass_min: Decimal,
        total: Decimal,
        deductions: i64,
        submitted_at: Option<DateTime<Utc>>,
        days_late: i32,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.kind, e.name, e.state, e.deadline, e.excellent_min, e.good_min, e.pass_min, \
                CASE e.kind WHEN 'self' THEN \
                    (SELECT coalesce(sum(s.points), 0) FROM org_self_entries s \
                     WHERE s.evaluation_id = e.id AND s.organisation_id = m.organisation_id) \
                ELSE (SELECT coalesce(sum(d.points), 0) FROM org_evaluation_deductions d \
                     WHERE d.evaluation_id = e.id AND d.organisation_id = m.organisation_id) END AS total, \
                CASE e.kind WHEN 'self' THEN \
                    (SELECT count(*) FROM org_self_entries s WHERE s.evaluation_id = e.id \
                     AND s.organisation_id = m.organisation_id AND s.points > 0) \
                ELSE (SELECT count(*) FROM org_evaluation_deductions d WHERE d.evaluation_id = e.id \
                     AND d.organisation_id = m.organisation_id) END AS deductions, \
                m.submitted_at, m.days_late \
         FROM org_evaluations e JOIN org_evaluation_members m ON m.evaluation_id = e.id \
         WHERE e.campaign_id = $1 AND m.organisation_id = $2 \
           AND ($3 OR (e.kind = 'self' AND e.state <> 'draft') OR (e.kind = 'city' AND e.state = 'finalised')) \
         ORDER BY e.id DESC",
    )
    .bind(campaign_id)
    .bind(organisation_id)
    .bind(all)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let bands = Bands {
                excellent: r.excellent_min,
                good: r.good_min,
                pass: r.pass_min,
            };
            let score = score([r.total]);
            let overdue = r.submitted_at.is_none() && r.deadline.is_some_and(|d| d < today);
            let days_late = if overdue {
                r.deadline.map_or(0, |d| days_late(d, today))
            } else {
                r.days_late
            };
            OrgResult {
                evaluation_id: r.id,
                grade: (r.kind == Kind::City).then(|| bands.grade(score)),
                kind: r.kind,
                name: r.name,
                state: r.state,
                deadline: r.deadline,
                score,
                deductions: r.deductions,
                submitted_at: r.submitted_at,
                late: days_late > 0,
                days_late,
            }
        })
        .collect())
}
