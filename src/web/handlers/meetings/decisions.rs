//! The office's forms on a meeting's page: adding a decision, and turning one into a task
//! (on an indicator or a programme) or into a programme milestone. A refused form shows
//! the page again (422) with what was typed.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{Forms, audit_refused, load, meeting_page, messages};
use crate::meetings::outcomes::{self, DecisionFacts};
use crate::meetings::{self, DecisionInput, MilestoneInput, NewDecision, TaskInput};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{DecisionValues, OutcomeValues};

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    deadline: String,
}

/// `POST /office/meetings/{id}/decisions`
pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    let meeting = load(&state, &campaign, id).await?;
    let choices = meetings::choices(&state.db, &campaign).await?;
    let input = DecisionInput {
        text: &form.text,
        owner_id: &form.owner_id,
        deadline: &form.deadline,
    };
    let decision = match NewDecision::check(&input, meeting.held_on, &choices) {
        Ok(decision) => decision,
        Err(refusals) => {
            audit_refused(&state, &ctx, "meeting.decision", Some(id), &refusals).await?;
            let forms = Forms {
                decision: DecisionValues {
                    text: form.text.clone(),
                    owner_id: form.owner_id.trim().to_string(),
                    deadline: form.deadline.trim().to_string(),
                },
                decision_errors: messages(ctx.lang(), &refusals),
                ..Forms::default()
            };
            return meeting_page(&state, ctx, &user, &campaign, meeting, forms).await;
        }
    };
    let (decision_id, seq) = meetings::add_decision(&state.db, id, &decision).await?;
    ctx.request
        .audit(
            &state.db,
            "meeting.decision",
            "meeting",
            Some(id.to_string()),
            json!({
                "decision": decision_id,
                "seq": seq,
                "owner": decision.owner_id,
                "deadline": decision.deadline,
            }),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t("meeting-decision-added"),
    )
    .await?;
    Ok(Redirect::to(&format!("/meetings/{id}#decision-{decision_id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    programme_id: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    due_on: String,
}

impl OutcomeForm {
    fn values(&self, decision_id: i64, outcome: &str) -> OutcomeValues {
        let milestone = outcome == "milestone";
        OutcomeValues {
            decision_id,
            outcome: outcome.into(),
            indicator: self.indicator.trim().to_string(),
            programme_id: self.programme_id.trim().to_string(),
            owner_id: self.owner_id.trim().to_string(),
            deadline: if milestone {
                &self.due_on
            } else {
                &self.deadline
            }
            .trim()
            .to_string(),
            text: if milestone { &self.title } else { &self.text }.clone(),
        }
    }
}

/// What an outcome form is about: the campaign, the meeting and its decision.
struct Asked {
    campaign: crate::campaigns::Campaign,
    meeting: meetings::Meeting,
    facts: DecisionFacts,
}

/// The office, the meeting of the current campaign and its decision.
async fn decision(
    state: &AppState,
    user: &crate::accounts::User,
    id: i64,
    decision_id: i64,
) -> AppResult<Asked> {
    if !Policy::can_review(user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(state).await?;
    let meeting = load(state, &campaign, id).await?;
    let facts = outcomes::facts(&state.db, id, decision_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Asked {
        campaign,
        meeting,
        facts,
    })
}

/// A refused outcome form (`outcome` is "task" or "milestone"): audited as
/// `meeting.{outcome}`, and the meeting's page again (422) with what was typed.
async fn refused_outcome(
    state: &AppState,
    ctx: PageCtx,
    user: &crate::accounts::User,
    asked: Asked,
    form: &OutcomeForm,
    outcome: &str,
    refusals: &[meetings::Refusal],
) -> AppResult<Response> {
    let meeting_id = asked.meeting.id;
    let action = format!("meeting.{outcome}");
    audit_refused(state, &ctx, &action, Some(meeting_id), refusals).await?;
    let forms = Forms {
        outcome: Some(form.values(asked.facts.id, outcome)),
        outcome_errors: messages(ctx.lang(), refusals),
        ..Forms::default()
    };
    meeting_page(state, ctx, user, &asked.campaign, asked.meeting, forms).await
}

/// `POST /office/meetings/{id}/decisions/{decision}/task`
pub async fn make_task(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, decision_id)): Path<(i64, i64)>,
    Form(form): Form<OutcomeForm>,
) -> AppResult<Response> {
    let asked = decision(&state, &user, id, decision_id).await?;
    let choices = meetings::choices(&state.db, &asked.campaign).await?;
    let input = TaskInput {
        indicator: &form.indicator,
        programme_id: &form.programme_id,
        owner_id: &form.owner_id,
        deadline: &form.deadline,
        text: &form.text,
    };
    let made = match outcomes::make_task(&state.db, &asked.facts, &input, &choices, user.id).await?
    {
        Ok(made) => made,
        Err(refusals) => {
            return refused_outcome(&state, ctx, &user, asked, &form, "task", &refusals).await;
        }
    };
    ctx.request
        .audit(
            &state.db,
            "task.create",
            "task",
            Some(made.task_id.to_string()),
            json!({
                "indicator": made.work_label,
                "organisation": made.organisation_id,
                "meeting": id,
                "decision": decision_id,
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("meeting-task-made")).await?;
    Ok(Redirect::to(&format!("/meetings/{id}#decision-{decision_id}")).into_response())
}

/// `POST /office/meetings/{id}/decisions/{decision}/milestone`
pub async fn make_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, decision_id)): Path<(i64, i64)>,
    Form(form): Form<OutcomeForm>,
) -> AppResult<Response> {
    let asked = decision(&state, &user, id, decision_id).await?;
    let choices = meetings::choices(&state.db, &asked.campaign).await?;
    let input = MilestoneInput {
        programme_id: &form.programme_id,
        title: &form.title,
        due_on: &form.due_on,
    };
    let (milestone_id, milestone) =
        match outcomes::make_milestone(&state.db, &asked.facts, &input, &choices).await? {
            Ok(made) => made,
            Err(refusals) => {
                return refused_outcome(&state, ctx, &user, asked, &form, "milestone", &refusals)
                    .await;
            }
        };
    ctx.request
        .audit(
            &state.db,
            "meeting.milestone",
            "meeting",
            Some(id.to_string()),
            json!({
                "decision": decision_id,
                "milestone": milestone_id,
                "programme": milestone.programme_id,
                "due_on": milestone.due_on,
            }),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t("meeting-milestone-made"),
    )
    .await?;
    Ok(Redirect::to(&format!("/meetings/{id}#decision-{decision_id}")).into_response())
}
