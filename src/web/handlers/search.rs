//! Full-text search (`/search`, `/api/v1/search`): every file the user may read, by the
//! words inside it and in its title, description, organisation and file name. The
//! visibility is the pages' (`evidence::Reader`); the SQL is `crate::search`'s.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::evidence::{KINDS, Reader};
use crate::orgs::{self, Organisation};
use crate::rubric::{self, Part};
use crate::search::query::{self, Refusal};
use crate::search::{self, Filters, Hit, PAGE_SIZE, Results};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx, RequestContext};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::render;
use crate::web::paging::Paging;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    page: String,
}

impl SearchQuery {
    /// Filters as given; anything unreadable is no filter.
    fn filters(&self) -> Filters {
        Filters {
            part: self.part.trim().parse().ok(),
            organisation_id: self.org.trim().parse().ok(),
            kind: Some(self.kind.trim().to_string()).filter(|k| KINDS.contains(&k.as_str())),
            year: self
                .year
                .trim()
                .parse()
                .ok()
                .filter(|y| (2000..=2100).contains(y)),
        }
    }
}

/// What a search request turned into.
enum Outcome {
    /// Nothing typed: the page shows the box only.
    Empty,
    Refused(Refusal),
    Found(Results),
}

async fn run(
    state: &AppState,
    request: &RequestContext,
    reader: Reader,
    query: &SearchQuery,
    filters: &Filters,
    paging: Paging,
) -> AppResult<Outcome> {
    let parsed = match query::parse(&query.q) {
        Ok(None) => return Ok(Outcome::Empty),
        Ok(Some(parsed)) => parsed,
        Err(refusal) => return Ok(Outcome::Refused(refusal)),
    };
    let campaign = campaign(state).await?;
    let results = search::search(
        &state.db,
        &state.derived,
        campaign.id,
        reader,
        &parsed,
        filters,
        paging.offset,
        paging.size,
    )
    .await?;
    // A search reads what is written inside files: recorded like a preview.
    let q: String = query.q.trim().chars().take(query::MAX_CHARS).collect();
    request
        .audit(
            &state.db,
            "search.query",
            "search",
            None,
            json!({
                "q": q, "part": filters.part, "org": filters.organisation_id,
                "kind": filters.kind, "year": filters.year, "page": paging.page,
                "total": results.total, "api": request.by_token || request.path.starts_with("/api"),
            }),
        )
        .await?;
    Ok(Outcome::Found(results))
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub ctx: PageCtx,
    pub q: String,
    pub filters: Filters,
    pub refusal: Option<String>,
    pub searched: bool,
    pub results: Results,
    pub page: i64,
    pub parts: Vec<Part>,
    pub organisations: Vec<Organisation>,
}

