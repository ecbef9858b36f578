//! 市级考评 pages: every organisation's result with the bands form, one organisation's
//! result with the 考评组's deductions, turning a deduction into rectification work, and the
//! ranking split into 部门 and 县区.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{Office, audit_refusal, check_member, load, office, words};
use crate::accounts::User;
use crate::org_evaluations::city::{self as cy, METHODS, Method};
use crate::org_evaluations::{self as evals, Bands, Deduction, Evaluation, Kind, Refusal};
use crate::orgs::OrgKind;
use crate::web::AppState;
use crate::web::access::EvaluationPolicy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    BandValues, CityOrgPage, CityOverviewPage, DeductionValues, RankingPage, render,
};

/// Days a rectification is given by default.
const RECTIFY_DAYS: i64 = 30;

pub(super) async fn overview(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    bands: Option<BandValues>,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let results = cy::results(&state.db, &evaluation).await?;
    let page = CityOverviewPage {
        ctx,
        results,
        can_manage: EvaluationPolicy::can_manage(user),
        bands: bands.unwrap_or_else(|| BandValues::of(&evaluation)),
        errors,
        evaluation,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct BandsForm {
    #[serde(default)]
    excellent: String,
    #[serde(default)]
    good: String,
    #[serde(default)]
    pass: String,
}

/// The office sets the grade bands (0–100, descending) until the evaluation is finalised.
pub async fn set_bands(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<BandsForm>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let evaluation = load(&state, id).await?;
    let result = match Bands::parse(&form.excellent, &form.good, &form.pass) {
        Ok(bands) => evals::set_bands(&state.db, &evaluation, bands)
            .await?
            .map(|()| bands),
        Err(refusal) => Err(refusal),
    };
    match result {
        Ok(bands) => {
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.bands",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "excellent": bands.excellent, "good": bands.good, "pass": bands.pass }),
                )
                .await?;
            set_flash(&session, FlashKind::Success, ctx.t("orgeval-bands-saved")).await?;
            Ok(Redirect::to(&format!("/evaluations/{id}")).into_response())
        }
        Err(refusal) => {
            audit_refusal(
                &state,
                &ctx,
                "orgeval.bands_refused",
                &evaluation,
                None,
                &[refusal],
            )
            .await?;
            let typed = BandValues {
                excellent: form.excellent.trim().to_string(),
                good: form.good.trim().to_string(),
                pass: form.pass.trim().to_string(),
            };
            let errors = words(&ctx, &[refusal]);
            overview(
                &state,
                ctx,
                &user,
                evaluation,
                Some(typed),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A refused form of the office on an organisation's result: audited, then its page
/// with the messages and what was typed.
struct Refused<'a> {
    action: &'static str,
    refusals: &'a [Refusal],
}

async fn refused_on_org_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    org: i64,
    values: DeductionValues,
    refused: Refused<'_>,
) -> AppResult<Response> {
    audit_refusal(
        state,
        &ctx,
        refused.action,
        &evaluation,
        Some(org),
        refused.refusals,
    )
    .await?;
    let errors = words(&ctx, refused.refusals);
    org_page(
        state,
        ctx,
        user,
        evaluation,
        org,
        values,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn org_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    org: i64,
    values: DeductionValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let (results, deductions, indicators) = tokio::try_join!(
        cy::results(&state.db, &evaluation),
        cy::deductions(&state.db, evaluation.id, Some(org)),
        evals::own_indicators(&state.db, campaign.id, org),
    )?;
    let result = results
        .into_iter()
        .find(|r| r.organisation_id == org)
        .ok_or(AppError::NotFound)?;
    let page = CityOrgPage {
        ctx,
        result,
        deductions,
        indicators,
        methods: METHODS.to_vec(),
        can_manage: EvaluationPolicy::can_manage(user),
        values,
        rectify_due: (campaign.today() + Duration::days(RECTIFY_DAYS)).to_string(),
        errors,
        evaluation,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DeductionForm {
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    method: String,
}

/// The 考评组 records a deduction for an organisation (per indicator or general).
pub async fn add_deduction(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, org)): Path<(i64, i64)>,
    Form(form): Form<DeductionForm>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let evaluation = load(&state, id).await?;
    check_member(&state, &user, &evaluation, org).await?;
    if evaluation.kind != Kind::City {
        return Err(AppError::NotFound);
    }
    let values = DeductionValues {
        indicator: form.indicator.trim().to_string(),
        points: form.points.trim().to_string(),
        reason: form.reason.trim().to_string(),
        method: form.method.trim().to_string(),
    };
    let mut refusals = Vec::new();
    let indicator = match values.indicator.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                refusals.push(Refusal::NotOwnIndicator);
                None
            }
        },
    };
    let method = Method::parse(&values.method)
        .map_err(|r| refusals.push(r))
        .ok();
    // A 市级考评 deduction always takes points away and always says why.
    let deduction = match Deduction::parse(&values.points, &values.reason) {
        Ok(d) if d.points().is_zero() => {
            refusals.push(Refusal::BadPoints);
            None
        }
        Ok(d) if d.reason().is_empty() => {
            refusals.push(Refusal::ReasonMissing);
            None
        }
        Ok(d) => Some(d),
        Err(mut r) => {
            refusals.append(&mut r);
            None
        }
    };
    if values.reason.is_empty() && !refusals.contains(&Refusal::ReasonMissing) {
        refusals.push(Refusal::ReasonMissing);
    }
    let outcome = match (deduction, method, refusals.is_empty()) {
        (Some(deduction), Some(method), true) => cy::add_deduction(
            &state.db,
            &evaluation,
            org,
            indicator,
            &deduction,
            &method,
            user.id,
        )
        .await?
        .map(|id| (id, deduction))
        .map_err(|r| vec![r]),
        _ => Err(refusals),
    };
    match outcome {
        Ok((deduction_id, deduction)) => {
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.deduction",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "organisation": org, "deduction": deduction_id, "indicator": indicator,
                            "points": deduction.points(), "reason": deduction.reason(),
                            "method": values.method }),
                )
                .await?;
            set_flash(
                &session,
                FlashKind::Success,
                ctx.t("orgeval-deduction-saved"),
            )
            .await?;
            Ok(Redirect::to(&format!("/evaluations/{id}/orgs/{org}")).into_response())
        }
        Err(refusals) => {
            let refused = Refused {
                action: "orgeval.deduction_refused",
                refusals: &refusals,
            };
            refused_on_org_page(&state, ctx, &user, evaluation, org, values, refused).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RectifyForm {
    #[serde(default)]
    due_on: String,
}

/// Turns a deduction into rectification work: the organisation's task for the indicator
/// is returned with the reason and due date, and the organisation is notified as on 退回.
pub async fn rectify(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, deduction_id)): Path<(i64, i64)>,
    Form(form): Form<RectifyForm>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let evaluation = load(&state, id).await?;
    let (org, reason) = cy::deduction_of(&state.db, id, deduction_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let outcome = match NaiveDate::parse_from_str(form.due_on.trim(), "%Y-%m-%d") {
        Ok(due) => cy::rectify(&state.db, &evaluation, deduction_id, due, user.id)
            .await?
            .map(|tasks| (tasks, due)),
        Err(_) => Err(Refusal::BadDate),
    };
    match outcome {
        Ok((tasks, due)) => {
            let comment = format!("{}：{}", evaluation.name, reason);
            for task in &tasks {
                ctx.request
                    .audit(
                        &state.db,
                        "task.return",
                        "task",
                        Some(task.id.to_string()),
                        json!({ "indicator": task.work_label(), "organisation": task.organisation_name,
                                "comment": comment, "due_on": due, "deduction": deduction_id }),
                    )
                    .await?;
                crate::notifications::notify_organisation(
                    &state.db,
                    task.organisation_id,
                    "returned",
                    json!({ "indicator": task.work_label(), "comment": comment }),
                    &format!("/tasks/{}", task.id),
                    None,
                )
                .await?;
            }
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.rectify",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "deduction": deduction_id, "organisation": org, "due_on": due,
                            "tasks": tasks.iter().map(|t| t.id).collect::<Vec<_>>() }),
                )
                .await?;
            set_flash(&session, FlashKind::Success, ctx.t("orgeval-rectified")).await?;
            Ok(
                Redirect::to(&format!("/evaluations/{id}/orgs/{org}#d-{deduction_id}"))
                    .into_response(),
            )
        }
        Err(refusal) => {
            let refused = Refused {
                action: "orgeval.rectify_refused",
                refusals: &[refusal],
            };
            refused_on_org_page(
                &state,
                ctx,
                &user,
                evaluation,
                org,
                DeductionValues::default(),
                refused,
            )
            .await
        }
    }
}

