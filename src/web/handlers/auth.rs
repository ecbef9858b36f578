//! Signing in and out, and choosing the language.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{self, password};
use crate::audit;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::access::{LANG_COOKIE, USER_ID_KEY};
use crate::web::context::{PageCtx, RequestContext};
use crate::web::csrf;
use crate::web::error::AppResult;
use crate::web::pages::{LoginPage, render};

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login_page(ctx: PageCtx, Query(query): Query<LoginQuery>) -> AppResult<Response> {
    if ctx.user().is_some() {
        return Ok(Redirect::to(&safe_next(&query.next)).into_response());
    }
    Ok(render(&LoginPage {
        ctx,
        username: String::new(),
        next: safe_next(&query.next),
        error: None,
    })?
    .into_response())
}

pub async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let refuse = |ctx: PageCtx, key: &str, status: StatusCode| -> AppResult<Response> {
        let error = Some(ctx.t(key));
        Ok((
            status,
            render(&LoginPage {
                ctx,
                username: form.username.clone(),
                next: safe_next(&form.next),
                error,
            })?,
        )
            .into_response())
    };
    if form.username.trim().is_empty() || form.password.is_empty() {
        return refuse(ctx, "login-missing", StatusCode::UNPROCESSABLE_ENTITY);
    }
    let client = ctx.request.client_addr.clone();
    if let Some(wait) = state
        .login_throttle
        .blocked_for(&form.username, client.as_deref())
    {
        let minutes = wait.as_secs().div_ceil(60).max(1) as i64;
        let error = Some(ctx.t1("login-throttled", "minutes", minutes));
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            render(&LoginPage {
                ctx,
                username: form.username.clone(),
                next: safe_next(&form.next),
                error,
            })?,
        )
            .into_response());
    }
    let found = accounts::find_for_login(&state.db, &form.username).await?;
    let (user, verified) = match found {
        Some((user, hash)) => {
            let ok = password::verify(form.password.clone(), hash).await;
            (Some(user), ok)
        }
        None => {
            // Same work as a real check, so response time does not reveal the account.
            password::verify(form.password.clone(), state.dummy_hash.to_string()).await;
            (None, false)
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!(username = %form.username, "failed login");
        state
            .login_throttle
            .record_failure(&form.username, client.as_deref());
        audit::record(
            &state.db,
            audit::Event {
                actor_id: None,
                action: "login.failed",
                object_type: "user",
                object_id: None,
                summary: serde_json::json!({"username": form.username.trim()}),
                client_addr: client.as_deref(),
            },
        )
        .await?;
        return refuse(ctx, "login-failed", StatusCode::UNAUTHORIZED);
    };
    if !user.active {
        return refuse(ctx, "login-disabled", StatusCode::FORBIDDEN);
    }

    state.login_throttle.record_success(&form.username);
    // A fresh session id on sign-in defeats session fixation; a fresh CSRF token too.
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user.id).await?;
    session.insert(csrf::SESSION_KEY, csrf::new_token()).await?;
    accounts::record_login(&state.db, user.id).await?;
    audit::record(
        &state.db,
        audit::Event {
            actor_id: Some(user.id),
            action: "login",
            object_type: "user",
            object_id: Some(user.id.to_string()),
            summary: serde_json::json!({}),
            client_addr: client.as_deref(),
        },
    )
    .await?;
    let target = if user.must_change_password {
        "/account/password".to_string()
    } else {
        safe_next(&form.next)
    };
    Ok(Redirect::to(&target).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: RequestContext,
    session: Session,
) -> AppResult<Response> {
    if let Some(user) = &ctx.user {
        let id = Some(user.id.to_string());
        ctx.audit(&state.db, "logout", "user", id, serde_json::json!({}))
            .await?;
    }
    session.flush().await?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// Stores the choice on the account (when signed in) and in a cookie (for the login page).
pub async fn set_language(
    State(state): State<AppState>,
    ctx: RequestContext,
    Form(form): Form<LanguageForm>,
) -> AppResult<Response> {
    let lang = Lang::from_code(&form.lang).unwrap_or_default();
    if let Some(user) = &ctx.user {
        accounts::set_locale(&state.db, user.id, lang.code()).await?;
    }
    let mut headers = HeaderMap::new();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        lang.code(),
        if state.config.cookie_secure {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(value) = cookie.parse() {
        headers.insert(header::SET_COOKIE, value);
    }
    Ok((headers, Redirect::to(&safe_next(&form.back))).into_response())
}

/// Only same-site paths are followed after login, never `//host` or `https://…`.
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn open_redirects_are_refused() {
        assert_eq!(safe_next("/rubric?part=1"), "/rubric?part=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
