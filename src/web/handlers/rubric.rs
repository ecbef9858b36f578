//! The rubric browser: the tree with filters and search, and one page per indicator.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::parse_opt_i64;
use crate::orgs;
use crate::rubric::{self, Filter};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{IndicatorPage, MemberView, RubricPage, render};

#[derive(Debug, Default, Deserialize, Clone)]
pub struct TreeQuery {
    #[serde(default)]
    pub part: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub q: String,
}

pub async fn tree(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<TreeQuery>,
) -> AppResult<Response> {
    let edition = crate::web::current::edition(&state).await?;
    let non_empty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = Filter {
        part_seq: query.part.trim().parse().ok(),
        method: non_empty(&query.method),
        organisation_id: parse_opt_i64(&query.org).unwrap_or(None),
        query: non_empty(&query.q),
    };
    let parts = rubric::tree(&state.db, edition.id, &filter).await?;
    let all_parts = rubric::parts(&state.db, edition.id).await?;
    let methods = rubric::methods(&state.db, edition.id).await?;
    // Owners only: an assessor group is never a 责任单位.
    let organisations = orgs::task_owners(&state.db).await?;
    let match_count = parts.iter().map(|p| p.indicator_count()).sum();
    Ok(render(&RubricPage {
        ctx,
        edition,
        parts,
        all_parts,
        methods,
        organisations,
        filtered: !filter.is_empty(),
        selected_org: filter.organisation_id,
        query,
        match_count,
    })?
    .into_response())
}

pub async fn indicator(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    let edition = crate::web::current::edition(&state).await?;
    let detail = rubric::indicator(&state.db, edition.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let campaign = crate::web::current::campaign(&state).await?;
    let members = member_view(&state, campaign.id, detail.record.id).await?;
    Ok(render(&IndicatorPage {
        ctx,
        edition,
        detail,
        members,
    })?
    .into_response())
}

/// How the cell's member clause is expanded in this campaign, with the pick the office
/// is asked for when the cell says 有关成员单位.
pub async fn member_view(
    state: &AppState,
    campaign_id: i64,
    indicator_id: i64,
) -> AppResult<Option<MemberView>> {
    let Some(expansion) =
        crate::tasks::members::expansion_of(&state.db, campaign_id, indicator_id).await?
    else {
        return Ok(None);
    };
    let choices = if expansion.clause == crate::rubric::clause::MemberClause::Relevant {
        let picked: Vec<i64> = if expansion.confirmed {
            expansion.members.iter().map(|m| m.id).collect()
        } else {
            crate::tasks::members::default_pick(&state.db, campaign_id, indicator_id).await?
        };
        orgs::members(&state.db)
            .await?
            .into_iter()
            .map(|m| {
                let checked = picked.contains(&m.id);
                (m, checked)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(MemberView { expansion, choices }))
}
