//! A round's on-site inspections (明查暗访): the plan page with its paste form, the record
//! made on a phone at each point (checklist, findings, photos), and the plan in the JSON
//! API. Who may see and plan is [`crate::web::access::InspectionPolicy`]; which points a
//! reader sees is [`crate::inspections::Visibility`], applied in SQL.

pub mod api;
pub mod findings;
pub mod photos;
mod plan;
pub mod record;

pub use plan::{paste, plan};

use crate::accounts::User;
use crate::inspections::records::{self, RecordPoint};
use crate::inspections::{self, Visibility};
use crate::web::AppState;
use crate::web::access::InspectionPolicy;
use crate::web::context::RequestContext;
use crate::web::error::{AppError, AppResult};
use crate::web::round_view::Scope;

/// A point the reader may see, with its round. A 暗访 point the reader may not see is
/// "not found", exactly like a point that does not exist.
pub(super) async fn visible_point(
    state: &AppState,
    user: &User,
    round_id: i64,
    point_id: i64,
) -> AppResult<(Scope, RecordPoint, Visibility)> {
    InspectionPolicy::can_see(user)?;
    let scope = Scope::load(state, round_id).await?;
    let vis = inspections::visibility(&state.db, user, &scope.round).await?;
    let point = records::point(&state.db, round_id, point_id, vis)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((scope, point, vis))
}

/// Refuses (and records) a change to a point's record by someone not sent there.
pub(super) async fn may_record(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    scope: &Scope,
    point: &RecordPoint,
) -> AppResult<()> {
    if let Err(refusal) =
        InspectionPolicy::can_record(user, &scope.round, point.group_id, &point.assessor_ids)
    {
        tracing::warn!(
            point = point.id,
            reason = refusal.as_str(),
            "inspection record refused"
        );
        ctx.audit(
            &state.db,
            "inspection.record.refused",
            "inspection_point",
            Some(point.id.to_string()),
            serde_json::json!({"round": scope.round.id, "why": refusal.as_str()}),
        )
        .await?;
        return Err(AppError::AuditedRefusal(refusal.message_key()));
    }
    Ok(())
}

/// Whether the client asked for JSON (the page's autosave and photo uploads do).
pub(super) fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
        || headers
            .get("x-requested-with")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"xmlhttprequest"))
}

pub(super) fn point_path(round_id: i64, point_id: i64) -> String {
    format!("/rounds/{round_id}/inspections/{point_id}")
}
