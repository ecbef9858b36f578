//! One planned point: `/rounds/{id}/inspections/points/{pid}/edit` (its place, kind,
//! mode, date, group and assessors) and `…/delete` (refused once something was recorded
//! there). Who may is who may plan ([`InspectionPolicy::can_plan`]).
//!
//! [`InspectionPolicy::can_plan`]: crate::web::access::InspectionPolicy::can_plan

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::plan::{PlanForms, kind_choices, may_plan, page, team};
use crate::inspections::plan::edit::{self, Change, Removal, RemovalRefusal};
use crate::inspections::plan::{self, Crew, Lookup, NewPoint, Point, PointInput, Team};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{EditValues, PointEditPage, render};
use crate::web::round_view::Scope;

/// The round, refusing (audited) who may not plan it, and the point.
async fn load(
    state: &AppState,
    ctx: &PageCtx,
    user: &crate::accounts::User,
    id: i64,
    point_id: i64,
) -> AppResult<(Scope, Point)> {
    let scope = Scope::load(state, id).await?;
    may_plan(state, ctx, user, &scope.round).await?;
    let point = plan::find(&state.db, id, point_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((scope, point))
}

fn edit_page(
    ctx: PageCtx,
    scope: Scope,
    point: Point,
    values: EditValues,
    team: Team,
    errors: Vec<String>,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PointEditPage {
        kinds: kind_choices(&scope),
        round: scope.round,
        point,
        values,
        groups: team.groups,
        errors,
        ctx,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (scope, point) = load(&state, &ctx, &user, id, point_id).await?;
    let team = team(&state, &scope.round).await?;
    let values = EditValues::of(&point);
    edit_page(ctx, scope, point, values, team, Vec::new())
}

/// The form's fields (assessors are checkboxes: one `assessor` per one ticked).
fn values_of(pairs: &[(String, String)]) -> EditValues {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let group = field("group_id");
    EditValues {
        county: field("county"),
        town: field("town"),
        unit: field("unit"),
        address: field("address"),
        kind: field("kind"),
        mode: field("mode"),
        date: field("date"),
        // A group id that is not a number matches no group (and is refused as such).
        group_id: (!group.trim().is_empty()).then(|| group.trim().parse().unwrap_or(0)),
        assessor_ids: pairs
            .iter()
            .filter(|(k, _)| k == "assessor")
            .map(|(_, v)| v.trim().parse().unwrap_or(0))
            .collect(),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (scope, point) = load(&state, &ctx, &user, id, point_id).await?;
    let team = team(&state, &scope.round).await?;
    let values = values_of(&pairs);
    let lookup = Lookup::new(&scope.rubric.establishment_kinds, &team);
    let input = PointInput {
        county: &values.county,
        town: &values.town,
        unit: &values.unit,
        address: &values.address,
        kind: &values.kind,
        mode: &values.mode,
        date: &values.date,
        crew: Crew::Chosen {
            group: values.group_id,
            assessors: &values.assessor_ids,
        },
    };
    let usage = edit::usage(&state.db, point.id).await?;
    let checked = NewPoint::check(&input, &lookup).and_then(|to| Change::check(&point, usage, to));
    let change = match checked {
        Ok(change) => change,
        Err(refusals) => {
            let lang = ctx.lang();
            let errors = refusals
                .iter()
                .map(|r| lang.t_args(r.message_key(), &[("text", r.argument().into())]))
                .collect();
            return edit_page(ctx, scope, point, values, team, errors);
        }
    };
    if !edit::update(&state.db, &change).await? {
        return Err(AppError::NotFound);
    }
    let after = change.point();
    ctx.request
        .audit(
            &state.db,
            "inspection.point.update",
            "inspection_point",
            Some(point.id.to_string()),
            serde_json::json!({
                "round": id,
                "seq": point.seq,
                "before": {"unit": point.unit_name, "kind": point.kind_code, "mode": point.mode.as_str(),
                           "group": point.group_id, "assessors": point.assessor_ids},
                "after": {"unit": after.unit_name(), "kind": after.kind_code(), "mode": after.mode().as_str(),
                          "group": after.group().map(|g| g.id),
                          "assessors": after.assessors().iter().map(|a| a.id).collect::<Vec<_>>()},
            }),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("plan-point-saved", "seq", i64::from(point.seq)),
    )
    .await?;
    Ok(Redirect::to(&format!("/rounds/{id}/inspections")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (scope, point) = load(&state, &ctx, &user, id, point_id).await?;
    let usage = edit::usage(&state.db, point.id).await?;
    let result = match Removal::check(&point, usage) {
        Ok(removal) => edit::delete(&state.db, removal).await?,
        Err(refusals) => Err(refusals),
    };
    if let Err(refusals) = result {
        return refused(&state, ctx, scope, &point, &refusals).await;
    }
    ctx.request
        .audit(
            &state.db,
            "inspection.point.delete",
            "inspection_point",
            Some(point.id.to_string()),
            serde_json::json!({"round": id, "seq": point.seq, "unit": point.unit_name, "mode": point.mode.as_str()}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("plan-point-deleted", "seq", i64::from(point.seq)),
    )
    .await?;
    Ok(Redirect::to(&format!("/rounds/{id}/inspections")).into_response())
}

/// A removal refused for what was recorded at the point: the plan again, saying why.
async fn refused(
    state: &AppState,
    ctx: PageCtx,
    scope: Scope,
    point: &Point,
    refusals: &[RemovalRefusal],
) -> AppResult<Response> {
    ctx.request
        .audit(
            &state.db,
            "inspection.point.delete.refused",
            "inspection_point",
            Some(point.id.to_string()),
            serde_json::json!({"round": scope.round.id, "seq": point.seq,
                               "why": refusals.iter().map(|r| r.as_str()).collect::<Vec<_>>()}),
        )
        .await?;
    let lang = ctx.lang();
    let list_errors = refusals
        .iter()
        .map(|r| {
            lang.t_args(
                r.message_key(),
                &[
                    ("seq", i64::from(point.seq).into()),
                    ("unit", point.unit_name.clone().into()),
                ],
            )
        })
        .collect();
    let forms = PlanForms {
        list_errors,
        ..Default::default()
    };
    page(state, ctx, scope, forms).await
}
