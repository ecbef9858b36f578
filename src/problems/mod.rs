//! 问题整改: the problem list. Every accepted deduction, every inspection finding, every
//! 市级考评 deduction and every problem the office raises becomes a problem for one
//! organisation, with a deadline, answered with 整改措施 and evidence, verified and closed
//! (销号) or returned. The rules are in [`rules`]; this module keeps problems in PostgreSQL
//! and only accepts commands [`rules`] has checked.

pub mod rules;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

pub use rules::{
    Answer, FromRound, NewProblem, Reassignment, Refusal, Source, Standing, State, Verdict,
};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Problem {
    pub id: i64,
    pub campaign_id: i64,
    pub source: Source,
    pub source_label: String,
    pub round_id: Option<i64>,
    pub indicator_id: Option<i64>,
    pub indicator_number: Option<i32>,
    pub description: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub deadline: NaiveDate,
    pub state: State,
    pub measures: String,
    pub raised_by: Option<i64>,
    pub raised_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Problem {
    pub fn standing(&self) -> Standing {
        Standing {
            state: self.state,
            organisation_id: self.organisation_id,
            raised_by: self.raised_by,
            deadline: self.deadline,
        }
    }
}

const PROBLEM_COLUMNS: &str = "p.id, p.campaign_id, p.source, p.source_label, p.round_id, p.indicator_id, \
     i.number AS indicator_number, p.description, p.organisation_id, o.name AS organisation_name, \
     p.deadline, p.state, p.measures, p.raised_by, p.raised_at, p.submitted_at, p.closed_at";
const PROBLEM_FROM: &str = "problems p JOIN organisations o ON o.id = p.organisation_id \
     LEFT JOIN indicators i ON i.id = p.indicator_id";

/// Which problems a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub organisation_id: Option<i64>,
    pub state: Option<State>,
    pub round_id: Option<i64>,
    /// Only those past their deadline and not closed, as of this day.
    pub overdue_on: Option<NaiveDate>,
}

/// A campaign's problems, worst first: overdue ones by how long they are overdue, then by
/// deadline; closed ones last.
pub async fn list(db: &PgPool, campaign_id: i64, filter: &Filter) -> sqlx::Result<Vec<Problem>> {
    sqlx::query_as(&format!(
        "SELECT {PROBLEM_COLUMNS} FROM {PROBLEM_FROM} \
         WHERE p.campaign_id = $1 \
           AND ($2::BIGINT IS NULL OR p.organisation_id = $2) \
           AND ($3::TEXT IS NULL OR p.state = $3) \
           AND ($4::BIGINT IS NULL OR p.round_id = $4) \
           AND ($5::DATE IS NULL OR (p.state <> 'closed' AND p.deadline < $5)) \
         ORDER BY (p.state = 'closed'), p.deadline, p.id"
    ))
    .bind(campaign_id)
    .bind(filter.organisation_id)
    .bind(filter.state.map(State::as_str))
    .bind(filter.round_id)
    .bind(filter.overdue_on)
    .fetch_all(db)
    .await
}

