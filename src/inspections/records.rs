//! The record made at a point: the checklist of its kind answered 合格 / 不合格 / 不适用,
//! notes, the time taken and, when the browser gave it, the position.
//!
//! The record is saved as a draft while the inspector types (every save carries the
//! version it was based on, so a stale tab or a retried request over a weak connection
//! cannot overwrite newer text), and submitted once every item is answered.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::{Mode, Visibility};
use crate::rubric::data::EstablishmentKind;

/// The longest notes kept with a record.
pub const MAX_NOTES_CHARS: usize = 5000;
/// A visit longer than a working day is a typing mistake.
pub const MAX_MINUTES: i32 = 600;

/// One checklist answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckAnswer {
    /// 合格
    Pass,
    /// 不合格
    Fail,
    /// 不适用
    Na,
}

impl CheckAnswer {
    pub fn parse(text: &str) -> Option<CheckAnswer> {
        match text.trim() {
            "pass" | "合格" => Some(CheckAnswer::Pass),
            "fail" | "不合格" => Some(CheckAnswer::Fail),
            "na" | "不适用" => Some(CheckAnswer::Na),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckAnswer::Pass => "pass",
            CheckAnswer::Fail => "fail",
            CheckAnswer::Na => "na",
        }
    }
}

/// Whether the record is still being made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum RecordState {
    Draft,
    Submitted,
}

/// A planned point as the record page needs it: where, what kind, who goes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RecordPoint {
    pub id: i64,
    pub round_id: i64,
    pub seq: i32,
    pub county_id: Option<i64>,
    pub county_name: String,
    pub town: String,
    pub unit_name: String,
    pub address: String,
    pub kind_code: String,
    pub mode: Mode,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub planned_on: Option<NaiveDate>,
    /// The assessors sent to the point (empty: the point's group, or any assessor).
    pub assessor_ids: Vec<i64>,
    pub assessor_names: Vec<String>,
}

/// The point, when the reader may see it (暗访 points are filtered in SQL).
pub async fn point(
    db: &PgPool,
    round_id: i64,
    point_id: i64,
    vis: Visibility,
) -> sqlx::Result<Option<RecordPoint>> {
    sqlx::query_as(
        "SELECT p.id, p.round_id, p.seq, p.county_id, p.county_name, p.town, p.unit_name, p.address, \
                p.kind_code, p.mode, p.group_id, g.name AS group_name, p.planned_on, \
                COALESCE(array_agg(a.user_id ORDER BY u.display_name) FILTER (WHERE a.user_id IS NOT NULL), '{}') AS assessor_ids, \
                COALESCE(array_agg(u.display_name ORDER BY u.display_name) FILTER (WHERE a.user_id IS NOT NULL), '{}') AS assessor_names \
         FROM inspection_points p \
         LEFT JOIN organisations g ON g.id = p.group_id \
         LEFT JOIN inspection_point_assessors a ON a.point_id = p.id \
         LEFT JOIN users u ON u.id = a.user_id \
         WHERE p.round_id = $1 AND p.id = $2 AND ($3 OR p.mode = 'open') \
         GROUP BY p.id, g.name",
    )
    .bind(round_id)
    .bind(point_id)
    .bind(vis.includes_unannounced())
    .fetch_optional(db)
    .await
}

/// The record of a point as saved.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub state: RecordState,
    pub answers: BTreeMap<String, CheckAnswer>,
    pub notes: String,
    pub started_at: Option<DateTime<Utc>>,
    pub minutes_taken: Option<i32>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by_name: Option<String>,
}

impl Record {
    pub fn answer(&self, code: &str) -> Option<CheckAnswer> {
        self.answers.get(code).copied()
    }
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    state: RecordState,
    answers: sqlx::types::Json<BTreeMap<String, CheckAnswer>>,
    notes: String,
    started_at: Option<DateTime<Utc>>,
    minutes_taken: Option<i32>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    accuracy_m: Option<f64>,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by_name: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    submitted_by_name: Option<String>,
}

pub async fn record(db: &PgPool, point_id: i64) -> sqlx::Result<Option<Record>> {
    let row: Option<RecordRow> = sqlx::query_as(
        "SELECT r.state, r.answers, r.notes, r.started_at, r.minutes_taken, r.latitude, r.longitude, \
                r.accuracy_m, r.version, r.updated_at, u.display_name AS updated_by_name, \
                r.submitted_at, s.display_name AS submitted_by_name \
         FROM inspection_records r LEFT JOIN users u ON u.id = r.updated_by \
         LEFT JOIN users s ON s.id = r.submitted_by WHERE r.point_id = $1",
    )
    .bind(point_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Record {
        state: r.state,
        answers: r.answers.0,
        notes: r.notes,
        started_at: r.started_at,
        minutes_taken: r.minutes_taken,
        latitude: r.latitude,
        longitude: r.longitude,
        accuracy_m: r.accuracy_m,
        version: r.version,
        updated_at: r.updated_at,
        updated_by_name: r.updated_by_name,
        submitted_at: r.submitted_at,
        submitted_by_name: r.submitted_by_name,
    }))
}

