//! A round's history (every recorded change, oldest first, 100 a page) and the printout
//! of one of its locks (the result frozen then, readable after a reopening).

use crate::scoring::locks;
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{HistoryPage, LockedResultPage, render};
use crate::web::round_history::{self, HistoryQuery};
use crate::web::round_view::{Scope, part_lines};
use crate::web::verdict::verdict_text;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

pub async fn history(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(query): Query<HistoryQuery>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let after = query.after();
    let page = round_history::load(&state, ctx.lang(), id, after).await?;
    let locks = locks::list(&state.db, id).await?;
    Ok(render(&HistoryPage {
        ctx,
        round: scope.round,
        entries: page.entries,
        locks,
        next: page.next,
        first_page: after.is_none(),
    })?
    .into_response())
}

pub async fn lock(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, lock_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let lock = locks::find(&state.db, id, lock_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rule = scope.rule(&state).await?;
    let verdict = verdict_text(ctx.lang(), lock.outcome(), &rule);
    Ok(render(&LockedResultPage {
        ctx,
        parts: part_lines(&scope.rubric, lock.outcome()),
        city: scope.campaign.city_name.clone(),
        round: scope.round,
        verdict,
        lock,
    })?
    .into_response())
}
