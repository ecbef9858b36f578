//! `/admin/campaign/edition`: the campaign's rubric edition and its history; moving the
//! campaign to another imported edition with a mapping file — uploaded and previewed
//! first, then run once the administrator has checked the preview.

use axum::Form;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::campaigns::migration::{self, MigrationError, MigrationRefusal, Preview};
use crate::rubric;
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::{campaign, edition};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{EditionPage, render};

/// A mapping file is a few kilobytes (one line per indicator); anything far larger is
/// not one.
pub const MAX_MAPPING_BYTES: usize = 256 * 1024;

pub async fn page(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    respond(&state, ctx, Outcome::default(), StatusCode::OK).await
}

/// What the page shows besides the campaign's edition.
#[derive(Default)]
struct Outcome {
    chosen: String,
    errors: Vec<String>,
    preview: Option<Preview>,
    mapping_text: String,
}

async fn respond(
    state: &AppState,
    ctx: PageCtx,
    outcome: Outcome,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let current = edition(state).await?;
    let others = rubric::editions(&state.db)
        .await?
        .into_iter()
        .filter(|e| e.id != current.id)
        .collect();
    let history = migration::history(&state.db, campaign.id).await?;
    let page = EditionPage {
        ctx,
        current,
        others,
        history,
        chosen: outcome.chosen,
        errors: outcome.errors,
        preview: outcome.preview,
        mapping_text: outcome.mapping_text,
    };
    Ok((status, render(&page)?).into_response())
}

fn upload_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest("error-bad-upload")
    }
}

/// The form's `to` and the mapping file's text (None when no file came).
async fn read_form(multipart: &mut Multipart) -> AppResult<(String, Option<Vec<u8>>)> {
    let (mut to, mut mapping) = (String::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(upload_error)? {
        match field.name() {
            Some("to") => to = field.text().await.map_err(upload_error)?.trim().to_string(),
            Some("mapping") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
                    if bytes.len() + chunk.len() > MAX_MAPPING_BYTES {
                        return Err(AppError::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                mapping = Some(bytes).filter(|b| !b.is_empty());
            }
            _ => {}
        }
    }
    Ok((to, mapping))
}

pub async fn preview(
    State(state): State<AppState>,
    ctx: PageCtx,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (to, bytes) = read_form(&mut multipart).await?;
    let refused = |chosen: String, errors| Outcome {
        chosen,
        errors,
        ..Outcome::default()
    };
    let Some(bytes) = bytes else {
        let outcome = refused(to, vec![ctx.t("edition-no-file")]);
        return respond(&state, ctx, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        let outcome = refused(to, vec![ctx.t("edition-not-utf8")]);
        return respond(&state, ctx, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let campaign = campaign(&state).await?;
    match migration::preview(&state.db, campaign.id, &to, &text).await {
        Ok(preview) => {
            let outcome = Outcome {
                chosen: to,
                preview: Some(preview),
                mapping_text: text,
                ..Outcome::default()
            };
            respond(&state, ctx, outcome, StatusCode::OK).await
        }
        Err(MigrationError::Refused(refusal)) => {
            audit_refusal(&state, &ctx, campaign.id, "preview", &to, &refusal).await?;
            let outcome = refused(to, refusal.messages(ctx.lang()));
            respond(&state, ctx, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(MigrationError::Database(err)) => Err(err.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct MigrateForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    mapping: String,
    #[serde(default)]
    confirm: String,
}

pub async fn migrate(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<MigrateForm>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    if form.confirm != "yes" {
        // Shown the preview again, with the reminder.
        let preview = migration::preview(&state.db, campaign.id, &form.to, &form.mapping).await;
        let outcome = Outcome {
            chosen: form.to.clone(),
            errors: vec![ctx.t("edition-confirm-required")],
            preview: preview.ok(),
            mapping_text: form.mapping,
        };
        return respond(&state, ctx, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = migration::Actor {
        user_id: Some(user.id),
        client_addr: ctx.request.client_addr.as_deref(),
    };
    match migration::run(&state.db, campaign.id, &form.to, &form.mapping, actor).await {
        Ok(done) => {
            let text = ctx.lang().t_args(
                "edition-migrated",
                &[
                    ("to", done.to.code.clone().into()),
                    ("tasks", done.tasks_moved.into()),
                    ("evidence", done.evidence_moved.into()),
                ],
            );
            set_flash(&session, FlashKind::Success, text).await?;
            Ok(Redirect::to("/admin/campaign/edition").into_response())
        }
        Err(MigrationError::Refused(refusal)) => {
            audit_refusal(&state, &ctx, campaign.id, "run", &form.to, &refusal).await?;
            let outcome = Outcome {
                chosen: form.to,
                errors: refusal.messages(ctx.lang()),
                ..Outcome::default()
            };
            respond(&state, ctx, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(MigrationError::Database(err)) => Err(err.into()),
    }
}

async fn audit_refusal(
    state: &AppState,
    ctx: &PageCtx,
    campaign_id: i64,
    stage: &str,
    to: &str,
    refusal: &MigrationRefusal,
) -> AppResult<()> {
    ctx.request
        .audit(
            &state.db,
            "campaign.edition_migration.refused",
            "campaign",
            Some(campaign_id.to_string()),
            serde_json::json!({
                "stage": stage,
                "to": to,
                "why": refusal.messages(crate::i18n::Lang::Zh),
            }),
        )
        .await
}