/// The office withdraws a deduction recorded by mistake (not once finalised or rectified).
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, deduction_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let evaluation = load(&state, id).await?;
    let (org, _) = cy::deduction_of(&state.db, id, deduction_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match cy::withdraw_deduction(&state.db, &evaluation, deduction_id).await? {
        Ok(org) => {
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.deduction_withdraw",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "deduction": deduction_id, "organisation": org }),
                )
                .await?;
            set_flash(
                &session,
                FlashKind::Success,
                ctx.t("orgeval-deduction-withdrawn"),
            )
            .await?;
            Ok(Redirect::to(&format!("/evaluations/{id}/orgs/{org}")).into_response())
        }
        Err(refusal) => {
            let refused = Refused {
                action: "orgeval.deduction_withdraw_refused",
                refusals: &[refusal],
            };
            refused_on_org_page(
                &state,
                ctx,
                &user,
                evaluation,
                org,
                DeductionValues::default(),
                refused,
            )
            .await
        }
    }
}

/// The ranking, 部门 and 县区 apart; equal scores share a rank.
pub async fn ranking(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let evaluation = load(&state, id).await?;
    if !EvaluationPolicy::can_see_all(&user, &evaluation) {
        return Err(AppError::Forbidden);
    }
    if evaluation.kind != Kind::City {
        return Err(AppError::NotFound);
    }
    let (departments, counties) = cy::results(&state.db, &evaluation)
        .await?
        .into_iter()
        .partition(|r| r.organisation_kind == OrgKind::Department);
    Ok(render(&RankingPage {
        ctx,
        evaluation,
        departments,
        counties,
    })?
    .into_response())
}
