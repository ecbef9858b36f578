//! Findings made at a point (问题描述, the indicator, seriousness, a proposed deduction),
//! added while the record is a draft and removed again if made by mistake.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::record::{Typed, page};
use super::{may_record, point_path, visible_point};
use crate::inspections::findings::{self, FindingInput, NewFinding};
use crate::inspections::records::{self, RecordState};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::AppResult;
use crate::web::pages::FindingValues;

#[derive(Debug, Default, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub seriousness: String,
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub check: String,
}

pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
    Form(form): Form<FindingForm>,
) -> AppResult<Response> {
    let (scope, point, _) = visible_point(&state, &user, id, point_id).await?;
    may_record(&state, &ctx.request, &user, &scope, &point).await?;
    let submitted = records::record(&state.db, point.id)
        .await?
        .is_some_and(|r| r.state == RecordState::Submitted);
    let kind = scope.rubric.establishment_kind_named(&point.kind_code);
    let input = FindingInput {
        description: &form.description,
        indicator: &form.indicator,
        seriousness: &form.seriousness,
        points: &form.points,
        check: &form.check,
    };
    let checked = NewFinding::check(!submitted, &scope.items, &scope.ids, kind, input);
    let recorded = match &checked {
        Ok(finding) => finding.record(&state.db, id, point.id, user.id).await?,
        Err(_) => None,
    };
    let (finding, finding_id) = match (checked, recorded) {
        (Ok(finding), Some(finding_id)) => (finding, finding_id),
        (checked, _) => {
            // Refused, or the record was submitted between the check and the insert.
            let refusals = checked
                .err()
                .unwrap_or_else(|| vec![findings::FindingRefusal::Closed]);
            let lang = ctx.lang();
            let messages = refusals
                .iter()
                .map(|r| lang.t_args(r.message_key(), &[("max", r.argument().into())]))
                .collect();
            let typed = Typed {
                finding: FindingValues {
                    description: form.description.trim().to_string(),
                    indicator: form.indicator.trim().to_string(),
                    seriousness: form.seriousness.trim().to_string(),
                    points: form.points.trim().to_string(),
                    check: form.check.trim().to_string(),
                },
                ..Typed::default()
            };
            return page(
                &state,
                ctx,
                &user,
                scope,
                point,
                typed,
                messages,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    ctx.request
        .audit(
            &state.db,
            "inspection.finding.add",
            "inspection_point",
            Some(point.id.to_string()),
            json!({"round": id, "finding": finding_id, "indicator": finding.indicator(),
                   "points": finding.proposed_points()}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("finding-added")).await?;
    Ok(Redirect::to(&format!("{}#findings", point_path(id, point_id))).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, point_id, finding_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    let (scope, point, _) = visible_point(&state, &user, id, point_id).await?;
    may_record(&state, &ctx.request, &user, &scope, &point).await?;
    if findings::remove(&state.db, point.id, finding_id).await? {
        ctx.request
            .audit(
                &state.db,
                "inspection.finding.remove",
                "inspection_point",
                Some(point.id.to_string()),
                json!({"round": id, "finding": finding_id}),
            )
            .await?;
        set_flash(&session, FlashKind::Success, ctx.t("finding-removed")).await?;
    } else {
        set_flash(&session, FlashKind::Error, ctx.t("finding-remove-refused")).await?;
    }
    Ok(Redirect::to(&format!("{}#findings", point_path(id, point_id))).into_response())
}
