//! 工作群通知 on an organisation's admin page: registering, testing, pausing and removing
//! its group robots. Administrators only (the `/admin` rule): a robot's URL is a key to
//! the group. The checks are the domain's ([`crate::webhooks::validate`]); the words
//! are here.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::orgs::{self, Organisation};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::org_page::webhook_section;
use crate::web::pages::{OrgFormPage, OrgFormValues, WebhookFormValues, render, vendor_key};
use crate::webhooks::{self, Draft, Refusal, UrlRules, Webhook};

#[derive(Debug, Default, Deserialize)]
pub struct RobotForm {
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    label: String,
}

impl RobotForm {
    fn draft(&self) -> Draft<'_> {
        Draft {
            vendor: &self.vendor,
            url: &self.url,
            secret: &self.secret,
            label: &self.label,
        }
    }

    /// What was typed, for the form shown again.
    fn values(&self) -> WebhookFormValues {
        WebhookFormValues {
            vendor: self.vendor.trim().to_string(),
            url: self.url.trim().to_string(),
            secret: self.secret.trim().to_string(),
            label: self.label.trim().to_string(),
        }
    }
}

fn refusal_text(ctx: &PageCtx, refusal: Refusal) -> String {
    use crate::webhooks::validate::{MAX_LABEL_CHARS, MAX_SECRET_CHARS, MAX_URL_CHARS};
    match refusal {
        Refusal::Vendor => ctx.t("webhook-error-vendor"),
        Refusal::UrlMissing => ctx.t("webhook-error-url-missing"),
        Refusal::UrlTooLong => ctx.t1("webhook-error-url-long", "max", MAX_URL_CHARS as i64),
        Refusal::UrlInvalid => ctx.t("webhook-error-url-invalid"),
        Refusal::NotHttps => ctx.t("webhook-error-https"),
        Refusal::HttpNotLoopback => ctx.t("webhook-error-http-loopback"),
        Refusal::UrlCredentials => ctx.t("webhook-error-credentials"),
        Refusal::WrongHost(vendor) => ctx.t2(
            "webhook-error-host",
            "vendor",
            ctx.t(vendor_key(vendor)),
            "hosts",
            vendor.hosts().join(" / "),
        ),
        Refusal::SecretMissing => ctx.t("webhook-error-secret-missing"),
        Refusal::SecretNotSec => ctx.t("webhook-error-secret-sec"),
        Refusal::SecretNotUsed => ctx.t("webhook-error-secret-unused"),
        Refusal::SecretTooLong => {
            ctx.t1("webhook-error-secret-long", "max", MAX_SECRET_CHARS as i64)
        }
        Refusal::SecretInvalid => ctx.t("webhook-error-secret-invalid"),
        Refusal::LabelTooLong => ctx.t1("webhook-error-label-long", "max", MAX_LABEL_CHARS as i64),
    }
}

async fn organisation(state: &AppState, id: i64) -> AppResult<Organisation> {
    orgs::find(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// The organisation's robot `id` (404 for another organisation's).
async fn robot(state: &AppState, organisation_id: i64, id: i64) -> AppResult<Webhook> {
    webhooks::find(&state.db, organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn back_to(organisation_id: i64) -> Response {
    Redirect::to(&format!("/admin/orgs/{organisation_id}#webhooks")).into_response()
}

/// What the audit trail says of a robot: never its key or secret.
fn described(org: &Organisation, robot: &Webhook) -> serde_json::Value {
    serde_json::json!({
        "organisation_id": org.id,
        "organisation": org.name,
        "vendor": robot.vendor.as_str(),
        "url": robot.masked_url(),
        "signed": robot.has_secret(),
        "label": robot.label,
    })
}

pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(org_id): Path<i64>,
    Form(form): Form<RobotForm>,
) -> AppResult<Response> {
    let org = organisation(&state, org_id).await?;
    let rules = UrlRules {
        allow_http_and_any_host: state.config.webhooks.allow_http,
    };
    match webhooks::validate::validate(&form.draft(), rules) {
        Ok(valid) => {
            let id = webhooks::register(&state.db, org.id, &valid, true, Some(admin.id)).await?;
            let robot = robot(&state, org.id, id).await?;
            ctx.request
                .audit(
                    &state.db,
                    "webhook.create",
                    "webhook",
                    Some(id.to_string()),
                    described(&org, &robot),
                )
                .await?;
            set_flash(&session, FlashKind::Success, ctx.t("webhook-added")).await?;
            Ok(back_to(org.id))
        }
        Err(refusals) => {
            // The reasons only: what was typed may hold the key.
            let reasons: Vec<&str> = refusals.iter().map(|r| r.as_str()).collect();
            ctx.request
                .audit(
                    &state.db,
                    "webhook.refused",
                    "organisation",
                    Some(org.id.to_string()),
                    serde_json::json!({"organisation": org.name, "vendor": form.vendor.trim(), "reasons": reasons}),
                )
                .await?;
            let errors = refusals.iter().map(|r| refusal_text(&ctx, *r)).collect();
            let webhooks = webhook_section(&state, org.id, form.values(), errors).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&OrgFormPage {
                    ctx,
                    org_id: org.id,
                    values: OrgFormValues::of(&org),
                    errors: Vec::new(),
                    webhooks,
                    hand_over: None,
                })?,
            )
                .into_response())
        }
    }
}

/// Queues a test message; the job sends it, and the section shows how it went.
pub async fn test(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path((org_id, id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let org = organisation(&state, org_id).await?;
    let robot = robot(&state, org.id, id).await?;
    if !robot.enabled {
        set_flash(&session, FlashKind::Error, ctx.t("webhook-test-disabled")).await?;
        return Ok(back_to(org.id));
    }
    let delivery =
        webhooks::queue_test(&state.db, &robot, &org.name, &state.config.public_base()).await?;
    let mut summary = described(&org, &robot);
    summary["delivery"] = delivery.into();
    ctx.request
        .audit(
            &state.db,
            "webhook.test",
            "webhook",
            Some(id.to_string()),
            summary,
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("webhook-test-queued")).await?;
    Ok(back_to(org.id))
}

#[derive(Debug, Default, Deserialize)]
pub struct EnabledForm {
    #[serde(default)]
    enabled: String,
}

pub async fn set_enabled(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path((org_id, id)): Path<(i64, i64)>,
    Form(form): Form<EnabledForm>,
) -> AppResult<Response> {
    let org = organisation(&state, org_id).await?;
    let robot = robot(&state, org.id, id).await?;
    let enabled = match form.enabled.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("error-bad-request")),
    };
    webhooks::set_enabled(&state.db, org.id, robot.id, enabled).await?;
    let mut summary = described(&org, &robot);
    summary["enabled"] = enabled.into();
    ctx.request
        .audit(
            &state.db,
            "webhook.update",
            "webhook",
            Some(id.to_string()),
            summary,
        )
        .await?;
    let key = if enabled {
        "webhook-enabled"
    } else {
        "webhook-disabled"
    };
    set_flash(&session, FlashKind::Success, ctx.t(key)).await?;
    Ok(back_to(org.id))
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path((org_id, id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let org = organisation(&state, org_id).await?;
    let robot = robot(&state, org.id, id).await?;
    if webhooks::remove(&state.db, org.id, robot.id).await? {
        ctx.request
            .audit(
                &state.db,
                "webhook.delete",
                "webhook",
                Some(id.to_string()),
                described(&org, &robot),
            )
            .await?;
    }
    set_flash(&session, FlashKind::Success, ctx.t("webhook-removed")).await?;
    Ok(back_to(org.id))
}
