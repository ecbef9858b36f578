//! People inside an organisation: the colleague who handles a task (经办人), and the unit
//! head's 单位审核 of the organisation's submissions before they reach the office.

use sqlx::PgPool;

use super::{LoopError, Status, Task, lock, record_event};

/// Why naming a 经办人 is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignRefusal {
    NotFound,
    /// The person is not an active clerk of the task's organisation.
    NotAColleague,
}

/// Names (or, with None, clears) the colleague who handles task `task_id`, recorded in its
/// history. Returns the task as it was.
pub async fn assign(
    db: &PgPool,
    task_id: i64,
    assignee: Option<i64>,
    actor_id: i64,
) -> anyhow::Result<Result<Task, AssignRefusal>> {
    let mut tx = db.begin().await?;
    let Some(task) = lock(&mut tx, task_id)
        .await?
        .filter(|t| t.removed_at.is_none())
    else {
        return Ok(Err(AssignRefusal::NotFound));
    };
    let name: Option<String> = match assignee {
        Some(user) => {
            let name: Option<String> = sqlx::query_scalar(
                "SELECT display_name FROM users WHERE id = $1 AND organisation_id = $2 AND active AND role = 'department'",
            )
            .bind(user)
            .bind(task.organisation_id)
            .fetch_optional(&mut *tx)
            .await?;
            match name {
                Some(name) => Some(name),
                None => return Ok(Err(AssignRefusal::NotAColleague)),
            }
        }
        None => None,
    };
    sqlx::query("UPDATE tasks SET assignee_id = $2, updated_at = now() WHERE id = $1")
        .bind(task_id)
        .bind(assignee)
        .execute(&mut *tx)
        .await?;
    record_event(
        &mut tx,
        task_id,
        actor_id,
        "assignee_changed",
        name.as_deref().unwrap_or(""),
        serde_json::json!({"before": task.assignee_name, "after": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(task))
}

/// The unit head approves a submission waiting for 单位审核 (it goes on to the office) or
/// returns it with a comment, like the office's own 退回.
pub async fn unit_review(
    db: &PgPool,
    task_id: i64,
    actor_id: i64,
    approve: bool,
    comment: &str,
) -> anyhow::Result<Result<Task, LoopError>> {
    let step = if approve {
        (Status::Submitted, "unit_approved")
    } else {
        (Status::Returned, "unit_returned")
    };
    super::decide(db, task_id, actor_id, Status::UnitReview, step, comment).await
}

/// The active clerks of an organisation, who may be named 经办人: (id, name).
pub async fn colleagues(db: &PgPool, organisation_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, display_name FROM users WHERE organisation_id = $1 AND active AND role = 'department' \
         ORDER BY unit_head DESC, display_name, id",
    )
    .bind(organisation_id)
    .fetch_all(db)
    .await
}
