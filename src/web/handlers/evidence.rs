//! Uploading, replacing, deleting and downloading evidence files.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{Role, User};
use crate::evidence::validity::{Validity, ValidityRefusal};
use crate::evidence::{self, KINDS, Meta, Reader};
use crate::storage;
use crate::tasks::{self, Status};
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, RequestContext, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::script_request::uploaded;
use crate::web::task_page::{Extras, task_page, task_page_full, task_page_with};
use crate::web::upload_form::{MAX_FILES, UploadValues, receive};
use crate::web::{AppState, download};

fn validate_meta(ctx: &PageCtx, values: &UploadValues) -> Result<Meta, Vec<String>> {
    let mut problems = Vec::new();
    let year = match values.year.trim() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                problems.push(ctx.t("upload-error-year"));
                None
            }
        },
    };
    let kind = if values.kind.is_empty() {
        "document".to_string()
    } else {
        values.kind.clone()
    };
    let each_file_known = values
        .file_kinds
        .iter()
        .all(|k| k.is_empty() || KINDS.contains(&k.as_str()));
    if !KINDS.contains(&kind.as_str()) || !each_file_known {
        problems.push(ctx.t("upload-error-kind"));
    }
    if values.title.chars().count() > 200 || values.description.chars().count() > 2000 {
        problems.push(ctx.t("upload-error-text-long"));
    }
    let field = |name: &str| values.other.get(name).map(String::as_str).unwrap_or("");
    let validity = match Validity::parse(field("valid_from"), field("valid_until")) {
        Ok(validity) => validity,
        Err(refusal) => {
            problems.push(ctx.t(match refusal {
                ValidityRefusal::NotADate => "upload-error-validity-date",
                ValidityRefusal::EndsBeforeStart => "upload-error-validity-order",
            }));
            Validity::default()
        }
    };
    if problems.is_empty() {
        Ok(Meta {
            title: values.title.trim().to_string(),
            description: values.description.trim().to_string(),
            year,
            kind,
            validity,
        })
    } else {
        Err(problems)
    }
}

