//! 问题整改 pages: the list, the office's raising form, one problem with its answer and
//! verification, the ledger downloads and the JSON API. The rules are the problems area's
//! ([`crate::problems::rules`]); these handlers parse, call and word the result.

pub mod files;
pub mod from_round;
pub mod list;
pub mod manage;
pub mod show;

use crate::accounts::User;
use crate::problems::{self, Problem, rules};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

/// The problem if `user` may see it: 404 when there is none, 403 (recorded by the gate)
/// when it is another organisation's.
async fn visible(state: &AppState, user: &User, id: i64) -> AppResult<Problem> {
    let problem = problems::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::can_see(user, &problem.standing()) {
        return Err(AppError::Forbidden);
    }
    Ok(problem)
}

/// The organisations a problem can be assigned to: departments and counties (the office
/// orders rectification, it does not owe it).
async fn assignable(state: &AppState) -> AppResult<Vec<crate::orgs::Organisation>> {
    use crate::orgs::{self, OrgKind};
    Ok(orgs::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|o| matches!(o.kind, OrgKind::Department | OrgKind::County))
        .collect())
}

/// A form refused for what was typed (kept and shown again).
const UNPROCESSABLE: axum::http::StatusCode = axum::http::StatusCode::UNPROCESSABLE_ENTITY;

/// A typed refusal as messages on the form, or as the 403 it is for a role refusal.
fn refusal_messages(
    ctx: &crate::web::context::PageCtx,
    refusal: rules::Refusal,
) -> Result<Vec<String>, AppError> {
    match refusal_error(refusal) {
        Some(error) => Err(error),
        None => Ok(vec![ctx.t(refusal.message_key())]),
    }
}

/// The word for a typed refusal: role refusals are 403s (the gate records them), the rest
/// are messages on the form.
fn refusal_error(refusal: rules::Refusal) -> Option<AppError> {
    use rules::Refusal::*;
    match refusal {
        NotResponsible | NotVerifier | NotOffice => Some(AppError::Refused(refusal.message_key())),
        _ => None,
    }
}
