//! Organisation evaluations (`/evaluations`, the office's forms under `/office/evaluations`,
//! which the path rules keep to admin and office): the list, each evaluation's page (the
//! office and leaders see every organisation; a clerk its own organisation's part), the
//! office's state and bands forms. The pages of each kind are in [`self_check`] and
//! [`city`]; the JSON in [`api`]. Who sees what is [`EvaluationPolicy`]; a refusal is a
//! 403 the gate audits, a refused form is audited here.

pub mod api;
pub mod city;
pub mod self_check;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::accounts::{Role, User};
use crate::org_evaluations::{self as evals, Evaluation, Kind, NewEvaluation, Refusal};
use crate::web::AppState;
use crate::web::access::EvaluationPolicy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{EvaluationsPage, NewEvaluationValues, render};

/// The office user, once checked: the office's handlers take this, not a bare user.
pub(super) struct Office(pub User);

pub(super) fn office(user: User) -> AppResult<Office> {
    if EvaluationPolicy::can_manage(&user) {
        Ok(Office(user))
    } else {
        Err(AppError::Forbidden)
    }
}

/// The evaluation, if it belongs to the current campaign.
pub(super) async fn load(state: &AppState, id: i64) -> AppResult<Evaluation> {
    let campaign = campaign(state).await?;
    evals::find(&state.db, id)
        .await?
        .filter(|e| e.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)
}

