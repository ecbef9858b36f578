//! The read-only JSON API (`/api/v1/…`), for a session or a personal token
//! (`Authorization: Bearer shian_…`). It returns the same figures the pages show, from
//! the same queries, and applies the same visibility rules: a clerk sees only its own
//! organisation's tasks, and scores are not for the organisations being assessed.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use crate::accounts::Role;
use crate::rubric::data::Scoring;
use crate::rubric::{self, Filter};
use crate::scoring::completeness::{self, Recorded};
use crate::scoring::{Scope, rounds};
use crate::tasks::{self, TaskRow};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::paging::Paging;
use crate::web::round_history::{self, HistoryQuery};
use crate::web::task_query::{PAGE_SIZE, TasksQuery};

pub async fn rubric(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let edition = crate::web::current::edition(&state).await?;
    let parts = rubric::tree(&state.db, edition.id, &Filter::default()).await?;
    Ok(Json(json!({ "edition": edition, "parts": parts })))
}

pub async fn organisations(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let list = crate::orgs::list(&state.db, false).await?;
    Ok(Json(json!({ "organisations": list })))
}

#[derive(Serialize)]
struct PartFigure {
    seq: i32,
    title: String,
    points: i32,
    tasks: i64,
    approved: i64,
    weighted_percent: f64,
}

/// The campaign's progress: the figures of the office dashboard.
pub async fn progress(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let campaign = campaign(&state).await?;
    let summary = crate::web::summary::summary(&state, &campaign).await?;
    let overall = &summary.overall;
    let parts: Vec<PartFigure> = summary
        .parts
        .iter()
        .map(|p| PartFigure {
            seq: p.seq,
            title: format!("{}、{}", p.numeral, p.title),
            points: p.points,
            tasks: p.tasks,
            approved: p.approved,
            weighted_percent: round1(p.weighted_percent),
        })
        .collect();
    Ok(Json(json!({
        "campaign": { "id": campaign.id, "name": campaign.name, "city": campaign.city_name, "today": campaign.today() },
        "tasks": {
            "total": overall.tasks, "approved": overall.approved, "submitted": overall.submitted,
            "returned": overall.returned, "in_progress": overall.in_progress,
            "not_started": overall.not_started, "overdue": overall.overdue,
        },
        "weighted_percent": round1(overall.weighted_percent),
        "parts": parts,
        "points": summary.points,
        "monthly_reports": summary.reports,
    })))
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Tasks with their status, 200 a page; the same filters as the task list.
pub async fn tasks(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<TasksQuery>,
) -> AppResult<Json<Value>> {
    let campaign = campaign(&state).await?;
    let filter = query.filter(&user, campaign.today());
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let total = tasks::count(&state.db, campaign.id, &filter).await?;
    let rows: Vec<TaskRow> = tasks::list(
        &state.db,
        campaign.id,
        campaign.today(),
        &filter,
        paging.size,
        paging.offset,
    )
    .await?;
    Ok(Json(json!({
        "total": total,
        "page": paging.page,
        "page_size": PAGE_SIZE,
        "tasks": rows,
    })))
}

fn may_see_scores(role: Role) -> AppResult<()> {
    if role == Role::Department {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

pub async fn rounds(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Value>> {
    may_see_scores(user.role)?;
    let campaign = campaign(&state).await?;
    let mut list = Vec::new();
    for round in rounds::list(&state.db, campaign.id).await? {
        let rubric = state.rules.get(&state.db, round.edition_id).await?;
        let outcome = rounds::outcome(&state.db, &campaign, &rubric, &round).await?;
        list.push(json!({
            "id": round.id, "name": round.name, "kind": round.kind, "state": round.state,
            "total": outcome.total, "max_total": outcome.max_total,
            "scope": round.scope(&rubric).parts().collect::<Vec<i32>>(),
            "passed": outcome.decision.passed(),
        }));
    }
    Ok(Json(json!({ "rounds": list })))
}

/// One round's scores: per point, per part, the total, vetoes and the deciding rule.
pub async fn round(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    may_see_scores(user.role)?;
    let campaign = campaign(&state).await?;
    let round = rounds::find(&state.db, id)
        .await?
        .filter(|r| r.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)?;
    let rubric = state.rules.get(&state.db, round.edition_id).await?;
    let outcome = rounds::outcome(&state.db, &campaign, &rubric, &round).await?;
    let (reviews, marks, measurements) = tokio::try_join!(
        rounds::reviews(&state.db, round.id),
        rounds::vetoes(&state.db, round.id),
        rounds::measurements(&state.db, round.id),
    )?;
    let scope = Scope::stored(&rubric, &round.scope_parts);
    let completeness = completeness::completeness(
        &rubric,
        &scope,
        &Recorded::from_rows(&reviews, &marks, &measurements),
    );
    // Each veto item in scope: decided by a measured value, marked by hand, or neither.
    let vetoes: Vec<Value> = rubric
        .parts
        .iter()
        .filter(|p| p.scoring == Scoring::Veto && scope.contains_part(p.seq))
        .flat_map(|p| p.indicators.iter().map(|i| i.number))
        .map(|n| {
            let derived = outcome.derived_vetoes.iter().find(|d| d.indicator == n);
            let marked = marks.iter().find(|m| m.indicator_number == n);
            let state = match (derived.map(|d| d.triggered), marked.map(|m| m.triggered)) {
                (Some(true), _) | (None, Some(true)) => "triggered",
                (Some(false), _) | (None, Some(false)) => "clear",
                (None, None) => "unassessed",
            };
            json!({
                "indicator": n,
                "state": state,
                "derived": derived.is_some(),
                "measure": derived.map(|d| json!({"indicator": d.measure, "value": d.value, "below": d.below})),
                "note": marked.map(|m| m.note.clone()),
            })
        })
        .collect();
    Ok(Json(json!({
        "id": round.id, "name": round.name, "kind": round.kind, "state": round.state,
        "locked_at": round.locked_at,
        "lock_reason": round.lock_reason,
        "scope": {
            "parts": scope.parts().collect::<Vec<i32>>(),
            "indicator_count": scope.indicators(&rubric).len(),
            "max_total": scope.max_points(&rubric),
            "text": scope.describe(&rubric),
        },
        "passed": outcome.decision.passed(),
        "completeness": completeness,
        "vetoes": vetoes,
        "outcome": outcome,
    })))
}

/// A round's history, as its page shows it (oldest first, 100 a page; `?after=` the
/// `next` of the previous page).
pub async fn round_history(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
    Query(query): Query<HistoryQuery>,
) -> AppResult<Json<Value>> {
    may_see_scores(user.role)?;
    let campaign = campaign(&state).await?;
    rounds::find(&state.db, id)
        .await?
        .filter(|r| r.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)?;
    let page = round_history::load(&state, ctx.lang, id, query.after()).await?;
    Ok(Json(json!({
        "round": id,
        "page_size": round_history::HISTORY_PAGE,
        "entries": page.entries,
        "next": page.next,
    })))
}
