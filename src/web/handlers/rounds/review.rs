//! The assessor's remark on an item (and whether it is finished), and 资料审查 marks on
//! its evidence.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::item::neighbours;
use super::scoring_forms::ScoreForm;
use super::wording::{Answer, Worded};
use super::{audit_score, back_to_item, guard, scoring_scope};
use crate::scoring::commands::{EvidenceMark, MarkInput};
use crate::scoring::rounds;
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::round_view::Scope;

/// The assessor's remark on an item and whether its scoring is finished.
pub async fn review_item(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let ids = scope.ids.of(key).ok_or(AppError::NotFound)?;
    let done = !form.done.is_empty();
    rounds::set_review(&state.db, id, ids, form.remark.trim(), done, user.id).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.review",
        serde_json::json!({"item": key.to_string(), "done": done, "remark": form.remark.trim()}),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("score-saved")).await?;
    // Finishing an item moves on to the next one in the list.
    let (_, next) = neighbours(&scope, &user, key);
    match (done, next) {
        (true, Some(next)) => {
            Ok(Redirect::to(&format!("/rounds/{id}/items/{next}")).into_response())
        }
        _ => Ok(back_to_item(id, key)),
    }
}

/// 资料审查: marks one piece of evidence sufficient or not, with a remark.
pub async fn mark(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, evidence_id)): Path<(i64, i64)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let indicator = rounds::evidence_indicator(&state.db, &scope.round, evidence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = scope
        .item_of_indicator(indicator)
        .map(|i| i.key)
        .ok_or(AppError::NotFound)?;
    guard(&state, &ctx.request, &user, &scope, key).await?;
    let input = MarkInput {
        sufficient: &form.sufficient,
        remark: &form.remark,
    };
    let mark = match EvidenceMark::check(&scope.round, evidence_id, input) {
        Ok(mark) => mark,
        Err(refusal) => match refusal.answer(&ctx) {
            Answer::Page(err) => return Err(err),
            Answer::Form(message) => {
                set_flash(&session, FlashKind::Error, message).await?;
                return Ok(back_to_item(id, key));
            }
        },
    };
    mark.record(&state.db, user.id).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.mark",
        serde_json::json!({"item": key.to_string(), "evidence": evidence_id, "sufficient": mark.sufficient(), "remark": mark.remark()}),
    )
    .await?;
    let anchor = if form.back.starts_with('e') && form.back[1..].chars().all(|c| c.is_ascii_digit())
    {
        format!("#{}", form.back)
    } else {
        String::new()
    };
    Ok(Redirect::to(&format!("/rounds/{id}/items/{key}{anchor}")).into_response())
}
