//! `POST /rounds/{id}/inspections/import`: the plan from an uploaded .xlsx (multipart,
//! read in memory within [`xlsx::MAX_BYTES`]), all or nothing like a paste.

use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tower_sessions::Session;

use super::plan::{PlanForms, audited_lines, line_messages, may_plan, page, save, team};
use crate::inspections::plan::Lookup;
use crate::inspections::plan::xlsx::{self, FileRefusal, ImportRefusal};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::{AppError, AppResult};
use crate::web::round_view::Scope;

/// A body past the route's limit is too large; anything else is a broken upload.
fn upload_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest("error-bad-upload")
    }
}

/// The uploaded file's name and bytes (refused as too large past [`xlsx::MAX_BYTES`]).
async fn read_upload(multipart: &mut Multipart) -> AppResult<Option<(String, Vec<u8>)>> {
    let mut found = None;
    while let Some(mut field) = multipart.next_field().await.map_err(upload_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
            if bytes.len() + chunk.len() > xlsx::MAX_BYTES {
                return Err(AppError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        found = Some((name, bytes));
    }
    Ok(found.filter(|(_, bytes)| !bytes.is_empty()))
}

pub async fn import(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    may_plan(&state, &ctx, &user, &scope.round).await?;
    let refused = |errors| PlanForms {
        import_errors: errors,
        ..Default::default()
    };
    let Some((file_name, bytes)) = read_upload(&mut multipart).await? else {
        let forms = refused(vec![ctx.t("plan-import-no-file")]);
        return page(&state, ctx, scope, forms).await;
    };
    let team = team(&state, &scope.round).await?;
    let lookup = Lookup::new(&scope.rubric.establishment_kinds, &team);
    let points = match xlsx::read(&bytes, &lookup) {
        Ok(points) => points,
        Err(refusal) => {
            let (why, messages) = match &refusal {
                ImportRefusal::File(file) => (
                    serde_json::json!({"file": file.as_str()}),
                    vec![file_message(&ctx, file)],
                ),
                ImportRefusal::Rows(rows) => (
                    serde_json::json!({"rows": audited_lines(rows)}),
                    line_messages(ctx.lang(), rows),
                ),
            };
            ctx.request
                .audit(
                    &state.db,
                    "inspection.plan.import.refused",
                    "round",
                    Some(id.to_string()),
                    serde_json::json!({"file_name": file_name, "why": why}),
                )
                .await?;
            let mut messages = messages;
            if let ImportRefusal::Rows(_) = refusal {
                messages.insert(0, ctx.t("plan-import-rows-refused"));
            }
            return page(&state, ctx, scope, refused(messages)).await;
        }
    };
    let audit = (
        "inspection.plan.import",
        serde_json::json!({"file_name": file_name, "bytes": bytes.len()}),
    );
    save(&state, &ctx, &session, &user, &scope.round, &points, audit).await
}

fn file_message(ctx: &PageCtx, refusal: &FileRefusal) -> String {
    ctx.lang().t_args(
        refusal.message_key(),
        &[("text", refusal.argument().into())],
    )
}
