//! The 调度 meeting register: the list (with this month's and year's counts per kind) and
//! one meeting's page, everyone's to read; the record form (the office, or a clerk for
//! its own unit: [`crate::web::access::Policy::can_record_meeting`]); the office's forms
//! under `/office/meetings`; `/api/v1/meetings`. The rules are the meetings area's
//! ([`crate::meetings::rules`]); these handlers parse, call and word the result.

pub mod api;
pub mod decisions;
pub mod forms;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::accounts::{Role, User};
use crate::campaigns::Campaign;
use crate::i18n::Lang;
use crate::meetings::{self, Filter, Kind, Meeting, Refusal};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{DecisionValues, MeetingPage, MeetingsPage, OutcomeValues, render};
use crate::web::paging::Paging;

/// Meetings per page of the register and the API.
pub const PAGE_SIZE: i64 = 50;

/// A form refused for what was typed (kept and shown again).
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

impl ListQuery {
    /// What the query asks for; anything unreadable is no filter.
    fn filter(&self) -> Filter {
        let date = |text: &str| crate::inspections::plan::parse_date(text);
        Filter {
            kind: Kind::parse(self.kind.trim()),
            organisation_id: self.org.trim().parse().ok(),
            from: date(&self.from),
            to: date(&self.to),
        }
    }
}

/// The first and last day of the month and of the year `today` falls in.
fn this_month_and_year(today: NaiveDate) -> ((NaiveDate, NaiveDate), (NaiveDate, NaiveDate)) {
    let first = crate::campaigns::first_of_month(today);
    let last = crate::campaigns::next_month(first)
        .pred_opt()
        .unwrap_or(first);
    let year = (
        NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
        NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today),
    );
    ((first, last), year)
}

/// May this user record a meeting for any unit at all (the register's button, the form)?
fn may_record(user: &User) -> bool {
    Policy::can_review(user)
        || user
            .organisation_id
            .is_some_and(|org| Policy::can_record_meeting(user, org))
}

/// `GET /meetings`
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let filter = query.filter();
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let (month, year) = this_month_and_year(campaign.today());
    let (rows, total, month_counts, year_counts, organisations) = tokio::try_join!(
        meetings::list(&state.db, campaign.id, &filter, paging.size, paging.offset),
        meetings::count(&state.db, campaign.id, &filter),
        meetings::counts(&state.db, campaign.id, month.0, month.1),
        meetings::counts(&state.db, campaign.id, year.0, year.1),
        crate::orgs::task_owners(&state.db),
    )?;
    let page = MeetingsPage {
        ctx,
        rows,
        total,
        page: paging.page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        kind: query.kind.trim().to_string(),
        org: query.org.trim().to_string(),
        from: query.from.trim().to_string(),
        to: query.to.trim().to_string(),
        organisations,
        month_counts,
        year_counts,
        month,
        year,
        can_record: may_record(&user),
    };
    Ok(render(&page)?.into_response())
}

/// The meeting, if it is the current campaign's.
async fn load(state: &AppState, campaign: &Campaign, id: i64) -> AppResult<Meeting> {
    meetings::find(&state.db, id)
        .await?
        .filter(|m| m.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)
}

/// What the meeting page shows besides the meeting: forms as typed and their errors.
#[derive(Default)]
struct Forms {
    decision: DecisionValues,
    decision_errors: Vec<String>,
    outcome: Option<OutcomeValues>,
    outcome_errors: Vec<String>,
}

async fn meeting_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    campaign: &Campaign,
    meeting: Meeting,
    forms: Forms,
) -> AppResult<Response> {
    let ids = [meeting.id];
    let (attendees, decisions, choices) = tokio::try_join!(
        meetings::attendees(&state.db, &ids),
        meetings::decisions(&state.db, &ids),
        meetings::choices(&state.db, campaign),
    )?;
    let refused = !forms.decision_errors.is_empty() || !forms.outcome_errors.is_empty();
    let page = MeetingPage {
        ctx,
        meeting,
        attendees,
        decisions,
        can_manage: Policy::can_review(user),
        own_organisation: (user.role == Role::Department)
            .then_some(user.organisation_id.unwrap_or(0)),
        units: choices.units().cloned().collect(),
        programmes: choices.programmes,
        decision_form: forms.decision,
        decision_errors: forms.decision_errors,
        outcome: forms.outcome,
        outcome_errors: forms.outcome_errors,
    };
    let status = if refused {
        UNPROCESSABLE
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /meetings/{id}`
pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let meeting = load(&state, &campaign, id).await?;
    meeting_page(&state, ctx, &user, &campaign, meeting, Forms::default()).await
}

/// Each refusal in the reader's language.
fn messages(lang: Lang, refusals: &[Refusal]) -> Vec<String> {
    refusals.iter().map(|r| lang.t(r.message_key())).collect()
}

/// Audits a form refused for what was typed.
async fn audit_refused(
    state: &AppState,
    ctx: &PageCtx,
    action: &str,
    meeting: Option<i64>,
    refusals: &[Refusal],
) -> AppResult<()> {
    let why: Vec<&str> = refusals.iter().map(|r| r.audit_reason()).collect();
    ctx.request
        .audit(
            &state.db,
            &format!("{action}.refused"),
            "meeting",
            meeting.map(|m| m.to_string()),
            serde_json::json!({ "why": why }),
        )
        .await
}
