//! The user's notifications.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::parse_opt_i64;
use crate::notifications;
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::AppResult;
use crate::web::pages::{NotificationsPage, render};

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let items = notifications::recent(&state.db, user.id, 200).await?;
    Ok(render(&NotificationsPage { ctx, items })?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    id: String,
}

/// Marks one notification read and follows its link, or marks all read.
pub async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ReadForm>,
) -> AppResult<Response> {
    let id = parse_opt_i64(&form.id).unwrap_or(None);
    let link = notifications::mark_read(&state.db, user.id, id).await?;
    let target = link
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .unwrap_or_else(|| "/notifications".into());
    Ok(Redirect::to(&target).into_response())
}
