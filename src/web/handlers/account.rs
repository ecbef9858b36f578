//! The signed-in user's own account: profile, language, password.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{self, password};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::AppResult;
use crate::web::pages::{AccountPage, PasswordPage, render};

pub async fn page(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&AccountPage { ctx })?.into_response())
}

pub async fn password_page(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&PasswordPage {
        ctx,
        errors: Vec::new(),
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let (_, stored_hash) = accounts::find_for_login(&state.db, &user.username)
        .await?
        .ok_or(crate::web::error::AppError::Forbidden)?;
    if !password::verify(form.current.clone(), stored_hash).await {
        errors.push(ctx.t("password-current-wrong"));
    }
    if form.new != form.confirm {
        errors.push(ctx.t("password-mismatch"));
    }
    if let Err(weakness) = password::check_strength(&form.new, &user.username) {
        errors.push(weakness_message(&ctx, weakness));
    } else if form.new == form.current {
        errors.push(ctx.t("password-unchanged"));
    }
    if !errors.is_empty() {
        // Passwords are never echoed back into the form.
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&PasswordPage { ctx, errors })?,
        )
            .into_response());
    }
    let hash = password::hash(form.new).await?;
    accounts::set_password(&state.db, user.id, &hash, false).await?;
    ctx.request
        .audit(
            &state.db,
            "user.password.change",
            "user",
            Some(user.id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    session.cycle_id().await?;
    set_flash(&session, FlashKind::Success, ctx.t("password-changed")).await?;
    Ok(Redirect::to("/").into_response())
}

pub fn weakness_message(ctx: &PageCtx, weakness: password::Weakness) -> String {
    match weakness {
        password::Weakness::TooShort => ctx.t1("password-too-short", "min", password::MIN_LENGTH),
        password::Weakness::SameAsUsername => ctx.t("password-same-as-username"),
        password::Weakness::NoVariety => ctx.t("password-no-variety"),
    }
}
