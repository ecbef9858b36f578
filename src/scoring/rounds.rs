//! Assessment rounds and what assessors record in them, kept in PostgreSQL. The totals
//! are never stored while a round is open: [`outcome`] feeds what was recorded to the
//! engine in [`super::compute`]. Locking freezes the outcome in the round's row.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgExecutor, PgPool};

use super::scope::Scope;
use super::{Choices, Deduction, Inputs, Outcome};
use crate::campaigns::Campaign;
use crate::rubric::data::{RubricFile, Scoring, VerdictRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    /// 自评: the city assesses itself.
    #[sqlx(rename = "self")]
    #[serde(rename = "self")]
    SelfAssessment,
    /// 市级考评
    City,
    /// 省级初评
    Provincial,
    /// 国家验收模拟
    NationalMock,
}

impl RoundKind {
    pub const ALL: [RoundKind; 4] = [
        RoundKind::SelfAssessment,
        RoundKind::City,
        RoundKind::Provincial,
        RoundKind::NationalMock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoundKind::SelfAssessment => "self",
            RoundKind::City => "city",
            RoundKind::Provincial => "provincial",
            RoundKind::NationalMock => "national_mock",
        }
    }

    pub fn parse(text: &str) -> Option<RoundKind> {
        RoundKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum RoundState {
    Draft,
    Open,
    Locked,
}

impl RoundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Draft => "draft",
            RoundState::Open => "open",
            RoundState::Locked => "locked",
        }
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Round {
    pub id: i64,
    pub campaign_id: i64,
    /// The rubric edition it is scored on: its campaign's when it was made. A locked round
    /// keeps it after the campaign moves to another edition.
    pub edition_id: i64,
    pub kind: RoundKind,
    pub name: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub state: RoundState,
    pub lead_assessor_id: Option<i64>,
    pub lead_assessor_name: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub report_organisation: String,
    pub report_achievements: String,
    pub report_highlights: String,
    pub report_shortcomings: String,
    pub report_opinion: String,
    /// The edition's parts the round scores; empty means the whole edition (read it
    /// through [`super::scope::Scope::stored`]).
    pub scope_parts: Vec<i32>,
    /// Why the round was locked with items unfinished.
    pub lock_reason: Option<String>,
    /// The report's framing: 依据 (one document per line), 实施单位, 配合部门, date.
    pub basis_documents: String,
    pub implementing_body: String,
    pub cooperating_bodies: String,
    pub report_date: Option<NaiveDate>,
    #[serde(skip)]
    pub frozen_outcome: Option<sqlx::types::Json<Outcome>>,
}

const ROUND_COLUMNS: &str = "r.id, r.campaign_id, r.edition_id, r.kind, r.name, r.starts_on, r.ends_on, r.state, \
     r.lead_assessor_id, u.display_name AS lead_assessor_name, r.locked_at, r.report_organisation, \
     r.report_achievements, r.report_highlights, r.report_shortcomings, r.report_opinion, r.scope_parts, \
     r.lock_reason, r.basis_documents, r.implementing_body, r.cooperating_bodies, r.report_date, r.frozen_outcome";

impl Round {
    pub fn path(&self) -> String {
        format!("/rounds/{}", self.id)
    }

    /// The part of the edition the round scores (rounds made before scopes: all of it).
    pub fn scope(&self, rubric: &RubricFile) -> Scope {
        Scope::stored(rubric, &self.scope_parts)
    }
}

