//! One problem: what it is, its history, the organisation's 整改措施 form and the
//! verifier's 销号 / 退回 form.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{refusal_error, visible};
use crate::accounts::{Role, User};
use crate::problems::{self, Answer, Problem, Verdict};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::pages::{ProblemPage, render};

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let problem = visible(&state, &user, id).await?;
    let measures = problem.measures.clone();
    page(
        &state,
        ctx,
        &user,
        problem,
        measures,
        String::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The problem's page with what was typed and why it was refused (files.rs shares it).
#[allow(clippy::too_many_arguments)]
pub(super) async fn page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    problem: Problem,
    measures: String,
    comment: String,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let (history, files) = tokio::try_join!(
        problems::history(&state.db, problem.id),
        problems::files(&state.db, problem.id)
    )?;
    let standing = problem.standing();
    let page = ProblemPage {
        ctx,
        today: campaign.today(),
        can_answer: Answer::check(user, &standing, "x", false).is_ok(),
        can_verify: Verdict::check(user, &standing, true, "").is_ok(),
        problem,
        history,
        files,
        measures,
        comment,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    measures: String,
    /// "submit" to send for verification; anything else saves a draft.
    #[serde(default)]
    action: String,
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let problem = visible(&state, &user, id).await?;
    let submit = form.action == "submit";
    let answer = match Answer::check(&user, &problem.standing(), &form.measures, submit) {
        Ok(answer) => answer,
        Err(refusal) => {
            if let Some(error) = refusal_error(refusal) {
                return Err(error);
            }
            let errors = vec![ctx.t(refusal.message_key())];
            return page(
                &state,
                ctx,
                &user,
                problem,
                form.measures,
                String::new(),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if !problems::answer(&state.db, id, user.id, &answer).await? {
        // Verified or submitted from another tab meanwhile: nothing was written.
        let problem = visible(&state, &user, id).await?;
        let errors = vec![ctx.t("problem-error-moved-on")];
        return page(
            &state,
            ctx,
            &user,
            problem,
            form.measures,
            String::new(),
            errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    ctx.request
        .audit(
            &state.db,
            if submit {
                "problem.submit"
            } else {
                "problem.save"
            },
            "problem",
            Some(id.to_string()),
            json!({ "organisation": problem.organisation_name }),
        )
        .await?;
    let flash = if submit {
        "problem-submitted"
    } else {
        "problem-saved"
    };
    set_flash(&session, FlashKind::Success, ctx.t(flash)).await?;
    Ok(Redirect::to(&format!("/problems/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    comment: String,
    /// "close" (销号) or "return" (退回).
    #[serde(default)]
    action: String,
}

pub async fn verify(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VerifyForm>,
) -> AppResult<Response> {
    let problem = visible(&state, &user, id).await?;
    let close = form.action == "close";
    let verdict = match Verdict::check(&user, &problem.standing(), close, &form.comment) {
        Ok(verdict) => verdict,
        Err(refusal) => {
            if let Some(error) = refusal_error(refusal) {
                return Err(error);
            }
            let errors = vec![ctx.t(refusal.message_key())];
            let measures = problem.measures.clone();
            return page(
                &state,
                ctx,
                &user,
                problem,
                measures,
                form.comment,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if !problems::verify(&state.db, id, user.id, &verdict).await? {
        let problem = visible(&state, &user, id).await?;
        let measures = problem.measures.clone();
        let errors = vec![ctx.t("problem-error-moved-on")];
        return page(
            &state,
            ctx,
            &user,
            problem,
            measures,
            form.comment,
            errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    ctx.request
        .audit(
            &state.db,
            if close { "problem.close" } else { "problem.return" },
            "problem",
            Some(id.to_string()),
            json!({ "organisation": problem.organisation_name, "by_assessor": user.role == Role::Assessor }),
        )
        .await?;
    let flash = if close {
        "problem-closed"
    } else {
        "problem-returned"
    };
    set_flash(&session, FlashKind::Success, ctx.t(flash)).await?;
    Ok(Redirect::to(&format!("/problems/{id}")).into_response())
}
