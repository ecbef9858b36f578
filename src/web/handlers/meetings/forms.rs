//! Recording a meeting (`/meetings/new`: the office for any unit, a clerk for its own)
//! and the office's correction of one (`/office/meetings/{id}/edit`).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use tower_sessions::Session;

use super::{UNPROCESSABLE, audit_refused, load, messages};
use crate::accounts::{Role, User};
use crate::meetings::{self, Choices, MeetingInput, NewMeeting};
use crate::orgs::Organisation;
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{MeetingFormPage, MeetingValues, render};

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

fn values(pairs: &[(String, String)]) -> MeetingValues {
    MeetingValues {
        kind: field(pairs, "kind").trim().to_string(),
        held_on: field(pairs, "held_on"),
        title: field(pairs, "title"),
        chair: field(pairs, "chair"),
        convener_id: field(pairs, "convener_id").trim().to_string(),
        attending: pairs
            .iter()
            .filter(|(k, _)| k == "attending")
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        summary: field(pairs, "summary"),
        decisions: field(pairs, "decisions"),
    }
}

fn check(values: &MeetingValues, choices: &Choices) -> Result<NewMeeting, Vec<meetings::Refusal>> {
    NewMeeting::check(
        &MeetingInput {
            kind: &values.kind,
            held_on: &values.held_on,
            title: &values.title,
            chair: &values.chair,
            convener_id: &values.convener_id,
            attending: &values.attending,
            summary: &values.summary,
            decisions: &values.decisions,
        },
        choices,
    )
}

/// The units `user` may record meetings for: every unit for the office, its own for a
/// clerk (none for the others).
fn conveners(user: &User, choices: &Choices) -> Vec<Organisation> {
    choices
        .units()
        .filter(|o| Policy::can_record_meeting(user, o.id))
        .cloned()
        .collect()
}

fn form_page(
    ctx: PageCtx,
    meeting_id: Option<i64>,
    values: MeetingValues,
    errors: Vec<String>,
    conveners: Vec<Organisation>,
    choices: Choices,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        UNPROCESSABLE
    };
    let page = MeetingFormPage {
        ctx,
        meeting_id,
        values,
        errors,
        conveners,
        // The form offers the units; the rules accept any active organisation.
        organisations: choices.units().cloned().collect(),
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /meetings/new`
pub async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let choices = meetings::choices(&state.db, &campaign).await?;
    let conveners = conveners(&user, &choices);
    if conveners.is_empty() {
        return Err(AppError::Refused("meeting-refused-not-yours"));
    }
    let values = MeetingValues {
        kind: "monthly".into(),
        held_on: campaign.today().to_string(),
        convener_id: match conveners.as_slice() {
            [only] => only.id.to_string(),
            _ => String::new(),
        },
        ..MeetingValues::default()
    };
    form_page(ctx, None, values, Vec::new(), conveners, choices)
}

/// `POST /meetings/new`
pub async fn record(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut values = values(&pairs);
    // A clerk's form offers its own unit only; sent without one, it is that unit.
    if values.convener_id.is_empty()
        && user.role == Role::Department
        && let Some(own) = user.organisation_id
    {
        values.convener_id = own.to_string();
    }
    // Another unit's meeting is refused outright (a 403 the gate audits), before what
    // was typed is looked at; an unreadable unit is the office's typing error.
    match values.convener_id.parse::<i64>() {
        Ok(org) if !Policy::can_record_meeting(&user, org) => {
            return Err(AppError::Refused("meeting-refused-not-yours"));
        }
        Err(_) if !Policy::can_review(&user) => {
            return Err(AppError::Refused("meeting-refused-not-yours"));
        }
        _ => {}
    }
    let campaign = campaign(&state).await?;
    let choices = meetings::choices(&state.db, &campaign).await?;
    let new = match check(&values, &choices) {
        Ok(new) => new,
        Err(refusals) => {
            audit_refused(&state, &ctx, "meeting.record", None, &refusals).await?;
            let errors = messages(ctx.lang(), &refusals);
            let conveners = conveners(&user, &choices);
            return form_page(ctx, None, values, errors, conveners, choices);
        }
    };
    let id = meetings::record(&state.db, campaign.id, &new, user.id).await?;
    ctx.request
        .audit(
            &state.db,
            "meeting.record",
            "meeting",
            Some(id.to_string()),
            json!({
                "kind": new.kind,
                "held_on": new.held_on,
                "title": new.title,
                "convener": new.convener_id,
                "attending": new.attending,
                "decisions": new.decisions.len(),
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("meeting-recorded")).await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}

/// `GET /office/meetings/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    let meeting = load(&state, &campaign, id).await?;
    let attendees = meetings::attendees(&state.db, &[id]).await?;
    let choices = meetings::choices(&state.db, &campaign).await?;
    let values = MeetingValues::of(&meeting, &attendees);
    let conveners = conveners(&user, &choices);
    form_page(ctx, Some(id), values, Vec::new(), conveners, choices)
}

/// `POST /office/meetings/{id}/edit`
pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    let before = load(&state, &campaign, id).await?;
    let choices = meetings::choices(&state.db, &campaign).await?;
    // The edit form carries no decisions: they are added one by one on the meeting page.
    let values = MeetingValues {
        decisions: String::new(),
        ..values(&pairs)
    };
    let new = match check(&values, &choices) {
        Ok(new) => new,
        Err(refusals) => {
            audit_refused(&state, &ctx, "meeting.edit", Some(id), &refusals).await?;
            let errors = messages(ctx.lang(), &refusals);
            let conveners = conveners(&user, &choices);
            return form_page(ctx, Some(id), values, errors, conveners, choices);
        }
    };
    if !meetings::update(&state.db, id, &new).await? {
        return Err(AppError::NotFound);
    }
    ctx.request
        .audit(
            &state.db,
            "meeting.edit",
            "meeting",
            Some(id.to_string()),
            json!({
                "before": { "kind": before.kind, "held_on": before.held_on, "title": before.title, "convener": before.convener_id },
                "kind": new.kind,
                "held_on": new.held_on,
                "title": new.title,
                "convener": new.convener_id,
                "attending": new.attending,
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("meeting-saved")).await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}
