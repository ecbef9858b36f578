//! Quantitative targets: organisations enter the raw counts per year; everyone sees the
//! computed rates against the rubric's targets.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{Role, User};
use crate::orgs;
use crate::targets::{self, NewEntry};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{TargetLine, TargetValues, TargetsPage, render};

#[derive(Debug, Default, Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    numerator: String,
    #[serde(default)]
    denominator: String,
    #[serde(default)]
    note: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let values = TargetValues {
        organisation_id: user
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        year: chrono::Utc::now().format("%Y").to_string(),
        ..Default::default()
    };
    target_page(&state, ctx, &user, values, Vec::new(), StatusCode::OK).await
}

async fn target_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    values: TargetValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let own = (user.role == Role::Department)
        .then_some(user.organisation_id)
        .flatten();
    // Every organisation's counts make a city-wide rate; a clerk still sees only its
    // own organisation's lines.
    let all = targets::entries(&state.db, campaign.id, None).await?;
    let shown: Vec<targets::Entry> = all
        .iter()
        .filter(|e| own.is_none_or(|org| e.organisation_id == org))
        .cloned()
        .collect();
    let lines = TargetLine::for_targets(rubric.targets.iter(), &shown, &all);
    let organisations = if Policy::can_review(user) {
        orgs::list(&state.db, false)
            .await?
            .into_iter()
            .filter(|o| o.kind != orgs::OrgKind::AssessorGroup)
            .collect()
    } else {
        Vec::new()
    };
    let page = TargetsPage {
        ctx,
        can_enter: matches!(user.role, Role::Admin | Role::Office | Role::Department),
        lines,
        organisations,
        values,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<TargetForm>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let values = TargetValues {
        target: form.target.trim().to_string(),
        organisation_id: form.organisation_id.trim().to_string(),
        year: form.year.trim().to_string(),
        numerator: form.numerator.trim().to_string(),
        denominator: form.denominator.trim().to_string(),
        note: form.note.trim().to_string(),
    };
    // A clerk always reports for its own organisation.
    let organisation_id = match user.role {
        Role::Department => user.organisation_id,
        _ => values.organisation_id.parse().ok(),
    };
    let Some(organisation_id) = organisation_id else {
        let errors = vec![ctx.t("target-error-org")];
        return target_page(
            &state,
            ctx,
            &user,
            values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if !Policy::can_enter_targets(&user, organisation_id) {
        return Err(AppError::Forbidden);
    }
    if orgs::find(&state.db, organisation_id).await?.is_none() {
        return Err(AppError::BadRequest("target-error-org"));
    }
    let mut errors = Vec::new();
    let target = rubric.targets.iter().find(|t| t.code == values.target);
    if target.is_none() {
        errors.push(ctx.t("target-error-target"));
    }
    let year = values
        .year
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.push(ctx.t("target-error-year"));
    }
    let count = |text: &str| {
        text.replace([',', '，'], "")
            .parse::<Decimal>()
            .ok()
            .filter(|v| *v >= Decimal::ZERO && v.scale() <= 2)
    };
    let numerator = count(&values.numerator);
    let denominator = count(&values.denominator).filter(|d| *d > Decimal::ZERO);
    if numerator.is_none() {
        errors.push(ctx.t("target-error-numerator"));
    }
    if denominator.is_none() {
        errors.push(ctx.t("target-error-denominator"));
    }
    let (Some(target), Some(year), Some(numerator), Some(denominator), true) =
        (target, year, numerator, denominator, errors.is_empty())
    else {
        return target_page(
            &state,
            ctx,
            &user,
            values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let id = targets::save(
        &state.db,
        campaign.id,
        &NewEntry {
            target_code: &target.code,
            organisation_id,
            year,
            numerator,
            denominator,
            note: &values.note,
        },
        user.id,
    )
    .await?;
    let value = target.value(numerator, denominator);
    ctx.request
        .audit(
            &state.db,
            "target.save",
            "target_value",
            Some(id.to_string()),
            serde_json::json!({
                "target": target.code, "organisation": organisation_id, "year": year,
                "numerator": numerator, "denominator": denominator, "value": value,
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("target-saved")).await?;
    Ok(Redirect::to(&format!("/targets#t-{}", target.code)).into_response())
}
