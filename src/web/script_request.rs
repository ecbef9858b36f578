//! Requests a page's own script makes (autosave, a mark saved in place, uploads with a
//! progress bar) rather than the browser navigating: they are answered with JSON, so the
//! script can say what happened without the browser leaving the page.

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::context::{FlashKind, set_flash};
use super::error::AppResult;

/// Whether the request came from the page's script: it asks for JSON, or marks itself
/// with `X-Requested-With: XMLHttpRequest` as the upload forms do.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
        || marked_by_script(headers)
}

/// Whether the request carries `X-Requested-With: XMLHttpRequest`.
pub fn marked_by_script(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"xmlhttprequest"))
}

/// The answer to a successful upload: the confirmation is kept for the page at
/// `location`, which the browser is sent to. The page's progress-bar upload gets it as
/// JSON (`{"location", "message"}`): a redirect would be followed by the script itself,
/// spending the confirmation on a page it throws away.
pub async fn uploaded(
    session: &Session,
    headers: &HeaderMap,
    confirmation: String,
    location: &str,
) -> AppResult<Response> {
    set_flash(session, FlashKind::Success, confirmation.clone()).await?;
    if wants_json(headers) {
        return Ok(
            axum::Json(serde_json::json!({"location": location, "message": confirmation}))
                .into_response(),
        );
    }
    Ok(Redirect::to(location).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_or_the_script_mark_asks_for_json() {
        let mut headers = HeaderMap::new();
        assert!(!wants_json(&headers));
        headers.insert(header::ACCEPT, "text/html".parse().unwrap());
        assert!(!wants_json(&headers));
        headers.insert(header::ACCEPT, "application/json".parse().unwrap());
        assert!(wants_json(&headers));
        let mut marked = HeaderMap::new();
        marked.insert("x-requested-with", "XMLHttpRequest".parse().unwrap());
        assert!(wants_json(&marked) && marked_by_script(&marked));
    }
}
