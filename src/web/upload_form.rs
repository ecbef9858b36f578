//! Reading an upload form: its text fields, each stopped at its limit, and its files,
//! streamed to storage. Evidence, monthly reports and 公示 objections share it.

use axum::extract::Multipart;

use crate::storage::{self, StorageError, Stored};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::error::{AppError, AppResult};
/// At most this many files in one upload.
pub const MAX_FILES: usize = 20;

/// What was typed into the upload form, kept when the upload is refused.
#[derive(Debug, Clone, Default)]
pub struct UploadValues {
    pub title: String,
    pub description: String,
    pub year: String,
    pub kind: String,
    /// 类别 chosen for each file, in the order the files come (`file_kind`, one per file
    /// the page listed); an empty one, or a file beyond the list, takes `kind`.
    pub file_kinds: Vec<String>,
    /// Other text fields of the form, by name (e.g. a report's period and text).
    pub other: std::collections::HashMap<String, String>,
}

/// Longest text field of an upload form, in bytes.
const MAX_FIELD_BYTES: usize = 10_000;
/// A monthly report's text (20,000 characters, up to 4 bytes each).
const MAX_REPORT_TEXT_BYTES: usize = 80_000;
/// Field names the forms do not use are refused beyond this length and this count, so
/// a crafted form cannot fill memory with names or fields nobody reads.
const MAX_OTHER_NAME_BYTES: usize = 32;
const MAX_OTHER_FIELDS: usize = 8;

/// Reads a small text field of a multipart form, stopping at `limit` bytes: what lies
/// beyond is never held in memory.
async fn text_field(
    mut field: axum::extract::multipart::Field<'_>,
    limit: usize,
) -> AppResult<String> {
    let mut text = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|_| AppError::BadRequest("error-bad-upload"))?
    {
        if text.len() + chunk.len() > limit {
            return Err(AppError::FieldTooLarge);
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).map_err(|_| AppError::BadRequest("error-bad-upload"))
}

/// A write failed for lack of space: logged at error level, and the administrators and
/// the office are told once per incident (until a file is stored again).
async fn storage_full(state: &AppState, error: &StorageError) {
    tracing::error!(error = %error, "storage full: uploads cannot be saved");
    if state.storage.note_full() {
        let incident = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
        if let Err(err) = crate::notifications::notify_roles(
            &state.db,
            &["admin", "office"],
            "storage_full",
            serde_json::json!({}),
            "/",
            &format!("storage_full:{incident}"),
        )
        .await
        {
            tracing::error!(error = %err, "cannot notify the office that storage is full");
        }
    }
}

fn storage_message(ctx: &PageCtx, name: &str, error: &StorageError, limit: u64) -> String {
    let lang = ctx.lang();
    match error {
        StorageError::TooLarge { .. } => lang.t_args(
            "upload-error-too-large",
            &[
                ("name", name.into()),
                ("limit", crate::evidence::human_size(limit as i64).into()),
            ],
        ),
        StorageError::Disallowed => lang.t_args("upload-error-type", &[("name", name.into())]),
        StorageError::Empty => lang.t_args("upload-error-empty", &[("name", name.into())]),
        StorageError::NotText => lang.t_args("upload-error-not-text", &[("name", name.into())]),
        StorageError::Interrupted(_)
        | StorageError::Io(_)
        | StorageError::Full(_)
        | StorageError::Unrecorded(_) => {
            lang.t_args("upload-error-interrupted", &[("name", name.into())])
        }
    }
}

/// Streams every file of the form to storage. On any problem, whatever was stored is
/// removed again and the problems are returned; nothing is recorded.
pub async fn receive(
    state: &AppState,
    ctx: &PageCtx,
    multipart: &mut Multipart,
    values: &mut UploadValues,
    max_files: usize,
    require_file: bool,
) -> AppResult<Result<Vec<(Stored, String)>, Vec<String>>> {
    receive_within(
        state,
        ctx,
        multipart,
        values,
        max_files,
        require_file,
        state.config.max_upload_bytes,
    )
    .await
}

