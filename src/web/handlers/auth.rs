//! Signing in and out, and choosing the language.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{self, password, throttle, two_factor};
use crate::audit;
use crate::i18n::Lang;
use crate::web::access::LANG_COOKIE;
use crate::web::context::{PageCtx, RequestContext};
use crate::web::error::AppResult;
use crate::web::pages::{LoginPage, render};
use crate::web::{AppState, sign_in};

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
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let refuse = |ctx: PageCtx,
                  error: String,
                  status: StatusCode,
                  extra: HeaderMap|
     -> AppResult<Response> {
        Ok((
            status,
            extra,
            render(&LoginPage {
                ctx,
                username: form.username.clone(),
                next: safe_next(&form.next),
                error: Some(error),
            })?,
        )
            .into_response())
    };
    if form.username.trim().is_empty() || form.password.is_empty() {
        let error = ctx.t("login-missing");
        return refuse(
            ctx,
            error,
            StatusCode::UNPROCESSABLE_ENTITY,
            HeaderMap::new(),
        );
    }
    let client = ctx.request.client_addr.clone();
    // Counted before the slow check, so a burst cannot check more than the limit.
    let attempt = throttle::Attempt::password(&form.username, client.as_deref());
    let limits = throttle::Limits::from_config(&state.config);
    if let Err(throttled) = throttle::reserve(&state.db, limits, &attempt).await? {
        tracing::warn!(username = %form.username, reason = throttled.reason.as_str(), "sign-in throttled");
        let error = sign_in::refuse_throttled(
            &state,
            ctx.lang(),
            "login.throttled",
            &form.username,
            None,
            client.as_deref(),
            &throttled,
        )
        .await?;
        return refuse(
            ctx,
            error,
            StatusCode::TOO_MANY_REQUESTS,
            sign_in::retry_after(&throttled),
        );
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
        let error = ctx.t("login-failed");
        return refuse(ctx, error, StatusCode::UNAUTHORIZED, HeaderMap::new());
    };
    throttle::release(&state.db, &attempt).await?;
    if !user.active {
        let error = ctx.t("login-disabled");
        return refuse(ctx, error, StatusCode::FORBIDDEN, HeaderMap::new());
    }
    let next = safe_next(&form.next);
    if user.two_factor_enabled {
        let remembered = match sign_in::device_token(&headers) {
            Some(token) => two_factor::device_remembered(&state.db, user.id, &token).await?,
            None => false,
        };
        if !remembered {
            // The password is right, but the session stays signed out until the code.
            session.cycle_id().await?;
            session
                .insert(
                    sign_in::PENDING_KEY,
                    sign_in::PendingSecondFactor {
                        user_id: user.id,
                        next,
                        at: chrono::Utc::now().timestamp(),
                    },
                )
                .await?;
            return Ok(Redirect::to("/login/2fa").into_response());
        }
        sign_in::start_session(
            &state,
            &session,
            &user,
            client.as_deref(),
            Some("remembered_device"),
        )
        .await?;
    } else {
        sign_in::start_session(&state, &session, &user, client.as_deref(), None).await?;
    }
    let target = if user.must_change_password {
        "/account/password".to_string()
    } else if !user.two_factor_enabled && sign_in::two_factor_required(&state, &user) {
        "/account/2fa".to_string()
    } else {
        next
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
