//! Photos of a point: uploaded one at a time (the page's script shows a progress bar per
//! photo and offers a retry; without script the form posts one photo), shown where the
//! browser can, downloaded otherwise. Every download goes through the same visibility as
//! the point and is audited.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Redirect, Response};
use serde_json::json;
use tower_sessions::Session;

use super::record::{Typed, page};
use super::{may_record, point_path, visible_point, wants_json};
use crate::inspections::findings;
use crate::inspections::photos::{self, MAX_PHOTO_BYTES, NewPhoto, PhotoRefusal};
use crate::inspections::records::{self, RecordState};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, RequestContext, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::upload_form::{FieldFile, UploadValues, receive_fields};

/// A refused photo: a JSON message for the page's script, else the page with it.
async fn refused(
    state: &AppState,
    ctx: PageCtx,
    json: bool,
    (round_id, point_id): (i64, i64),
    messages: Vec<String>,
) -> AppResult<Response> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    if json {
        return Ok((status, Json(json!({"message": messages.join(" ")}))).into_response());
    }
    let user = ctx.user().cloned().ok_or(AppError::Unauthorized)?;
    let (scope, point, _) = visible_point(state, &user, round_id, point_id).await?;
    page(
        state,
        ctx,
        &user,
        scope,
        point,
        Typed::default(),
        messages,
        status,
    )
    .await
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let json = wants_json(&headers);
    let (scope, point, _) = visible_point(&state, &user, id, point_id).await?;
    may_record(&state, &ctx.request, &user, &scope, &point).await?;
    let mut values = UploadValues::default();
    let files = match receive_fields(
        &state,
        &ctx,
        &mut multipart,
        &mut values,
        (2, true, MAX_PHOTO_BYTES),
        &["photo", "preview"],
    )
    .await?
    {
        Ok(files) => files,
        Err(messages) => {
            // Refused by the upload checks (type, size, an interrupted body): nothing kept.
            ctx.request
                .audit(
                    &state.db,
                    "inspection.photo.refused",
                    "inspection_point",
                    Some(point.id.to_string()),
                    json!({"round": id, "why": "upload", "messages": messages}),
                )
                .await?;
            return refused(&state, ctx, json, (id, point_id), messages).await;
        }
    };
    let discard = |files: Vec<FieldFile>| {
        let storage = state.storage.clone();
        async move {
            for file in files {
                storage.remove(&file.stored.key).await;
            }
        }
    };
    let original = files
        .iter()
        .find(|f| f.field == "photo")
        .map(|f| (f.stored.clone(), f.name.clone()));
    let preview = files
        .iter()
        .find(|f| f.field == "preview")
        .map(|f| &f.stored);
    let submitted = records::record(&state.db, point.id)
        .await?
        .is_some_and(|r| r.state == RecordState::Submitted);
    let point_findings: Vec<i64> = findings::for_point(&state.db, point.id)
        .await?
        .iter()
        .map(|f| f.id)
        .collect();
    let finding_id = values
        .other
        .get("finding")
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .map(|f| f.parse::<i64>().unwrap_or(-1));
    let taken_at = values.other.get("taken_at").cloned().unwrap_or_default();
    let checked = NewPhoto::check(
        !submitted,
        original.as_ref(),
        preview,
        finding_id,
        &point_findings,
        &taken_at,
    );
    let photo = match checked {
        Ok(photo) => photo,
        Err(refusal) => {
            let name = original
                .as_ref()
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            ctx.request
                .audit(
                    &state.db,
                    "inspection.photo.refused",
                    "inspection_point",
                    Some(point.id.to_string()),
                    json!({"round": id, "why": refusal.as_str(), "name": name}),
                )
                .await?;
            let message = ctx
                .lang()
                .t_args(refusal.message_key(), &[("name", name.into())]);
            discard(files).await;
            return refused(&state, ctx, json, (id, point_id), vec![message]).await;
        }
    };
    // A preview of a photo browsers show themselves is not kept.
    if !photo.keeps_preview() {
        for file in files.iter().filter(|f| f.field == "preview") {
            state.storage.remove(&file.stored.key).await;
        }
    }
    let recorded = match photo.record(&state.db, point.id, user.id).await {
        Ok(recorded) => recorded,
        Err(err) => {
            discard(files).await;
            return Err(err.into());
        }
    };
    let Some(photo_id) = recorded else {
        discard(files).await;
        let message = ctx.t(PhotoRefusal::Closed.message_key());
        return refused(&state, ctx, json, (id, point_id), vec![message]).await;
    };
    let (stored, name) = original.expect("checked above");
    ctx.request
        .audit(
            &state.db,
            "inspection.photo.add",
            "inspection_point",
            Some(point.id.to_string()),
            json!({"round": id, "photo": photo_id, "name": name, "size": stored.size,
                   "sha256": stored.sha256, "finding": finding_id}),
        )
        .await?;
    let base = point_path(id, point_id);
    if json {
        let viewable = stored.file_type.previewable() || preview.is_some();
        return Ok(Json(json!({
            "id": photo_id,
            "name": name,
            "url": format!("{base}/photos/{photo_id}"),
            "preview_url": viewable.then(|| format!("{base}/photos/{photo_id}/preview")),
            "message": ctx.t("photo-added"),
        }))
        .into_response());
    }
    set_flash(&session, FlashKind::Success, ctx.t("photo-added")).await?;
    Ok(Redirect::to(&format!("{base}#photos")).into_response())
}

async fn send(
    state: &AppState,
    ctx: &RequestContext,
    (id, point_id, photo_id): (i64, i64, i64),
    preview: bool,
) -> AppResult<Response> {
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    visible_point(state, &user, id, point_id).await?;
    let file = photos::file(&state.db, point_id, photo_id, preview)
        .await?
        .ok_or(AppError::NotFound)?;
    let response = crate::web::download::stored_file(
        state,
        &file.storage_key,
        &file.original_name,
        file.size_bytes,
        &file.content_type,
    )
    .await?;
    ctx.audit(
        &state.db,
        "file.download",
        "inspection_photo",
        Some(photo_id.to_string()),
        json!({"point": point_id, "file": file.original_name, "preview": preview}),
    )
    .await?;
    Ok(response)
}

pub async fn download(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path((id, point_id, photo_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    send(&state, &ctx, (id, point_id, photo_id), false).await
}

pub async fn preview(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path((id, point_id, photo_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    send(&state, &ctx, (id, point_id, photo_id), true).await
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, point_id, photo_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    let (scope, point, _) = visible_point(&state, &user, id, point_id).await?;
    may_record(&state, &ctx.request, &user, &scope, &point).await?;
    if photos::remove(&state.db, point.id, photo_id).await? {
        ctx.request
            .audit(
                &state.db,
                "inspection.photo.remove",
                "inspection_point",
                Some(point.id.to_string()),
                json!({"round": id, "photo": photo_id}),
            )
            .await?;
        set_flash(&session, FlashKind::Success, ctx.t("photo-removed")).await?;
    } else {
        set_flash(&session, FlashKind::Error, ctx.t("photo-remove-refused")).await?;
    }
    Ok(Redirect::to(&format!("{}#photos", point_path(id, point_id))).into_response())
}
