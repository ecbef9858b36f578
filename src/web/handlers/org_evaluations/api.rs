//! `GET /api/v1/organisations/{id}/evaluations`: the organisation's 自查 and 市级考评
//! results, with the pages' visibility — its own clerks and everyone who is not a clerk;
//! a 市级考评 only once finalised (the office sees drafts too).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::org_evaluations as evals;
use crate::web::AppState;
use crate::web::access::EvaluationPolicy;
use crate::web::context::CurrentUser;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};

pub async fn organisation(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    if !EvaluationPolicy::can_read_organisation(&user, id) {
        return Err(AppError::Forbidden);
    }
    let organisation = crate::orgs::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let campaign = campaign(&state).await?;
    let all = EvaluationPolicy::can_manage(&user);
    let results = evals::results_for(&state.db, campaign.id, id, all, campaign.today()).await?;
    let list: Vec<Value> = results
        .into_iter()
        .map(|r| {
            json!({
                "evaluation_id": r.evaluation_id, "kind": r.kind, "name": r.name, "state": r.state,
                "score": r.score, "grade": r.grade, "deductions": r.deductions,
                "deadline": r.deadline, "submitted_at": r.submitted_at,
                "late": r.late, "days_late": r.days_late,
            })
        })
        .collect();
    Ok(Json(json!({
        "organisation": { "id": organisation.id, "name": organisation.name, "kind": organisation.kind },
        "evaluations": list,
    })))
}
