//! `/api/v1/evidence/{id}`: one evidence record, the tasks it serves and its validity,
//! with the visibility of the pages (a clerk: its organisation's files and those linked
//! to its tasks).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::evidence::{self, Reader};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::error::{AppError, AppResult};

pub async fn evidence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    let item = evidence::find(&state.db, id)
        .await?
        .filter(|e| e.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    if !evidence::readable(&state.db, Reader::of(&user), id).await? {
        return Err(AppError::Forbidden);
    }
    let uses = evidence::uses::of_evidence(&state.db, id).await?;
    Ok(Json(json!({
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "organisation_id": item.organisation_id,
        "kind": item.kind,
        "year": item.year,
        "validity": { "from": item.valid_from, "until": item.valid_until },
        "uploaded_at": item.created_at,
        "current_version": {
            "id": item.version_id,
            "version": item.version,
            "file": item.original_name,
            "content_type": item.content_type,
            "size_bytes": item.size_bytes,
            "sha256": item.sha256,
            "download": format!("/files/{}", item.version_id),
        },
        "uses": uses.iter().map(|u| json!({
            "task_id": u.task_id,
            "indicator": u.indicator_number,
            "organisation_id": u.organisation_id,
            "organisation": u.organisation_name,
            "task_status": u.task_status,
            "uploaded_for": u.home,
            "linked_at": u.linked_at,
        })).collect::<Vec<_>>(),
    })))
}