/// [`receive`] with each file limited to `limit` bytes.
pub async fn receive_within(
    state: &AppState,
    ctx: &PageCtx,
    multipart: &mut Multipart,
    values: &mut UploadValues,
    max_files: usize,
    require_file: bool,
    limit: u64,
) -> AppResult<Result<Vec<(Stored, String)>, Vec<String>>> {
    Ok(receive_fields(
        state,
        ctx,
        multipart,
        values,
        (max_files, require_file, limit),
        &["file", "files"],
    )
    .await?
    .map(|files| files.into_iter().map(|f| (f.stored, f.name)).collect()))
}

/// A stored file with the form field it came in.
#[derive(Debug, Clone)]
pub struct FieldFile {
    pub field: String,
    pub stored: Stored,
    pub name: String,
}

/// [`receive_within`] for forms whose files come in several named fields (`file_fields`),
/// e.g. a photo and the preview the browser made of it. `bounds` are (most files, whether
/// one is required, limit of each).
pub async fn receive_fields(
    state: &AppState,
    ctx: &PageCtx,
    multipart: &mut Multipart,
    values: &mut UploadValues,
    bounds: (usize, bool, u64),
    file_fields: &[&str],
) -> AppResult<Result<Vec<FieldFile>, Vec<String>>> {
    let (max_files, require_file, limit) = bounds;
    let mut stored: Vec<FieldFile> = Vec::new();
    let mut problems = Vec::new();
    let outcome: AppResult<()> = async {
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| AppError::BadRequest("error-bad-upload"))?
        {
            match field.name().unwrap_or("") {
                "title" => values.title = text_field(field, MAX_FIELD_BYTES).await?,
                "description" => values.description = text_field(field, MAX_FIELD_BYTES).await?,
                "year" => values.year = text_field(field, MAX_FIELD_BYTES).await?,
                "kind" => values.kind = text_field(field, MAX_FIELD_BYTES).await?,
                "file_kind" => {
                    if values.file_kinds.len() >= MAX_FILES {
                        return Err(AppError::BadRequest("error-bad-upload"));
                    }
                    values
                        .file_kinds
                        .push(text_field(field, MAX_FIELD_BYTES).await?);
                }
                field_name if file_fields.contains(&field_name) => {
                    let field_name = field_name.to_string();
                    let name = field.file_name().unwrap_or("").to_string();
                    if name.is_empty() {
                        continue; // an empty file input
                    }
                    if stored.len() + problems.len() >= max_files {
                        problems.push(ctx.t1("upload-error-too-many", "max", max_files));
                        break;
                    }
                    if let Err(key) = storage::check_file_name(&name) {
                        problems.push(ctx.lang().t_args(key, &[("name", name.as_str().into())]));
                        continue;
                    }
                    match state.storage.store(&name, field, limit).await {
                        Ok(file) => stored.push(FieldFile {
                            field: field_name,
                            stored: file,
                            name: name.trim().to_string(),
                        }),
                        Err(err @ StorageError::Full(_)) => {
                            storage_full(state, &err).await;
                            return Err(AppError::StorageFull);
                        }
                        Err(StorageError::Unrecorded(err)) => return Err(err.into()),
                        Err(err) => {
                            tracing::info!(file = %name, error = %err, "upload refused");
                            problems.push(storage_message(ctx, &name, &err, limit));
                            if matches!(err, StorageError::Interrupted(_)) {
                                break;
                            }
                        }
                    }
                }
                "" => {}
                name => {
                    if name.len() > MAX_OTHER_NAME_BYTES || values.other.len() >= MAX_OTHER_FIELDS {
                        return Err(AppError::BadRequest("error-bad-upload"));
                    }
                    let name = name.to_string();
                    let limit = if name == "body" {
                        MAX_REPORT_TEXT_BYTES
                    } else {
                        MAX_FIELD_BYTES
                    };
                    let text = text_field(field, limit).await?;
                    values.other.insert(name, text);
                }
            }
        }
        Ok(())
    }
    .await;
    if outcome.is_err() || !problems.is_empty() {
        for file in &stored {
            state.storage.remove(&file.stored.key).await;
        }
    }
    outcome?;
    if problems.is_empty() && stored.is_empty() && require_file {
        problems.push(ctx.t("upload-error-no-file"));
    }
    Ok(if problems.is_empty() {
        Ok(stored)
    } else {
        Err(problems)
    })
}
