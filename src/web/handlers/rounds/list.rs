//! The rounds of the campaign with their totals.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::scoring::rounds;
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::pages::{RoundsPage, render};
use crate::web::round_view::RoundView;

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let all = rounds::list(&state.db, campaign.id).await?;
    let mut lines = Vec::new();
    for round in all {
        let view = RoundView::load(&state, round.id).await?;
        lines.push((round, view.outcome.total, view.outcome.decision.passed()));
    }
    Ok(render(&RoundsPage {
        ctx,
        rounds: lines,
        max_total: rubric.total_points,
        values: Default::default(),
        errors: Vec::new(),
    })?
    .into_response())
}
