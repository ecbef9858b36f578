//! The rounds of the campaign with their totals.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::error::AppResult;
use crate::web::pages::render;
use crate::web::round_view::rounds_page;

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let page = rounds_page(&state, ctx, Default::default(), Vec::new()).await?;
    Ok(render(&page)?.into_response())
}
