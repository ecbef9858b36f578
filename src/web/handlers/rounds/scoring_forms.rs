//! The scoring forms of an item page: deductions (and their withdrawal), measured values,
//! awarded points and veto marks. Each parses the form into a command of
//! [`crate::scoring::commands`] and words the command's refusals.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tower_sessions::Session;

use super::item::item_page;
use super::wording::{Answer, Worded};
use super::{audit_score, back_to_item, guard, scoring_scope};
use crate::accounts::User;
use crate::scoring::commands::{
    Award, AwardInput, Deduction, DeductionInput, Measurement, MeasurementInput, Veto, VetoInput,
};
use crate::scoring::rounds::{self, ItemKey};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::ItemValues;
use crate::web::round_view::Scope;

/// Every scoring form of the item page posts these fields (absent ones are empty).
#[derive(Debug, Default, Deserialize)]
pub struct ScoreForm {
    #[serde(default)]
    pub(super) indicator: String,
    #[serde(default)]
    pub(super) points: String,
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    pub(super) value: String,
    #[serde(default)]
    pub(super) source: String,
    #[serde(default)]
    pub(super) source_date: String,
    #[serde(default)]
    pub(super) remark: String,
    #[serde(default)]
    pub(super) triggered: String,
    #[serde(default)]
    pub(super) note: String,
    #[serde(default)]
    pub(super) done: String,
    #[serde(default)]
    pub(super) sufficient: String,
    #[serde(default)]
    pub(super) back: String,
    /// The item page's query (filters and page) to return to after a mark.
    #[serde(default)]
    pub(super) query: String,
}

impl ScoreForm {
    fn values(&self) -> ItemValues {
        ItemValues {
            deduction_indicator: self.indicator.trim().to_string(),
            deduction_points: self.points.trim().to_string(),
            deduction_reason: self.reason.trim().to_string(),
            value: self.value.trim().to_string(),
            source: self.source.trim().to_string(),
            source_date: self.source_date.trim().to_string(),
            award_points: self.points.trim().to_string(),
            award_remark: self.remark.trim().to_string(),
            veto_triggered: self.triggered.trim().to_string(),
            veto_note: self.note.trim().to_string(),
            remark: self.remark.trim().to_string(),
        }
    }
}

/// A refused scoring form: an error page when a refusal calls for one, else the item page
/// again with every message and what was typed.
async fn refused<R: Worded>(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    scope: &Scope,
    key: ItemKey,
    form: &ScoreForm,
    refusals: &[R],
) -> AppResult<Response> {
    let mut errors = Vec::new();
    for refusal in refusals {
        match refusal.answer(&ctx) {
            Answer::Page(err) => return Err(err),
            Answer::Form(message) => errors.push(message),
        }
    }
    item_page(
        state,
        ctx,
        user,
        scope.round.id,
        key,
        Some(form.values()),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// A saved score change: audited, then back to the item with a notice.
async fn saved(
    state: &AppState,
    ctx: &PageCtx,
    session: &Session,
    scope: &Scope,
    key: ItemKey,
    action: &str,
    summary: serde_json::Value,
) -> AppResult<Response> {
    audit_score(state, &ctx.request, scope, action, summary).await?;
    set_flash(session, FlashKind::Success, ctx.t("score-saved")).await?;
    Ok(back_to_item(scope.round.id, key))
}

pub async fn add_deduction(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let input = DeductionInput {
        indicator: &form.indicator,
        points: &form.points,
        reason: &form.reason,
    };
    let deduction = match Deduction::check(&scope.round, scope.item(key)?, &scope.ids, input) {
        Ok(deduction) => deduction,
        Err(refusals) => return refused(&state, ctx, &user, &scope, key, &form, &refusals).await,
    };
    let deduction_id = deduction.record(&state.db, user.id).await?;
    let summary = serde_json::json!({
        "item": key.to_string(),
        "indicator": deduction.indicator(),
        "points": deduction.points(),
        "reason": deduction.reason(),
        "deduction": deduction_id,
    });
    saved(&state, &ctx, &session, &scope, key, "score.deduct", summary).await
}

pub async fn withdraw_deduction(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, deduction_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let (indicator, points, reason) = rounds::deduction_indicator(&state.db, id, deduction_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = scope
        .item_of_indicator(indicator)
        .map(|i| i.key)
        .ok_or(AppError::NotFound)?;
    guard(&state, &ctx.request, &user, &scope, key).await?;
    rounds::withdraw_deduction(&state.db, deduction_id, user.id).await?;
    // A deduction accepted from an inspection finding puts the finding back to be
    // decided again: the finding stands, only the group's decision was withdrawn.
    let finding =
        crate::inspections::findings::reopen_after_withdrawal(&state.db, deduction_id).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.withdraw",
        serde_json::json!({"item": key.to_string(), "indicator": indicator, "points": points, "reason": reason, "deduction": deduction_id, "finding": finding}),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("score-withdrawn")).await?;
    Ok(back_to_item(id, key))
}

pub async fn measure(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let measure = scope
        .rubric
        .points()
        .find(|(_, p)| ItemKey::Point(p.seq) == key)
        .and_then(|(_, p)| p.measure.as_ref());
    let input = MeasurementInput {
        value: &form.value,
        source: &form.source,
        source_date: &form.source_date,
    };
    let measurement = match Measurement::check(&scope.round, measure, &scope.ids, input) {
        Ok(measurement) => measurement,
        Err(refusals) => return refused(&state, ctx, &user, &scope, key, &form, &refusals).await,
    };
    measurement.record(&state.db, user.id).await?;
    let summary = serde_json::json!({
        "item": key.to_string(),
        "indicator": measurement.indicator(),
        "value": measurement.value(),
        "unit": measurement.unit().as_str(),
        "source": measurement.source(),
    });
    saved(
        &state,
        &ctx,
        &session,
        &scope,
        key,
        "score.measure",
        summary,
    )
    .await
}

pub async fn award(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let input = AwardInput {
        points: &form.points,
        remark: &form.remark,
    };
    let award = match Award::check(&scope.round, scope.item(key)?, &scope.ids, input) {
        Ok(award) => award,
        Err(refusal) => return refused(&state, ctx, &user, &scope, key, &form, &[refusal]).await,
    };
    award.record(&state.db, user.id).await?;
    let summary = serde_json::json!({
        "item": key.to_string(),
        "points": award.points(),
        "remark": award.remark(),
    });
    saved(&state, &ctx, &session, &scope, key, "score.award", summary).await
}

pub async fn veto(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let input = VetoInput {
        triggered: &form.triggered,
        note: &form.note,
    };
    // Items defined by a measured value (93, 94) follow it; a mark may not contradict it.
    let outcome = scope.outcome(&state).await?;
    let decided = outcome
        .derived_vetoes
        .iter()
        .find(|d| key == ItemKey::Veto(d.indicator));
    let veto = match Veto::check(&scope.round, scope.item(key)?, &scope.ids, input, decided) {
        Ok(veto) => veto,
        Err(refusal) => return refused(&state, ctx, &user, &scope, key, &form, &[refusal]).await,
    };
    veto.record(&state.db, user.id).await?;
    let summary = serde_json::json!({
        "item": key.to_string(),
        "triggered": veto.triggered(),
        "note": veto.note(),
    });
    saved(&state, &ctx, &session, &scope, key, "score.veto", summary).await
}
