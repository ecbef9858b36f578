//! The campaign every page works in, cached in [`crate::derived`] until it changes.

use crate::campaigns::{self, Campaign};
use crate::rubric::{self, Edition};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

/// The campaign every page works on. Nearly every request needs it and it changes only
/// through the campaign settings, so it is kept with the derived figures (read again
/// after any change) instead of being queried on each request.
pub async fn campaign(state: &AppState) -> AppResult<Campaign> {
    let current = state
        .derived
        .get("current campaign", 0, || async {
            Ok::<_, AppError>(campaigns::current(&state.db).await?)
        })
        .await?;
    Option::clone(&current).ok_or_else(|| AppError::Other(anyhow::anyhow!("no campaign set up")))
}

/// The rubric edition the campaign runs on: the rubric pages and API follow it, so that
/// importing a newer edition changes nothing of a running campaign.
pub async fn edition(state: &AppState) -> AppResult<Edition> {
    let campaign = campaign(state).await?;
    let edition = state
        .derived
        .get("campaign edition", campaign.edition_id, || async {
            Ok::<_, AppError>(rubric::edition(&state.db, campaign.edition_id).await?)
        })
        .await?;
    Option::clone(&edition).ok_or_else(|| AppError::Other(anyhow::anyhow!("no rubric loaded")))
}
