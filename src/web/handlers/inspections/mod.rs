//! A round's on-site inspections (明查暗访): the plan page with its paste, spreadsheet and
//! random-draw forms, one point's edit and removal, the record made on a phone at each
//! point (checklist, findings, photos), and the plan in the JSON API. Who may see, plan
//! and record is [`crate::web::access::InspectionPolicy`]; which points a reader sees is
//! [`crate::inspections::Visibility`], applied in SQL.

pub mod api;
mod draw;
pub mod findings;
mod import;
pub mod photos;
mod plan;
mod points;
pub mod record;

pub use draw::{confirm as confirm_draw, draw};
pub use import::import;
pub use plan::{paste, plan};
pub use points::{delete as delete_point, edit as edit_point, edit_form as edit_point_form};

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

pub(super) use crate::web::script_request::wants_json;

pub(super) fn point_path(round_id: i64, point_id: i64) -> String {
    format!("/rounds/{round_id}/inspections/{point_id}")
}
