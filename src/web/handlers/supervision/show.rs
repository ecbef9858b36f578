//! One 督办单: its matter, demand and deadline, its six steps with their times, and the
//! step the reader may take next.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{visible, wording};
use crate::supervision::{self, Actor, Order, Refusal, Step, Subject};
use crate::web::AppState;
use crate::web::context::{FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{OrderPage, render};

/// The subject worded, with a link to it.
async fn subject(state: &AppState, order: &Order) -> AppResult<(String, Option<String>)> {
    Ok(match order.subject {
        Subject::Task => {
            let task = match order.task_id {
                Some(id) => crate::tasks::find(&state.db, id).await?,
                None => None,
            };
            match task {
                Some(task) => (
                    format!("（{}）{}", task.work_label(), task.text),
                    Some(format!("/tasks/{}", task.id)),
                ),
                None => (String::new(), None),
            }
        }
        Subject::Problem => (
            format!("问题整改 #{}", order.problem_id.unwrap_or_default()),
            order.problem_id.map(|id| format!("/problems/{id}")),
        ),
        Subject::Report => (
            order
                .report_period
                .map(|p| format!("{}月度工作进展", p.format("%Y年%-m月")))
                .unwrap_or_default(),
            Some("/reports".to_string()),
        ),
        Subject::Other => (String::new(), None),
    })
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    order: Order,
    text: String,
    errors: Vec<String>,
) -> AppResult<OrderPage> {
    let user = ctx.request.user.clone().ok_or(AppError::Unauthorized)?;
    let actor = Actor::of(&user);
    let steps = supervision::steps(&state.db, order.id).await?;
    let (subject_label, subject_link) = subject(state, &order).await?;
    Ok(OrderPage {
        today: campaign(state).await?.today(),
        is_office: actor == Actor::Office,
        is_unit: actor == Actor::Unit(order.organisation_id),
        ctx,
        order,
        steps,
        subject_label,
        subject_link,
        text,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.request.user.clone().ok_or(AppError::Unauthorized)?;
    let order = visible(&state, &user, id).await?;
    Ok(render(&page(&state, ctx, order, String::new(), Vec::new()).await?)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    text: String,
}

pub async fn step(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let user = ctx.request.user.clone().ok_or(AppError::Unauthorized)?;
    let order = visible(&state, &user, id).await?;
    let text = form.text.trim().to_string();
    let step = match form.step.as_str() {
        "issue" => Step::Issue,
        "acknowledge" => Step::Acknowledge,
        "handle" => Step::Handle { note: text.clone() },
        "answer" => Step::Answer {
            answer: text.clone(),
        },
        "accept" => Step::Review {
            accepted: true,
            comment: text.clone(),
        },
        "send_back" => Step::Review {
            accepted: false,
            comment: text.clone(),
        },
        "close" => Step::Close,
        _ => return Err(AppError::BadRequest("sv-error-order")),
    };
    let code = step.code();
    let campaign = campaign(&state).await?;
    match supervision::take_step(&state.db, id, step, &user, campaign.today()).await? {
        Ok(next) => {
            ctx.request
                .audit(
                    &state.db,
                    &format!("supervision.{code}"),
                    "supervision_order",
                    Some(id.to_string()),
                    serde_json::json!({"organisation": order.organisation_name, "before": order.state.as_str(),
                                       "after": next.as_str(), "text": text}),
                )
                .await?;
            let message = ctx.t(&format!("sv-done-{code}"));
            set_flash(&session, FlashKind::Success, message).await?;
            Ok(Redirect::to(&format!("/supervision/{id}")).into_response())
        }
        // The wrong side: a refusal of the object policy, recorded by the gate.
        Err(Refusal::OfficeOnly | Refusal::UnitOnly) => Err(AppError::Forbidden),
        Err(refusal) => {
            let errors = vec![wording(&ctx, &refusal)];
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page(&state, ctx, order, text, errors).await?)?,
            )
                .into_response())
        }
    }
}
