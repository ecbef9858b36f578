//! Bounds of upload routes and the time limit of every other route.
//!
//! An upload is limited by size and by idleness, never by its total duration: a clerk on
//! a slow line may take an hour over a large file as long as bytes keep arriving. Every
//! other request has a total time limit. A refused upload is answered with the localised
//! error page, or, for the page's progress-bar upload (which marks its requests with
//! `X-Requested-With: XMLHttpRequest`), with a JSON message the page shows.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::context::RequestContext;
use super::error::{AppError, ErrorPage};
use super::multipart_framing::Framing;

/// Added to the files' sizes for the form's text fields and multipart framing.
pub const FORM_MARGIN_BYTES: u64 = 1024 * 1024;

/// The bounds of one upload route.
#[derive(Debug, Clone, Copy)]
pub struct UploadBounds {
    /// Longest pause between two pieces of the body.
    pub idle: Duration,
    /// Largest whole request body.
    pub max_bytes: u64,
}

impl UploadBounds {
    /// Room for `files` files of `max_file_bytes` each, plus the form around them.
    pub fn for_files(idle: Duration, files: usize, max_file_bytes: u64) -> UploadBounds {
        UploadBounds {
            idle,
            max_bytes: max_file_bytes
                .saturating_mul(files as u64)
                .saturating_add(FORM_MARGIN_BYTES),
        }
    }
}

/// Why the body of an upload was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cutoff {
    Stalled,
    TooLarge,
}

/// Middleware of an upload route: streams the body through the idle and size bounds and,
/// when one of them cut it off, answers for that rather than for whatever the handler
/// made of the broken body.
pub async fn guard_upload(
    State(bounds): State<UploadBounds>,
    request: Request,
    next: Next,
) -> Response {
    let wants_json = super::script_request::marked_by_script(request.headers());
    let context = request.extensions().get::<RequestContext>().cloned();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let response = if declared.is_some_and(|length| length > bounds.max_bytes) {
        AppError::TooLarge.into_response()
    } else {
        let cutoff = Arc::new(Mutex::new(None));
        let (parts, body) = request.into_parts();
        let framing = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(Framing::boundary)
            .map(|boundary| Framing::new(&boundary));
        let body = bounded(body, bounds, framing, cutoff.clone());
        let response = next.run(Request::from_parts(parts, body)).await;
        let cut = *cutoff.lock().expect("cutoff lock");
        match cut {
            Some(Cutoff::Stalled) => {
                tracing::info!(idle_secs = bounds.idle.as_secs(), "upload stalled, refused");
                AppError::UploadStalled.into_response()
            }
            Some(Cutoff::TooLarge) => AppError::TooLarge.into_response(),
            None => response,
        }
    };
    match (wants_json, context) {
        (true, Some(context)) => as_json(&context, response),
        _ => response,
    }
}

/// The body, failing when nothing arrives for `bounds.idle`, when it grows past
/// `bounds.max_bytes`, or when its multipart framing outgrows its bound; the reason is
/// left in `cutoff`.
fn bounded(
    body: Body,
    bounds: UploadBounds,
    framing: Option<Framing>,
    cutoff: Arc<Mutex<Option<Cutoff>>>,
) -> Body {
    struct Reading {
        data: axum::body::BodyDataStream,
        seen: u64,
        done: bool,
        bounds: UploadBounds,
        framing: Option<Framing>,
        cutoff: Arc<Mutex<Option<Cutoff>>>,
    }
    let start = Reading {
        data: body.into_data_stream(),
        seen: 0,
        done: false,
        bounds,
        framing,
        cutoff,
    };
    let stream = futures_util::stream::unfold(start, |mut reading| async move {
        if reading.done {
            return None;
        }
        let cut = |reading: &mut Reading, why: Cutoff, message: &str| {
            reading.done = true;
            *reading.cutoff.lock().expect("cutoff lock") = Some(why);
            Err(std::io::Error::other(message.to_string()))
        };
        let item = match tokio::time::timeout(reading.bounds.idle, reading.data.next()).await {
            Err(_) => cut(&mut reading, Cutoff::Stalled, "upload idle for too long"),
            Ok(None) => return None,
            Ok(Some(Err(err))) => {
                reading.done = true;
                Err(std::io::Error::other(err))
            }
            Ok(Some(Ok(bytes))) => {
                reading.seen += bytes.len() as u64;
                let framing_ok = match reading.framing.as_mut() {
                    Some(framing) => framing.feed(&bytes),
                    None => true,
                };
                if reading.seen > reading.bounds.max_bytes {
                    cut(&mut reading, Cutoff::TooLarge, "upload larger than allowed")
                } else if !framing_ok {
                    cut(&mut reading, Cutoff::TooLarge, "multipart headers too long")
                } else {
                    Ok(bytes)
                }
            }
        };
        Some((item, reading))
    });
    Body::from_stream(stream)
}

/// An error response as `{"error": key, "message": text}` in the user's language; any
/// other response as it is (a refusal page with the typed fields is shown by the page).
fn as_json(context: &RequestContext, response: Response) -> Response {
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    let body = serde_json::json!({
        "error": page.message_key,
        "message": context.lang.t(page.message_key),
    });
    (page.status, axum::Json(body)).into_response()
}

/// Middleware of every other route: a total time limit.
pub async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::TimedOut.into_response(),
    }
}
