//! The campaign plan's programmes (治理提升工程, 专项整治行动): the list with progress,
//! and one page per programme with its text, units, linked indicators, milestones and
//! the tasks it made.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::programmes;
use crate::tasks::{self, TaskFilter};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{ProgrammePage, ProgrammesPage, render};

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let programmes = programmes::list(&state.db, campaign.id).await?;
    let plan_title: Option<String> =
        sqlx::query_scalar("SELECT title FROM campaign_plans WHERE campaign_id = $1")
            .bind(campaign.id)
            .fetch_optional(&state.db)
            .await?;
    Ok(render(&ProgrammesPage {
        ctx,
        programmes,
        plan_title,
    })?
    .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let programme = programmes::find(&state.db, id)
        .await?
        .filter(|p| p.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)?;
    let organisations = programmes::organisations(&state.db, id).await?;
    let indicators = programmes::indicator_numbers(&state.db, id).await?;
    let milestones = programmes::milestones(&state.db, id).await?;
    // A clerk sees its own organisation's task among the programme's; the office all.
    let user = ctx.request.user.as_ref().ok_or(AppError::Unauthorized)?;
    let own = (user.role == crate::accounts::Role::Department)
        .then_some(user.organisation_id)
        .flatten();
    let filter = TaskFilter {
        organisation_id: own,
        programme_id: Some(id),
        ..Default::default()
    };
    let task_rows = tasks::list(&state.db, campaign.id, campaign.today(), &filter, 500, 0).await?;
    Ok(render(&ProgrammePage {
        ctx,
        programme,
        organisations,
        indicators,
        milestones,
        task_rows,
        today: campaign.today(),
    })?
    .into_response())
}