/// The record form as typed (answers by check code, everything else as text).
#[derive(Debug, Clone, Default)]
pub struct DraftInput {
    pub answers: Vec<(String, String)>,
    pub notes: String,
    pub minutes: String,
    pub latitude: String,
    pub longitude: String,
    pub accuracy: String,
    pub started_at: String,
    /// The version the form was based on (0 for a point without a record yet).
    pub version: String,
}

/// Why a record (or a save of it) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRefusal {
    /// The record was submitted; it no longer changes.
    Submitted,
    /// Someone saved a newer version since this form was loaded.
    Stale,
    /// An answer names an item not on this kind's checklist.
    UnknownCheck(String),
    /// An answer other than 合格 / 不合格 / 不适用.
    BadAnswer(String),
    /// Minutes not a whole number in 0..=600.
    BadMinutes,
    /// A position out of range or half given.
    BadPosition,
    NotesTooLong,
    /// Submitting with items left unanswered (their texts, in checklist order).
    Unanswered(Vec<String>),
    /// The point's 业态 is not in the edition's data (the checklist is missing).
    UnknownKind,
}

impl RecordRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordRefusal::Submitted => "submitted",
            RecordRefusal::Stale => "stale",
            RecordRefusal::UnknownCheck(_) => "unknown_check",
            RecordRefusal::BadAnswer(_) => "bad_answer",
            RecordRefusal::BadMinutes => "bad_minutes",
            RecordRefusal::BadPosition => "bad_position",
            RecordRefusal::NotesTooLong => "notes_too_long",
            RecordRefusal::Unanswered(_) => "unanswered",
            RecordRefusal::UnknownKind => "unknown_kind",
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            RecordRefusal::Submitted => "record-refused-submitted",
            RecordRefusal::Stale => "record-refused-stale",
            RecordRefusal::UnknownCheck(_) => "record-refused-unknown-check",
            RecordRefusal::BadAnswer(_) => "record-refused-answer",
            RecordRefusal::BadMinutes => "record-refused-minutes",
            RecordRefusal::BadPosition => "record-refused-position",
            RecordRefusal::NotesTooLong => "record-refused-notes",
            RecordRefusal::Unanswered(_) => "record-refused-unanswered",
            RecordRefusal::UnknownKind => "record-refused-kind",
        }
    }

    /// What the message quotes.
    pub fn argument(&self) -> String {
        match self {
            RecordRefusal::UnknownCheck(t) | RecordRefusal::BadAnswer(t) => t.clone(),
            RecordRefusal::Unanswered(items) => items.join("；"),
            RecordRefusal::BadMinutes => MAX_MINUTES.to_string(),
            RecordRefusal::NotesTooLong => MAX_NOTES_CHARS.to_string(),
            _ => String::new(),
        }
    }
}

/// A draft that may be saved: answers only for this kind's items, sane numbers, based on
/// the version now stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    answers: BTreeMap<String, CheckAnswer>,
    notes: String,
    minutes_taken: Option<i32>,
    position: Option<(f64, f64, Option<f64>)>,
    started_at: Option<DateTime<Utc>>,
    based_on: i32,
}

fn optional_number<T: std::str::FromStr>(text: &str) -> Result<Option<T>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| ())
}

impl Draft {
    /// The draft, or every refusal at once. `stored` is the record as saved now.
    pub fn check(
        kind: Option<&EstablishmentKind>,
        stored: Option<&Record>,
        input: &DraftInput,
    ) -> Result<Draft, Vec<RecordRefusal>> {
        if stored.is_some_and(|r| r.state == RecordState::Submitted) {
            return Err(vec![RecordRefusal::Submitted]);
        }
        let Some(kind) = kind else {
            return Err(vec![RecordRefusal::UnknownKind]);
        };
        let current = stored.map_or(0, |r| r.version);
        let based_on: i32 = input.version.trim().parse().unwrap_or(-1);
        if based_on != current {
            return Err(vec![RecordRefusal::Stale]);
        }
        let mut refusals = Vec::new();
        let mut answers = BTreeMap::new();
        for (code, answer) in &input.answers {
            if answer.trim().is_empty() {
                continue; // not answered yet
            }
            if !kind.checks.iter().any(|c| &c.code == code) {
                refusals.push(RecordRefusal::UnknownCheck(code.clone()));
                continue;
            }
            match CheckAnswer::parse(answer) {
                Some(a) => {
                    answers.insert(code.clone(), a);
                }
                None => refusals.push(RecordRefusal::BadAnswer(answer.clone())),
            }
        }
        let minutes = optional_number::<i32>(&input.minutes)
            .ok()
            .and_then(|m| match m {
                Some(m) if !(0..=MAX_MINUTES).contains(&m) => None,
                m => Some(m),
            });
        if minutes.is_none() {
            refusals.push(RecordRefusal::BadMinutes);
        }
        let lat = optional_number::<f64>(&input.latitude);
        let long = optional_number::<f64>(&input.longitude);
        let accuracy = optional_number::<f64>(&input.accuracy).unwrap_or(None);
        let position = match (lat, long) {
            (Ok(None), Ok(None)) => Some(None),
            (Ok(Some(lat)), Ok(Some(long)))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long) =>
            {
                Some(Some((lat, long, accuracy.filter(|a| *a >= 0.0))))
            }
            _ => None,
        };
        if position.is_none() {
            refusals.push(RecordRefusal::BadPosition);
        }
        let notes = input.notes.trim().to_string();
        if notes.chars().count() > MAX_NOTES_CHARS {
            refusals.push(RecordRefusal::NotesTooLong);
        }
        let started_at = DateTime::parse_from_rfc3339(input.started_at.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc));
        match (refusals.is_empty(), minutes, position) {
            (true, Some(minutes_taken), Some(position)) => Ok(Draft {
                answers,
                notes,
                minutes_taken,
                position,
                started_at,
                based_on,
            }),
            _ => Err(refusals),
        }
    }

    /// The draft as a submission: refused while an item is unanswered (不适用 is an
    /// answer; an inspector who cannot judge an item says so).
    pub fn submission(self, kind: &EstablishmentKind) -> Result<Submission, RecordRefusal> {
        let missing: Vec<String> = kind
            .checks
            .iter()
            .filter(|c| !self.answers.contains_key(&c.code))
            .map(|c| c.text.clone())
            .collect();
        if missing.is_empty() {
            Ok(Submission(self))
        } else {
            Err(RecordRefusal::Unanswered(missing))
        }
    }

    pub fn answers(&self) -> &BTreeMap<String, CheckAnswer> {
        &self.answers
    }

    /// Saves the draft; the new version, or None when another save came first (nothing
    /// is written then).
    pub async fn save(
        &self,
        db: &PgPool,
        point_id: i64,
        user_id: i64,
    ) -> sqlx::Result<Option<i32>> {
        write(db, point_id, self, user_id, false).await
    }
}

