//! The scoring forms of an item page: deductions (and their withdrawal), measured values,
//! awarded points and veto marks.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use tower_sessions::Session;

use super::item::item_page;
use super::{audit_score, back_to_item, guard, scoring_scope};
use crate::accounts::User;
use crate::rubric::data::Scoring;
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

/// Points written with at most two decimals ("0.5", "2", "1.25").
fn parse_points(text: &str) -> Option<Decimal> {
    let value: Decimal = text.trim().parse().ok()?;
    (value.scale() <= 2).then_some(value.normalize())
}

/// A refused scoring form: the item page again, with the messages and what was typed.
async fn refused_form(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    scope: &Scope,
    key: ItemKey,
    form: &ScoreForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    let values = form.values();
    item_page(
        state,
        ctx,
        user,
        scope.round.id,
        key,
        Some(values),
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
    let item = scope.item(key)?;
    if item.scoring != Scoring::Deduction {
        return Err(AppError::BadRequest("error-bad-request"));
    }
    let mut errors = Vec::new();
    let indicator: Option<i32> = form
        .indicator
        .trim()
        .parse()
        .ok()
        .filter(|n| item.indicators.contains(n));
    if indicator.is_none() {
        errors.push(ctx.t("score-error-indicator"));
    }
    let points = parse_points(&form.points).filter(|p| *p > Decimal::ZERO);
    match points {
        Some(p) if item.max.is_some_and(|max| p <= Decimal::from(max)) => {}
        _ => errors.push(ctx.t1(
            "score-error-deduction",
            "max",
            item.max.unwrap_or_default() as i64,
        )),
    }
    if form.reason.trim().is_empty() {
        errors.push(ctx.t("score-error-reason"));
    }
    let (Some(indicator), Some(points), true) = (indicator, points, errors.is_empty()) else {
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    };
    let indicator_id = *scope
        .ids
        .indicators
        .get(&indicator)
        .ok_or(AppError::NotFound)?;
    let deduction_id = rounds::add_deduction(
        &state.db,
        id,
        indicator_id,
        points,
        form.reason.trim(),
        user.id,
    )
    .await?;
    saved(&state, &ctx, &session, &scope, key, "score.deduct", serde_json::json!({"item": key.to_string(), "indicator": indicator, "points": points, "reason": form.reason.trim(), "deduction": deduction_id})).await
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
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.withdraw",
        serde_json::json!({"item": key.to_string(), "indicator": indicator, "points": points, "reason": reason, "deduction": deduction_id}),
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
        .and_then(|(_, p)| p.measure.clone())
        .ok_or(AppError::BadRequest("error-bad-request"))?;
    let mut errors = Vec::new();
    let value =
        parse_points(&form.value).filter(|v| *v >= Decimal::ZERO && *v <= Decimal::ONE_HUNDRED);
    if value.is_none() {
        errors.push(ctx.t("score-error-value"));
    }
    if form.source.trim().is_empty() {
        errors.push(ctx.t("score-error-source"));
    }
    let source_date = match form.source_date.trim() {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(ctx.t("task-error-date"));
                None
            }
        },
    };
    let (Some(value), true) = (value, errors.is_empty()) else {
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    };
    let indicator_id = *scope
        .ids
        .indicators
        .get(&measure.indicator)
        .ok_or(AppError::NotFound)?;
    let unit = measure.unit.as_str();
    rounds::set_measurement(
        &state.db,
        id,
        indicator_id,
        &rounds::NewMeasurement {
            value,
            unit,
            source: form.source.trim(),
            source_date,
        },
        user.id,
    )
    .await?;
    saved(&state, &ctx, &session, &scope, key, "score.measure", serde_json::json!({"item": key.to_string(), "indicator": measure.indicator, "value": value, "unit": unit, "source": form.source.trim()})).await
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
    let item = scope.item(key)?;
    let (ItemKey::Point(seq), Scoring::Awarded, Some(max)) = (key, item.scoring, item.max) else {
        return Err(AppError::BadRequest("error-bad-request"));
    };
    let points =
        parse_points(&form.points).filter(|p| *p >= Decimal::ZERO && *p <= Decimal::from(max));
    let Some(points) = points else {
        let errors = vec![ctx.t1("score-error-award", "max", max as i64)];
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    };
    let point_id = *scope.ids.points.get(&seq).ok_or(AppError::NotFound)?;
    rounds::set_award(&state.db, id, point_id, points, form.remark.trim(), user.id).await?;
    saved(&state, &ctx, &session, &scope, key, "score.award", serde_json::json!({"item": key.to_string(), "points": points, "remark": form.remark.trim()})).await
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
    let ItemKey::Veto(number) = key else {
        return Err(AppError::BadRequest("error-bad-request"));
    };
    let triggered = match form.triggered.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let errors = vec![ctx.t("score-error-veto")];
            return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
        }
    };
    if triggered && form.note.trim().is_empty() {
        let errors = vec![ctx.t("score-error-veto-note")];
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    }
    let indicator_id = *scope
        .ids
        .indicators
        .get(&number)
        .ok_or(AppError::NotFound)?;
    rounds::set_veto(
        &state.db,
        id,
        indicator_id,
        triggered,
        form.note.trim(),
        user.id,
    )
    .await?;
    saved(&state, &ctx, &session, &scope, key, "score.veto", serde_json::json!({"item": key.to_string(), "triggered": triggered, "note": form.note.trim()})).await
}
