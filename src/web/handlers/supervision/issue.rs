//! The office's form for a new 督办单, prefilled from what it is about (an overdue or
//! returned task, an unanswered problem, a late monthly report), and issuing it.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use tower_sessions::Session;

use super::wording;
use crate::orgs;
use crate::supervision::{self, Draft, NewOrder};
use crate::tasks::Status;
use crate::web::AppState;
use crate::web::context::{FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{NewOrderPage, OrderValues, render};

/// The demand a new order proposes; the office edits it.
const DEFAULT_DEMAND: &str = "请于期限内办结，并书面反馈办理情况、逾期原因及整改措施。";
/// Days the office is offered for the unit to answer.
const DEFAULT_DAYS: i64 = 7;

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    task: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    org: String,
    /// A late report's month, `YYYY-MM`.
    #[serde(default)]
    period: String,
}

async fn form_page(
    state: &AppState,
    ctx: PageCtx,
    values: OrderValues,
    errors: Vec<String>,
) -> AppResult<NewOrderPage> {
    let organisations = orgs::task_owners(&state.db).await?;
    let heads: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, display_name, organisation_id FROM users WHERE unit_head AND active AND organisation_id IS NOT NULL \
         ORDER BY organisation_id, id",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(NewOrderPage {
        ctx,
        organisations,
        heads,
        values,
        errors,
    })
}

fn month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<NewQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let today = campaign.today();
    let mut values = OrderValues {
        demand: DEFAULT_DEMAND.to_string(),
        deadline: (today + Duration::days(DEFAULT_DAYS)).to_string(),
        organisation_id: query.org.trim().to_string(),
        ..Default::default()
    };
    if let Ok(id) = query.task.trim().parse::<i64>() {
        let task = crate::tasks::find(&state.db, id)
            .await?
            .filter(|t| t.campaign_id == campaign.id)
            .ok_or(AppError::NotFound)?;
        let why = match (task.status, task.due_on) {
            (Status::Returned, _) => "被退回整改后未重新报送".to_string(),
            (_, Some(due)) if due < today => format!("已逾期{}天", (today - due).num_days()),
            _ => "尚未完成".to_string(),
        };
        values.matter = format!("（{}）“{}”{}。", task.work_label(), task.text, why);
        values.organisation_id = task.organisation_id.to_string();
        values.task_id = id.to_string();
    } else if let Ok(id) = query.problem.trim().parse::<i64>() {
        let problem = crate::problems::find(&state.db, id)
            .await?
            .filter(|p| p.campaign_id == campaign.id)
            .ok_or(AppError::NotFound)?;
        values.matter = format!(
            "{}指出的问题“{}”整改时限为{}，尚未整改到位。",
            problem.source_label,
            problem.description,
            problem.deadline.format("%Y年%-m月%-d日")
        );
        values.organisation_id = problem.organisation_id.to_string();
        values.problem_id = id.to_string();
    } else if let Some(period) = month(&query.period) {
        values.matter = format!("{}月度工作进展逾期未报送。", period.format("%Y年%-m月"));
        values.report_period = query.period.trim().to_string();
    }
    Ok(render(&form_page(&state, ctx, values, Vec::new()).await?)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    head_user_id: String,
    #[serde(default)]
    task_id: String,
    #[serde(default)]
    problem_id: String,
    #[serde(default)]
    report_period: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    demand: String,
    #[serde(default)]
    deadline: String,
}

impl OrderForm {
    fn values(&self) -> OrderValues {
        OrderValues {
            organisation_id: self.organisation_id.trim().to_string(),
            head_user_id: self.head_user_id.trim().to_string(),
            task_id: self.task_id.trim().to_string(),
            problem_id: self.problem_id.trim().to_string(),
            report_period: self.report_period.trim().to_string(),
            matter: self.matter.trim().to_string(),
            demand: self.demand.trim().to_string(),
            deadline: self.deadline.trim().to_string(),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Form(form): Form<OrderForm>,
) -> AppResult<Response> {
    let user = ctx.request.user.clone().ok_or(AppError::Unauthorized)?;
    let campaign = campaign(&state).await?;
    let today = campaign.today();
    let organisation = match form.organisation_id.trim().parse::<i64>() {
        Ok(id) => orgs::find(&state.db, id).await?,
        Err(_) => None,
    };
    let draft = Draft {
        organisation_id: organisation.as_ref().map(|o| o.id).unwrap_or_default(),
        owns_tasks: organisation
            .as_ref()
            .is_some_and(|o| o.active && o.kind.owns_tasks()),
        head_user_id: form.head_user_id.trim().parse().ok(),
        task_id: form.task_id.trim().parse().ok(),
        problem_id: form.problem_id.trim().parse().ok(),
        report_period: month(&form.report_period),
        matter: form.matter.clone(),
        demand: form.demand.clone(),
        deadline: NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d").ok(),
    };
    let order = match NewOrder::check(draft, today) {
        Ok(order) => order,
        Err(refusals) => {
            let errors = refusals.iter().map(|r| wording(&ctx, r)).collect();
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&form_page(&state, ctx, form.values(), errors).await?)?,
            )
                .into_response());
        }
    };
    let id =
        supervision::create(&state.db, campaign.id, &order, Some(user.id), true, today).await?;
    let issued = supervision::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.request
        .audit(
            &state.db,
            "supervision.issued",
            "supervision_order",
            Some(id.to_string()),
            serde_json::json!({"number": issued.number(), "organisation": issued.organisation_name,
                               "subject": order.subject.as_str(), "matter": order.matter,
                               "deadline": order.deadline}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("sv-issued", "number", issued.number().unwrap_or_default()),
    )
    .await?;
    Ok(Redirect::to(&format!("/supervision/{id}")).into_response())
}
