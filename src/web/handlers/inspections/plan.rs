//! `/rounds/{id}/inspections`: the round's plan of points, counts by mode, and for the
//! lead assessor or the administrator a form to paste more points (all or nothing).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::inspections::plan::{self, Counts};
use crate::inspections::{self, Visibility};
use crate::web::AppState;
use crate::web::access::InspectionPolicy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{InspectionPlanPage, render};
use crate::web::round_view::Scope;

#[derive(Debug, Default, Deserialize)]
pub struct PasteForm {
    #[serde(default)]
    pub text: String,
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    scope: Scope,
    text: String,
    errors: Vec<String>,
) -> AppResult<Response> {
    let user = ctx.user().cloned().ok_or(AppError::Unauthorized)?;
    InspectionPolicy::can_see(&user)?;
    let vis = inspections::visibility(&state.db, &user, &scope.round).await?;
    let points = plan::points(&state.db, scope.round.id, vis).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InspectionPlanPage {
        can_plan: InspectionPolicy::can_plan(&user, &scope.round).is_ok(),
        counts: Counts::of(&points),
        shows_unannounced: vis == Visibility::All,
        round: scope.round,
        points,
        text,
        errors,
        ctx,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    page(&state, ctx, scope, String::new(), Vec::new()).await
}

pub async fn paste(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<PasteForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    if let Err(refusal) = InspectionPolicy::can_plan(&user, &scope.round) {
        tracing::warn!(
            round = id,
            reason = refusal.as_str(),
            "inspection planning refused"
        );
        ctx.request
            .audit(
                &state.db,
                "inspection.plan.refused",
                "round",
                Some(id.to_string()),
                serde_json::json!({"why": refusal.as_str()}),
            )
            .await?;
        return Err(AppError::AuditedRefusal(refusal.message_key()));
    }
    let points = match plan::parse_paste(&form.text) {
        Ok(points) if points.is_empty() => {
            let message = ctx.t("plan-refused-empty");
            return page(&state, ctx, scope, form.text, vec![message]).await;
        }
        Ok(points) => points,
        Err(refusals) => {
            let lang = ctx.lang();
            let messages: Vec<String> = refusals
                .iter()
                .map(|r| {
                    let reason = lang.t_args(
                        r.refusal.message_key(),
                        &[("text", r.refusal.argument().into())],
                    );
                    lang.t_args(
                        "plan-refused-line",
                        &[("line", (r.line as i64).into()), ("reason", reason.into())],
                    )
                })
                .collect();
            let lines: Vec<serde_json::Value> = refusals
                .iter()
                .map(|r| serde_json::json!({"line": r.line, "why": r.refusal.as_str()}))
                .collect();
            ctx.request
                .audit(
                    &state.db,
                    "inspection.plan.paste.refused",
                    "round",
                    Some(id.to_string()),
                    serde_json::json!({"lines": lines}),
                )
                .await?;
            return page(&state, ctx, scope, form.text, messages).await;
        }
    };
    let saved = plan::insert(&state.db, id, &points, user.id).await?;
    let unannounced = points
        .iter()
        .filter(|p| p.mode() == inspections::Mode::Unannounced)
        .count();
    ctx.request
        .audit(
            &state.db,
            "inspection.plan.paste",
            "round",
            Some(id.to_string()),
            serde_json::json!({"points": saved, "unannounced": unannounced}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("plan-saved", "count", saved as i64),
    )
    .await?;
    Ok(Redirect::to(&format!("/rounds/{id}/inspections")).into_response())
}
