//! What signing in needs in more than one handler: starting the signed-in session,
//! the pending second step, the remembered-device cookie and the throttle's answer.

use axum::http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::AppState;
use super::access::{USER_ID_KEY, cookie};
use super::csrf;
use super::error::AppError;
use crate::accounts::throttle::Throttled;
use crate::accounts::{self, User};
use crate::audit;
use crate::i18n::Lang;

/// When the session was signed in (microseconds since 1970 on the database's clock),
/// compared with the user's `sessions_valid_from` by the gate.
pub const SIGNED_IN_AT_KEY: &str = "since";
/// A correct password waiting for its second factor. The session does not carry the
/// user id until then, so no route treats it as signed in.
pub const PENDING_KEY: &str = "pending_2fa";
/// A secret shown for enrolment, kept in the session until a code confirms it.
pub const ENROL_SECRET_KEY: &str = "totp_enrol";
/// A browser remembered for the second step.
pub const DEVICE_COOKIE: &str = "shian_device";
/// How long a correct password waits for its second factor.
pub const PENDING_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSecondFactor {
    pub user_id: i64,
    pub next: String,
    /// Unix seconds of the correct password.
    pub at: i64,
}

/// Must this user sign in with a second factor (by role, from the configuration)?
pub fn two_factor_required(state: &AppState, user: &User) -> bool {
    state.config.two_factor_roles.contains(&user.role)
}

/// Makes the session signed in as `user` (after every factor passed): a fresh id
/// against fixation, a fresh CSRF token, the sign-in moment, and the audit row.
pub async fn start_session(
    state: &AppState,
    session: &Session,
    user: &User,
    client_addr: Option<&str>,
    second_factor: Option<&str>,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.remove_value(PENDING_KEY).await?;
    let at = accounts::record_login(&state.db, user.id).await?;
    session.insert(USER_ID_KEY, user.id).await?;
    session
        .insert(SIGNED_IN_AT_KEY, at.timestamp_micros())
        .await?;
    session.insert(csrf::SESSION_KEY, csrf::new_token()).await?;
    audit::record(
        &state.db,
        audit::Event {
            actor_id: Some(user.id),
            action: "login",
            object_type: "user",
            object_id: Some(user.id.to_string()),
            summary: match second_factor {
                Some(kind) => serde_json::json!({"second_factor": kind}),
                None => serde_json::json!({}),
            },
            client_addr,
        },
    )
    .await?;
    Ok(())
}

/// Keeps this session signed in past a cut-off that ended the user's other sessions.
pub async fn restamp(
    session: &Session,
    cut_off: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session
        .insert(SIGNED_IN_AT_KEY, cut_off.timestamp_micros())
        .await?;
    Ok(())
}

/// The remembered-device token this browser sent, if any.
pub fn device_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, DEVICE_COOKIE)
}

/// The `Set-Cookie` value that remembers this browser for `days`.
pub fn device_cookie(state: &AppState, token: &str, days: u32) -> Option<HeaderValue> {
    format!(
        "{DEVICE_COOKIE}={token}; Path=/login; Max-Age={}; HttpOnly; SameSite=Lax{}",
        u64::from(days) * 86_400,
        if state.config.cookie_secure {
            "; Secure"
        } else {
            ""
        }
    )
    .parse()
    .ok()
}

/// The wait in words ("30 秒" / "2 分钟").
pub fn wait_text(lang: Lang, throttled: &Throttled) -> String {
    let secs = throttled.retry_after_secs();
    if secs < 60 {
        lang.t_args("wait-seconds", &[("n", (secs as i64).into())])
    } else {
        lang.t_args("wait-minutes", &[("n", (secs.div_ceil(60) as i64).into())])
    }
}

/// `Retry-After` for a throttled answer.
pub fn retry_after(throttled: &Throttled) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(throttled.retry_after_secs()),
    );
    headers
}

/// Audits a refused attempt: who was named, from where, which limit, for how long.
/// Audits a throttled attempt and returns the message that tells the user how long to wait.
pub async fn refuse_throttled(
    state: &AppState,
    lang: Lang,
    action: &str,
    username: &str,
    user_id: Option<i64>,
    client_addr: Option<&str>,
    throttled: &Throttled,
) -> Result<String, AppError> {
    audit_throttled(state, action, username, user_id, client_addr, throttled).await?;
    Ok(lang.t_args(
        "login-throttled-wait",
        &[("wait", wait_text(lang, throttled).into())],
    ))
}

async fn audit_throttled(
    state: &AppState,
    action: &str,
    username: &str,
    user_id: Option<i64>,
    client_addr: Option<&str>,
    throttled: &Throttled,
) -> Result<(), AppError> {
    audit::record(
        &state.db,
        audit::Event {
            actor_id: None,
            action,
            object_type: "user",
            object_id: user_id.map(|id| id.to_string()),
            summary: serde_json::json!({
                "username": username.trim().chars().take(100).collect::<String>(),
                "address": client_addr,
                "reason": throttled.reason.as_str(),
                "retry_after_secs": throttled.retry_after_secs(),
            }),
            client_addr,
        },
    )
    .await?;
    Ok(())
}
