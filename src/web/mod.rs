//! HTTP: routes, middleware and page rendering. Handlers stay thin and call the area
//! modules (`accounts`, `orgs`, `rubric`) that own the SQL.

pub mod access;
mod compression;
pub mod context;
pub mod csrf;
mod current;
pub mod download;
pub mod error;
mod handlers;
pub mod multipart_framing;
mod org_page;
mod outage;
pub mod pages;
pub mod paging;
mod preview_view;
pub mod refusals;
mod report_document;
mod round_history;
mod round_view;
mod script_request;
pub mod serve;
pub mod sign_in;
pub(crate) mod summary;
mod task_page;
pub mod task_query;
pub mod upload_form;
pub mod upload_guard;
mod verdict;

use std::sync::Arc;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware;
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Level;

use crate::config::Config;

/// What every request shares. Axum clones the state for each extractor of each request,
/// so it is one reference-counted handle rather than a copy of every pool and cache handle.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: PgPool,
    pub config: Arc<Config>,
    /// Verified against when a login names an unknown user, so timing tells nothing.
    pub dummy_hash: Arc<String>,
    pub storage: crate::storage::Storage,
    /// Scoring rules and targets of each rubric edition, parsed once.
    pub rules: crate::rubric::RulesCache,
    /// Progress, scores and counts computed once per change of the data.
    pub derived: crate::derived::Derived,
    /// Whether the database is reachable (an outage is logged once, not per request).
    pub db_health: Arc<crate::db::health::DatabaseHealth>,
    /// Wakes this process's search indexer (after every write request: an upload may
    /// have queued files).
    pub search_wake: crate::search::worker::Wake,
}

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "shian_session";

pub fn router(state: AppState, sessions: PostgresStore) -> Router {
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.cookie_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.config.session_minutes,
        )));

    let static_files = Router::new()
        .nest_service("/static", ServeDir::new(&state.config.static_dir))
        .layer(middleware::from_fn_with_state(
            state.config.request_timeout,
            upload_guard::deadline,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            // Asset URLs carry the build version (`?v=`), so a day is safe.
            HeaderValue::from_static("public, max-age=86400"),
        ));

    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| request.uri().path().to_string());
            let id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", id, method = %request.method(), route, user = tracing::field::Empty)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Millis));

    let [nosniff, referrer, csp] = security_headers();
    handlers::routes(&state.config)
        .merge(static_files)
        .fallback(handlers::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), access::gate))
        .layer(middleware::from_fn_with_state(state.clone(), note_changes))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            outage::session_layer_failures,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(compression::layer())
                .layer(nosniff)
                .layer(referrer)
                .layer(csp),
        )
        .with_state(state)
}

/// After any request that may have written (every method but GET, HEAD and OPTIONS;
/// handlers commit before they answer), derived figures are out of date. The request
/// runs as its browser or token, so that whoever wrote sees the change at once even
/// while other readers' figures are refreshed at most once per interval.
async fn note_changes(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let writes = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let client = figures_client(request.headers());
    let response = crate::derived::Derived::scope(client, next.run(request)).await;
    if writes {
        state.derived.changed_by(client);
        state.search_wake.wake();
    }
    response
}

/// A browser (its session cookie) or an API client (its token) as the derived figures
/// know it: a keyed hash, so the secret itself is kept nowhere.
fn figures_client(headers: &axum::http::HeaderMap) -> Option<crate::derived::Client> {
    use std::hash::BuildHasher;
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let secret = access::cookie(headers, SESSION_COOKIE).or_else(|| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    })?;
    Some(KEYS.get_or_init(Default::default).hash_one(secret))
}

/// Headers every response carries: no MIME sniffing, no referrer leaks to other sites,
/// and a content policy that allows only our own scripts, styles and frames.
fn security_headers() -> [SetResponseHeaderLayer<HeaderValue>; 3] {
    [
        SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 object-src 'none'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'",
            ),
        ),
    ]
}
