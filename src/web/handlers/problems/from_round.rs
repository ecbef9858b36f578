//! 对照整改: the office puts a round's deductions on the problem list, once the round's
//! results are published to the city, with one deadline for all.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::refusal_error;
use crate::inspections;
use crate::problems::{self, FromRound};
use crate::scoring::rounds;
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};

#[derive(Debug, Default, Deserialize)]
pub struct FromRoundForm {
    #[serde(default)]
    round_id: String,
    #[serde(default)]
    deadline: String,
}

pub async fn raise(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<FromRoundForm>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let round = match form.round_id.trim().parse::<i64>() {
        Ok(id) => rounds::find(&state.db, id).await?,
        Err(_) => None,
    }
    .filter(|r| r.campaign_id == campaign.id)
    .ok_or(AppError::BadRequest("problem-error-round"))?;
    let deadline = NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest("problem-error-deadline"))?;
    let named = inspections::named_by_published_notice(&state.db, round.id).await?;
    let published = inspections::results_published(&round, named);
    let command = match FromRound::check(&user, round.id, published, deadline, campaign.today()) {
        Ok(command) => command,
        Err(refusal) => {
            return Err(
                refusal_error(refusal).unwrap_or(AppError::BadRequest(refusal.message_key()))
            );
        }
    };
    let raised =
        problems::raise_from_round(&state.db, campaign.id, &command, &round.name, user.id).await?;
    ctx.request
        .audit(
            &state.db,
            "problem.raise_from_round",
            "round",
            Some(round.id.to_string()),
            json!({ "raised": raised, "deadline": deadline }),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("problems-raised-from-round", "count", raised),
    )
    .await?;
    Ok(Redirect::to(&format!("/problems?round={}", round.id)).into_response())
}
