//! `/rounds/{id}/inspections`: the round's plan of points, counts by mode, and for the
//! lead assessor or the administrator the forms that add points (paste, spreadsheet,
//! random draw), each all or nothing.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::User;
use crate::i18n::Lang;
use crate::inspections::plan::{self, Counts, LineRefusal, Lookup, NewPoint, Team};
use crate::inspections::{self, Visibility};
use crate::scoring::rounds::Round;
use crate::web::AppState;
use crate::web::access::InspectionPolicy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{DrawValues, InspectionPlanPage, KindChoice, render};
use crate::web::round_view::Scope;

#[derive(Debug, Default, Deserialize)]
pub struct PasteForm {
    #[serde(default)]
    pub text: String,
}

/// What the plan page's forms show again when one was refused.
#[derive(Debug, Default)]
pub(super) struct PlanForms {
    pub paste_text: String,
    pub paste_errors: Vec<String>,
    pub import_errors: Vec<String>,
    pub draw: DrawValues,
    pub draw_errors: Vec<String>,
    /// A refusal about one listed point (its removal).
    pub list_errors: Vec<String>,
}

impl PlanForms {
    fn refused(&self) -> bool {
        !(self.paste_errors.is_empty()
            && self.import_errors.is_empty()
            && self.draw_errors.is_empty()
            && self.list_errors.is_empty())
    }
}

/// The edition's kinds as the forms offer them.
pub(super) fn kind_choices(scope: &Scope) -> Vec<KindChoice> {
    scope
        .rubric
        .establishment_kinds
        .iter()
        .map(|k| KindChoice {
            code: k.code.clone(),
            name: k.name.clone(),
        })
        .collect()
}

/// The plan page, 422 when a form was refused.
pub(super) async fn page(
    state: &AppState,
    ctx: PageCtx,
    scope: Scope,
    forms: PlanForms,
) -> AppResult<Response> {
    let user = ctx.user().cloned().ok_or(AppError::Unauthorized)?;
    InspectionPolicy::can_see(&user)?;
    let vis = inspections::visibility(&state.db, &user, &scope.round).await?;
    let points = plan::points(&state.db, scope.round.id, vis).await?;
    let status = if forms.refused() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = InspectionPlanPage {
        can_plan: InspectionPolicy::can_plan(&user, &scope.round).is_ok(),
        counts: Counts::of(&points),
        shows_unannounced: vis == Visibility::All,
        kinds: kind_choices(&scope),
        round: scope.round,
        points,
        text: forms.paste_text,
        errors: forms.paste_errors,
        import_errors: forms.import_errors,
        draw: forms.draw,
        draw_errors: forms.draw_errors,
        list_errors: forms.list_errors,
        ctx,
    };
    Ok((status, render(&page)?).into_response())
}

/// Refuses (logged and audited) anyone who may not plan the round.
pub(super) async fn may_plan(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    round: &Round,
) -> AppResult<()> {
    if let Err(refusal) = InspectionPolicy::can_plan(user, round) {
        tracing::warn!(
            round = round.id,
            reason = refusal.as_str(),
            "inspection planning refused"
        );
        ctx.request
            .audit(
                &state.db,
                "inspection.plan.refused",
                "round",
                Some(round.id.to_string()),
                serde_json::json!({"why": refusal.as_str()}),
            )
            .await?;
        return Err(AppError::AuditedRefusal(refusal.message_key()));
    }
    Ok(())
}

/// The round's groups and assessors, which lists are matched against.
pub(super) async fn team(state: &AppState, round: &Round) -> AppResult<Team> {
    Ok(Team::of_round(&state.db, round.id).await?)
}

/// "第 3 行：…" for each refused line or row.
pub(super) fn line_messages(lang: Lang, refusals: &[LineRefusal]) -> Vec<String> {
    refusals
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
        .collect()
}

/// The refused lines for the audit trail.
pub(super) fn audited_lines(refusals: &[LineRefusal]) -> serde_json::Value {
    refusals
        .iter()
        .map(|r| serde_json::json!({"line": r.line, "why": r.refusal.as_str()}))
        .collect()
}

/// Saves checked points, audits them as `action` with `detail`, and goes back to the plan.
pub(super) async fn save(
    state: &AppState,
    ctx: &PageCtx,
    session: &Session,
    user: &User,
    round: &Round,
    points: &[NewPoint],
    (action, mut detail): (&str, serde_json::Value),
) -> AppResult<Response> {
    let saved = plan::insert(&state.db, round.id, points, user.id).await?;
    let unannounced = points
        .iter()
        .filter(|p| p.mode() == inspections::Mode::Unannounced)
        .count();
    detail["points"] = saved.into();
    detail["unannounced"] = unannounced.into();
    ctx.request
        .audit(
            &state.db,
            action,
            "round",
            Some(round.id.to_string()),
            detail,
        )
        .await?;
    set_flash(
        session,
        FlashKind::Success,
        ctx.t1("plan-saved", "count", saved as i64),
    )
    .await?;
    Ok(Redirect::to(&format!("/rounds/{}/inspections", round.id)).into_response())
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    page(&state, ctx, scope, PlanForms::default()).await
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
    may_plan(&state, &ctx, &user, &scope.round).await?;
    let team = team(&state, &scope.round).await?;
    let lookup = Lookup::new(&scope.rubric.establishment_kinds, &team);
    let refused = |errors| PlanForms {
        paste_text: form.text.clone(),
        paste_errors: errors,
        ..Default::default()
    };
    let points = match plan::parse_paste(&form.text, &lookup) {
        Ok(points) if points.is_empty() => {
            let forms = refused(vec![ctx.t("plan-refused-empty")]);
            return page(&state, ctx, scope, forms).await;
        }
        Ok(points) => points,
        Err(refusals) => {
            ctx.request
                .audit(
                    &state.db,
                    "inspection.plan.paste.refused",
                    "round",
                    Some(id.to_string()),
                    serde_json::json!({"lines": audited_lines(&refusals)}),
                )
                .await?;
            let forms = refused(line_messages(ctx.lang(), &refusals));
            return page(&state, ctx, scope, forms).await;
        }
    };
    let audit = ("inspection.plan.paste", serde_json::json!({}));
    save(&state, &ctx, &session, &user, &scope.round, &points, audit).await
}
