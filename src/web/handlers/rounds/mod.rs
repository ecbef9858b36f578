//! Online scoring: the rounds, an assessor's worklist, one item's page (indicators,
//! evidence with marks, the scoring forms), the result with its verdict, the comparison
//! of two rounds, the .xlsx score sheet and the printable evaluation report — one file
//! per page or job. What a round loads and shows lives in [`crate::web::round_view`];
//! what a valid score is, in [`crate::scoring::commands`].
//!
//! Every change goes through [`guard`], which asks [`Policy::can_score`] and records each
//! refusal in the log and the audit trail.

mod comparison;
mod findings;
mod history;
mod item;
mod list;
mod report;
mod result;
mod review;
mod scoring_forms;
mod sheet;
mod wording;
mod worklist;

use axum::response::{IntoResponse, Redirect, Response};

pub use comparison::compare;
pub use findings::{accept_finding, set_aside_finding};
pub use history::{history, lock};
pub use item::item;
pub use list::list;
pub use report::{report, report_docx, save_report};
pub use result::show;
pub use review::{mark, review_item};
pub use scoring_forms::{add_deduction, award, measure, veto, withdraw_deduction};
pub use sheet::score_sheet;
pub use worklist::worklist;

use crate::accounts::User;
use crate::scoring::rounds::ItemKey;
use crate::web::AppState;
use crate::web::access::{Policy, ScoreRefusal};
use crate::web::context::RequestContext;
use crate::web::error::{AppError, AppResult};
use crate::web::round_view::Scope;

/// Refuses (and records) a score change the policy does not allow.
pub(super) async fn guard(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    scope: &Scope,
    key: ItemKey,
) -> AppResult<()> {
    let owner = scope.owners.get(&key).copied();
    if let Err(refusal) = Policy::can_score(user, &scope.round, owner) {
        refuse(state, ctx, scope, key, refusal).await?;
        return Err(AppError::AuditedRefusal(refusal.message_key()));
    }
    Ok(())
}

async fn refuse(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    key: ItemKey,
    refusal: ScoreRefusal,
) -> AppResult<()> {
    tracing::warn!(round = scope.round.id, item = %key, reason = refusal.as_str(), "score change refused");
    ctx.audit(
        &state.db,
        "score.refused",
        "round",
        Some(scope.round.id.to_string()),
        serde_json::json!({"item": key.to_string(), "reason": refusal.as_str()}),
    )
    .await
}

/// Parses an item key, loads its round and checks that the user may score the item.
pub(super) async fn scoring_scope(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    round_id: i64,
    key: &str,
) -> AppResult<(ItemKey, Scope)> {
    let key = ItemKey::parse(key).ok_or(AppError::NotFound)?;
    let scope = Scope::load(state, round_id).await?;
    guard(state, ctx, user, &scope, key).await?;
    Ok((key, scope))
}

pub(super) async fn audit_score(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    action: &str,
    summary: serde_json::Value,
) -> AppResult<()> {
    ctx.audit(
        &state.db,
        action,
        "round",
        Some(scope.round.id.to_string()),
        summary,
    )
    .await
}

pub(super) fn back_to_item(round_id: i64, key: ItemKey) -> Response {
    Redirect::to(&format!("/rounds/{round_id}/items/{key}")).into_response()
}
