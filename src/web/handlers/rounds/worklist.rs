//! An assessor's worklist.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Role;
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::AppResult;
use crate::web::pages::{WorklistPage, render};
use crate::web::round_view::{group_names, group_summary};

#[derive(Debug, Default, Deserialize)]
pub struct WorkQuery {
    #[serde(default)]
    group: String,
}

/// An assessor's worklist: the items of its group. Others pick a group (or see all).
pub async fn worklist(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<WorkQuery>,
) -> AppResult<Response> {
    let group = if user.role == Role::Assessor {
        user.organisation_id
    } else {
        query.group.trim().parse().ok()
    };
    let summary = group_summary(&state, id, group).await?;
    // The round's lead and the office see how far each assessor of the group has read.
    let leads = user.role == Role::Assessor && summary.round.lead_assessor_id == Some(user.id);
    let assessor_marks = match group {
        Some(group) if leads || matches!(user.role, Role::Admin | Role::Office) => {
            crate::scoring::rounds::marks_by_assessor(&state.db, id, Some(group)).await?
        }
        _ => Vec::new(),
    };
    let groups = group_names(&state).await?;
    let mut group_list: Vec<(i64, String)> = groups.into_iter().collect();
    group_list.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(render(&WorklistPage {
        ctx,
        round: summary.round,
        group,
        groups: group_list,
        own_group: user.role == Role::Assessor,
        running: summary.running,
        running_max: summary.running_max,
        lines: summary.lines,
        assessor_marks,
    })?
    .into_response())
}
