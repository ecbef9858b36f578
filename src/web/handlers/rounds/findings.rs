//! Deciding an inspection finding on its item's scoring page: accepted (it becomes a
//! deduction citing the finding and its photos) or set aside with a reason. Both are
//! score changes: the same policy, the same audit trail, so both are in the item's and
//! the round's history.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tower_sessions::Session;

use super::item::item_page;
use super::{audit_score, back_to_item, guard};
use crate::inspections::findings::{self, Acceptance, DecisionRefusal, Finding, SettingAside};
use crate::inspections::{self};
use crate::scoring::rounds::ItemKey;
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::round_view::Scope;

use super::wording::{Answer, Worded};

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub reason: String,
}

/// The finding (as the reader may see it), its item, and the policy's consent.
async fn decidable(
    state: &AppState,
    ctx: &PageCtx,
    user: &crate::accounts::User,
    round_id: i64,
    finding_id: i64,
) -> AppResult<(Scope, Finding, ItemKey)> {
    let scope = Scope::load(state, round_id).await?;
    let vis = inspections::visibility(&state.db, user, &scope.round).await?;
    let finding = findings::find(&state.db, round_id, finding_id, vis)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = scope
        .item_of_indicator(finding.indicator_number)
        .map(|i| i.key)
        .ok_or(AppError::NotFound)?;
    guard(state, &ctx.request, user, &scope, key).await?;
    Ok((scope, finding, key))
}

/// The item page again with the refusals worded, or the error page a refusal calls for.
async fn refused(
    state: &AppState,
    ctx: PageCtx,
    user: &crate::accounts::User,
    scope: &Scope,
    key: ItemKey,
    refusals: &[DecisionRefusal],
) -> AppResult<Response> {
    let mut errors = Vec::new();
    for refusal in refusals {
        let message = match refusal {
            DecisionRefusal::Deduction(r) => match r.answer(&ctx) {
                Answer::Page(err) => return Err(err),
                Answer::Form(message) => message,
            },
            DecisionRefusal::AlreadyDecided => ctx.t("finding-refused-decided"),
            DecisionRefusal::NotSubmitted => ctx.t("finding-refused-draft"),
            DecisionRefusal::NothingProposed => ctx.t("finding-refused-nothing"),
            DecisionRefusal::EmptyReason => ctx.t("finding-refused-reason"),
        };
        errors.push(message);
    }
    let status = if refusals.contains(&DecisionRefusal::AlreadyDecided) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    item_page(state, ctx, user, scope.round.id, key, None, errors, status).await
}

pub async fn accept_finding(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, finding_id)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let (scope, finding, key) = decidable(&state, &ctx, &user, id, finding_id).await?;
    let item = scope.item(key)?;
    let acceptance = match Acceptance::check(&scope.round, item, &scope.ids, &finding, &form.points)
    {
        Ok(acceptance) => acceptance,
        Err(refusals) => return refused(&state, ctx, &user, &scope, key, &refusals).await,
    };
    let Some(deduction_id) = acceptance.record(&state.db, user.id).await? else {
        return refused(
            &state,
            ctx,
            &user,
            &scope,
            key,
            &[DecisionRefusal::AlreadyDecided],
        )
        .await;
    };
    let deduction = acceptance.deduction();
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.finding_accept",
        serde_json::json!({
            "item": key.to_string(),
            "indicator": deduction.indicator(),
            "points": deduction.points(),
            "reason": deduction.reason(),
            "deduction": deduction_id,
            "finding": finding.id,
            "photos": finding.photos.len(),
        }),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("finding-accepted")).await?;
    Ok(back_to_item(id, key))
}

pub async fn set_aside_finding(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, finding_id)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let (scope, finding, key) = decidable(&state, &ctx, &user, id, finding_id).await?;
    let setting = match SettingAside::check(&scope.round, &finding, &form.reason) {
        Ok(setting) => setting,
        Err(refusals) => return refused(&state, ctx, &user, &scope, key, &refusals).await,
    };
    if !setting.record(&state.db, user.id).await? {
        return refused(
            &state,
            ctx,
            &user,
            &scope,
            key,
            &[DecisionRefusal::AlreadyDecided],
        )
        .await;
    }
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.finding_set_aside",
        serde_json::json!({
            "item": key.to_string(),
            "indicator": finding.indicator_number,
            "finding": finding.id,
            "reason": setting.reason(),
        }),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("finding-set-aside")).await?;
    Ok(back_to_item(id, key))
}
