//! Two-factor sign-in: the second step after a correct password, enrolment and turning
//! it off under 我的账户, and an administrator's reset after a lost phone.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{self, password, throttle, two_factor};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    EnrolPage, RecoveryCodesPage, SecondStepPage, TwoFactorStatusPage, render,
};
use crate::web::sign_in::{self, PendingSecondFactor};

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    remember: String,
    #[serde(default)]
    password: String,
}

/// Which kind of second factor an answer was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proof {
    Code,
    RecoveryCode,
}

impl Proof {
    fn as_str(self) -> &'static str {
        match self {
            Proof::Code => "totp",
            Proof::RecoveryCode => "recovery_code",
        }
    }
}

/// Checks a code (or a recovery code) of an enrolled user, using it up when right.
async fn check_answer(state: &AppState, user_id: i64, answer: &str) -> AppResult<Option<Proof>> {
    let digits: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let Some((secret, last_step)) = two_factor::secret_of(&state.db, user_id).await? else {
            return Ok(None);
        };
        let step = two_factor::matching_step(&secret, &digits, last_step)
            .map_err(|e| AppError::Other(e.into()))?;
        let Some(step) = step else {
            return Ok(None);
        };
        // Marking the step used is the check that counts: of two requests racing with
        // one code, only one gets through.
        let first_use = two_factor::use_step(&state.db, user_id, step).await?;
        return Ok(first_use.then_some(Proof::Code));
    }
    Ok(two_factor::use_recovery_code(&state.db, user_id, answer)
        .await?
        .then_some(Proof::RecoveryCode))
}

/// The pending second step of this session, unless it is missing or stale.
async fn pending(session: &Session) -> AppResult<Option<PendingSecondFactor>> {
    let found = session
        .get::<PendingSecondFactor>(sign_in::PENDING_KEY)
        .await?;
    Ok(found.filter(|p| chrono::Utc::now().timestamp() - p.at <= sign_in::PENDING_SECS))
}

pub async fn second_step_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
) -> AppResult<Response> {
    if ctx.user().is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if pending(&session).await?.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(render(&SecondStepPage {
        ctx,
        error: None,
        remember_days: i64::from(state.config.two_factor_remember_days),
    })?
    .into_response())
}

