//! One problem: what it is, its history, the organisation's 整改措施 form and the
//! verifier's 销号 / 退回 form.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{UNPROCESSABLE, refusal_messages, visible};
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
    page(
        &state,
        ctx,
        &user,
        problem,
        Typed::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The page again after the problem was handled elsewhere meanwhile (another tab, another
/// verifier): nothing was written, what was typed is kept.
pub(super) async fn moved_on(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    id: i64,
    typed: Typed,
) -> AppResult<Response> {
    let problem = visible(state, user, id).await?;
    let errors = vec![ctx.t("problem-error-moved-on")];
    page(
        state,
        ctx,
        user,
        problem,
        typed,
        errors,
        StatusCode::CONFLICT,
    )
    .await
}

/// What the user typed into the problem's forms, shown again with the page.
#[derive(Debug, Default)]
pub(super) struct Typed {
    /// The 整改措施 as typed; None shows the ones saved.
    pub measures: Option<String>,
    pub comment: String,
}

/// The problem's page with what was typed and why it was refused (files.rs shares it).
pub(super) async fn page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    problem: Problem,
    typed: Typed,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let measures = typed.measures.unwrap_or_else(|| problem.measures.clone());
    let comment = typed.comment;
    let campaign = campaign(state).await?;
    let (history, files) = tokio::try_join!(
        problems::history(&state.db, problem.id),
        problems::files(&state.db, problem.id)
    )?;
    let standing = problem.standing();
    let can_manage =
        problems::Reassignment::check(user, &standing, -1, standing.deadline, "", campaign.today())
            .is_ok();
    let organisations = if can_manage {
        super::assignable(state).await?
    } else {
        Vec::new()
    };
    let page = ProblemPage {
        can_manage,
        organisations,
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
            let errors = refusal_messages(&ctx, refusal)?;
            let typed = Typed {
                measures: Some(form.measures),
                ..Typed::default()
            };
            return page(&state, ctx, &user, problem, typed, errors, UNPROCESSABLE).await;
        }
    };
    if !problems::answer(&state.db, id, user.id, &answer).await? {
        let typed = Typed {
            measures: Some(form.measures),
            ..Typed::default()
        };
        return moved_on(&state, ctx, &user, id, typed).await;
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
            let errors = refusal_messages(&ctx, refusal)?;
            let typed = Typed {
                comment: form.comment,
                ..Typed::default()
            };
            return page(&state, ctx, &user, problem, typed, errors, UNPROCESSABLE).await;
        }
    };
    if !problems::verify(&state.db, id, user.id, &verdict).await? {
        let typed = Typed {
            comment: form.comment,
            ..Typed::default()
        };
        return moved_on(&state, ctx, &user, id, typed).await;
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
