//! `GET /screen`: the command centre's 大屏 (the office, administrators and leaders). The
//! page asks for its own body again (`?fragment=1`) every `every` seconds — 60 unless
//! asked otherwise, never under 5 — and swaps it in, so a wall screen follows the work
//! without reloading.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::pages::{ScreenPage, render};
use crate::web::summary::summary;

#[derive(Debug, Default, Deserialize)]
pub struct ScreenQuery {
    #[serde(default)]
    fragment: String,
    #[serde(default)]
    every: String,
}

pub async fn screen(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ScreenQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let today = campaign.today();
    let (summary, lights, open_orders) = tokio::try_join!(
        summary(&state, &campaign),
        async {
            Ok(state
                .derived
                .get("screen-lights", campaign.id, || async {
                    Ok::<_, crate::web::error::AppError>(
                        crate::supervision::org_lights(&state.db, campaign.id, today).await?,
                    )
                })
                .await?)
        },
        async { Ok(crate::supervision::open_count(&state.db, campaign.id).await?) },
    )?;
    let every = query.every.parse::<u32>().unwrap_or(60).clamp(5, 3600);
    let at = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
        .format("%H:%M:%S")
        .to_string();
    let page = ScreenPage {
        ctx,
        campaign,
        summary,
        lights: lights.as_ref().clone(),
        open_orders,
        every,
        fragment: query.fragment == "1",
        at,
    };
    Ok(render(&page)?.into_response())
}
