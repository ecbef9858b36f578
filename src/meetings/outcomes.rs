//! What a decision becomes: a task for an organisation, in the same review loop as every
//! other (its history names the meeting, its owner is notified), or a milestone of a
//! programme. Each is checked again under the decision's lock, so two clicks make one.

use serde_json::json;
use sqlx::{FromRow, PgPool, Postgres, Transaction};

use super::rules::{Choices, MilestoneFromDecision, Refusal, Standing, TaskFromDecision, Work};
use super::{Kind, MilestoneInput, TaskInput};

/// The facts about a decision and its meeting that its outcome needs.
#[derive(Debug, Clone, FromRow)]
pub struct DecisionFacts {
    pub id: i64,
    pub meeting_id: i64,
    pub campaign_id: i64,
    pub seq: i32,
    pub text: String,
    pub owner_id: Option<i64>,
    pub deadline: Option<chrono::NaiveDate>,
    pub became: bool,
    pub kind: Kind,
    pub held_on: chrono::NaiveDate,
    pub title: String,
    pub convener_name: String,
}

impl DecisionFacts {
    pub fn standing(&self) -> Standing<'_> {
        Standing {
            held_on: self.held_on,
            text: &self.text,
            became: self.became,
        }
    }

    /// How the task's history names the meeting: 2026年11月5日市食安办月调度“…”议定事项第2条.
    pub fn source(&self) -> String {
        format!(
            "{}{}{}“{}”议定事项第{}条",
            crate::i18n::chinese_date(self.held_on),
            self.convener_name,
            self.kind.official(),
            self.title,
            self.seq
        )
    }
}

const FACTS: &str = "SELECT d.id, d.meeting_id, m.campaign_id, d.seq, d.text, d.owner_id, d.deadline, \
         (d.task_id IS NOT NULL OR d.milestone_id IS NOT NULL) AS became, \
         m.kind, m.held_on, m.title, o.name AS convener_name \
     FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id JOIN organisations o ON o.id = m.convener_id \
     WHERE d.id = $1 AND d.meeting_id = $2";

/// The decision `decision_id` of meeting `meeting_id`, if there is one.
pub async fn facts(
    db: &PgPool,
    meeting_id: i64,
    decision_id: i64,
) -> sqlx::Result<Option<DecisionFacts>> {
    sqlx::query_as(FACTS)
        .bind(decision_id)
        .bind(meeting_id)
        .fetch_optional(db)
        .await
}

async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    facts: &DecisionFacts,
) -> sqlx::Result<Option<DecisionFacts>> {
    sqlx::query("SELECT 1 FROM meeting_decisions WHERE id = $1 FOR UPDATE")
        .bind(facts.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query_as(FACTS)
        .bind(facts.id)
        .bind(facts.meeting_id)
        .fetch_optional(&mut **tx)
        .await
}

/// A task made from a decision, for the caller's audit entry.
#[derive(Debug, Clone)]
pub struct MadeTask {
    pub task_id: i64,
    pub organisation_id: i64,
    /// The indicator number or programme label the notice names.
    pub work_label: String,
}

/// Turns the decision into a task (checked by [`TaskFromDecision::check`], again under
/// the decision's lock): the task, its `assigned` event naming the meeting, the link on
/// the decision; then the owner's clerks are told.
pub async fn make_task(
    db: &PgPool,
    facts: &DecisionFacts,
    input: &TaskInput<'_>,
    choices: &Choices,
    actor_id: i64,
) -> sqlx::Result<Result<MadeTask, Vec<Refusal>>> {
    let mut tx = db.begin().await?;
    let Some(facts) = lock(&mut tx, facts).await? else {
        return Ok(Err(vec![Refusal::AlreadyBecame]));
    };
    let task = match TaskFromDecision::check(input, facts.standing(), choices) {
        Ok(task) => task,
        Err(refusals) => return Ok(Err(refusals)),
    };
    let (indicator_id, programme_id, work_label) = match task.work {
        Work::Indicator { id, number } => (Some(id), None, number.to_string()),
        Work::Programme { id } => (
            None,
            Some(id),
            choices
                .programme(id)
                .map(|p| p.1.clone())
                .unwrap_or_default(),
        ),
    };
    let task_id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (campaign_id, indicator_id, programme_id, organisation_id, relation, text, due_on) \
         VALUES ($1, $2, $3, $4, 'task', $5, $6) RETURNING id",
    )
    .bind(facts.campaign_id)
    .bind(indicator_id)
    .bind(programme_id)
    .bind(task.owner_id)
    .bind(&task.text)
    .bind(task.deadline)
    .fetch_one(&mut *tx)
    .await?;
    crate::tasks::record_event(
        &mut tx,
        task_id,
        actor_id,
        "assigned",
        &facts.source(),
        json!({"meeting": facts.meeting_id, "decision": facts.id}),
    )
    .await?;
    sqlx::query("UPDATE meeting_decisions SET task_id = $2, became_at = now() WHERE id = $1")
        .bind(facts.id)
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    crate::notifications::notify_organisation(
        db,
        task.owner_id,
        "assigned",
        json!({"indicator": work_label}),
        &format!("/tasks/{task_id}"),
        None,
    )
    .await?;
    Ok(Ok(MadeTask {
        task_id,
        organisation_id: task.owner_id,
        work_label,
    }))
}

/// Turns the decision into a milestone of a programme (checked by
/// [`MilestoneFromDecision::check`], again under the decision's lock); returns the
/// milestone's id.
pub async fn make_milestone(
    db: &PgPool,
    facts: &DecisionFacts,
    input: &MilestoneInput<'_>,
    choices: &Choices,
) -> sqlx::Result<Result<(i64, MilestoneFromDecision), Vec<Refusal>>> {
    let mut tx = db.begin().await?;
    let Some(facts) = lock(&mut tx, facts).await? else {
        return Ok(Err(vec![Refusal::AlreadyBecame]));
    };
    let milestone = match MilestoneFromDecision::check(input, facts.standing(), choices) {
        Ok(milestone) => milestone,
        Err(refusals) => return Ok(Err(refusals)),
    };
    let id = crate::programmes::add_milestone(
        &mut *tx,
        milestone.programme_id,
        &milestone.title,
        milestone.due_on,
    )
    .await?;
    sqlx::query("UPDATE meeting_decisions SET milestone_id = $2, became_at = now() WHERE id = $1")
        .bind(facts.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok((id, milestone)))
}
