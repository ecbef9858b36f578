//! A round's leader interviews (领导访谈): the list with the form to add one, the edit
//! form, deleting, and the list in the JSON API. Who may read and record is
//! [`crate::web::access::InterviewPolicy`]; what makes an interview good is
//! [`crate::inspections::interviews::NewInterview`].

pub mod api;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::accounts::User;
use crate::i18n::Lang;
use crate::inspections::interviews::{
    self, InterviewInput, InterviewRefusal, InterviewRules, NewInterview,
};
use crate::web::AppState;
use crate::web::access::{InterviewAccessRefusal, InterviewPolicy};
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    InterviewChoices, InterviewEditPage, InterviewValues, InterviewsPage, render,
};
use crate::web::round_view::{Scope, group_names, natural_order};

/// A round with what its interviews are checked against and the form offers.
struct Setting {
    scope: Scope,
    choices: InterviewChoices,
    group_ids: Vec<i64>,
    in_scope: Vec<i32>,
    interviewed: Vec<i32>,
}

impl Setting {
    async fn load(state: &AppState, round_id: i64) -> AppResult<Setting> {
        let scope = Scope::load(state, round_id).await?;
        let names = group_names(state).await?;
        let mut group_ids: Vec<i64> = scope.owners.values().copied().collect();
        group_ids.sort_unstable();
        group_ids.dedup();
        let mut groups: Vec<(i64, String)> = group_ids
            .iter()
            .map(|g| (*g, names.get(g).cloned().unwrap_or_default()))
            .collect();
        groups.sort_by(|a, b| natural_order(&a.1, &b.1));
        let mut in_scope: Vec<i32> = scope
            .items
            .iter()
            .flat_map(|i| i.indicators.iter().copied())
            .collect();
        in_scope.sort_unstable();
        in_scope.dedup();
        let interviewed = interviews::interviewed_indicators(&scope.rubric, &in_scope);
        let indicators = scope
            .rubric
            .indicators()
            .filter(|(_, _, i)| interviewed.contains(&i.number))
            .map(|(_, _, i)| (i.number, excerpt(&i.content, 40)))
            .collect();
        Ok(Setting {
            choices: InterviewChoices { groups, indicators },
            scope,
            group_ids,
            in_scope,
            interviewed,
        })
    }

    fn rules(&self) -> InterviewRules<'_> {
        InterviewRules {
            locked: self.scope.round.state == crate::scoring::rounds::RoundState::Locked,
            groups: &self.group_ids,
            in_scope: &self.in_scope,
            interviewed: &self.interviewed,
        }
    }
}

fn excerpt(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars).collect::<String>())
    }
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

fn values(pairs: &[(String, String)]) -> InterviewValues {
    InterviewValues {
        group_id: field(pairs, "group_id").trim().to_string(),
        group_label: field(pairs, "group_label"),
        held_on: field(pairs, "held_on"),
        place: field(pairs, "place"),
        interviewees: field(pairs, "interviewees"),
        indicators: pairs
            .iter()
            .filter(|(k, _)| k == "indicator")
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        questions: field(pairs, "questions"),
        notes: field(pairs, "notes"),
    }
}

fn check(
    values: &InterviewValues,
    setting: &Setting,
) -> Result<NewInterview, Vec<InterviewRefusal>> {
    NewInterview::check(
        &InterviewInput {
            group_id: &values.group_id,
            group_label: &values.group_label,
            held_on: &values.held_on,
            place: &values.place,
            interviewees: &values.interviewees,
            indicators: &values.indicators,
            questions: &values.questions,
            notes: &values.notes,
        },
        setting.rules(),
    )
}

/// Each refusal in the reader's language; an interviewee line's with its number.
fn messages(lang: Lang, refusals: &[InterviewRefusal]) -> Vec<String> {
    refusals
        .iter()
        .map(|r| {
            let reason = lang.t_args(r.message_key(), &[("text", r.argument().into())]);
            match r.line() {
                Some(line) => lang.t_args(
                    "interview-refused-line",
                    &[("line", (line as i64).into()), ("reason", reason.into())],
                ),
                None => reason,
            }
        })
        .collect()
}

/// The group a form names (for the policy: an assessor records for their own group).
fn chosen_group(values: &InterviewValues) -> Option<i64> {
    values.group_id.parse().ok()
}

/// Logs and audits a refusal to record, and answers it.
async fn refuse(
    state: &AppState,
    ctx: &PageCtx,
    round_id: i64,
    action: &str,
    refusal: InterviewAccessRefusal,
) -> AppResult<Response> {
    tracing::warn!(
        round = round_id,
        action,
        reason = refusal.as_str(),
        "interview refused"
    );
    ctx.request
        .audit(
            &state.db,
            "interview.refused",
            "round",
            Some(round_id.to_string()),
            serde_json::json!({"why": refusal.as_str(), "action": action}),
        )
        .await?;
    Err(AppError::AuditedRefusal(refusal.message_key()))
}

/// Audits a form refused for what was typed.
async fn audit_refused_form(
    state: &AppState,
    ctx: &PageCtx,
    round_id: i64,
    refusals: &[InterviewRefusal],
) -> AppResult<()> {
    let why: Vec<serde_json::Value> = refusals
        .iter()
        .map(|r| serde_json::json!({"why": r.as_str(), "line": r.line()}))
        .collect();
    ctx.request
        .audit(
            &state.db,
            "interview.save.refused",
            "round",
            Some(round_id.to_string()),
            serde_json::json!({"refusals": why}),
        )
        .await?;
    Ok(())
}

