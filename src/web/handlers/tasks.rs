//! Tasks: lists ("my tasks" for a clerk), one task's page with its evidence and history,
//! and the review loop (submit → approve or return → fix → resubmit).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::parse_opt_i64;
use crate::accounts::Role;
use crate::tasks;
use crate::tasks::due::{BulkDue, BulkDueInput, BulkDueRefusal};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{ReviewPage, TasksPage, render};
use crate::web::paging::Paging;
use crate::web::task_page::{Extras, loop_message, task_page, task_page_full, visible_task};
use crate::web::task_query::{PAGE_SIZE, TasksQuery};
use crate::{notifications, orgs};

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Query(query): Query<TasksQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let today = campaign.today();
    // A clerk sees its own organisation's tasks only, whatever the query says.
    let own_org = (user.role == Role::Department)
        .then_some(user.organisation_id)
        .flatten();
    let filter = query.filter(&user, today);
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let page = paging.page;
    let rows = tasks::list(
        &state.db,
        campaign.id,
        today,
        &filter,
        paging.size,
        paging.offset,
    )
    .await?;
    let total = tasks::count(&state.db, campaign.id, &filter).await?;
    let counts = tasks::status_counts(&state.db, campaign.id, filter.organisation_id).await?;
    let organisations = if own_org.is_some() {
        Vec::new()
    } else {
        orgs::task_owners(&state.db).await?
    };
    Ok(render(&TasksPage {
        ctx,
        campaign,
        today,
        rows,
        counts,
        organisations,
        query,
        own_org: own_org.is_some(),
        page,
        total,
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    /// Words to find existing evidence by, to link one to the task.
    link: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> AppResult<Response> {
    let task = visible_task(&state, &user, id).await?;
    let link_words = query
        .link
        .map(|words| words.chars().take(100).collect::<String>());
    task_page_full(
        &state,
        ctx,
        &user,
        task,
        Extras {
            link_words,
            ..Extras::default()
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    decision: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let task = visible_task(&state, &user, id).await?;
    if !Policy::can_contribute(&user, task.organisation_id) {
        return Err(AppError::Forbidden);
    }
    match tasks::submit(&state.db, id, user.id, &form.comment).await? {
        Ok(status) => {
            audit_task(&state, &ctx, "task.submit", &task, &form.comment).await?;
            let key = if status == tasks::Status::UnitReview {
                // 单位审核: the head is asked first; the office sees it once approved.
                notifications::notify_heads(
                    &state.db,
                    task.organisation_id,
                    "unit_review_waiting",
                    serde_json::json!({"indicator": task.work_label()}),
                    &format!("/tasks/{id}"),
                )
                .await?;
                "task-submitted-to-unit"
            } else {
                "task-submitted"
            };
            set_flash(&session, FlashKind::Success, ctx.t(key)).await?;
            Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
        }
        Err(error) => {
            let message = loop_message(&ctx, error);
            task_page(
                &state,
                ctx,
                &user,
                task,
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn review(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(AppError::BadRequest("error-bad-request")),
    };
    match tasks::review(&state.db, id, user.id, approve, &form.comment).await? {
        Ok(task) => {
            let action = if approve {
                "task.approve"
            } else {
                "task.return"
            };
            audit_task(&state, &ctx, action, &task, &form.comment).await?;
            let kind = if approve { "approved" } else { "returned" };
            notifications::notify_organisation(
                &state.db,
                task.organisation_id,
                kind,
                serde_json::json!({"indicator": task.work_label(), "comment": form.comment.trim()}),
                &format!("/tasks/{id}"),
                None,
            )
            .await?;
            let key = if approve {
                "task-approved"
            } else {
                "task-returned"
            };
            set_flash(&session, FlashKind::Success, ctx.t(key)).await?;
            Ok(Redirect::to("/review").into_response())
        }
        Err(error) => {
            let task = tasks::find(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let message = loop_message(&ctx, error);
            task_page(
                &state,
                ctx,
                &user,
                task,
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    page: String,
}

/// Rows per page of the review queue (on a deadline day it holds a thousand).
pub const REVIEW_PAGE_SIZE: i64 = 100;

pub async fn review_queue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ReviewQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let paging = Paging::parse(&query.page, REVIEW_PAGE_SIZE);
    let rows = tasks::review_queue(&state.db, campaign.id, paging.size, paging.offset).await?;
    let total = tasks::review_queue_len(&state.db, campaign.id).await?;
    let counts = tasks::loop_counts(&state.db, campaign.id).await?;
    Ok(render(&ReviewPage {
        ctx,
        rows,
        counts,
        page: paging.page,
        last_page: ((total + REVIEW_PAGE_SIZE - 1) / REVIEW_PAGE_SIZE).max(1),
        total,
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ManageForm {
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    action: String,
}

/// The office sets a due date, reassigns the task to another organisation, or removes it.
pub async fn manage(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ManageForm>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let task = tasks::lock(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let (event, detail, message) = match form.action.as_str() {
        "due" => {
            let due = match form.due_on.trim() {
                "" => None,
                text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(date) => Some(date),
                    Err(_) => {
                        drop(tx);
                        let message = ctx.t("task-error-date");
                        return task_page(
                            &state,
                            ctx,
                            &user,
                            task,
                            vec![message],
                            StatusCode::UNPROCESSABLE_ENTITY,
                        )
                        .await;
                    }
                },
            };
            sqlx::query("UPDATE tasks SET due_on = $2, updated_at = now() WHERE id = $1")
                .bind(id)
                .bind(due)
                .execute(&mut *tx)
                .await?;
            (
                "due_changed",
                serde_json::json!({"before": task.due_on, "after": due}),
                "task-due-saved",
            )
        }
        "reassign" => {
            let target = parse_opt_i64(&form.organisation_id).unwrap_or(None);
            let found = match target {
                Some(org_id) => orgs::find(&mut *tx, org_id).await?,
                None => None,
            };
            // Only the office, departments and counties own tasks.
            let Some(org) = found.clone().filter(|o| o.kind.owns_tasks() && o.active) else {
                drop(tx);
                let message = ctx.t(if found.is_some() {
                    "task-error-owner"
                } else {
                    "task-error-org"
                });
                return task_page(
                    &state,
                    ctx,
                    &user,
                    task,
                    vec![message],
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            };
            sqlx::query("UPDATE tasks SET organisation_id = $2, updated_at = now() WHERE id = $1")
                .bind(id)
                .bind(org.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE evidence SET organisation_id = $2 WHERE task_id = $1")
                .bind(id)
                .bind(org.id)
                .execute(&mut *tx)
                .await?;
            (
                "reassigned",
                serde_json::json!({"before": task.organisation_name, "after": org.name}),
                "task-reassigned",
            )
        }
        "remove" => {
            sqlx::query("UPDATE tasks SET removed_at = now(), updated_at = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ("removed", serde_json::json!({}), "task-removed")
        }
        "restore" => {
            sqlx::query("UPDATE tasks SET removed_at = NULL, updated_at = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ("restored", serde_json::json!({}), "task-restored")
        }
        _ => return Err(AppError::BadRequest("error-bad-request")),
    };
    tasks::record_event(&mut tx, id, user.id, event, "", detail.clone()).await?;
    tx.commit().await?;
    if event == "reassigned" {
        let task = tasks::find(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
        notify_assigned(&state, &task).await?;
    }
    ctx.request
        .audit(
            &state.db,
            &format!("task.{event}"),
            "task",
            Some(id.to_string()),
            detail,
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t(message)).await?;
    Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct BulkDueForm {
    #[serde(flatten)]
    query: TasksQuery,
    #[serde(default)]
    due_on: String,
    /// "clear" when 清除截止日期 is chosen.
    #[serde(default)]
    mode: String,
    #[serde(default)]
    confirm_count: String,
}

/// The office sets (or, asked by name and with the count confirmed, clears) the due date
/// of every task the list's filter shows. The rule is [`tasks::due::BulkDue`]'s.
pub async fn bulk_due(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<BulkDueForm>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let back = format!(
        "/tasks?org={}&status={}&indicator={}&overdue={}",
        enc(&form.query.org),
        enc(&form.query.status),
        enc(&form.query.indicator),
        enc(&form.query.overdue)
    );
    let filter = form.query.filter(&user, campaign.today());
    let count_now = tasks::count(&state.db, campaign.id, &filter).await?;
    let input = BulkDueInput {
        due_on: &form.due_on,
        clear: form.mode == "clear",
        confirmed_count: &form.confirm_count,
    };
    let change = match BulkDue::check(input, count_now) {
        Ok(change) => change,
        Err(refusal) => {
            ctx.request
                .audit(
                    &state.db,
                    "task.due_bulk_refused",
                    "campaign",
                    Some(campaign.id.to_string()),
                    serde_json::json!({"reason": refusal.message_key(), "filter": back}),
                )
                .await?;
            let message = match refusal {
                BulkDueRefusal::ClearNotConfirmed { count } => {
                    ctx.t1(refusal.message_key(), "count", count)
                }
                _ => ctx.t(refusal.message_key()),
            };
            set_flash(&session, FlashKind::Error, message).await?;
            return Ok(Redirect::to(&back).into_response());
        }
    };
    let changed = tasks::due::apply(&state.db, campaign.id, &filter, change, user.id).await?;
    ctx.request
        .audit(
            &state.db,
            "task.due_bulk",
            "campaign",
            Some(campaign.id.to_string()),
            serde_json::json!({"due_on": change.date(), "changed": changed, "filter": back}),
        )
        .await?;
    let key = match change {
        BulkDue::Set(_) => "task-due-bulk-saved",
        BulkDue::Clear => "task-due-bulk-cleared",
    };
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1(key, "count", changed as i64),
    )
    .await?;
    Ok(Redirect::to(&back).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTaskForm {
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    due_on: String,
}

/// The office adds a task of its own to an indicator.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<NewTaskForm>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    let indicator: Option<i64> = match form.indicator.trim().parse::<i32>() {
        Ok(number) => {
            sqlx::query_scalar("SELECT id FROM indicators WHERE edition_id = $1 AND number = $2")
                .bind(campaign.edition_id)
                .bind(number)
                .fetch_optional(&state.db)
                .await?
        }
        Err(_) => None,
    };
    let org = match parse_opt_i64(&form.organisation_id).unwrap_or(None) {
        Some(id) => orgs::find(&state.db, id).await?,
        None => None,
    };
    // Only the office, departments and counties own tasks.
    if org
        .as_ref()
        .is_some_and(|o| !o.kind.owns_tasks() || !o.active)
    {
        set_flash(&session, FlashKind::Error, ctx.t("task-error-owner")).await?;
        return Ok(
            Redirect::to(&format!("/tasks?indicator={}", form.indicator.trim())).into_response(),
        );
    }
    let due = match form.due_on.trim() {
        "" => Ok(None),
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some),
    };
    let (Some(indicator_id), Some(org), Ok(due), false) =
        (indicator, org, due, form.text.trim().is_empty())
    else {
        set_flash(&session, FlashKind::Error, ctx.t("task-error-new")).await?;
        return Ok(
            Redirect::to(&format!("/tasks?indicator={}", form.indicator.trim())).into_response(),
        );
    };
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (campaign_id, indicator_id, organisation_id, relation, text, due_on) \
         VALUES ($1, $2, $3, 'task', $4, $5) RETURNING id",
    )
    .bind(campaign.id)
    .bind(indicator_id)
    .bind(org.id)
    .bind(form.text.trim())
    .bind(due)
    .fetch_one(&mut *tx)
    .await?;
    tasks::record_event(
        &mut tx,
        id,
        user.id,
        "assigned",
        "",
        serde_json::json!({"custom": true}),
    )
    .await?;
    tx.commit().await?;
    let task = tasks::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    notify_assigned(&state, &task).await?;
    audit_task(&state, &ctx, "task.create", &task, "").await?;
    set_flash(&session, FlashKind::Success, ctx.t("task-created")).await?;
    Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
}

/// Tells the organisation's clerks about a task newly given to them.
async fn notify_assigned(state: &AppState, task: &tasks::Task) -> AppResult<()> {
    notifications::notify_organisation(
        &state.db,
        task.organisation_id,
        "assigned",
        serde_json::json!({"indicator": task.work_label()}),
        &format!("/tasks/{}", task.id),
        None,
    )
    .await?;
    Ok(())
}

async fn audit_task(
    state: &AppState,
    ctx: &PageCtx,
    action: &str,
    task: &tasks::Task,
    comment: &str,
) -> AppResult<()> {
    let summary = serde_json::json!({
        "indicator": task.work_label(),
        "organisation": task.organisation_name,
        "comment": comment.trim(),
    });
    ctx.request
        .audit(
            &state.db,
            action,
            "task",
            Some(task.id.to_string()),
            summary,
        )
        .await
}