/// The task, if `user` may add evidence to it now.
async fn task_for_contribution(
    state: &AppState,
    user: &User,
    task_id: i64,
) -> AppResult<tasks::Task> {
    let task = tasks::find(&state.db, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !Policy::can_contribute(user, task.organisation_id) || task.removed_at.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(task)
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(task_id): Path<i64>,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let task = task_for_contribution(&state, &user, task_id).await?;
    if !task.status.editable() {
        let message = ctx.t("task-error-state");
        return task_page(
            &state,
            ctx,
            &user,
            task,
            vec![message],
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut values = UploadValues::default();
    let files = match receive(&state, &ctx, &mut multipart, &mut values, MAX_FILES, true).await? {
        Ok(files) => files,
        Err(problems) => return refused(&state, ctx, &user, task, problems, values).await,
    };
    let meta = match validate_meta(&ctx, &values) {
        Ok(meta) => meta,
        Err(problems) => {
            state.storage.discard(&files).await;
            return refused(&state, ctx, &user, task, problems, values).await;
        }
    };
    // The same bytes already stored as evidence the uploader can read: offer a link to it
    // rather than a second copy, unless the uploader said to store it anyway.
    if values.other.get("allow_duplicate").map(String::as_str) != Some("yes") {
        let mut duplicates = Vec::new();
        for (file, _) in &files {
            if let Some(same) = evidence::uses::same_file(
                &state.db,
                task.campaign_id,
                &file.sha256,
                Reader::of(&user),
            )
            .await?
                && !duplicates
                    .iter()
                    .any(|d: &evidence::uses::SameFile| d.id == same.id)
            {
                duplicates.push(same);
            }
        }
        if !duplicates.is_empty() {
            state.storage.discard(&files).await;
            let message = ctx.t("upload-same-file");
            return task_page_full(
                &state,
                ctx,
                &user,
                task,
                Extras {
                    errors: vec![message],
                    status: StatusCode::CONFLICT,
                    upload: values,
                    duplicates,
                    link_words: None,
                },
            )
            .await;
        }
    }
    let recorded: anyhow::Result<Vec<String>> = async {
        let mut tx = state.db.begin().await?;
        let locked = tasks::lock(&mut tx, task_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("task vanished"))?;
        if !locked.status.editable() {
            anyhow::bail!("task left the editable state during the upload");
        }
        let mut names = Vec::new();
        for (index, (file, name)) in files.iter().enumerate() {
            let mut file_meta = meta.clone();
            if let Some(kind) = values.file_kinds.get(index).filter(|k| !k.is_empty()) {
                file_meta.kind = kind.clone();
            }
            file_meta.title = match (meta.title.is_empty(), files.len()) {
                (true, _) => name
                    .rsplit_once('.')
                    .map(|(stem, _)| stem)
                    .unwrap_or(name)
                    .to_string(),
                (false, 1) => meta.title.clone(),
                (false, _) => format!("{} - {}", meta.title, name),
            };
            evidence::create(&mut tx, &task, &file_meta, file, name, user.id).await?;
            names.push(name.clone());
        }
        if locked.status == Status::NotStarted {
            tasks::set_status(&mut tx, task_id, Status::InProgress).await?;
        }
        tasks::record_event(
            &mut tx,
            task_id,
            user.id,
            "uploaded",
            "",
            serde_json::json!({"files": names}),
        )
        .await?;
        tx.commit().await?;
        Ok(names)
    }
    .await;
    let names = match recorded {
        Ok(names) => names,
        Err(err) => {
            state.storage.discard(&files).await;
            return Err(AppError::Other(err));
        }
    };
    ctx.request.audit(&state.db, "evidence.upload", "task", Some(task_id.to_string()), serde_json::json!({
                "files": files.iter().map(|(f, n)| serde_json::json!({"name": n, "size": f.size, "sha256": f.sha256})).collect::<Vec<_>>(),
            })).await?;
    let confirmation = ctx.lang().t_args(
        "upload-done-named",
        &[
            ("count", names.len().into()),
            ("names", names.join("、").into()),
        ],
    );
    uploaded(
        &session,
        &headers,
        confirmation,
        &format!("/tasks/{task_id}#evidence"),
    )
    .await
}

async fn refused(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    task: tasks::Task,
    problems: Vec<String>,
    values: UploadValues,
) -> AppResult<Response> {
    task_page_with(
        state,
        ctx,
        user,
        task,
        problems,
        StatusCode::UNPROCESSABLE_ENTITY,
        values,
    )
    .await
}

/// A new version of one piece of evidence; the earlier versions stay.
pub async fn replace(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(evidence_id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let item = evidence::find(&state.db, evidence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let task = task_for_contribution(&state, &user, item.task_id).await?;
    if !task.status.editable() || item.deleted_at.is_some() {
        let message = ctx.t("task-error-state");
        return task_page(
            &state,
            ctx,
            &user,
            task,
            vec![message],
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut values = UploadValues::default();
    let mut files = match receive(&state, &ctx, &mut multipart, &mut values, 1, true).await? {
        Ok(files) => files,
        Err(problems) => {
            return task_page(
                &state,
                ctx,
                &user,
                task,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (file, name) = files.remove(0);
    let recorded: anyhow::Result<i32> = async {
        let mut tx = state.db.begin().await?;
        tasks::lock(&mut tx, task.id).await?;
        let version = evidence::add_version(&mut tx, evidence_id, &file, &name, user.id).await?;
        tasks::record_event(
            &mut tx,
            task.id,
            user.id,
            "replaced",
            "",
            serde_json::json!({"evidence": item.title, "version": version, "file": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }
    .await;
    let version = match recorded {
        Ok(v) => v,
        Err(err) => {
            state.storage.remove(&file.key).await;
            return Err(AppError::Other(err));
        }
    };
    ctx.request
        .audit(
            &state.db,
            "evidence.replace",
            "evidence",
            Some(evidence_id.to_string()),
            serde_json::json!({"version": version, "file": name, "sha256": file.sha256}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("upload-replaced", "version", version as i64),
    )
    .await?;
    Ok(Redirect::to(&format!("/tasks/{}", task.id)).into_response())
}

/// The uploader withdraws a file before review; it stays visible in the history.
pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(evidence_id): Path<i64>,
) -> AppResult<Response> {
    let item = evidence::find(&state.db, evidence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let task = task_for_contribution(&state, &user, item.task_id).await?;
    if item.created_by != Some(user.id) && user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    if !task.status.editable() || item.deleted_at.is_some() {
        let message = ctx.t("task-error-state");
        return task_page(
            &state,
            ctx,
            &user,
            task,
            vec![message],
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    tasks::lock(&mut tx, task.id).await?;
    evidence::soft_delete(&mut tx, evidence_id, user.id).await?;
    tasks::record_event(
        &mut tx,
        task.id,
        user.id,
        "deleted",
        "",
        serde_json::json!({"evidence": item.title, "file": item.original_name}),
    )
    .await?;
    tx.commit().await?;
    ctx.request
        .audit(
            &state.db,
            "evidence.delete",
            "evidence",
            Some(evidence_id.to_string()),
            serde_json::json!({"title": item.title, "file": item.original_name}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("evidence-deleted")).await?;
    Ok(Redirect::to(&format!("/tasks/{}", task.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    inline: String,
}

/// Streams a stored version; `?inline=1` shows PDFs and images in the browser.
pub async fn download(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(version_id): Path<i64>,
    Query(query): Query<DownloadQuery>,
) -> AppResult<Response> {
    let (version, task_id) = download::readable_version(&state, &user, version_id).await?;
    // HEIC too: the preview page shows it as an image where the browser decodes it.
    let previewable = storage::FileType::from_mime(&version.content_type)
        .is_some_and(|t| t.previewable() || t == storage::FileType::Heic);
    let inline = !query.inline.is_empty() && previewable;
    let mut response = state
        .storage
        .response(
            &version.storage_key,
            &version.original_name,
            version.size_bytes as u64,
            &version.content_type,
            inline,
        )
        .await
        .map_err(|err| {
            AppError::Other(anyhow::anyhow!(
                "stored file {} missing: {err}",
                version.storage_key
            ))
        })?;
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", version.sha256)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    // Who read which file is part of the trail, previews included; recorded once the
    // file is known to be there, before any byte of it leaves.
    ctx.audit(
        &state.db,
        if inline {
            "file.preview"
        } else {
            "file.download"
        },
        "evidence_version",
        Some(version_id.to_string()),
        serde_json::json!({
            "evidence": version.evidence_id,
            "version": version.version,
            "task": task_id,
            "file": version.original_name,
            "inline": inline,
        }),
    )
    .await?;
    Ok(response)
}
