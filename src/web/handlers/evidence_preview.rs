//! The preview page of a stored evidence version (`/files/{version_id}/preview`): the
//! same access check and the same audit as the download, then the file's preview
//! (a table, a document's text, text, an archive's listing, or the browser's own
//! viewer for PDFs and images), `?sheet=N` for a workbook's other sheets, `?q=` to mark
//! a word, `?fragment=1` for the body alone (an item page's preview panel).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::evidence::{self, preview};
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{PreviewFile, PreviewFragment, PreviewPage, render};
use crate::web::preview_view::{self, TURNS};
use crate::web::{AppState, download};

#[derive(Debug, Default, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    sheet: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    fragment: String,
}

/// The highest sheet index asked for (a workbook has at most a few hundred).
const MAX_SHEET: usize = 10_000;

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(version_id): Path<i64>,
    Query(query): Query<PreviewQuery>,
) -> AppResult<Response> {
    // The download's own question (a clerk reads its organisation's files and those
    // shared with its tasks).
    let (version, task_id) = download::readable_version(&state, &user, version_id).await?;
    let path = state.storage.path(&version.storage_key);
    if tokio::fs::metadata(&path).await.is_err() {
        return Err(AppError::Other(anyhow::anyhow!(
            "stored file {} missing",
            version.storage_key
        )));
    }
    let title = evidence::find(&state.db, version.evidence_id)
        .await?
        .map(|e| e.title)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| version.original_name.clone());
    let sheet = query
        .sheet
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_SHEET);
    let outcome = {
        let _turn = TURNS
            .acquire()
            .await
            .map_err(|err| AppError::Other(anyhow::anyhow!("preview turns closed: {err}")))?;
        let (name, content_type) = (version.original_name.clone(), version.content_type.clone());
        tokio::task::spawn_blocking(move || {
            preview::preview_file(&path, &name, &content_type, sheet)
        })
        .await
        .map_err(|err| AppError::Other(anyhow::anyhow!("preview task failed: {err}")))?
    };
    // Reading a file's content on the page is part of the trail, like a download.
    ctx.request
        .audit(
            &state.db,
            "file.preview",
            "evidence_version",
            Some(version_id.to_string()),
            serde_json::json!({
                "evidence": version.evidence_id,
                "version": version.version,
                "task": task_id,
                "file": version.original_name,
                "page": true,
                "sheet": sheet,
                "outcome": outcome.as_ref().map_or_else(|r| r.as_str(), |_| "shown"),
            }),
        )
        .await?;
    let body = preview_view::build(ctx.lang(), version_id, outcome, &query.q);
    let file = PreviewFile {
        version_id,
        title,
        file_name: version.original_name.clone(),
        size: evidence::human_size(version.size_bytes),
        version: version.version,
        task_id,
    };
    let mut response = if query.fragment.is_empty() {
        render(&PreviewPage { ctx, file, body })?.into_response()
    } else {
        render(&PreviewFragment { ctx, file, body })?.into_response()
    };
    // What a file holds is not for shared caches, and changes with nothing but its id.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
