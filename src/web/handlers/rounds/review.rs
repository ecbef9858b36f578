//! The assessor's remark on an item (and whether it is finished), and 资料审查 marks on
//! its evidence.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
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

use crate::web::script_request::wants_json;

/// 资料审查: marks one piece of evidence sufficient or not, with a remark, for one of the
/// indicators it serves. Without script the page reloads at the file; the page's script
/// sends `Accept: application/json` and updates the row in place.
pub async fn mark(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path((id, evidence_id)): Path<(i64, i64)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let json = wants_json(&headers);
    let scope = Scope::load(&state, id).await?;
    let serves = rounds::evidence_indicators(&state.db, &scope.round, evidence_id).await?;
    // The indicator the mark is for: the one named by the form, or the only one served.
    let indicator = match form.indicator.trim().parse::<i32>() {
        Ok(n) if serves.contains(&n) => n,
        Ok(_) => return Err(AppError::NotFound),
        Err(_) => match serves.as_slice() {
            [only] => *only,
            _ => return Err(AppError::NotFound),
        },
    };
    let key = scope
        .item_of_indicator(indicator)
        .map(|i| i.key)
        .ok_or(AppError::NotFound)?;
    let indicator_id = *scope
        .ids
        .indicators
        .get(&indicator)
        .ok_or(AppError::NotFound)?;
    guard(&state, &ctx.request, &user, &scope, key).await?;
    let input = MarkInput {
        sufficient: &form.sufficient,
        remark: &form.remark,
    };
    let mark = match EvidenceMark::check(&scope.round, indicator_id, evidence_id, input) {
        Ok(mark) => mark,
        Err(refusal) => match refusal.answer(&ctx) {
            Answer::Page(err) => return Err(err),
            Answer::Form(message) if json => {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(serde_json::json!({"ok": false, "message": message})),
                )
                    .into_response());
            }
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
        serde_json::json!({"item": key.to_string(), "indicator": indicator, "evidence": evidence_id, "sufficient": mark.sufficient(), "remark": mark.remark()}),
    )
    .await?;
    if json {
        return Ok(Json(serde_json::json!({
            "ok": true,
            "evidence": evidence_id,
            "indicator": indicator,
            "sufficient": mark.sufficient(),
            "remark": mark.remark(),
            "marked_by": user.display_name,
            "label": ctx.t(if mark.sufficient() { "mark-sufficient" } else { "mark-insufficient" }),
        }))
        .into_response());
    }
    let anchor = if form.back.starts_with('e')
        && form.back[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-')
    {
        format!("#{}", form.back)
    } else {
        String::new()
    };
    // Back to the same page of the same filters the reader was on.
    let query = form
        .query
        .trim()
        .strip_prefix('?')
        .filter(|q| {
            q.chars()
                .all(|c| c.is_ascii_alphanumeric() || "=&-_%.+".contains(c))
        })
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/rounds/{id}/items/{key}{query}{anchor}")).into_response())
}
