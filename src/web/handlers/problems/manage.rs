//! The office changing the organisation responsible for a problem, or its deadline; each
//! change is in the problem's history and the audit trail.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::show::{Typed, moved_on, page};
use super::{UNPROCESSABLE, assignable, refusal_messages, visible};
use crate::problems::{self, Reassignment};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::AppResult;

#[derive(Debug, Default, Deserialize)]
pub struct ManageForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    comment: String,
}

pub async fn manage(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ManageForm>,
) -> AppResult<Response> {
    let problem = visible(&state, &user, id).await?;
    let today = campaign(&state).await?.today();
    let organisation = form.organisation_id.trim().parse::<i64>().ok();
    let known = match organisation {
        Some(org) => assignable(&state).await?.iter().any(|o| o.id == org),
        None => false,
    };
    let deadline = chrono::NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d").ok();
    let (Some(organisation), Some(deadline), true) = (organisation, deadline, known) else {
        let errors = vec![ctx.t("problem-manage-invalid")];
        let typed = Typed {
            comment: form.comment,
            ..Typed::default()
        };
        return page(&state, ctx, &user, problem, typed, errors, UNPROCESSABLE).await;
    };
    let change = match Reassignment::check(
        &user,
        &problem.standing(),
        organisation,
        deadline,
        &form.comment,
        today,
    ) {
        Ok(change) => change,
        Err(refusal) => {
            let errors = refusal_messages(&ctx, refusal)?;
            let typed = Typed {
                comment: form.comment,
                ..Typed::default()
            };
            return page(&state, ctx, &user, problem, typed, errors, UNPROCESSABLE).await;
        }
    };
    if !problems::reassign(&state.db, id, user.id, &change).await? {
        return moved_on(&state, ctx, &user, id, Typed::default()).await;
    }
    ctx.request
        .audit(
            &state.db,
            "problem.reassign",
            "problem",
            Some(id.to_string()),
            json!({"organisation": change.organisation_id, "deadline": change.deadline,
                   "from_organisation": problem.organisation_id, "from_deadline": problem.deadline,
                   "comment": change.comment}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("problem-manage-saved")).await?;
    Ok(Redirect::to(&format!("/problems/{id}")).into_response())
}