pub async fn list(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Round>> {
    sqlx::query_as(&format!(
        "SELECT {ROUND_COLUMNS} FROM assessment_rounds r LEFT JOIN users u ON u.id = r.lead_assessor_id \
         WHERE r.campaign_id = $1 ORDER BY r.id"
    ))
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Round>> {
    sqlx::query_as(&format!(
        "SELECT {ROUND_COLUMNS} FROM assessment_rounds r LEFT JOIN users u ON u.id = r.lead_assessor_id \
         WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub struct NewRound<'a> {
    pub kind: RoundKind,
    pub name: &'a str,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub scope: &'a Scope,
}

pub async fn create(db: &PgPool, campaign_id: i64, new: &NewRound<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO assessment_rounds (campaign_id, kind, name, starts_on, ends_on, scope_parts) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(new.kind.as_str())
    .bind(new.name)
    .bind(new.starts_on)
    .bind(new.ends_on)
    .bind(new.scope.parts().collect::<Vec<i32>>())
    .fetch_one(db)
    .await
}

pub async fn open(db: &PgPool, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE assessment_rounds SET state = 'open', updated_at = now() WHERE id = $1 AND state = 'draft'",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks an open round, freezing `outcome` as its result (with a lock entry, no reason;
/// the admin's lock goes through [`super::commands::Lock`]).
pub async fn lock(db: &PgPool, id: i64, outcome: &Outcome) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let new = super::locks::NewLock {
        outcome,
        reason: None,
        unfinished: &[],
        user_id: None,
    };
    let locked = super::locks::lock(&mut tx, id, &new).await?.is_some();
    tx.commit().await?;
    Ok(locked)
}

pub async fn set_lead(db: &PgPool, id: i64, user_id: Option<i64>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE assessment_rounds SET lead_assessor_id = $2, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The narrative sections of the evaluation report.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportText {
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub achievements: String,
    #[serde(default)]
    pub highlights: String,
    #[serde(default)]
    pub shortcomings: String,
    #[serde(default)]
    pub opinion: String,
    /// The framing (printed before the narrative): 依据, one document per line.
    #[serde(default)]
    pub basis_documents: String,
    #[serde(default)]
    pub implementing_body: String,
    #[serde(default)]
    pub cooperating_bodies: String,
    /// As typed (YYYY-MM-DD or blank); checked by the report command.
    #[serde(default)]
    pub report_date: String,
}

impl ReportText {
    /// The report as stored on the round.
    pub fn of(round: &Round) -> ReportText {
        ReportText {
            organisation: round.report_organisation.clone(),
            achievements: round.report_achievements.clone(),
            highlights: round.report_highlights.clone(),
            shortcomings: round.report_shortcomings.clone(),
            opinion: round.report_opinion.clone(),
            basis_documents: round.basis_documents.clone(),
            implementing_body: round.implementing_body.clone(),
            cooperating_bodies: round.cooperating_bodies.clone(),
            report_date: round.report_date.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

pub async fn save_report(
    db: &PgPool,
    id: i64,
    text: &ReportText,
    report_date: Option<NaiveDate>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE assessment_rounds SET report_organisation = $2, report_achievements = $3, report_highlights = $4, \
             report_shortcomings = $5, report_opinion = $6, basis_documents = $7, implementing_body = $8, \
             cooperating_bodies = $9, report_date = $10, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(text.organisation.trim())
    .bind(text.achievements.trim())
    .bind(text.highlights.trim())
    .bind(text.shortcomings.trim())
    .bind(text.opinion.trim())
    .bind(text.basis_documents.trim())
    .bind(text.implementing_body.trim())
    .bind(text.cooperating_bodies.trim())
    .bind(report_date)
    .execute(db)
    .await?;
    Ok(())
}

/// What one group scores: an evaluation point, or a veto indicator (否决项 has no points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ItemKey {
    Point(i32),
    Veto(i32),
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemKey::Point(seq) => write!(f, "p{seq}"),
            ItemKey::Veto(number) => write!(f, "v{number}"),
        }
    }
}

impl ItemKey {
    pub fn parse(text: &str) -> Option<ItemKey> {
        if let Some(n) = text.strip_prefix('p') {
            n.parse().ok().map(ItemKey::Point)
        } else {
            text.strip_prefix('v')?.parse().ok().map(ItemKey::Veto)
        }
    }
}

/// A scoring item of the edition, in rubric order.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub key: ItemKey,
    pub part_seq: i32,
    pub part_numeral: String,
    pub scoring: Scoring,
    pub title: String,
    /// None for veto items.
    pub max: Option<i32>,
    pub optional: bool,
    pub indicators: Vec<i32>,
}

impl Item {
    pub fn key_text(&self) -> String {
        self.key.to_string()
    }

    /// "12. 食品安全监管…" or "否决项 90".
    pub fn label(&self) -> String {
        match self.key {
            ItemKey::Point(seq) => format!("{seq}. {}", self.title),
            ItemKey::Veto(_) => self.title.clone(),
        }
    }
}

pub fn items(rubric: &RubricFile) -> Vec<Item> {
    let mut items = Vec::new();
    for part in &rubric.parts {
        for point in &part.points {
            items.push(Item {
                key: ItemKey::Point(point.seq),
                part_seq: part.seq,
                part_numeral: part.numeral.clone(),
                scoring: part.scoring,
                title: point.title.clone(),
                max: Some(point.points),
                optional: point.category == crate::rubric::PointCategory::Optional,
                indicators: point.indicators.iter().map(|i| i.number).collect(),
            });
        }
        for indicator in &part.indicators {
            items.push(Item {
                key: ItemKey::Veto(indicator.number),
                part_seq: part.seq,
                part_numeral: part.numeral.clone(),
                scoring: part.scoring,
                title: format!("{}. {}", indicator.number, indicator.content),
                max: None,
                optional: false,
                indicators: vec![indicator.number],
            });
        }
    }
    items
}

/// The items a round of this scope scores.
pub fn items_in(rubric: &RubricFile, scope: &Scope) -> Vec<Item> {
    items(rubric)
        .into_iter()
        .filter(|item| scope.contains_part(item.part_seq))
        .collect()
}

/// Database ids of the edition's points (by seq) and indicators (by number).
#[derive(Debug, Clone, Default)]
pub struct RubricIds {
    pub points: HashMap<i32, i64>,
    pub indicators: HashMap<i32, i64>,
}

impl RubricIds {
    pub async fn load(db: &PgPool, edition_id: i64) -> sqlx::Result<RubricIds> {
        let points: Vec<(i32, i64)> =
            sqlx::query_as("SELECT seq, id FROM rubric_points WHERE edition_id = $1")
                .bind(edition_id)
                .fetch_all(db)
                .await?;
        let indicators: Vec<(i32, i64)> =
            sqlx::query_as("SELECT number, id FROM indicators WHERE edition_id = $1")
                .bind(edition_id)
                .fetch_all(db)
                .await?;
        Ok(RubricIds {
            points: points.into_iter().collect(),
            indicators: indicators.into_iter().collect(),
        })
    }

    /// (point_id, indicator_id) of an item, as stored in the tables keyed by either.
    pub fn of(&self, key: ItemKey) -> Option<(Option<i64>, Option<i64>)> {
        match key {
            ItemKey::Point(seq) => self.points.get(&seq).map(|id| (Some(*id), None)),
            ItemKey::Veto(n) => self.indicators.get(&n).map(|id| (None, Some(*id))),
        }
    }
}

/// Which group scores each item of a round.
pub async fn assignments(db: &PgPool, round_id: i64) -> sqlx::Result<BTreeMap<ItemKey, i64>> {
    let rows: Vec<(Option<i32>, Option<i32>, i64)> = sqlx::query_as(
        "SELECT p.seq, i.number, a.group_id FROM round_assignments a \
         LEFT JOIN rubric_points p ON p.id = a.point_id LEFT JOIN indicators i ON i.id = a.indicator_id \
         WHERE a.round_id = $1",
    )
    .bind(round_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(point, indicator, group)| match (point, indicator) {
            (Some(seq), _) => Some((ItemKey::Point(seq), group)),
            (None, Some(n)) => Some((ItemKey::Veto(n), group)),
            _ => None,
        })
        .collect())
}

/// Replaces a round's assignments with `wanted` (items left out belong to no group).
pub async fn set_assignments(
    db: &PgPool,
    round_id: i64,
    ids: &RubricIds,
    wanted: &BTreeMap<ItemKey, i64>,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM round_assignments WHERE round_id = $1")
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    for (key, group) in wanted {
        let Some((point_id, indicator_id)) = ids.of(*key) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO round_assignments (round_id, point_id, indicator_id, group_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(round_id)
        .bind(point_id)
        .bind(indicator_id)
        .bind(group)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct DeductionRow {
    pub id: i64,
    pub indicator_number: i32,
    pub points: Decimal,
    pub reason: String,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by_name: Option<String>,
}

/// Every deduction of a round (withdrawn ones too, for the history), by indicator.
pub async fn deductions(db: &PgPool, round_id: i64) -> sqlx::Result<Vec<DeductionRow>> {
    sqlx::query_as(
        "SELECT d.id, i.number AS indicator_number, d.points, d.reason, u.display_name AS created_by_name, \
                d.created_at, d.withdrawn_at, w.display_name AS withdrawn_by_name \
         FROM score_deductions d JOIN indicators i ON i.id = d.indicator_id \
         LEFT JOIN users u ON u.id = d.created_by LEFT JOIN users w ON w.id = d.withdrawn_by \
         WHERE d.round_id = $1 ORDER BY i.number, d.id",
    )
    .bind(round_id)
    .fetch_all(db)
    .await
}

pub async fn add_deduction(
    db: impl PgExecutor<'_>,
    round_id: i64,
    indicator_id: i64,
    points: Decimal,
    reason: &str,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO score_deductions (round_id, indicator_id, points, reason, created_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(round_id)
    .bind(indicator_id)
    .bind(points)
    .bind(reason)
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// The indicator number of a deduction still in force.
pub async fn deduction_indicator(
    db: &PgPool,
    round_id: i64,
    id: i64,
) -> sqlx::Result<Option<(i32, Decimal, String)>> {
    sqlx::query_as(
        "SELECT i.number, d.points, d.reason FROM score_deductions d JOIN indicators i ON i.id = d.indicator_id \
         WHERE d.round_id = $1 AND d.id = $2 AND d.withdrawn_at IS NULL",
    )
    .bind(round_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn withdraw_deduction(db: &PgPool, id: i64, user_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE score_deductions SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1 AND withdrawn_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Measurement {
    pub indicator_number: i32,
    pub value: Decimal,
    pub unit: String,
    pub source: String,
    pub source_date: Option<NaiveDate>,
    pub entered_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn measurements(db: &PgPool, round_id: i64) -> sqlx::Result<Vec<Measurement>> {
    sqlx::query_as(
        "SELECT i.number AS indicator_number, m.value, m.unit, m.source, m.source_date, \
                u.display_name AS entered_by_name, m.updated_at \
         FROM score_measurements m JOIN indicators i ON i.id = m.indicator_id LEFT JOIN users u ON u.id = m.entered_by \
         WHERE m.round_id = $1 ORDER BY i.number",
    )
    .bind(round_id)
    .fetch_all(db)
    .await
}

pub struct NewMeasurement<'a> {
    pub value: Decimal,
    pub unit: &'a str,
    pub source: &'a str,
    pub source_date: Option<NaiveDate>,
}

pub async fn set_measurement(
    db: &PgPool,
    round_id: i64,
    indicator_id: i64,
    m: &NewMeasurement<'_>,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO score_measurements (round_id, indicator_id, value, unit, source, source_date, entered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (round_id, indicator_id) DO UPDATE SET value = EXCLUDED.value, unit = EXCLUDED.unit, \
             source = EXCLUDED.source, source_date = EXCLUDED.source_date, entered_by = EXCLUDED.entered_by, updated_at = now()",
    )
    .bind(round_id)
    .bind(indicator_id)
    .bind(m.value)
    .bind(m.unit)
    .bind(m.source)
    .bind(m.source_date)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Award {
    pub point_seq: i32,
    pub points: Decimal,
    pub remark: String,
    pub entered_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn awards(db: &PgPool, round_id: i64) -> sqlx::Result<Vec<Award>> {
    sqlx::query_as(
        "SELECT p.seq AS point_seq, a.points, a.remark, u.display_name AS entered_by_name, a.updated_at \
         FROM score_awards a JOIN rubric_points p ON p.id = a.point_id LEFT JOIN users u ON u.id = a.entered_by \
         WHERE a.round_id = $1 ORDER BY p.seq",
    )
    .bind(round_id)
    .fetch_all(db)
    .await
}

pub async fn set_award(
    db: &PgPool,
    round_id: i64,
    point_id: i64,
    points: Decimal,
    remark: &str,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO score_awards (round_id, point_id, points, remark, entered_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (round_id, point_id) DO UPDATE SET points = EXCLUDED.points, remark = EXCLUDED.remark, \
             entered_by = EXCLUDED.entered_by, updated_at = now()",
    )
    .bind(round_id)
    .bind(point_id)
    .bind(points)
    .bind(remark)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct VetoMark {
    pub indicator_number: i32,
    pub triggered: bool,
    pub note: String,
    pub entered_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn vetoes(db: &PgPool, round_id: i64) -> sqlx::Result<Vec<VetoMark>> {
    sqlx::query_as(
        "SELECT i.number AS indicator_number, v.triggered, v.note, u.display_name AS entered_by_name, v.updated_at \
         FROM score_vetoes v JOIN indicators i ON i.id = v.indicator_id LEFT JOIN users u ON u.id = v.entered_by \
         WHERE v.round_id = $1 ORDER BY i.number",
    )
    .bind(round_id)
    .fetch_all(db)
    .await
}

pub async fn set_veto(
    db: &PgPool,
    round_id: i64,
    indicator_id: i64,
    triggered: bool,
    note: &str,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO score_vetoes (round_id, indicator_id, triggered, note, entered_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (round_id, indicator_id) DO UPDATE SET triggered = EXCLUDED.triggered, note = EXCLUDED.note, \
             entered_by = EXCLUDED.entered_by, updated_at = now()",
    )
    .bind(round_id)
    .bind(indicator_id)
    .bind(triggered)
    .bind(note)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemReview {
    pub remark: String,
    pub done: bool,
    pub updated_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn reviews(db: &PgPool, round_id: i64) -> sqlx::Result<HashMap<ItemKey, ItemReview>> {
    type Row = (
        Option<i32>,
        Option<i32>,
        String,
        bool,
        Option<String>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.seq, i.number, r.remark, r.done, u.display_name, r.updated_at FROM score_item_reviews r \
         LEFT JOIN rubric_points p ON p.id = r.point_id LEFT JOIN indicators i ON i.id = r.indicator_id \
         LEFT JOIN users u ON u.id = r.updated_by WHERE r.round_id = $1",
    )
    .bind(round_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(point, indicator, remark, done, name, at)| {
            let key = match (point, indicator) {
                (Some(seq), _) => ItemKey::Point(seq),
                (None, Some(n)) => ItemKey::Veto(n),
                _ => return None,
            };
            Some((
                key,
                ItemReview {
                    remark,
                    done,
                    updated_by_name: name,
                    updated_at: at,
                },
            ))
        })
        .collect())
}

pub async fn set_review(
    db: &PgPool,
    round_id: i64,
    (point_id, indicator_id): (Option<i64>, Option<i64>),
    remark: &str,
    done: bool,
    user_id: i64,
) -> sqlx::Result<()> {
    let conflict = if point_id.is_some() {
        "(round_id, point_id) WHERE point_id IS NOT NULL"
    } else {
        "(round_id, indicator_id) WHERE indicator_id IS NOT NULL"
    };
    sqlx::query(&format!(
        "INSERT INTO score_item_reviews (round_id, point_id, indicator_id, remark, done, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT {conflict} DO UPDATE SET remark = EXCLUDED.remark, done = EXCLUDED.done, \
             updated_by = EXCLUDED.updated_by, updated_at = now()"
    ))
    .bind(round_id)
    .bind(point_id)
    .bind(indicator_id)
    .bind(remark)
    .bind(done)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// A piece of evidence as an assessor reviews it, with this round's mark.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct EvidenceForReview {
    pub id: i64,
    pub indicator_number: i32,
    pub task_id: i64,
    pub task_status: crate::tasks::Status,
    pub organisation_name: String,
    pub title: String,
    pub description: String,
    pub year: Option<i32>,
    pub kind: String,
    pub version: i32,
    pub version_id: i64,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub organisation_id: i64,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_until: Option<chrono::NaiveDate>,
    pub sufficient: Option<bool>,
    pub remark: Option<String>,
    pub marked_by_name: Option<String>,
    pub marked_by: Option<i64>,
}

impl EvidenceForReview {
    pub fn previewable(&self) -> bool {
        crate::storage::FileType::from_mime(&self.content_type).is_some_and(|t| t.previewable())
    }

    /// Whether the preview page has something to show for it.
    pub fn has_preview(&self) -> bool {
        crate::evidence::preview::offered(&self.content_type, &self.original_name)
    }

    pub fn size_text(&self) -> String {
        crate::evidence::human_size(self.size_bytes)
    }
}

/// The campaign's live evidence for some indicators, with the round's marks: one row per
/// file and indicator it serves (a file linked to two of an item's indicators is
/// reviewed, and marked, for each).
pub async fn evidence_for(
    db: &PgPool,
    round: &Round,
    indicator_numbers: &[i32],
) -> sqlx::Result<Vec<EvidenceForReview>> {
    sqlx::query_as(
        "SELECT e.id, u.indicator_number, u.task_id, u.task_status, \
                o.name AS organisation_name, e.organisation_id, e.title, e.description, e.year, e.kind, v.version, \
                v.id AS version_id, f.original_name, f.content_type, f.size_bytes, e.valid_from, e.valid_until, \
                m.sufficient, m.remark, mu.display_name AS marked_by_name, m.marked_by \
         FROM (SELECT DISTINCT ON (eu.evidence_id, t.indicator_id) eu.evidence_id, t.indicator_id, \
                      i.number AS indicator_number, t.id AS task_id, t.status AS task_status \
               FROM evidence_uses eu JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
               WHERE t.campaign_id = $2 AND t.removed_at IS NULL AND i.number = ANY($3) \
               ORDER BY eu.evidence_id, t.indicator_id, t.id) u \
         JOIN evidence e ON e.id = u.evidence_id \
         JOIN organisations o ON o.id = e.organisation_id \
         JOIN LATERAL (SELECT * FROM evidence_versions WHERE evidence_id = e.id ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id \
         LEFT JOIN evidence_marks m ON m.evidence_id = e.id AND m.round_id = $1 AND m.indicator_id = u.indicator_id \
         LEFT JOIN users mu ON mu.id = m.marked_by \
         WHERE e.deleted_at IS NULL \
         ORDER BY u.indicator_number, o.sort_order, o.name, e.id",
    )
    .bind(round.id)
    .bind(round.campaign_id)
    .bind(indicator_numbers)
    .fetch_all(db)
    .await
}

/// The indicator numbers a live piece of evidence of the round's campaign serves.
pub async fn evidence_indicators(
    db: &PgPool,
    round: &Round,
    evidence_id: i64,
) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar(
        "SELECT DISTINCT i.number FROM evidence e JOIN evidence_uses eu ON eu.evidence_id = e.id \
         JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
         WHERE e.id = $1 AND e.campaign_id = $2 AND e.deleted_at IS NULL AND t.removed_at IS NULL \
         ORDER BY i.number",
    )
    .bind(evidence_id)
    .bind(round.campaign_id)
    .fetch_all(db)
    .await
}

pub async fn set_mark(
    db: &PgPool,
    round_id: i64,
    indicator_id: i64,
    evidence_id: i64,
    sufficient: bool,
    remark: &str,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO evidence_marks (round_id, indicator_id, evidence_id, sufficient, remark, marked_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (round_id, indicator_id, evidence_id) DO UPDATE SET sufficient = EXCLUDED.sufficient, \
             remark = EXCLUDED.remark, marked_by = EXCLUDED.marked_by, updated_at = now()",
    )
    .bind(round_id)
    .bind(indicator_id)
    .bind(evidence_id)
    .bind(sufficient)
    .bind(remark)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Evidence counts per indicator number: (live files serving it, marked in this round).
pub async fn evidence_counts(db: &PgPool, round: &Round) -> sqlx::Result<HashMap<i32, (i64, i64)>> {
    let rows: Vec<(i32, i64, i64)> = sqlx::query_as(
        "SELECT u.number, count(*), count(m.evidence_id) \
         FROM (SELECT DISTINCT eu.evidence_id, t.indicator_id, i.number FROM evidence_uses eu \
               JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
               WHERE t.campaign_id = $2 AND t.removed_at IS NULL) u \
         JOIN evidence e ON e.id = u.evidence_id \
         LEFT JOIN evidence_marks m ON m.evidence_id = u.evidence_id AND m.round_id = $1 AND m.indicator_id = u.indicator_id \
         WHERE e.deleted_at IS NULL GROUP BY u.number",
    )
    .bind(round.id)
    .bind(round.campaign_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(n, all, marked)| (n, (all, marked)))
        .collect())
}

/// 资料审查 progress per assessor: how many files each has marked in the round (within
/// the items of `group` when given), most first.
#[derive(Debug, Clone, FromRow)]
pub struct MarksByAssessor {
    pub user_id: i64,
    pub name: String,
    pub marked: i64,
    pub insufficient: i64,
}

pub async fn marks_by_assessor(
    db: &PgPool,
    round_id: i64,
    group: Option<i64>,
) -> sqlx::Result<Vec<MarksByAssessor>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.display_name AS name, count(m.evidence_id) AS marked, \
                count(m.evidence_id) FILTER (WHERE NOT m.sufficient) AS insufficient \
         FROM users u LEFT JOIN evidence_marks m ON m.marked_by = u.id AND m.round_id = $1 \
         WHERE ($2::bigint IS NULL AND u.role = 'assessor' AND EXISTS (SELECT 1 FROM evidence_marks x WHERE x.round_id = $1 AND x.marked_by = u.id)) \
            OR ($2::bigint IS NOT NULL AND u.role = 'assessor' AND u.organisation_id = $2 AND u.active) \
         GROUP BY u.id, u.display_name ORDER BY count(m.evidence_id) DESC, u.display_name",
    )
    .bind(round_id)
    .bind(group)
    .fetch_all(db)
    .await
}

/// The city's choices, from the campaign.
pub async fn choices(db: &PgPool, campaign_id: i64) -> sqlx::Result<Choices> {
    let (optional, items): (Vec<i32>, Vec<i32>) =
        sqlx::query_as("SELECT optional_points, chosen_items FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_one(db)
            .await?;
    Ok(Choices {
        optional_points: optional.into_iter().collect(),
        chosen_items: items.into_iter().collect(),
    })
}

pub async fn set_choices(db: &PgPool, campaign_id: i64, choices: &Choices) -> sqlx::Result<()> {
    let optional: Vec<i32> = choices.optional_points.iter().copied().collect();
    let items: Vec<i32> = choices.chosen_items.iter().copied().collect();
    sqlx::query("UPDATE campaigns SET optional_points = $2, chosen_items = $3, updated_at = now() WHERE id = $1")
        .bind(campaign_id)
        .bind(optional)
        .bind(items)
        .execute(db)
        .await?;
    Ok(())
}

/// The campaign's pass rule: its own, or the edition's default.
pub async fn verdict_rule(
    db: &PgPool,
    campaign: &Campaign,
    rubric: &RubricFile,
) -> sqlx::Result<VerdictRule> {
    let own: Option<sqlx::types::Json<VerdictRule>> =
        sqlx::query_scalar("SELECT verdict_rule FROM campaigns WHERE id = $1")
            .bind(campaign.id)
            .fetch_one(db)
            .await?;
    Ok(own.map(|j| j.0).unwrap_or_else(|| rubric.verdict.clone()))
}

/// Whether the campaign uses its own rule rather than the edition's default.
pub async fn has_own_rule(db: &PgPool, campaign_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT verdict_rule IS NOT NULL FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(db)
        .await
}

pub async fn set_verdict_rule(
    db: &PgPool,
    campaign_id: i64,
    rule: Option<&VerdictRule>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE campaigns SET verdict_rule = $2, updated_at = now() WHERE id = $1")
        .bind(campaign_id)
        .bind(rule.map(sqlx::types::Json))
        .execute(db)
        .await?;
    Ok(())
}

/// Everything recorded in a round, as the engine's input.
pub async fn inputs(db: &PgPool, round: &Round) -> sqlx::Result<Inputs> {
    let deductions = deductions(db, round.id)
        .await?
        .into_iter()
        .filter(|d| d.withdrawn_at.is_none())
        .map(|d| Deduction {
            indicator: d.indicator_number,
            points: d.points,
        })
        .collect();
    let measured = measurements(db, round.id)
        .await?
        .into_iter()
        .map(|m| (m.indicator_number, m.value))
        .collect();
    let awarded = awards(db, round.id)
        .await?
        .into_iter()
        .map(|a| (a.point_seq, a.points))
        .collect();
    let vetoes = vetoes(db, round.id)
        .await?
        .into_iter()
        .filter(|v| v.triggered)
        .map(|v| v.indicator_number)
        .collect();
    Ok(Inputs {
        deductions,
        measured,
        awarded,
        vetoes,
        choices: choices(db, round.campaign_id).await?,
    })
}

/// The round's result: frozen at locking, otherwise computed from what was recorded.
pub async fn outcome(
    db: &PgPool,
    campaign: &Campaign,
    rubric: &RubricFile,
    round: &Round,
) -> sqlx::Result<Outcome> {
    if let Some(frozen) = &round.frozen_outcome {
        return Ok(frozen.0.clone());
    }
    let rule = verdict_rule(db, campaign, rubric).await?;
    let inputs = inputs(db, round).await?;
    Ok(super::compute_in(
        rubric,
        &rule,
        &inputs,
        &round.scope(rubric),
    ))
}