/// A complete record, ready to submit. Built only by [`Draft::submission`].
#[derive(Debug, Clone, PartialEq)]
pub struct Submission(Draft);

impl Submission {
    /// Saves and submits; None when another save came first.
    pub async fn submit(
        &self,
        db: &PgPool,
        point_id: i64,
        user_id: i64,
    ) -> sqlx::Result<Option<i32>> {
        write(db, point_id, &self.0, user_id, true).await
    }

    pub fn answers(&self) -> &BTreeMap<String, CheckAnswer> {
        &self.0.answers
    }
}

async fn write(
    db: &PgPool,
    point_id: i64,
    draft: &Draft,
    user_id: i64,
    submit: bool,
) -> sqlx::Result<Option<i32>> {
    let (lat, long, accuracy) = match draft.position {
        Some((lat, long, acc)) => (Some(lat), Some(long), acc),
        None => (None, None, None),
    };
    let answers = sqlx::types::Json(&draft.answers);
    // The first save inserts version 1; later ones update only the version they were
    // based on, and only while the record is a draft.
    let sql = if draft.based_on == 0 {
        "INSERT INTO inspection_records (point_id, state, answers, notes, started_at, minutes_taken, \
                latitude, longitude, accuracy_m, version, updated_by, updated_at, submitted_by, submitted_at) \
         VALUES ($1, CASE WHEN $10 THEN 'submitted' ELSE 'draft' END, $2, $3, $4, $5, $6, $7, $8, 1, $9, now(), \
                CASE WHEN $10 THEN $9::BIGINT END, CASE WHEN $10 THEN now() END) \
         ON CONFLICT (point_id) DO NOTHING RETURNING version"
    } else {
        "UPDATE inspection_records r SET \
                state = CASE WHEN $10 THEN 'submitted' ELSE 'draft' END, answers = $2, notes = $3, \
                started_at = COALESCE(r.started_at, $4), minutes_taken = $5, \
                latitude = COALESCE($6, r.latitude), longitude = COALESCE($7, r.longitude), \
                accuracy_m = COALESCE($8, r.accuracy_m), version = r.version + 1, \
                updated_by = $9, updated_at = now(), \
                submitted_by = CASE WHEN $10 THEN $9::BIGINT END, submitted_at = CASE WHEN $10 THEN now() END \
         WHERE r.point_id = $1 AND r.version = $11 AND r.state = 'draft' RETURNING r.version"
    };
    sqlx::query_scalar(sql)
        .bind(point_id)
        .bind(answers)
        .bind(&draft.notes)
        .bind(draft.started_at)
        .bind(draft.minutes_taken)
        .bind(lat)
        .bind(long)
        .bind(accuracy)
        .bind(user_id)
        .bind(submit)
        .bind(draft.based_on)
        .fetch_optional(db)
        .await
}

/// Points of a round with their record's state, for the plan page and the figures.
pub async fn states(db: &PgPool, round_id: i64) -> sqlx::Result<BTreeMap<i64, RecordState>> {
    let rows: Vec<(i64, RecordState)> = sqlx::query_as(
        "SELECT r.point_id, r.state FROM inspection_records r JOIN inspection_points p ON p.id = r.point_id \
         WHERE p.round_id = $1",
    )
    .bind(round_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}
