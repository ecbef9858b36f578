//! The problem list: a clerk's own organisation's problems, or every organisation's for
//! the office, leaders and assessors; filters; the office's raising form; the ledger
//! (.xlsx and CSV) of what the list shows; `/api/v1/problems`.

use axum::Form;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use tower_sessions::Session;

use super::{assignable, refusal_messages};
use crate::accounts::{Role, User};
use crate::campaigns::Campaign;
use crate::exports::ledger;
use crate::problems::{self, Filter, NewProblem, State as ProblemState};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, RequestContext, set_flash};
use crate::web::current::campaign;
use crate::web::download::{CSV, XLSX, download};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{ProblemsPage, RaiseValues, render};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    round: String,
    #[serde(default)]
    overdue: String,
}

impl ListQuery {
    /// The filter this reader gets: a clerk always sees only its own organisation.
    fn filter(&self, user: &User, today: NaiveDate) -> Filter {
        let org = match user.role {
            Role::Department => user.organisation_id,
            _ => self.org.trim().parse().ok(),
        };
        Filter {
            organisation_id: org,
            state: ProblemState::parse(self.status.trim()),
            round_id: self.round.trim().parse().ok(),
            overdue_on: matches!(self.overdue.trim(), "1" | "true").then_some(today),
        }
    }