async fn list_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    setting: Setting,
    form: InterviewValues,
    errors: Vec<String>,
) -> AppResult<Response> {
    InterviewPolicy::can_see(user)?;
    let round = setting.scope.round.clone();
    let interviews = interviews::list(&state.db, round.id).await?;
    let editable = interviews
        .iter()
        .filter(|i| InterviewPolicy::can_record(user, &round, i.group_id).is_ok())
        .map(|i| i.id)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InterviewsPage {
        can_record: InterviewPolicy::may_record_any(user, &round, &setting.group_ids),
        round,
        interviews,
        editable,
        choices: setting.choices,
        form,
        errors,
        ctx,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /rounds/{id}/interviews`
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let setting = Setting::load(&state, id).await?;
    list_page(
        &state,
        ctx,
        &user,
        setting,
        InterviewValues::default(),
        Vec::new(),
    )
    .await
}

/// `POST /rounds/{id}/interviews`
pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    InterviewPolicy::can_see(&user)?;
    let setting = Setting::load(&state, id).await?;
    let form = values(&pairs);
    if let Err(refusal) =
        InterviewPolicy::can_record(&user, &setting.scope.round, chosen_group(&form))
    {
        return refuse(&state, &ctx, id, "add", refusal).await;
    }
    let new = match check(&form, &setting) {
        Ok(new) => new,
        Err(refusals) => {
            audit_refused_form(&state, &ctx, id, &refusals).await?;
            let errors = messages(ctx.lang(), &refusals);
            return list_page(&state, ctx, &user, setting, form, errors).await;
        }
    };
    let interview =
        interviews::insert(&state.db, id, &new, &setting.scope.ids.indicators, user.id).await?;
    ctx.request
        .audit(
            &state.db,
            "interview.add",
            "round",
            Some(id.to_string()),
            serde_json::json!({
                "interview": interview,
                "interviewees": new.interviewees().len(),
                "indicators": new.indicators(),
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("interview-saved")).await?;
    Ok(Redirect::to(&format!("/rounds/{id}/interviews#interview-{interview}")).into_response())
}

/// The interview of the round, and whether the user may change it.
async fn editable(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    setting: &Setting,
    interview_id: i64,
    action: &str,
) -> AppResult<Result<interviews::Interview, Response>> {
    InterviewPolicy::can_see(user)?;
    let round = &setting.scope.round;
    let interview = interviews::find(&state.db, round.id, interview_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match InterviewPolicy::can_record(user, round, interview.group_id) {
        Ok(()) => Ok(Ok(interview)),
        Err(refusal) => refuse(state, ctx, round.id, action, refusal).await.map(Err),
    }
}

fn edit_page(
    ctx: PageCtx,
    setting: Setting,
    interview_id: i64,
    form: InterviewValues,
    errors: Vec<String>,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InterviewEditPage {
        ctx,
        round: setting.scope.round,
        interview_id,
        choices: setting.choices,
        form,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /rounds/{id}/interviews/{iid}/edit`
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, iid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let setting = Setting::load(&state, id).await?;
    let interview = match editable(&state, &ctx, &user, &setting, iid, "edit").await? {
        Ok(interview) => interview,
        Err(refused) => return Ok(refused),
    };
    edit_page(
        ctx,
        setting,
        iid,
        InterviewValues::of(&interview),
        Vec::new(),
    )
}

/// `POST /rounds/{id}/interviews/{iid}/edit`
pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, iid)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let setting = Setting::load(&state, id).await?;
    if let Err(refused) = editable(&state, &ctx, &user, &setting, iid, "edit").await? {
        return Ok(refused);
    }
    let form = values(&pairs);
    // Moving it to another group needs the right to record for that group too.
    if let Err(refusal) =
        InterviewPolicy::can_record(&user, &setting.scope.round, chosen_group(&form))
    {
        return refuse(&state, &ctx, id, "edit", refusal).await;
    }
    let new = match check(&form, &setting) {
        Ok(new) => new,
        Err(refusals) => {
            audit_refused_form(&state, &ctx, id, &refusals).await?;
            let errors = messages(ctx.lang(), &refusals);
            return edit_page(ctx, setting, iid, form, errors);
        }
    };
    if !interviews::update(&state.db, id, iid, &new, &setting.scope.ids.indicators).await? {
        return Err(AppError::NotFound);
    }
    ctx.request
        .audit(
            &state.db,
            "interview.edit",
            "round",
            Some(id.to_string()),
            serde_json::json!({"interview": iid, "interviewees": new.interviewees().len()}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("interview-saved")).await?;
    Ok(Redirect::to(&format!("/rounds/{id}/interviews#interview-{iid}")).into_response())
}

/// `POST /rounds/{id}/interviews/{iid}/delete`
pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, iid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let setting = Setting::load(&state, id).await?;
    let interview = match editable(&state, &ctx, &user, &setting, iid, "delete").await? {
        Ok(interview) => interview,
        Err(refused) => return Ok(refused),
    };
    if !interviews::delete(&state.db, id, iid).await? {
        return Err(AppError::NotFound);
    }
    ctx.request
        .audit(
            &state.db,
            "interview.delete",
            "round",
            Some(id.to_string()),
            serde_json::json!({"interview": iid, "held_on": interview.held_on}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("interview-deleted")).await?;
    Ok(Redirect::to(&format!("/rounds/{id}/interviews")).into_response())
}
