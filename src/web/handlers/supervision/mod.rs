//! 督查督办 pages: the list with every unit's lights, one 督办单 with its steps, the
//! office's form for a new one. The rules are the supervision area's
//! ([`crate::supervision::rules`]); these handlers parse, call and word the result.

pub mod issue;
pub mod show;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::{Role, User};
use crate::supervision::{self, Order, Refusal};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{SupervisionPage, render};

/// The office and viewers see every order; a clerk its own organisation's; assessors none.
fn can_see(user: &User, order: &Order) -> bool {
    match user.role {
        Role::Admin | Role::Office | Role::Viewer => true,
        Role::Department => user.organisation_id == Some(order.organisation_id),
        Role::Assessor => false,
    }
}

/// The order if `user` may see it: 404 when there is none, 403 (recorded by the gate)
/// when it is another organisation's.
async fn visible(state: &AppState, user: &User, id: i64) -> AppResult<Order> {
    let order = supervision::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_see(user, &order) {
        return Err(AppError::Forbidden);
    }
    Ok(order)
}

/// A refusal worded for the form.
fn wording(ctx: &PageCtx, refusal: &Refusal) -> String {
    ctx.t(match refusal {
        Refusal::NoMatter => "sv-error-matter",
        Refusal::NoDemand => "sv-error-demand",
        Refusal::NoDeadline => "sv-error-deadline",
        Refusal::DeadlinePassed => "sv-error-deadline-past",
        Refusal::NotAnOwner => "sv-error-owner",
        Refusal::OfficeOnly | Refusal::UnitOnly => "sv-error-side",
        Refusal::OutOfOrder(_) => "sv-error-order",
        Refusal::NoAnswer => "sv-error-answer",
        Refusal::NoComment => "sv-error-comment",
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let user = ctx.request.user.clone().ok_or(AppError::Unauthorized)?;
    let campaign = campaign(&state).await?;
    let own = (user.role == Role::Department)
        .then_some(user.organisation_id)
        .flatten();
    let filter = supervision::State::parse(&query.state);
    let orders = supervision::list(&state.db, campaign.id, own, filter).await?;
    let mut lights = supervision::org_lights(&state.db, campaign.id, campaign.today()).await?;
    if let Some(own) = own {
        lights.retain(|l| l.organisation_id == own);
    }
    Ok(render(&SupervisionPage {
        own_organisation: own.and(user.organisation_name.clone()),
        ctx,
        today: campaign.today(),
        orders,
        filter_state: query.state,
        lights,
    })?
    .into_response())
}
