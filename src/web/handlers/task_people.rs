//! People inside an organisation: naming a task's 经办人, and the unit head's 单位审核 of
//! a submission before it reaches the office. The rules are the tasks area's
//! ([`crate::tasks::people`]); these handlers parse, call and word the result.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::notifications;
use crate::tasks::people::{self, AssignRefusal};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::task_page::{loop_message, task_page, visible_task};

#[derive(Debug, Default, Deserialize)]
pub struct AssigneeForm {
    #[serde(default)]
    assignee_id: String,
}

pub async fn assign(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AssigneeForm>,
) -> AppResult<Response> {
    let task = visible_task(&state, &user, id).await?;
    if !Policy::can_contribute(&user, task.organisation_id) {
        return Err(AppError::Forbidden);
    }
    let assignee = match form.assignee_id.trim() {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::BadRequest("task-error-assignee"))?,
        ),
    };
    match people::assign(&state.db, id, assignee, user.id).await? {
        Ok(before) => {
            ctx.request
                .audit(
                    &state.db,
                    "task.assignee",
                    "task",
                    Some(id.to_string()),
                    serde_json::json!({"indicator": before.work_label(), "organisation": before.organisation_name,
                                       "before": before.assignee_id, "after": assignee}),
                )
                .await?;
            if let Some(assignee) = assignee.filter(|a| *a != user.id) {
                notifications::notify_user(
                    &state.db,
                    assignee,
                    "assigned_to_you",
                    serde_json::json!({"indicator": before.work_label()}),
                    &format!("/tasks/{id}"),
                )
                .await?;
            }
            set_flash(&session, FlashKind::Success, ctx.t("task-assignee-saved")).await?;
            Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
        }
        Err(AssignRefusal::NotFound) => Err(AppError::NotFound),
        Err(AssignRefusal::NotAColleague) => {
            let message = ctx.t("task-error-assignee");
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
pub struct UnitReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn unit_review(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<UnitReviewForm>,
) -> AppResult<Response> {
    let task = visible_task(&state, &user, id).await?;
    if !Policy::can_unit_review(&user, task.organisation_id) {
        return Err(AppError::Forbidden);
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(AppError::BadRequest("error-bad-request")),
    };
    match people::unit_review(&state.db, id, user.id, approve, &form.comment).await? {
        Ok(task) => {
            let action = if approve {
                "task.unit_approve"
            } else {
                "task.unit_return"
            };
            ctx.request
                .audit(
                    &state.db,
                    action,
                    "task",
                    Some(id.to_string()),
                    serde_json::json!({"indicator": task.work_label(), "organisation": task.organisation_name,
                                       "comment": form.comment.trim()}),
                )
                .await?;
            if !approve {
                notifications::notify_organisation(
                    &state.db,
                    task.organisation_id,
                    "unit_returned",
                    serde_json::json!({"indicator": task.work_label(), "comment": form.comment.trim()}),
                    &format!("/tasks/{id}"),
                    None,
                )
                .await?;
            }
            let key = if approve {
                "task-unit-approved"
            } else {
                "task-unit-returned"
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