    fn query_string(&self, filter: &Filter) -> String {
        let mut parts = Vec::new();
        if let Some(org) = filter.organisation_id {
            parts.push(format!("org={org}"));
        }
        if let Some(state) = filter.state {
            parts.push(format!("status={}", state.as_str()));
        }
        if let Some(round) = filter.round_id {
            parts.push(format!("round={round}"));
        }
        if filter.overdue_on.is_some() {
            parts.push("overdue=1".into());
        }
        parts.join("&")
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let values = RaiseValues {
        deadline: (campaign.today() + chrono::Duration::days(30)).to_string(),
        ..RaiseValues::default()
    };
    page(
        &state,
        ctx,
        &user,
        &campaign,
        &query,
        values,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    campaign: &Campaign,
    query: &ListQuery,
    values: RaiseValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let today = campaign.today();
    let filter = query.filter(user, today);
    let problems = problems::list(&state.db, campaign.id, &filter).await?;
    let overdue = problems
        .iter()
        .filter(|p| p.standing().overdue(today))
        .count();
    let can_raise = matches!(user.role, Role::Admin | Role::Office);
    let organisations = if user.role == Role::Department {
        Vec::new()
    } else {
        assignable(state).await?
    };
    let locked_rounds = if can_raise {
        crate::scoring::rounds::list(&state.db, campaign.id)
            .await?
            .into_iter()
            .filter(|r| r.state == crate::scoring::rounds::RoundState::Locked)
            .map(|r| (r.id, r.name))
            .collect()
    } else {
        Vec::new()
    };
    let page = ProblemsPage {
        ctx,
        today,
        locked_rounds,
        own_organisation: (user.role == Role::Department)
            .then(|| user.organisation_name.clone().unwrap_or_default()),
        organisations,
        filter_org: filter.organisation_id,
        filter_state: filter
            .state
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        filter_overdue: filter.overdue_on.is_some(),
        query: query.query_string(&filter),
        problems,
        overdue,
        can_raise,
        values,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct RaiseForm {
    #[serde(default)]
    source_label: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    deadline: String,
}

pub async fn raise(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<RaiseForm>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let values = RaiseValues {
        source_label: form.source_label.trim().to_string(),
        indicator: form.indicator.trim().to_string(),
        description: form.description.trim().to_string(),
        organisation_id: form.organisation_id.trim().to_string(),
        deadline: form.deadline.trim().to_string(),
    };
    let mut errors = Vec::new();
    let organisation = match values.organisation_id.parse::<i64>() {
        Ok(id) => assignable(&state).await?.into_iter().find(|o| o.id == id),
        Err(_) => None,
    };
    if organisation.is_none() {
        errors.push(ctx.t("problem-error-organisation"));
    }
    let indicator_id = if values.indicator.is_empty() {
        None
    } else {
        let number = values
            .indicator
            .trim_start_matches('第')
            .trim_end_matches('项');
        match number.parse::<i32>() {
            Ok(n) => match crate::rubric::indicator(&state.db, campaign.edition_id, n).await? {
                Some(detail) => Some(detail.record.id),
                None => {
                    errors.push(ctx.t("problem-error-indicator"));
                    None
                }
            },
            Err(_) => {
                errors.push(ctx.t("problem-error-indicator"));
                None
            }
        }
    };
    let deadline = NaiveDate::parse_from_str(&values.deadline, "%Y-%m-%d").ok();
    if deadline.is_none() {
        errors.push(ctx.t("problem-error-deadline"));
    }
    let query = ListQuery::default();
    let (Some(organisation), Some(deadline), true) = (organisation, deadline, errors.is_empty())
    else {
        return page(
            &state,
            ctx,
            &user,
            &campaign,
            &query,
            values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = match NewProblem::check(
        &user,
        &values.source_label,
        indicator_id,
        &values.description,
        organisation.id,
        deadline,
        campaign.today(),
    ) {
        Ok(new) => new,
        Err(refusal) => {
            let errors = refusal_messages(&ctx, refusal)?;
            return page(
                &state,
                ctx,
                &user,
                &campaign,
                &query,
                values,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let id = problems::raise(&state.db, campaign.id, user.id, &new).await?;
    ctx.request
        .audit(
            &state.db,
            "problem.raise",
            "problem",
            Some(id.to_string()),
            json!({ "organisation": organisation.name, "deadline": deadline }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("problem-raised")).await?;
    Ok(Redirect::to(&format!("/problems/{id}")).into_response())
}

async fn ledger_rows(
    state: &AppState,
    user: &User,
    query: &ListQuery,
) -> AppResult<(Campaign, Vec<ledger::LedgerRow>)> {
    let campaign = campaign(state).await?;
    let today = campaign.today();
    let problems = problems::list(&state.db, campaign.id, &query.filter(user, today)).await?;
    let rows = ledger::rows(&problems, today, campaign.tz());
    Ok((campaign, rows))
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let (campaign, rows) = ledger_rows(&state, &user, &query).await?;
    let count = rows.len();
    let bytes = tokio::task::spawn_blocking(move || ledger::xlsx(&rows))
        .await
        .map_err(|e| AppError::Other(e.into()))?
        .map_err(|e| AppError::Other(anyhow::anyhow!("problem ledger: {e}")))?;
    ctx.audit(
        &state.db,
        "export.problems_xlsx",
        "campaign",
        Some(campaign.id.to_string()),
        json!({ "problems": count }),
    )
    .await?;
    let name = format!("{}-{}.xlsx", campaign.city_name, ledger::SHEET_NAME);
    Ok(download(bytes, XLSX, &name))
}

pub async fn ledger_csv(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let (campaign, rows) = ledger_rows(&state, &user, &query).await?;
    let bytes = ledger::csv(&rows).map_err(|e| AppError::Other(e.into()))?;
    ctx.audit(
        &state.db,
        "export.problems_csv",
        "campaign",
        Some(campaign.id.to_string()),
        json!({ "problems": rows.len() }),
    )
    .await?;
    let name = format!("{}-{}.csv", campaign.city_name, ledger::SHEET_NAME);
    Ok(download(bytes, CSV, &name))
}

/// `/api/v1/problems?org=&status=&round=&overdue=1`: the same rows a reader's list shows.
pub async fn api(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    let campaign = campaign(&state).await?;
    let today = campaign.today();
    let list = problems::list(&state.db, campaign.id, &query.filter(&user, today)).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "source": p.source,
                "source_label": p.source_label,
                "round_id": p.round_id,
                "indicator": p.indicator_number,
                "description": p.description,
                "organisation": { "id": p.organisation_id, "name": p.organisation_name },
                "deadline": p.deadline,
                "status": p.state,
                "overdue": p.standing().overdue(today),
                "days_overdue": p.standing().days_overdue(today),
                "measures": p.measures,
                "raised_at": p.raised_at,
                "submitted_at": p.submitted_at,
                "closed_at": p.closed_at,
            })
        })
        .collect();
    Ok(Json(json!({ "total": rows.len(), "problems": rows })))
}