pub async fn find(db: &PgPool, id: i64) -> sqlx::Result<Option<Problem>> {
    sqlx::query_as(&format!(
        "SELECT {PROBLEM_COLUMNS} FROM {PROBLEM_FROM} WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Problems not closed and past their deadline, for the office dashboard and bulletins.
pub async fn overdue_count(db: &PgPool, campaign_id: i64, today: NaiveDate) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM problems WHERE campaign_id = $1 AND state <> 'closed' AND deadline < $2",
    )
    .bind(campaign_id)
    .bind(today)
    .fetch_one(db)
    .await
}

async fn event(
    tx: &mut sqlx::PgConnection,
    problem_id: i64,
    kind: &str,
    actor_id: i64,
    comment: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO problem_events (problem_id, kind, actor_id, comment) VALUES ($1, $2, $3, $4)",
    )
    .bind(problem_id)
    .bind(kind)
    .bind(actor_id)
    .bind(comment)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A 市级考评 deduction put on the problem list (限期整改) for the organisation it was
/// taken from, inside the caller's transaction; the problem's id, or None when the
/// deduction is already listed.
#[allow(clippy::too_many_arguments)]
pub async fn raise_from_evaluation(
    tx: &mut sqlx::PgConnection,
    campaign_id: i64,
    evaluation_deduction_id: i64,
    source_label: &str,
    indicator_id: Option<i64>,
    description: &str,
    organisation_id: i64,
    deadline: NaiveDate,
    actor_id: i64,
) -> sqlx::Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO problems (campaign_id, source, evaluation_deduction_id, source_label, indicator_id, \
                description, organisation_id, deadline, raised_by) \
         VALUES ($1, 'evaluation', $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (evaluation_deduction_id) DO NOTHING RETURNING id",
    )
    .bind(campaign_id)
    .bind(evaluation_deduction_id)
    .bind(source_label)
    .bind(indicator_id)
    .bind(description)
    .bind(organisation_id)
    .bind(deadline)
    .bind(actor_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        event(tx, id, "raised", actor_id, "").await?;
    }
    Ok(id)
}

/// Records a problem the office raised (the command was checked by [`NewProblem::check`]).
pub async fn raise(
    db: &PgPool,
    campaign_id: i64,
    actor_id: i64,
    new: &NewProblem,
) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO problems (campaign_id, source, source_label, indicator_id, description, \
         organisation_id, deadline, raised_by) VALUES ($1, 'office', $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(campaign_id)
    .bind(&new.source_label)
    .bind(new.indicator_id)
    .bind(&new.description)
    .bind(new.organisation_id)
    .bind(new.deadline)
    .bind(actor_id)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, id, "raised", actor_id, "").await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves or submits the organisation's answer. The state is re-checked in the UPDATE so
