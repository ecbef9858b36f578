//! The office's answer to 有关成员单位: which members an indicator's cell means, asked
//! once on the indicator page, changeable later.

use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::tasks::members::{self, PickRefusal};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};

pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(number): Path<i32>,
    form: RawForm,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let indicator_id: i64 =
        sqlx::query_scalar("SELECT id FROM indicators WHERE edition_id = $1 AND number = $2")
            .bind(campaign.edition_id)
            .bind(number)
            .fetch_optional(&state.db)
            .await?
            .ok_or(AppError::NotFound)?;
    let picked: Vec<i64> = url::form_urlencoded::parse(&form.0)
        .filter(|(k, _)| k == "org")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let back = format!("/rubric/indicators/{number}#members");
    match members::confirm_pick(&state.db, campaign.id, indicator_id, &picked, user.id).await? {
        Ok(outcome) => {
            ctx.request
                .audit(
                    &state.db,
                    "indicator.members_picked",
                    "indicator",
                    Some(number.to_string()),
                    serde_json::json!({"organisations": picked, "tasks_added": outcome.added,
                                       "withdrawn": outcome.withdrawn, "kept": outcome.kept}),
                )
                .await?;
            let mut message = ctx.t2(
                "members-confirmed",
                "count",
                picked.len() as i64,
                "added",
                outcome.added as i64,
            );
            if outcome.withdrawn > 0 || outcome.kept > 0 {
                message.push(' ');
                message.push_str(&ctx.t2(
                    "members-dropped",
                    "withdrawn",
                    outcome.withdrawn as i64,
                    "kept",
                    outcome.kept as i64,
                ));
            }
            set_flash(&session, FlashKind::Success, message).await?;
        }
        Err(refusal) => {
            let message = match refusal {
                PickRefusal::NotRelevantClause => ctx.t("members-error-clause"),
                PickRefusal::NotAMember(_) => ctx.t("members-error-member"),
            };
            set_flash(&session, FlashKind::Error, message).await?;
        }
    }
    Ok(Redirect::to(&back).into_response())
}
