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
pub mod self_check;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgExecutor, PgPool};

/// Every organisation's score starts here.
pub const FULL_MARKS: Decimal = Decimal::ONE_HUNDRED;
const MAX_NAME_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 2_000;
pub const MAX_REPORT_CHARS: usize = 50_000;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Fail,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Pass => "pass",
            Grade::Fail => "fail",
        }
    }
}

/// Why a command was refused: a code for the audit trail and a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NameMissing,
    TooLong,
    BadKind,
    BadDate,
    /// Points that are not a number, negative, over 100 or with more than two decimals.
    BadPoints,
    /// A deduction above 0 without a reason.
    ReasonMissing,
    /// A band outside 0–100.
    BandRange,
    /// Bands not strictly descending (优秀 > 良好 > 合格).
    BandOrder,
    /// An indicator none of the organisation's own tasks is for.
    NotOwnIndicator,
    /// The evaluation is not open (still a draft, or finalised).
    NotOpen,
    Finalised,
    /// The self-evaluation was submitted: its entries are locked.
    Submitted,
    NotSubmitted,
    /// Submitting while some indicators have no entry yet.
    Unscored,
    ReportMissing,
    WrongKind,
    /// A general deduction (no indicator) cannot become a task's rectification.
    NoIndicator,
    /// The organisation has no task for the deduction's indicator.
    NoTask,
    AlreadyRectified,
    BadMethod,
    WrongState,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NameMissing => "name_missing",
            Refusal::TooLong => "too_long",
            Refusal::BadKind => "bad_kind",
            Refusal::BadDate => "bad_date",
            Refusal::BadPoints => "bad_points",
            Refusal::ReasonMissing => "reason_missing",
            Refusal::BandRange => "band_range",
            Refusal::BandOrder => "band_order",
            Refusal::NotOwnIndicator => "not_own_indicator",
            Refusal::NotOpen => "not_open",
            Refusal::Finalised => "finalised",
            Refusal::Submitted => "submitted",
            Refusal::NotSubmitted => "not_submitted",
            Refusal::Unscored => "unscored",
            Refusal::ReportMissing => "report_missing",
            Refusal::WrongKind => "wrong_kind",
            Refusal::NoIndicator => "no_indicator",
            Refusal::NoTask => "no_task",
            Refusal::AlreadyRectified => "already_rectified",
            Refusal::BadMethod => "bad_method",
            Refusal::WrongState => "wrong_state",
        }
    }

    pub fn message_key(self) -> String {
        format!("orgeval-refused-{}", self.as_str().replace('_', "-"))
    }
}

/// Deduction points: 0 … 100, at most two decimals ("0.5", "2").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Points(Decimal);

