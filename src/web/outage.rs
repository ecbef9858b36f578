//! Answering while the database is down: a localised 503 page (or JSON on `/api`) with
//! `Retry-After`, instead of a bare 500 — also when the failure comes before the user is
//! known (session load, user lookup) or from the session layer itself (saving a session
//! when the store is gone answers an empty 500 outside the gate).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::context::RequestContext;
use super::error::{AppError, DatabaseUnavailable, ErrorPage};
use crate::db::health;

/// Put on every response the gate finished, so the layer outside the session layer
/// knows which 500s it has not seen.
#[derive(Debug, Clone, Copy)]
struct Answered;

/// What the gate knows when it could not load the user: the language comes from the
/// browser, nobody is signed in.
pub fn anonymous_context(
    headers: &HeaderMap,
    client_addr: Option<String>,
    path: String,
) -> RequestContext {
    RequestContext {
        user: None,
        lang: super::access::choose_language(None, headers),
        csrf_token: String::new(),
        client_addr,
        path,
        unread: 0,
        by_token: false,
        two_factor_roles: Vec::new(),
    }
}

/// A 500 whose cause was not itself classified (session-store errors arrive as text) is
/// checked against the database: when a probe cannot reach it, the answer is the outage.
pub async fn confirm(state: &AppState, response: Response) -> Response {
    let is_unexplained_500 = response
        .extensions()
        .get::<ErrorPage>()
        .is_some_and(|page| page.status == StatusCode::INTERNAL_SERVER_ERROR);
    if !is_unexplained_500 {
        return response;
    }
    match health::probe(&state.db).await {
        Ok(()) => response,
        Err(detail) => AppError::Unavailable(detail).into_response(),
    }
}

/// Notes an outage (logged once per outage), renders the error page and marks the
/// response as finished by the gate.
pub fn finish(
    state: &AppState,
    context: &RequestContext,
    response: Response,
    render: impl FnOnce(&RequestContext, Response) -> Response,
) -> Response {
    if let Some(DatabaseUnavailable(detail)) = response.extensions().get::<DatabaseUnavailable>() {
        state.db_health.outage(detail, &state.db);
    }
    let mut response = render(context, response);
    response.extensions_mut().insert(Answered);
    response
}

/// Outside the session layer: a 500 the gate did not produce (the session layer failing
/// to save a session) becomes the outage page when the database is unreachable.
pub async fn session_layer_failures(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || response.extensions().get::<Answered>().is_some()
    {
        return response;
    }
    let Err(detail) = health::probe(&state.db).await else {
        return response;
    };
    let context = anonymous_context(&headers, None, path);
    let response = AppError::Unavailable(detail).into_response();
    finish(&state, &context, response, super::access::render_error_page)
}