/// The organisation's part, once `user` may see it: a 403 (audited by the gate) for
/// another organisation's clerk, a 404 for an organisation the evaluation does not cover.
pub(super) async fn check_member(
    state: &AppState,
    user: &User,
    evaluation: &Evaluation,
    org_id: i64,
) -> AppResult<()> {
    if !EvaluationPolicy::can_see(user, evaluation, org_id) {
        return Err(AppError::Forbidden);
    }
    if !evals::covers(&state.db, evaluation.id, org_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Records a refused form in the audit trail with its reasons.
pub(super) async fn audit_refusal(
    state: &AppState,
    ctx: &PageCtx,
    action: &str,
    evaluation: &Evaluation,
    org_id: Option<i64>,
    refusals: &[Refusal],
) -> AppResult<()> {
    let reasons: Vec<&str> = refusals.iter().map(|r| r.as_str()).collect();
    ctx.request
        .audit(
            &state.db,
            action,
            "org_evaluation",
            Some(evaluation.id.to_string()),
            json!({ "organisation": org_id, "reasons": reasons }),
        )
        .await
}

pub(super) fn words(ctx: &PageCtx, refusals: &[Refusal]) -> Vec<String> {
    refusals.iter().map(|r| ctx.t(&r.message_key())).collect()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    list_page(
        &state,
        ctx,
        &user,
        NewEvaluationValues::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn list_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    values: NewEvaluationValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let own = match (user.role, user.organisation_id) {
        (Role::Department, Some(org)) => {
            evals::results_for(&state.db, campaign.id, org, false, campaign.today()).await?
        }
        _ => Vec::new(),
    };
    let evaluations = evals::list(&state.db, campaign.id)
        .await?
        .into_iter()
        .filter(|e| EvaluationPolicy::can_see_all(user, e))
        .collect();
    let page = EvaluationsPage {
        ctx,
        evaluations,
        own,
        can_manage: EvaluationPolicy::can_manage(user),
        values,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    deadline: String,
}

/// The office makes an evaluation of every department and county.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let campaign = campaign(&state).await?;
    let new = match NewEvaluation::parse(&form.kind, &form.name, &form.deadline) {
        Ok(new) => new,
        Err(refusals) => {
            let reasons: Vec<&str> = refusals.iter().map(|r| r.as_str()).collect();
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.create_refused",
                    "org_evaluation",
                    None,
                    json!({ "reasons": reasons }),
                )
                .await?;
            let errors = words(&ctx, &refusals);
            let values = NewEvaluationValues {
                kind: form.kind.trim().to_string(),
                name: form.name.trim().to_string(),
                deadline: form.deadline.trim().to_string(),
            };
            return list_page(
                &state,
                ctx,
                &user,
                values,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let id = evals::create(&state.db, campaign.id, &new, user.id).await?;
    ctx.request
        .audit(
            &state.db,
            "orgeval.create",
            "org_evaluation",
            Some(id.to_string()),
            json!({ "kind": new.kind().as_str(), "name": form.name.trim() }),
        )
        .await?;
    if new.kind() == Kind::SelfCheck {
        let members = evals::member_ids(&state.db, id).await?;
        for org in members {
            crate::notifications::notify_organisation(
                &state.db,
                org,
                "orgeval_opened",
                json!({ "comment": form.name.trim() }),
                &format!("/evaluations/{id}"),
                None,
            )
            .await?;
        }
    }
    set_flash(&session, FlashKind::Success, ctx.t("orgeval-created")).await?;
    Ok(Redirect::to(&format!("/evaluations/{id}")).into_response())
}

/// An evaluation's page: every organisation for the office and leaders; for a clerk, its
/// own organisation's part.
pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let evaluation = load(&state, id).await?;
    if user.role == Role::Department {
        let org = user.organisation_id.ok_or(AppError::Forbidden)?;
        check_member(&state, &user, &evaluation, org).await?;
        return org_view(&state, ctx, &user, evaluation, org).await;
    }
    if !EvaluationPolicy::can_see_all(&user, &evaluation) {
        return Err(AppError::Forbidden);
    }
    match evaluation.kind {
        Kind::SelfCheck => self_check::overview(&state, ctx, &user, evaluation).await,
        Kind::City => {
            city::overview(
                &state,
                ctx,
                &user,
                evaluation,
                None,
                Vec::new(),
                StatusCode::OK,
            )
            .await
        }
    }
}

/// One organisation's part of an evaluation.
pub async fn organisation(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, org)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let evaluation = load(&state, id).await?;
    check_member(&state, &user, &evaluation, org).await?;
    org_view(&state, ctx, &user, evaluation, org).await
}

async fn org_view(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    org: i64,
) -> AppResult<Response> {
    match evaluation.kind {
        Kind::SelfCheck => {
            self_check::org_page(
                state,
                ctx,
                user,
                evaluation,
                org,
                self_check::Typed::default(),
                StatusCode::OK,
            )
            .await
        }
        Kind::City => {
            city::org_page(
                state,
                ctx,
                user,
                evaluation,
                org,
                Default::default(),
                Vec::new(),
                StatusCode::OK,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    state: String,
}

/// The office moves the evaluation on: draft → open → finalised.
pub async fn advance(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StateForm>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let evaluation = load(&state, id).await?;
    let to = match form.state.as_str() {
        "open" => evals::State::Open,
        "finalised" => evals::State::Finalised,
        _ => return Err(AppError::BadRequest("error-bad-request")),
    };
    match evals::advance(&state.db, &evaluation, to, user.id).await? {
        Ok(()) => {
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.state",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "from": evaluation.state.as_str(), "to": to.as_str() }),
                )
                .await?;
            if evaluation.kind == Kind::City && to == evals::State::Finalised {
                let members = evals::member_ids(&state.db, id).await?;
                for org in members {
                    crate::notifications::notify_organisation(
                        &state.db,
                        org,
                        "orgeval_finalised",
                        json!({ "comment": evaluation.name }),
                        &format!("/evaluations/{id}"),
                        None,
                    )
                    .await?;
                }
            }
            set_flash(&session, FlashKind::Success, ctx.t("orgeval-state-saved")).await?;
        }
        Err(refusal) => {
            audit_refusal(
                &state,
                &ctx,
                "orgeval.state_refused",
                &evaluation,
                None,
                &[refusal],
            )
            .await?;
            set_flash(&session, FlashKind::Error, ctx.t(&refusal.message_key())).await?;
        }
    }
    Ok(Redirect::to(&format!("/evaluations/{id}")).into_response())
}
