//! The organisation's evidence of rectification: uploaded through the same upload path as
//! task evidence (same limits, same checks, nothing half-kept), read by whoever may see
//! the problem.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use tower_sessions::Session;

use super::show::{Typed, moved_on, page};
use super::{UNPROCESSABLE, refusal_messages, visible};
use crate::problems::{self, Answer};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx, RequestContext};
use crate::web::error::{AppError, AppResult};
use crate::web::script_request::uploaded;
use crate::web::upload_form::{MAX_FILES, UploadValues, receive};

pub async fn upload(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let problem = visible(&state, &user, id).await?;
    // Files are part of the answer: the same people, at the same times.
    if let Err(refusal) = Answer::check(&user, &problem.standing(), "", false) {
        let errors = refusal_messages(&ctx, refusal)?;
        return page(
            &state,
            ctx,
            &user,
            problem,
            Typed::default(),
            errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut values = UploadValues::default();
    let files = match receive(&state, &ctx, &mut multipart, &mut values, MAX_FILES, true).await? {
        Ok(files) => files,
        Err(errors) => {
            return page(
                &state,
                ctx,
                &user,
                problem,
                Typed::default(),
                errors,
                UNPROCESSABLE,
            )
            .await;
        }
    };
    let attached = match problems::attach(&state.db, id, user.id, &files).await {
        Ok(attached) => attached,
        Err(err) => {
            state.storage.discard(&files).await;
            return Err(err.into());
        }
    };
    if !attached {
        state.storage.discard(&files).await;
        return moved_on(&state, ctx, &user, id, Typed::default()).await;
    }
    ctx.request
        .audit(
            &state.db,
            "problem.upload",
            "problem",
            Some(id.to_string()),
            json!({ "files": files.iter().map(|(f, n)| json!({"name": n, "size": f.size, "sha256": f.sha256})).collect::<Vec<_>>() }),
        )
        .await?;
    let names: Vec<&str> = files.iter().map(|(_, name)| name.as_str()).collect();
    let confirmation = ctx.lang().t_args(
        "upload-done-named",
        &[
            ("count", names.len().into()),
            ("names", names.join("、").into()),
        ],
    );
    uploaded(&session, &headers, confirmation, &format!("/problems/{id}")).await
}

pub async fn download(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    visible(&state, &user, id).await?;
    let file = problems::file(&state.db, id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let response = crate::web::download::stored_file(
        &state,
        &file.storage_key,
        &file.original_name,
        file.size_bytes,
        &file.content_type,
    )
    .await?;
    ctx.audit(
        &state.db,
        "file.download",
        "problem_file",
        Some(file_id.to_string()),
        json!({ "problem": id, "file": file.original_name }),
    )
    .await?;
    Ok(response)
}
