//! Where interviews are kept: listed (all of a round's, one, or those linked to an item's
//! indicators), saved with their interviewees and indicators in one transaction, deleted,
//! and counted for the report.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{PgExecutor, PgPool};

use super::{Interviewee, Level, NewInterview, interviewee_lines};

/// An interview as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Interview {
    pub id: i64,
    pub group_id: Option<i64>,
    pub group_label: String,
    /// The assessor group's name, when a group is set.
    pub group_name: Option<String>,
    pub held_on: NaiveDate,
    pub place: String,
    pub questions: String,
    pub notes: String,
    pub interviewees: Vec<Interviewee>,
    pub indicators: Vec<i32>,
}

impl Interview {
    /// The group as printed: its name, or the label typed.
    pub fn group(&self) -> &str {
        self.group_name.as_deref().unwrap_or(&self.group_label)
    }

    /// 2026年5月12日
    pub fn date(&self) -> String {
        crate::i18n::chinese_date(self.held_on)
    }

    /// The interviewees of one level.
    pub fn at_level(&self, level: &Level) -> Vec<&Interviewee> {
        self.interviewees
            .iter()
            .filter(|p| p.level == *level)
            .collect()
    }

    /// The posts interviewed, 、-separated (reports cite posts, not names).
    pub fn posts(&self) -> String {
        self.interviewees
            .iter()
            .map(|p| p.post.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }

    /// The start of the notes, for the item page.
    pub fn notes_excerpt(&self) -> String {
        const CHARS: usize = 80;
        let notes = self.notes.trim();
        if notes.chars().count() <= CHARS {
            notes.to_string()
        } else {
            format!("{}…", notes.chars().take(CHARS).collect::<String>())
        }
    }

    pub fn interviewee_lines(&self) -> String {
        interviewee_lines(&self.interviewees)
    }
}

#[derive(sqlx::FromRow)]
struct InterviewRow {
    id: i64,
    group_id: Option<i64>,
    group_label: String,
    group_name: Option<String>,
    held_on: NaiveDate,
    place: String,
    questions: String,
    notes: String,
}

#[derive(sqlx::FromRow)]
struct IntervieweeRow {
    interview_id: i64,
    level: Level,
    post: String,
    name: String,
    organisation: String,
}

/// The round's interviews (all of them, or those linked to one of `indicators`), by date.
async fn load(
    db: &PgPool,
    round_id: i64,
    only: Option<&[i32]>,
    interview: Option<i64>,
) -> sqlx::Result<Vec<Interview>> {
    let rows: Vec<InterviewRow> = sqlx::query_as(
        "SELECT v.id, v.group_id, v.group_label, o.name AS group_name, v.held_on, v.place, \
                v.questions, v.notes \
         FROM round_interviews v LEFT JOIN organisations o ON o.id = v.group_id \
         WHERE v.round_id = $1 AND ($3::bigint IS NULL OR v.id = $3) \
           AND ($2::int[] IS NULL OR EXISTS (SELECT 1 FROM round_interview_indicators l \
                JOIN indicators i ON i.id = l.indicator_id \
                WHERE l.interview_id = v.id AND i.number = ANY($2))) \
         ORDER BY v.held_on, v.id",
    )
    .bind(round_id)
    .bind(only)
    .bind(interview)
    .fetch_all(db)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let people: Vec<IntervieweeRow> = sqlx::query_as(
        "SELECT interview_id, level, post, name, organisation FROM round_interviewees \
         WHERE interview_id = ANY($1) ORDER BY interview_id, id",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    let links: Vec<(i64, i32)> = sqlx::query_as(
        "SELECT l.interview_id, i.number FROM round_interview_indicators l \
         JOIN indicators i ON i.id = l.indicator_id \
         WHERE l.interview_id = ANY($1) ORDER BY l.interview_id, i.number",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    let mut by_interview: HashMap<i64, Vec<Interviewee>> = HashMap::new();
    for p in people {
        by_interview
            .entry(p.interview_id)
            .or_default()
            .push(Interviewee {
                level: p.level,
                post: p.post,
                name: p.name,
                organisation: p.organisation,
            });
    }
    let mut numbers: HashMap<i64, Vec<i32>> = HashMap::new();
    for (id, number) in links {
        numbers.entry(id).or_default().push(number);
    }
    Ok(rows
        .into_iter()
        .map(|r| Interview {
            interviewees: by_interview.remove(&r.id).unwrap_or_default(),
            indicators: numbers.remove(&r.id).unwrap_or_default(),
            id: r.id,
            group_id: r.group_id,
            group_label: r.group_label,
            group_name: r.group_name,
            held_on: r.held_on,
            place: r.place,
            questions: r.questions,
            notes: r.notes,
        })
        .collect())
}

/// Every interview of the round, by date.
pub async fn list(db: &PgPool, round_id: i64) -> sqlx::Result<Vec<Interview>> {
    load(db, round_id, None, None).await
}

/// One interview of the round.
pub async fn find(db: &PgPool, round_id: i64, id: i64) -> sqlx::Result<Option<Interview>> {
    Ok(load(db, round_id, None, Some(id)).await?.pop())
}

/// The interviews linked to any of these indicators (an item's page).
pub async fn linked_to(
    db: &PgPool,
    round_id: i64,
    indicators: &[i32],
) -> sqlx::Result<Vec<Interview>> {
    load(db, round_id, Some(indicators), None).await
}

async fn write_details(
    tx: &mut sqlx::PgConnection,
    id: i64,
    new: &NewInterview,
    indicator_ids: &HashMap<i32, i64>,
) -> sqlx::Result<()> {
    for p in &new.interviewees {
        sqlx::query(
            "INSERT INTO round_interviewees (interview_id, level, post, name, organisation) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(p.level)
        .bind(&p.post)
        .bind(&p.name)
        .bind(&p.organisation)
        .execute(&mut *tx)
        .await?;
    }
    for number in &new.indicators {
        let Some(indicator) = indicator_ids.get(number) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO round_interview_indicators (interview_id, indicator_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(indicator)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Saves a new interview with its interviewees and indicators, in one transaction.
pub async fn insert(
    db: &PgPool,
    round_id: i64,
    new: &NewInterview,
    indicator_ids: &HashMap<i32, i64>,
    created_by: i64,
) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO round_interviews \
           (round_id, group_id, group_label, held_on, place, questions, notes, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(round_id)
    .bind(new.group_id)
    .bind(&new.group_label)
    .bind(new.held_on)
    .bind(&new.place)
    .bind(&new.questions)
    .bind(&new.notes)
    .bind(created_by)
    .fetch_one(&mut *tx)
    .await?;
    write_details(&mut tx, id, new, indicator_ids).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces an interview's details; false when it is not the round's (or is gone).
pub async fn update(
    db: &PgPool,
    round_id: i64,
    id: i64,
    new: &NewInterview,
    indicator_ids: &HashMap<i32, i64>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE round_interviews SET group_id = $3, group_label = $4, held_on = $5, place = $6, \
                questions = $7, notes = $8, updated_at = now() \
         WHERE id = $2 AND round_id = $1",
    )
    .bind(round_id)
    .bind(id)
    .bind(new.group_id)
    .bind(&new.group_label)
    .bind(new.held_on)
    .bind(&new.place)
    .bind(&new.questions)
    .bind(&new.notes)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    for table in ["round_interviewees", "round_interview_indicators"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE interview_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    write_details(&mut tx, id, new, indicator_ids).await?;
    tx.commit().await?;
    Ok(true)
}

/// Deletes an interview of the round; false when there was none.
pub async fn delete(db: impl PgExecutor<'_>, round_id: i64, id: i64) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM round_interviews WHERE id = $1 AND round_id = $2")
            .bind(id)
            .bind(round_id)
            .execute(db)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Interviews held and people interviewed by level, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub interviews: i64,
    pub city: i64,
    pub county: i64,
    pub township: i64,
}

pub async fn tally(db: &PgPool, round_id: i64) -> sqlx::Result<Tally> {
    let (interviews, city, county, township): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM round_interviews WHERE round_id = $1), \
                COUNT(*) FILTER (WHERE p.level = 'city'), \
                COUNT(*) FILTER (WHERE p.level = 'county'), \
                COUNT(*) FILTER (WHERE p.level = 'township') \
         FROM round_interviewees p JOIN round_interviews v ON v.id = p.interview_id \
         WHERE v.round_id = $1",
    )
    .bind(round_id)
    .fetch_one(db)
    .await?;
    Ok(Tally {
        interviews,
        city,
        county,
        township,
    })
}
