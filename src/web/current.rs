//! The campaign every page works in, cached in [`crate::derived`] until it changes.

use crate::campaigns::{self, Campaign};
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
