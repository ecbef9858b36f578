//! Cross-site request forgery defence, in two lines:
//! 1. an origin check that needs no body: `Sec-Fetch-Site` must be same-origin/none and
//!    `Origin`, when sent, must name this host;
//! 2. a per-session synchronizer token, sent as the `csrf_token` form field, the
//!    `X-CSRF-Token` header, or (for multipart forms) the `csrf_token` query parameter,
//!    compared in constant time.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use rand::RngCore;
use subtle::ConstantTimeEq;

/// Form bodies larger than this are not buffered for the token check.
const MAX_FORM_BYTES: usize = 1024 * 1024;

pub const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

pub fn needs_check(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Step 1: refuse requests a browser marks as coming from another site.
pub fn origin_ok(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = url::Url::parse(origin).ok().and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        });
        // `Origin: null` (sandboxed frames, some redirects) carries no host: refuse.
        if origin_host.as_deref() != Some(host) {
            return false;
        }
    }
    true
}

/// Step 2: finds the submitted token and compares it with the session's. Returns the
/// request (with its body restored when it had to be read) and whether it matched.
pub async fn token_ok(request: Request, expected: &str) -> (Request, bool) {
    let matches = |given: &str| {
        !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
    };

    if let Some(given) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let ok = matches(given);
        return (request, ok);
    }
    if let Some(query) = request.uri().query()
        && let Some((_, given)) =
            url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == FIELD)
    {
        let ok = matches(&given);
        return (request, ok);
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (request, false);
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return (Request::from_parts(parts, Body::empty()), false),
    };
    let ok = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .is_some_and(|(_, given)| matches(&given));
    (Request::from_parts(parts, Body::from(bytes)), ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_rules() {
        assert!(origin_ok(&headers(&[("host", "a.gov:8080")])));
        assert!(origin_ok(&headers(&[
            ("host", "a.gov:8080"),
            ("origin", "http://a.gov:8080")
        ])));
        assert!(!origin_ok(&headers(&[
            ("host", "a.gov:8080"),
            ("origin", "http://evil.example")
        ])));
        assert!(!origin_ok(&headers(&[
            ("host", "a.gov"),
            ("origin", "null")
        ])));
        assert!(!origin_ok(&headers(&[
            ("host", "a.gov"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(origin_ok(&headers(&[
            ("host", "a.gov"),
            ("sec-fetch-site", "same-origin")
        ])));
    }

    #[tokio::test]
    async fn token_from_form_body_and_body_is_kept() {
        let body = "name=%E5%BC%A0&csrf_token=abc";
        let req = Request::post("/x")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let (req, ok) = token_ok(req, "abc").await;
        assert!(ok);
        let kept = to_bytes(req.into_body(), 1024).await.unwrap();
        assert_eq!(&kept[..], body.as_bytes());

        let req = Request::post("/x")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("csrf_token=abd"))
            .unwrap();
        assert!(!token_ok(req, "abc").await.1);
        let req = Request::post("/x").body(Body::empty()).unwrap();
        assert!(!token_ok(req, "abc").await.1);
        let req = Request::post("/x?csrf_token=abc")
            .body(Body::empty())
            .unwrap();
        assert!(token_ok(req, "abc").await.1);
        let req = Request::post("/x?csrf_token=").body(Body::empty()).unwrap();
        assert!(
            !token_ok(req, "").await.1,
            "an empty expected token never matches"
        );
    }
}
