//! The office's evidence library (`/review/evidence`): every current file with the
//! indicators it serves and its validity, filtered by organisation, kind, year and
//! "lapses before the evaluation", so renewals are chased before the assessors come.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::evidence::library::{self, LibraryFilter, LibraryRow};
use crate::orgs::{self, Organisation};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::pages::render;
use crate::web::paging::Paging;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct LibraryQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    /// Only evidence lapsing before `before` (the evaluation day by default).
    #[serde(default)]
    lapsing: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "evidence/library.html")]
pub struct LibraryPage {
    pub ctx: PageCtx,
    pub rows: Vec<LibraryRow>,
    pub total: i64,
    pub page: i64,
    pub organisations: Vec<Organisation>,
    pub filter: LibraryFilter,
    pub lapsing: bool,
    pub before: NaiveDate,
    pub evaluation_day: NaiveDate,
    pub query: String,
}

impl LibraryPage {
    pub fn kinds(&self) -> [&'static str; 6] {
        crate::evidence::KINDS
    }
    pub fn last_page(&self) -> i64 {
        ((self.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }
    pub fn page_link(&self, page: i64) -> String {
        if self.query.is_empty() {
            format!("?page={page}")
        } else {
            format!("?{}&page={page}", self.query)
        }
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.filter.organisation_id == Some(*id)
    }
    pub fn lapsed(&self, row: &LibraryRow) -> bool {
        row.valid_until.is_some_and(|d| d < self.evaluation_day)
    }
    pub fn indicators(row: &LibraryRow) -> String {
        crate::web::pages::indicator_list(&row.indicators)
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<LibraryQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let evaluation_day = library::evaluation_day(&state.db, campaign.id, campaign.today()).await?;
    let lapsing = !query.lapsing.trim().is_empty();
    let before =
        NaiveDate::parse_from_str(query.before.trim(), "%Y-%m-%d").unwrap_or(evaluation_day);
    let filter = LibraryFilter {
        organisation_id: query.org.trim().parse().ok(),
        kind: Some(query.kind.trim().to_string())
            .filter(|k| crate::evidence::KINDS.contains(&k.as_str())),
        year: query.year.trim().parse().ok(),
        lapsing_before: lapsing.then_some(before),
    };
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let total = library::count(&state.db, campaign.id, &filter).await?;
    let rows = library::page(&state.db, campaign.id, &filter, paging.offset, paging.size).await?;
    let mut pairs: Vec<String> = Vec::new();
    if let Some(o) = filter.organisation_id {
        pairs.push(format!("org={o}"));
    }
    if let Some(k) = &filter.kind {
        pairs.push(format!("kind={k}"));
    }
    if let Some(y) = filter.year {
        pairs.push(format!("year={y}"));
    }
    if lapsing {
        pairs.push(format!("lapsing=1&before={before}"));
    }
    Ok(render(&LibraryPage {
        ctx,
        rows,
        total,
        page: paging.page,
        organisations: orgs::list(&state.db, false).await?,
        filter,
        lapsing,
        before,
        evaluation_day,
        query: pairs.join("&"),
    })?
    .into_response())
}