pub async fn second_step(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let Some(waiting) = pending(&session).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let remember_days = state.config.two_factor_remember_days;
    let refuse = |ctx: PageCtx,
                  error: String,
                  status: StatusCode,
                  headers: HeaderMap|
     -> AppResult<Response> {
        let page = SecondStepPage {
            ctx,
            error: Some(error),
            remember_days: i64::from(remember_days),
        };
        Ok((status, headers, render(&page)?).into_response())
    };
    let Some(user) = accounts::find(&state.db, waiting.user_id)
        .await?
        .filter(|u| u.active)
    else {
        session.remove_value(sign_in::PENDING_KEY).await?;
        return Ok(Redirect::to("/login").into_response());
    };
    let client = ctx.request.client_addr.clone();
    let attempt = throttle::Attempt::second_factor(user.id, client.as_deref());
    let limits = throttle::Limits::from_config(&state.config);
    if let Err(throttled) = throttle::reserve(&state.db, limits, &attempt).await? {
        let error = sign_in::refuse_throttled(
            &state,
            ctx.lang(),
            "login.2fa.throttled",
            &user.username,
            Some(user.id),
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
    let Some(proof) = check_answer(&state, user.id, &form.code).await? else {
        crate::audit::record(
            &state.db,
            crate::audit::Event {
                actor_id: None,
                action: "login.2fa.failed",
                object_type: "user",
                object_id: Some(user.id.to_string()),
                summary: serde_json::json!({"username": user.username}),
                client_addr: client.as_deref(),
            },
        )
        .await?;
        let error = ctx.t("two-factor-wrong-code");
        return refuse(ctx, error, StatusCode::UNAUTHORIZED, HeaderMap::new());
    };
    throttle::release(&state.db, &attempt).await?;
    sign_in::start_session(
        &state,
        &session,
        &user,
        client.as_deref(),
        Some(proof.as_str()),
    )
    .await?;
    let mut headers = HeaderMap::new();
    if remember_days > 0 && !form.remember.is_empty() {
        let token = two_factor::remember_device(&state.db, user.id, remember_days).await?;
        if let Some(cookie) = sign_in::device_cookie(&state, &token, remember_days) {
            headers.insert(header::SET_COOKIE, cookie);
        }
    }
    if proof == Proof::RecoveryCode {
        let left = two_factor::unused_recovery_codes(&state.db, user.id).await?;
        set_flash(
            &session,
            FlashKind::Success,
            ctx.t1("two-factor-recovery-used", "count", left),
        )
        .await?;
    }
    let target = if user.must_change_password {
        "/account/password".to_string()
    } else {
        waiting.next
    };
    Ok((headers, Redirect::to(&target)).into_response())
}

/// Enrolment, or the status when already enrolled.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let required = sign_in::two_factor_required(&state, &user);
    if user.two_factor_enabled {
        let unused_recovery_codes = two_factor::unused_recovery_codes(&state.db, user.id).await?;
        return Ok(render(&TwoFactorStatusPage {
            ctx,
            unused_recovery_codes,
            required,
            errors: Vec::new(),
        })?
        .into_response());
    }
    // One secret per enrolment: reloading the page shows the same QR code.
    let secret = match session.get::<String>(sign_in::ENROL_SECRET_KEY).await? {
        Some(secret) => secret,
        None => {
            let secret = two_factor::new_secret();
            session.insert(sign_in::ENROL_SECRET_KEY, &secret).await?;
            secret
        }
    };
    enrol_page(
        ctx,
        &user.username,
        &secret,
        required,
        Vec::new(),
        StatusCode::OK,
    )
}

fn enrol_page(
    ctx: PageCtx,
    username: &str,
    secret: &str,
    required: bool,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let qr_png =
        two_factor::qr_png_base64(secret, username).map_err(|e| AppError::Other(e.into()))?;
    let grouped = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok((
        status,
        render(&EnrolPage {
            ctx,
            qr_png,
            secret: grouped,
            required,
            errors,
        })?,
    )
        .into_response())
}

/// Confirms enrolment with a current code, then shows the recovery codes once.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    if user.two_factor_enabled {
        return Ok(Redirect::to("/account/2fa").into_response());
    }
    let Some(secret) = session.get::<String>(sign_in::ENROL_SECRET_KEY).await? else {
        return Ok(Redirect::to("/account/2fa").into_response());
    };
    let required = sign_in::two_factor_required(&state, &user);
    let client = ctx.request.client_addr.clone();
    let attempt = throttle::Attempt::second_factor(user.id, client.as_deref());
    let limits = throttle::Limits::from_config(&state.config);
    if let Err(throttled) = throttle::reserve(&state.db, limits, &attempt).await? {
        let errors = vec![
            sign_in::refuse_throttled(
                &state,
                ctx.lang(),
                "user.2fa.throttled",
                &user.username,
                Some(user.id),
                client.as_deref(),
                &throttled,
            )
            .await?,
        ];
        let mut response = enrol_page(
            ctx,
            &user.username,
            &secret,
            required,
            errors,
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        response
            .headers_mut()
            .extend(sign_in::retry_after(&throttled));
        return Ok(response);
    }
    let step = two_factor::matching_step(&secret, &form.code, None)
        .map_err(|e| AppError::Other(e.into()))?;
    let Some(step) = step else {
        let errors = vec![ctx.t("two-factor-wrong-code")];
        return enrol_page(
            ctx,
            &user.username,
            &secret,
            required,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    throttle::release(&state.db, &attempt).await?;
    let codes = two_factor::enable(&state.db, user.id, &secret, step).await?;
    session.remove_value(sign_in::ENROL_SECRET_KEY).await?;
    ctx.request
        .audit(
            &state.db,
            "user.2fa.enable",
            "user",
            Some(user.id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    Ok(render(&RecoveryCodesPage { ctx, codes })?.into_response())
}

/// Turns two-factor sign-in off (only where the role does not require it), with the
/// current password and a current code.
pub async fn disable(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    if !user.two_factor_enabled {
        return Ok(Redirect::to("/account/2fa").into_response());
    }
    if sign_in::two_factor_required(&state, &user) {
        ctx.request
            .audit(
                &state.db,
                "user.2fa.disable.refused",
                "user",
                Some(user.id.to_string()),
                serde_json::json!({"reason": "required_by_role"}),
            )
            .await?;
        return Err(AppError::Refused("two-factor-required-cannot-disable"));
    }
    let client = ctx.request.client_addr.clone();
    let attempt = throttle::Attempt::second_factor(user.id, client.as_deref());
    let limits = throttle::Limits::from_config(&state.config);
    let status_page = |ctx: PageCtx, errors: Vec<String>, unused: i64| TwoFactorStatusPage {
        ctx,
        unused_recovery_codes: unused,
        required: false,
        errors,
    };
    let unused = two_factor::unused_recovery_codes(&state.db, user.id).await?;
    if let Err(throttled) = throttle::reserve(&state.db, limits, &attempt).await? {
        let errors = vec![
            sign_in::refuse_throttled(
                &state,
                ctx.lang(),
                "user.2fa.throttled",
                &user.username,
                Some(user.id),
                client.as_deref(),
                &throttled,
            )
            .await?,
        ];
        let page = status_page(ctx, errors, unused);
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            sign_in::retry_after(&throttled),
            render(&page)?,
        )
            .into_response());
    }
    let (_, stored_hash) = accounts::find_for_login(&state.db, &user.username)
        .await?
        .ok_or(AppError::Forbidden)?;
    let password_ok = password::verify(form.password.clone(), stored_hash).await;
    let proof = if password_ok {
        check_answer(&state, user.id, &form.code).await?
    } else {
        None
    };
    if proof.is_none() {
        let errors = vec![ctx.t(if password_ok {
            "two-factor-wrong-code"
        } else {
            "password-current-wrong"
        })];
        let page = status_page(ctx, errors, unused);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    throttle::release(&state.db, &attempt).await?;
    two_factor::disable(&state.db, user.id).await?;
    ctx.request
        .audit(
            &state.db,
            "user.2fa.disable",
            "user",
            Some(user.id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("two-factor-disabled")).await?;
    Ok(Redirect::to("/account").into_response())
}

/// An administrator turns off a user's second factor (lost phone, no recovery code):
/// the user's sessions end, and a role that requires it enrols again at next sign-in.
pub async fn admin_reset(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    two_factor::disable(&state.db, id).await?;
    let cut_off = accounts::end_sessions(&state.db, id).await?;
    if admin.id == id {
        sign_in::restamp(&session, cut_off).await?;
    }
    ctx.request
        .audit(
            &state.db,
            "user.2fa.reset",
            "user",
            Some(id.to_string()),
            serde_json::json!({"username": user.username, "was_enabled": user.two_factor_enabled}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("two-factor-reset-done")).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}
