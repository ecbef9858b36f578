//! One task's page (its evidence, versions and history, and the upload form), shared by
//! the task pages and the evidence uploads that answer with it when a form is refused.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::accounts::User;
use crate::tasks;
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{TaskPage, render};
use crate::web::upload_form::UploadValues;
use crate::{evidence, orgs};

/// The user's words for a refused step of the review loop (submit, review, 单位审核).
pub fn loop_message(ctx: &PageCtx, error: tasks::LoopError) -> String {
    ctx.t(match error {
        tasks::LoopError::NotFound => "error-not-found",
        tasks::LoopError::WrongState => "task-error-state",
        tasks::LoopError::NoEvidence => "task-error-no-evidence",
        tasks::LoopError::CommentRequired => "task-error-comment",
    })
}

/// Loads a task the user may see (a clerk: only its own organisation's): 404 when there
/// is none, 403 (recorded by the gate) when it is another organisation's.
pub async fn visible_task(state: &AppState, user: &User, id: i64) -> AppResult<tasks::Task> {
    let task = tasks::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.role == crate::accounts::Role::Department
        && user.organisation_id != Some(task.organisation_id)
    {
        return Err(AppError::Forbidden);
    }
    Ok(task)
}

/// Renders a task's page, optionally with problems to show (a refused upload or step).
pub async fn task_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    task: tasks::Task,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    task_page_with(
        state,
        ctx,
        user,
        task,
        errors,
        status,
        UploadValues::default(),
    )
    .await
}

/// The task page with the upload form filled in as the user left it.
pub async fn task_page_with(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    task: tasks::Task,
    errors: Vec<String>,
    status: StatusCode,
    upload: UploadValues,
) -> AppResult<Response> {
    task_page_full(
        state,
        ctx,
        user,
        task,
        Extras {
            errors,
            status,
            upload,
            ..Extras::default()
        },
    )
    .await
}

/// What a task page shows beyond the task itself.
#[derive(Debug, Default)]
pub struct Extras {
    pub errors: Vec<String>,
    pub status: StatusCode,
    pub upload: UploadValues,
    /// Files just uploaded that are already stored: offered as links instead.
    pub duplicates: Vec<evidence::uses::SameFile>,
    /// Words the user searched existing evidence by, to link one to this task.
    pub link_words: Option<String>,
}

/// How many existing files the link picker lists at once.
const LINK_CANDIDATES: i64 = 30;

pub async fn task_page_full(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    task: tasks::Task,
    extras: Extras,
) -> AppResult<Response> {
    let Extras {
        errors,
        status,
        upload,
        duplicates,
        link_words,
    } = extras;
    let campaign = campaign(state).await?;
    let evidence = evidence::for_task(&state.db, task.id).await?;
    let versions = evidence::versions_for_task(&state.db, task.id).await?;
    let events = tasks::events(&state.db, task.id).await?;
    let orders = crate::supervision::open_for_task(&state.db, task.id).await?;
    let can_unit_review = Policy::can_unit_review(user, task.organisation_id);
    let can_contribute =
        Policy::can_contribute(user, task.organisation_id) && task.removed_at.is_none();
    let can_review = Policy::can_review(user);
    let organisations = if can_review {
        orgs::task_owners(&state.db).await?
    } else {
        Vec::new()
    };
    let can_edit = can_contribute && task.status.editable();
    // The colleagues who may be named 经办人, for whoever may work on the task.
    let colleagues = if can_contribute {
        tasks::people::colleagues(&state.db, task.organisation_id)
            .await?
            .into_iter()
            .map(|(id, name)| (id, name, task.assignee_id == Some(id)))
            .collect()
    } else {
        Vec::new()
    };
    let can_share = can_review;
    let candidates = match (&link_words, can_edit) {
        (Some(words), true) => {
            evidence::uses::candidates(&state.db, &task, can_share, words, LINK_CANDIDATES).await?
        }
        _ => Vec::new(),
    };
    let page = TaskPage {
        ctx,
        duplicates,
        candidates,
        link_words,
        today: campaign.today(),
        campaign,
        can_edit,
        can_submit: can_contribute
            && task.status.editable()
            && evidence.iter().any(|e| e.deleted_at.is_none()),
        can_review,
        task,
        evidence,
        versions,
        events,
        orders,
        colleagues,
        can_unit_review,
        organisations,
        errors,
        upload,
        max_upload: crate::evidence::human_size(state.config.max_upload_bytes as i64),
    };
    Ok((status, render(&page)?).into_response())
}
