//! Response compression: gzip or brotli, whichever the browser prefers, for the text the
//! pages are made of (HTML, JSON, CSS, JavaScript, SVG). Evidence files and exports sent
//! as attachments go out byte for byte: they are mostly compressed already (PDF, images,
//! Office files, ZIP), and a download should be the file itself.

use axum::http::{Extensions, HeaderMap, StatusCode, Version, header};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Content types worth compressing.
const TEXT_TYPES: [&str; 6] = [
    "text/html",
    "application/json",
    "text/css",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
];

fn is_page_text(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    let attachment = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("attachment"));
    let text = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| TEXT_TYPES.iter().any(|t| v.starts_with(t)));
    text && !attachment
}

/// The layer. Level 4 keeps brotli's cost per page near gzip's (brotli's default, 11, is
/// far too slow for pages made per request) while still shrinking HTML about eightfold.
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(SizeAbove::new(1024).and(is_page_text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    fn compressed(pairs: &[(header::HeaderName, &'static str)]) -> bool {
        is_page_text(
            StatusCode::OK,
            Version::HTTP_11,
            &headers(pairs),
            &Extensions::new(),
        )
    }

    #[test]
    fn pages_and_assets_are_compressed_downloads_are_not() {
        assert!(compressed(&[(
            header::CONTENT_TYPE,
            "text/html; charset=utf-8"
        )]));
        assert!(compressed(&[(header::CONTENT_TYPE, "application/json")]));
        assert!(compressed(&[(header::CONTENT_TYPE, "text/css")]));
        assert!(!compressed(&[(header::CONTENT_TYPE, "application/pdf")]));
        assert!(!compressed(&[(header::CONTENT_TYPE, "image/jpeg")]));
        assert!(!compressed(&[
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"x.json\""
            ),
        ]));
        assert!(!compressed(&[]));
    }
}