impl SearchPage {
    pub fn kinds(&self) -> [&'static str; 6] {
        KINDS
    }
    pub fn last_page(&self) -> i64 {
        ((self.results.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }
    fn encoded_q(&self) -> String {
        utf8_percent_encode(self.q.trim(), NON_ALPHANUMERIC).to_string()
    }
    /// This search with another page, or (`part` = 0: any) another part.
    pub fn link(&self, page: i64, part: Option<i32>) -> String {
        let mut out = format!("/search?q={}", self.encoded_q());
        if let Some(p) = part {
            out.push_str(&format!("&part={p}"));
        }
        if let Some(o) = self.filters.organisation_id {
            out.push_str(&format!("&org={o}"));
        }
        if let Some(k) = &self.filters.kind {
            out.push_str(&format!("&kind={k}"));
        }
        if let Some(y) = self.filters.year {
            out.push_str(&format!("&year={y}"));
        }
        if page > 1 {
            out.push_str(&format!("&page={page}"));
        }
        out
    }
    pub fn page_link(&self, page: i64) -> String {
        self.link(page, self.filters.part)
    }
    /// The file's preview, opened at the first match.
    pub fn preview_link(&self, hit: &Hit) -> String {
        format!(
            "/files/{}/preview?q={}#m1",
            hit.version_id,
            self.encoded_q()
        )
    }
    pub fn part_count(&self, seq: &i32) -> i64 {
        self.results
            .parts
            .iter()
            .find(|(s, _)| s == seq)
            .map_or(0, |p| p.1)
    }
    pub fn is_part(&self, seq: &i32) -> bool {
        self.filters.part == Some(*seq)
    }
    pub fn part_label(&self, seq: &i32) -> String {
        self.ctx.t1("search-part-n", "seq", i64::from(*seq))
    }
    pub fn part_link(&self, seq: &i32) -> String {
        self.link(1, Some(*seq))
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.filters.organisation_id == Some(*id)
    }
    pub fn indicators(hit: &Hit) -> String {
        crate::web::pages::indicator_list(&hit.indicators)
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    let filters = query.filters();
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let outcome = run(
        &state,
        &ctx.request,
        Reader::of(&user),
        &query,
        &filters,
        paging,
    )
    .await?;
    let campaign = campaign(&state).await?;
    let (status, refusal, searched, results) = match outcome {
        Outcome::Empty => (StatusCode::OK, None, false, Results::default()),
        Outcome::Refused(r) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(refusal_text(&ctx, r)),
            false,
            Results::default(),
        ),
        Outcome::Found(results) => (StatusCode::OK, None, true, results),
    };
    let page = SearchPage {
        q: query.q.clone(),
        filters,
        refusal,
        searched,
        results,
        page: paging.page,
        parts: rubric::parts(&state.db, campaign.edition_id).await?,
        organisations: orgs::list(&state.db, false).await?,
        ctx,
    };
    Ok((status, render(&page)?).into_response())
}

fn refusal_text(ctx: &PageCtx, refusal: Refusal) -> String {
    match refusal {
        Refusal::TooLong => ctx.t1(refusal.code(), "max", query::MAX_CHARS as i64),
        Refusal::TooManyTerms => ctx.t1(refusal.code(), "max", query::MAX_TERMS as i64),
        Refusal::NoWords => ctx.t(refusal.code()),
    }
}

/// `/api/v1/search`: the same search and visibility; passages are plain text with the
/// matches as character offsets (`[start, end)`), which survive any text, unlike marks.
pub async fn api(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    request: RequestContext,
    Query(query): Query<SearchQuery>,
) -> AppResult<Json<Value>> {
    let filters = query.filters();
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let results = match run(
        &state,
        &request,
        Reader::of(&user),
        &query,
        &filters,
        paging,
    )
    .await?
    {
        Outcome::Empty => return Err(AppError::BadRequest("search-refused-empty")),
        Outcome::Refused(refusal) => return Err(AppError::BadRequest(refusal.code())),
        Outcome::Found(results) => results,
    };
    let hits: Vec<Value> = results
        .hits
        .iter()
        .map(|hit| {
            json!({
                "evidence_id": hit.evidence_id,
                "version_id": hit.version_id,
                "title": hit.title.text,
                "organisation_id": hit.organisation_id,
                "organisation": hit.organisation,
                "indicators": hit.indicators,
                "kind": hit.kind,
                "year": hit.year,
                "file": hit.file_name,
                "text_state": hit.text_state,
                "passage": {
                    "text": hit.passage.text,
                    "matches": hit.passage.marks.iter().map(|(s, e)| [s, e]).collect::<Vec<_>>(),
                    "cut_before": hit.passage.cut_before,
                    "cut_after": hit.passage.cut_after,
                },
                "title_matches": hit.title.marks.iter().map(|(s, e)| [s, e]).collect::<Vec<_>>(),
                "preview": format!("/files/{}/preview", hit.version_id),
                "download": format!("/files/{}", hit.version_id),
            })
        })
        .collect();
    Ok(Json(json!({
        "q": query.q.trim(),
        "total": results.total,
        "page": paging.page,
        "page_size": PAGE_SIZE,
        "parts": results.parts.iter().map(|(seq, n)| json!({"seq": seq, "count": n})).collect::<Vec<_>>(),
        "hits": hits,
    })))
}