/// two tabs cannot both submit, or answer a problem closed meanwhile; `false` means the
/// problem moved on and nothing was written.
pub async fn answer(db: &PgPool, id: i64, actor_id: i64, answer: &Answer) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE problems SET measures = $2, \
             state = CASE WHEN $3 THEN 'submitted' ELSE state END, \
             submitted_by = CASE WHEN $3 THEN $4 ELSE submitted_by END, \
             submitted_at = CASE WHEN $3 THEN now() ELSE submitted_at END, \
             updated_at = now() \
         WHERE id = $1 AND state IN ('open', 'returned')",
    )
    .bind(id)
    .bind(&answer.measures)
    .bind(answer.submit)
    .bind(actor_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if updated && answer.submit {
        event(&mut tx, id, "submitted", actor_id, &answer.measures).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// Closes (销号) or returns a submitted answer; `false` when it was no longer submitted.
pub async fn verify(db: &PgPool, id: i64, actor_id: i64, verdict: &Verdict) -> sqlx::Result<bool> {
    let (state, kind, comment) = match verdict {
        Verdict::Close { comment } => ("closed", "closed", comment),
        Verdict::Return { comment } => ("returned", "returned", comment),
    };
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE problems SET state = $2, \
             closed_by = CASE WHEN $2 = 'closed' THEN $3 END, \
             closed_at = CASE WHEN $2 = 'closed' THEN now() END, \
             updated_at = now() \
         WHERE id = $1 AND state = 'submitted'",
    )
    .bind(id)
    .bind(state)
    .bind(actor_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if updated {
        event(&mut tx, id, kind, actor_id, comment).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// One entry of a problem's history.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Event {
    pub kind: String,
    pub actor_name: Option<String>,
    pub comment: String,
    pub at: DateTime<Utc>,
}

pub async fn history(db: &PgPool, id: i64) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT e.kind, u.display_name AS actor_name, e.comment, e.at FROM problem_events e \
         LEFT JOIN users u ON u.id = e.actor_id WHERE e.problem_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// An organisation's problems that still need something (not closed), worst first: what
/// its home page shows first.
pub async fn open_for(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: i64,
) -> sqlx::Result<Vec<Problem>> {
    sqlx::query_as(&format!(
        "SELECT {PROBLEM_COLUMNS} FROM {PROBLEM_FROM} \
         WHERE p.campaign_id = $1 AND p.organisation_id = $2 AND p.state <> 'closed' \
         ORDER BY p.deadline, p.id LIMIT 50"
    ))
    .bind(campaign_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// A file the organisation attached as evidence of its rectification.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ProblemFile {
    pub file_id: i64,
    pub storage_key: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub added_by_name: Option<String>,
    pub added_at: DateTime<Utc>,
}

pub async fn files(db: &PgPool, problem_id: i64) -> sqlx::Result<Vec<ProblemFile>> {
    sqlx::query_as(
        "SELECT f.id AS file_id, f.storage_key, f.original_name, f.content_type, f.size_bytes, \
                u.display_name AS added_by_name, pf.added_at \
         FROM problem_files pf JOIN stored_files f ON f.id = pf.file_id LEFT JOIN users u ON u.id = pf.added_by \
         WHERE pf.problem_id = $1 ORDER BY pf.added_at, f.id",
    )
    .bind(problem_id)
    .fetch_all(db)
    .await
}

/// One of the problem's files (None when the file is not the problem's).
pub async fn file(db: &PgPool, problem_id: i64, file_id: i64) -> sqlx::Result<Option<ProblemFile>> {
    Ok(files(db, problem_id)
        .await?
        .into_iter()
        .find(|f| f.file_id == file_id))
}

/// Records files already in storage as the problem's evidence, in one transaction, while
/// an answer is still owed (checked again under the row lock); `false` writes nothing.
pub async fn attach(
    db: &PgPool,
    problem_id: i64,
    actor_id: i64,
    files: &[(crate::storage::Stored, String)],
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let owed: Option<bool> = sqlx::query_scalar(
        "SELECT state IN ('open', 'returned') FROM problems WHERE id = $1 FOR UPDATE",
    )
    .bind(problem_id)
    .fetch_optional(&mut *tx)
    .await?;
    if owed != Some(true) {
        return Ok(false);
    }
    let mut names = Vec::new();
    for (stored, name) in files {
        let file_id = crate::evidence::insert_file(&mut *tx, stored, name, actor_id).await?;
        sqlx::query(
            "INSERT INTO problem_files (problem_id, file_id, added_by) VALUES ($1, $2, $3)",
        )
        .bind(problem_id)
        .bind(file_id)
        .bind(actor_id)
        .execute(&mut *tx)
        .await?;
        names.push(name.as_str());
    }
    event(&mut tx, problem_id, "file", actor_id, &names.join("、")).await?;
    tx.commit().await?;
    Ok(true)
}

/// Applies a reassignment while the problem is not closed (checked again under the row
/// lock), with one event per change; `false` writes nothing.
pub async fn reassign(
    db: &PgPool,
    id: i64,
    actor_id: i64,
    change: &rules::Reassignment,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let open: Option<bool> =
        sqlx::query_scalar("SELECT state <> 'closed' FROM problems WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if open != Some(true) {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE problems SET organisation_id = COALESCE($2, organisation_id), \
                deadline = COALESCE($3, deadline), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(change.organisation_id)
    .bind(change.deadline)
    .execute(&mut *tx)
    .await?;
    if let Some(org) = change.organisation_id {
        let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
            .bind(org)
            .fetch_one(&mut *tx)
            .await?;
        let comment = [name.as_str(), change.comment.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("：");
        event(&mut tx, id, "reassigned", actor_id, &comment).await?;
    }
    if let Some(deadline) = change.deadline {
        let comment = [deadline.to_string().as_str(), change.comment.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("：");
        event(&mut tx, id, "deadline", actor_id, &comment).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A deduction not yet on the problem list, with the units its indicator names.
#[derive(Debug, FromRow)]
struct UnlistedDeduction {
    /// The deduction, or None for an inspection finding the group has not decided.
    id: Option<i64>,
    /// The inspection finding it was accepted from (or the undecided finding).
    finding_id: Option<i64>,
    /// The county of the finding's point, when the typed name matched one.
    point_county: Option<i64>,
    indicator_id: i64,
    reason: String,
    created_by: Option<i64>,
    lead: Vec<i64>,
    responsible: Vec<i64>,
}

/// Puts every standing deduction of the round that is not yet a problem on the list, for
/// the unit [`rules::proposed_organisation`] names (the city office itself is never
/// proposed: it orders the rectification); the assessor who recorded the deduction may
/// verify it. A deduction accepted from an inspection finding, and a finding the group
/// has not decided, become inspection problems for the county of the point; a finding
/// set aside is not a problem. Returns how many problems were raised; running it again
/// raises only what was deducted or found since.
pub async fn raise_from_round(
    db: &PgPool,
    campaign_id: i64,
    command: &FromRound,
    source_label: &str,
    actor_id: i64,
) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    // One conversion at a time per round, so two clicks cannot list a deduction twice.
    sqlx::query("SELECT id FROM assessment_rounds WHERE id = $1 FOR UPDATE")
        .bind(command.round_id)
        .execute(&mut *tx)
        .await?;
    let deductions: Vec<UnlistedDeduction> = sqlx::query_as(
        "WITH unlisted AS ( \
             SELECT d.id, f.id AS finding_id, pt.county_id AS point_county, d.indicator_id, d.reason, d.created_by \
             FROM score_deductions d \
             LEFT JOIN inspection_findings f ON f.deduction_id = d.id \
             LEFT JOIN inspection_points pt ON pt.id = f.point_id \
             WHERE d.round_id = $1 AND d.withdrawn_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.deduction_id = d.id) \
             UNION ALL \
             SELECT NULL, f.id, pt.county_id, f.indicator_id, \
                    '现场检查' || pt.county_name || pt.town || pt.unit_name || '（第' || pt.seq || '号点位，' || \
                    CASE pt.mode WHEN 'open' THEN '明查' ELSE '暗访' END || '）：' || f.description, f.created_by \
             FROM inspection_findings f JOIN inspection_points pt ON pt.id = f.point_id \
             JOIN inspection_records r ON r.point_id = f.point_id AND r.state = 'submitted' \
             WHERE f.round_id = $1 AND f.decision = 'pending' \
               AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.finding_id = f.id)) \
         SELECT u.id, u.finding_id, u.point_county, u.indicator_id, u.reason, u.created_by, \
                COALESCE(array_agg(ob.id ORDER BY io.position) FILTER (WHERE io.role = 'lead'), '{}') AS lead, \
                COALESCE(array_agg(ob.id ORDER BY io.position) FILTER (WHERE io.role = 'responsible'), '{}') AS responsible \
         FROM unlisted u \
         LEFT JOIN (indicator_organisations io \
                    JOIN organisations ob ON ob.body_id = io.body_id AND ob.active AND ob.kind IN ('department', 'county')) \
              ON io.indicator_id = u.indicator_id \
         GROUP BY u.id, u.finding_id, u.point_county, u.indicator_id, u.reason, u.created_by \
         ORDER BY u.id NULLS LAST, u.finding_id",
    )
    .bind(command.round_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut raised = 0;
    for d in deductions {
        let Some(organisation_id) =
            rules::proposed_organisation(d.point_county, &d.lead, &d.responsible)
        else {
            continue;
        };
        let (source, label) = match d.finding_id {
            Some(_) => ("inspection", format!("{source_label} 现场检查")),
            None => ("round", source_label.to_string()),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO problems (campaign_id, source, round_id, deduction_id, finding_id, source_label, \
             indicator_id, description, organisation_id, deadline, raised_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(campaign_id)
        .bind(source)
        .bind(command.round_id)
        .bind(d.id)
        .bind(d.finding_id)
        .bind(&label)
        .bind(d.indicator_id)
        .bind(&d.reason)
        .bind(organisation_id)
        .bind(command.deadline)
        .bind(d.created_by)
        .fetch_one(&mut *tx)
        .await?;
        event(&mut tx, id, "raised", actor_id, "").await?;
        raised += 1;
    }
    tx.commit().await?;
    Ok(raised)
}
