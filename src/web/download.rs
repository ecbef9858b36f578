//! Files the server builds and sends (exports, ledgers): the headers that make a browser
//! save them under their Chinese names and never keep a stale copy.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

/// The content type of a Word (.docx) file.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

pub fn download(
    bytes: impl Into<axum::body::Bytes>,
    content_type: &'static str,
    name: &str,
) -> Response {
    let mut response = bytes.into().into_response();
    set_download_headers(&mut response, content_type, name);
    response
}

pub fn set_download_headers(response: &mut Response, content_type: &'static str, name: &str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = crate::storage::content_disposition("attachment", name);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // Exports change with every upload; never serve a stale copy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A stored file sent by the page that owns it (a problem's evidence, an inspection
/// photo): shown inline when browsers show its type safely, else saved. A file missing
/// from storage while its row exists is a server error, logged with its key.
pub async fn stored_file(
    state: &crate::web::AppState,
    key: &str,
    name: &str,
    size: i64,
    content_type: &str,
) -> crate::web::error::AppResult<Response> {
    let inline = crate::storage::FileType::from_mime(content_type).is_some_and(|t| t.previewable());
    state
        .storage
        .response(key, name, size as u64, content_type, inline)
        .await
        .map_err(|err| {
            crate::web::error::AppError::Other(anyhow::anyhow!("stored file {key} missing: {err}"))
        })
}

/// The evidence version a request reads, or the answer that refuses it (404 for none,
/// 403 — audited by the gate — for one the user may not read).
pub async fn readable_version(
    state: &crate::web::AppState,
    user: &crate::accounts::User,
    version_id: i64,
) -> crate::web::error::AppResult<(crate::evidence::Version, i64)> {
    use crate::evidence::{Reader, VersionRead, readable_version};
    use crate::web::error::AppError;
    match readable_version(&state.db, Reader::of(user), version_id).await? {
        VersionRead::Readable { version, task_id } => Ok((version, task_id)),
        VersionRead::Missing => Err(AppError::NotFound),
        VersionRead::Refused => Err(AppError::Forbidden),
    }
}
