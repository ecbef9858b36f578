//! Linking existing evidence to a task (one file, several uses) and unlinking it.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::accounts::{Role, User};
use crate::evidence::uses::{LinkRefusal, Linker, UnlinkRefusal};
use crate::evidence::{self, Reader};
use crate::tasks;
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::task_page::task_page;

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    evidence: String,
}

/// The task, if `user` may change what it holds.
async fn task_for_change(state: &AppState, user: &User, task_id: i64) -> AppResult<tasks::Task> {
    let task = tasks::find(&state.db, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !Policy::can_contribute(user, task.organisation_id) {
        return Err(AppError::Forbidden);
    }
    Ok(task)
}

fn link_message(refusal: LinkRefusal) -> &'static str {
    match refusal {
        LinkRefusal::EvidenceGone => "evidence-link-refused-gone",
        LinkRefusal::TaskClosed => "evidence-link-refused-closed",
        LinkRefusal::AlreadyLinked => "evidence-link-refused-already",
        LinkRefusal::NotShareable => "evidence-link-refused-share",
    }
}

/// Which way a use changed: its task event, audit action and flash message.
#[derive(Debug, Clone, Copy)]
enum Change {
    Linked,
    Unlinked,
}

impl Change {
    fn event(self) -> &'static str {
        match self {
            Change::Linked => "linked",
            Change::Unlinked => "unlinked",
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Change::Linked => "evidence.link",
            Change::Unlinked => "evidence.unlink",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Change::Linked => "evidence-linked",
            Change::Unlinked => "evidence-unlinked",
        }
    }
}

/// Records a made change in the task's history and the audit trail, commits, and goes
/// back to the task with a message.
async fn finish(
    state: &AppState,
    ctx: &PageCtx,
    session: &Session,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    (task_id, user_id): (i64, i64),
    item: &evidence::EvidenceRow,
    change: Change,
) -> AppResult<Response> {
    tasks::record_event(
        &mut tx,
        task_id,
        user_id,
        change.event(),
        "",
        serde_json::json!({"evidence": item.title, "evidence_id": item.id, "file": item.original_name}),
    )
    .await?;
    tx.commit().await?;
    ctx.request
        .audit(
            &state.db,
            change.audit_action(),
            "evidence",
            Some(item.id.to_string()),
            serde_json::json!({"task": task_id, "title": item.title}),
        )
        .await?;
    set_flash(
        session,
        FlashKind::Success,
        ctx.t1(change.message(), "title", item.title.as_str()),
    )
    .await?;
    Ok(Redirect::to(&format!("/tasks/{task_id}")).into_response())
}

/// The task page again, with why the change was refused.
async fn refused(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    task: tasks::Task,
    key: &'static str,
) -> AppResult<Response> {
    let message = ctx.t(key);
    task_page(state, ctx, user, task, vec![message], StatusCode::CONFLICT).await
}

fn unlink_message(refusal: UnlinkRefusal) -> &'static str {
    match refusal {
        UnlinkRefusal::NotLinked => "evidence-unlink-refused-missing",
        UnlinkRefusal::HomeUse => "evidence-unlink-refused-home",
        UnlinkRefusal::TaskClosed => "evidence-link-refused-closed",
    }
}

pub async fn link(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(task_id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let task = task_for_change(&state, &user, task_id).await?;
    let evidence_id: i64 = form
        .evidence
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    // Another organisation's file the user cannot read is not theirs to link: refused as
    // a download of it would be.
    if !evidence::readable(&state.db, Reader::of(&user), evidence_id).await? {
        return Err(AppError::Forbidden);
    }
    let Some(item) = evidence::find(&state.db, evidence_id).await? else {
        return Err(AppError::NotFound);
    };
    let linker = Linker {
        user_id: user.id,
        may_share: matches!(user.role, Role::Admin | Role::Office),
    };
    let mut tx = state.db.begin().await?;
    let locked = tasks::lock(&mut tx, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(refusal) = evidence::uses::link(&mut tx, linker, evidence_id, &locked).await? {
        drop(tx);
        return refused(&state, ctx, &user, task, link_message(refusal)).await;
    }
    if locked.status == tasks::Status::NotStarted {
        tasks::set_status(&mut tx, task_id, tasks::Status::InProgress).await?;
    }
    let who = (task_id, user.id);
    finish(&state, &ctx, &session, tx, who, &item, Change::Linked).await
}

pub async fn unlink(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((task_id, evidence_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let task = task_for_change(&state, &user, task_id).await?;
    let Some(item) = evidence::find(&state.db, evidence_id).await? else {
        return Err(AppError::NotFound);
    };
    let mut tx = state.db.begin().await?;
    let locked = tasks::lock(&mut tx, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(refusal) = evidence::uses::unlink(&mut tx, evidence_id, &locked).await? {
        drop(tx);
        return refused(&state, ctx, &user, task, unlink_message(refusal)).await;
    }
    let who = (task_id, user.id);
    finish(&state, &ctx, &session, tx, who, &item, Change::Unlinked).await
}