impl Points {
    pub fn parse(text: &str) -> Result<Points, Refusal> {
        let value: Decimal = text
            .trim()
            .replace('，', ".")
            .parse()
            .map_err(|_| Refusal::BadPoints)?;
        if value < Decimal::ZERO || value > FULL_MARKS || value.normalize().scale() > 2 {
            return Err(Refusal::BadPoints);
        }
        Ok(Points(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// A deduction's points with its reason: a reason is needed unless the points are 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    points: Points,
    reason: String,
}

impl Deduction {
    pub fn parse(points: &str, reason: &str) -> Result<Deduction, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let points = Points::parse(points).map_err(|r| refusals.push(r)).ok();
        let reason = reason.trim().to_string();
        if reason.chars().count() > MAX_REASON_CHARS {
            refusals.push(Refusal::TooLong);
        }
        if points.is_some_and(|p| p.value() > Decimal::ZERO) && reason.is_empty() {
            refusals.push(Refusal::ReasonMissing);
        }
        match points {
            Some(points) if refusals.is_empty() => Ok(Deduction { points, reason }),
            _ => Err(refusals),
        }
    }

    pub fn points(&self) -> Decimal {
        self.points.value()
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Grade bands, checked: each within 0–100, strictly descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bands {
    pub excellent: Decimal,
    pub good: Decimal,
    pub pass: Decimal,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            excellent: Decimal::from(90),
            good: Decimal::from(80),
            pass: Decimal::from(60),
        }
    }
}

impl Bands {
    pub fn parse(excellent: &str, good: &str, pass: &str) -> Result<Bands, Refusal> {
        let one = |text: &str| -> Result<Decimal, Refusal> {
            let value: Decimal = text.trim().parse().map_err(|_| Refusal::BandRange)?;
            if value < Decimal::ZERO || value > FULL_MARKS || value.normalize().scale() > 2 {
                return Err(Refusal::BandRange);
            }
            Ok(value.normalize())
        };
        let bands = Bands {
            excellent: one(excellent)?,
            good: one(good)?,
            pass: one(pass)?,
        };
        if !(bands.excellent > bands.good && bands.good > bands.pass) {
            return Err(Refusal::BandOrder);
        }
        Ok(bands)
    }

    pub fn grade(&self, score: Decimal) -> Grade {
        if score >= self.excellent {
            Grade::Excellent
        } else if score >= self.good {
            Grade::Good
        } else if score >= self.pass {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }
}

/// 100 minus the deductions, never below 0.
pub fn score(deductions: impl IntoIterator<Item = Decimal>) -> Decimal {
    let total: Decimal = deductions.into_iter().sum();
    (FULL_MARKS - total).max(Decimal::ZERO).normalize()
}

/// Ranks of scores given best first: equal scores share a rank ("1, 1, 3").
pub fn ranks(sorted_scores: &[Decimal]) -> Vec<usize> {
    let mut out = Vec::with_capacity(sorted_scores.len());
    for (index, score) in sorted_scores.iter().enumerate() {
        let rank = match index {
            0 => 1,
            _ if sorted_scores[index - 1] == *score => out[index - 1],
            _ => index + 1,
        };
        out.push(rank);
    }
    out
}

/// Whole days a submission on `submitted_on` is after `deadline` (0 when on time).
pub fn days_late(deadline: NaiveDate, submitted_on: NaiveDate) -> i32 {
    (submitted_on - deadline).num_days().max(0) as i32
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub campaign_id: i64,
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
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    kind: Kind,
    name: String,
    deadline: Option<NaiveDate>,
}

impl NewEvaluation {
    pub fn parse(kind: &str, name: &str, deadline: &str) -> Result<NewEvaluation, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let kind = Kind::parse(kind.trim());
        if kind.is_none() {
            refusals.push(Refusal::BadKind);
        }
        let name = name.trim().to_string();
        if name.is_empty() {
            refusals.push(Refusal::NameMissing);
        } else if name.chars().count() > MAX_NAME_CHARS {
            refusals.push(Refusal::TooLong);
        }
        let deadline = match deadline.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    refusals.push(Refusal::BadDate);
                    None
                }
            },
        };
        if kind == Some(Kind::SelfCheck)
            && deadline.is_none()
            && !refusals.contains(&Refusal::BadDate)
        {
            refusals.push(Refusal::BadDate);
        }
        match kind {
            Some(kind) if refusals.is_empty() => Ok(NewEvaluation {
                kind,
                deadline: (kind == Kind::SelfCheck).then_some(deadline).flatten(),
                name,
            }),
            _ => Err(refusals),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
}

const COLUMNS: &str = "id, campaign_id, kind, name, deadline, state, excellent_min, good_min, pass_min, \
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
    let state = match new.kind {
        Kind::SelfCheck => State::Open,
        Kind::City => State::Draft,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO org_evaluations (campaign_id, kind, name, deadline, state, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(new.kind.as_str())
    .bind(&new.name)
    .bind(new.deadline)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn score_is_100_minus_deductions_floored_at_zero() {
        assert_eq!(score([]), dec!(100));
        assert_eq!(score([dec!(2.5), dec!(3)]), dec!(94.5));
        assert_eq!(score([dec!(60), dec!(60)]), dec!(0));
    }

    #[test]
    fn points_and_reasons() {
        assert!(Points::parse("-1").is_err());
        assert!(Points::parse("abc").is_err());
        assert!(Points::parse("100.5").is_err());
        assert!(Points::parse("0.125").is_err());
        assert_eq!(Points::parse(" 2.50 ").unwrap().value(), dec!(2.5));
        assert_eq!(
            Deduction::parse("2", " ").unwrap_err(),
            vec![Refusal::ReasonMissing]
        );
        assert!(
            Deduction::parse("0", "").is_ok(),
            "0 = 无扣分 needs no reason"
        );
        assert_eq!(
            Deduction::parse("-2", "").unwrap_err(),
            vec![Refusal::BadPoints]
        );
    }

    #[test]
    fn bands_are_checked_and_grade() {
        assert_eq!(Bands::parse("90", "80", "60").unwrap(), Bands::default());
        assert_eq!(Bands::parse("80", "90", "60"), Err(Refusal::BandOrder));
        assert_eq!(Bands::parse("90", "90", "60"), Err(Refusal::BandOrder));
        assert_eq!(Bands::parse("101", "80", "60"), Err(Refusal::BandRange));
        assert_eq!(Bands::parse("90", "80", "-1"), Err(Refusal::BandRange));
        let bands = Bands::default();
        assert_eq!(bands.grade(dec!(90)), Grade::Excellent);
        assert_eq!(bands.grade(dec!(89.99)), Grade::Good);
        assert_eq!(bands.grade(dec!(60)), Grade::Pass);
        assert_eq!(bands.grade(dec!(59.5)), Grade::Fail);
    }

    #[test]
    fn ties_share_a_rank() {
        assert_eq!(
            ranks(&[dec!(98), dec!(95), dec!(95), dec!(90)]),
            vec![1, 2, 2, 4]
        );
        assert_eq!(ranks(&[]), Vec::<usize>::new());
    }

    #[test]
    fn lateness_in_days() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        assert_eq!(days_late(d(2), d(2)), 0);
        assert_eq!(days_late(d(2), d(1)), 0);
        assert_eq!(days_late(d(2), d(5)), 3);
    }

    #[test]
    fn a_self_evaluation_needs_a_deadline() {
        assert_eq!(
            NewEvaluation::parse("self", "2026年自查", "").unwrap_err(),
            vec![Refusal::BadDate]
        );
        assert!(NewEvaluation::parse("city", "市级考评", "").is_ok());
        assert_eq!(
            NewEvaluation::parse("x", " ", "").unwrap_err(),
            vec![Refusal::BadKind, Refusal::NameMissing]
        );
    }
}
