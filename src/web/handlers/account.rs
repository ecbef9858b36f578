//! The signed-in user's own account: profile, language, password.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{self, password, tokens};
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::AppResult;
use crate::web::pages::{AccountPage, PasswordPage, render};
use crate::web::{AppState, sign_in};

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let tokens = tokens::list(&state.db, user.id).await?;
    Ok(render(&AccountPage {
        ctx,
        tokens,
        new_token: None,
        errors: Vec::new(),
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

/// Makes a personal API token and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        let tokens = tokens::list(&state.db, user.id).await?;
        let errors = vec![ctx.t("token-error-name")];
        let page = AccountPage {
            ctx,
            tokens,
            new_token: None,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let (id, token) = tokens::create(&state.db, user.id, name).await?;
    ctx.request
        .audit(
            &state.db,
            "token.create",
            "api_token",
            Some(id.to_string()),
            serde_json::json!({"name": name}),
        )
        .await?;
    let tokens = tokens::list(&state.db, user.id).await?;
    Ok(render(&AccountPage {
        ctx,
        tokens,
        new_token: Some(token),
        errors: Vec::new(),
    })?
    .into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> AppResult<Response> {
    if !tokens::revoke(&state.db, user.id, id).await? {
        return Err(crate::web::error::AppError::NotFound);
    }
    ctx.request
        .audit(
            &state.db,
            "token.revoke",
            "api_token",
            Some(id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("token-revoked")).await?;
    Ok(Redirect::to("/account#tokens").into_response())
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
        errors.push(ctx.password_weakness(weakness));
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
    // Every session of the user ends at this moment; this one is re-stamped and stays.
    let cut_off = accounts::set_password(&state.db, user.id, &hash, false).await?;
    sign_in::restamp(&session, cut_off).await?;
    ctx.request
        .audit(
            &state.db,
            "user.password.change",
            "user",
            Some(user.id.to_string()),
            serde_json::json!({"other_sessions_ended": true}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t("password-changed-sessions-ended"),
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}
