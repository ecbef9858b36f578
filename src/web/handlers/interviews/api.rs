//! `GET /api/v1/rounds/{id}/interviews`: the round's leader interviews, read only, for the
//! readers of the interviews page.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::inspections::interviews;
use crate::scoring::rounds;
use crate::web::AppState;
use crate::web::access::InterviewPolicy;
use crate::web::context::CurrentUser;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};

pub async fn round_interviews(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    InterviewPolicy::can_see(&user)?;
    let campaign = campaign(&state).await?;
    let round = rounds::find(&state.db, id)
        .await?
        .filter(|r| r.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)?;
    let list: Vec<Value> = interviews::list(&state.db, round.id)
        .await?
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "group": i.group(),
                "group_id": i.group_id,
                "held_on": i.held_on,
                "place": i.place,
                "interviewees": i.interviewees,
                "indicators": i.indicators,
                "questions": i.questions,
                "notes": i.notes,
            })
        })
        .collect();
    Ok(Json(json!({ "round": round.id, "interviews": list })))
}
