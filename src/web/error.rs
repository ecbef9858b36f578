//! The web layer's one error type. Handlers return `Result<_, AppError>`; the gate
//! middleware turns the marker this leaves on the response into a full, localised page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// No session and no valid API token (JSON API only; pages redirect to the login).
    #[error("unauthorized")]
    Unauthorized,
    /// Forbidden, with a message key that says why.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Forbidden, with a message key, and already recorded in the audit trail by the
    /// handler (with more detail than the gate's `access.refused` would have).
    #[error("refused (audited): {0}")]
    AuditedRefusal(&'static str),
    /// A request the user can fix; the value is a message key.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A form post whose CSRF token or origin did not check out.
    #[error("csrf check failed")]
    Csrf,
    #[error("payload too large")]
    TooLarge,
    /// A text field of a multipart form longer than its limit (reading stopped there).
    #[error("form field too large")]
    FieldTooLarge,
    /// An upload that sent nothing for longer than the idle limit.
    #[error("upload stalled")]
    UploadStalled,
    /// A request (not an upload) that took longer than the total time limit.
    #[error("request timed out")]
    TimedOut,
    /// The disk holding uploads is full (the office has been told).
    #[error("storage full")]
    StorageFull,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Session(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
    /// The database cannot be reached (found by a probe after an error whose cause was
    /// not itself a database error, e.g. the session store's).
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// A failure shared by every request that waited on the same derived figure
/// ([`crate::derived::Derived`]): "not found" stays a 404, anything else is a 500.
impl From<std::sync::Arc<AppError>> for AppError {
    fn from(shared: std::sync::Arc<AppError>) -> Self {
        match std::sync::Arc::try_unwrap(shared) {
            Ok(own) => own,
            Err(shared) => match *shared {
                AppError::NotFound => AppError::NotFound,
                AppError::Forbidden => AppError::Forbidden,
                // Every request that waited on a figure the database could not give sees
                // the outage, not a server error.
                ref other if other.unavailable_detail().is_some() => {
                    AppError::Unavailable(other.unavailable_detail().unwrap_or_default())
                }
                ref other => AppError::Other(anyhow::anyhow!("{other:#}")),
            },
        }
    }
}

/// Left on a 503 response so the gate can note the outage (logged once, not per request).
#[derive(Debug, Clone)]
pub struct DatabaseUnavailable(pub String);

/// How long a client should wait before retrying while the database is unavailable.
pub const RETRY_AFTER_SECS: u32 = 10;

/// Left on an error response for the gate to render: status and message key.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message_key: &'static str,
}

impl AppError {
    /// Why the database is unavailable, when that is what this error means.
    pub fn unavailable_detail(&self) -> Option<String> {
        use crate::db::health;
        match self {
            AppError::Unavailable(detail) => Some(detail.clone()),
            AppError::Database(err) if health::is_unavailable(err) => Some(err.to_string()),
            AppError::Other(err) if health::chain_is_unavailable(err) => Some(format!("{err:#}")),
            _ => None,
        }
    }

    pub fn status(&self) -> StatusCode {
        if self.unavailable_detail().is_some() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden
            | AppError::Refused(_)
            | AppError::AuditedRefusal(_)
            | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge | AppError::FieldTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UploadStalled | AppError::TimedOut => StatusCode::REQUEST_TIMEOUT,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_)
            | AppError::Template(_)
            | AppError::Session(_)
            | AppError::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        if self.unavailable_detail().is_some() {
            return UNAVAILABLE_KEY;
        }
        match self {
            AppError::NotFound => "error-not-found",
            AppError::Forbidden => "error-forbidden",
            AppError::BadRequest(key) | AppError::Refused(key) | AppError::AuditedRefusal(key) => {
                key
            }
            AppError::Csrf => "error-csrf",
            AppError::TooLarge => "error-too-large",
            AppError::FieldTooLarge => "error-field-too-large",
            AppError::UploadStalled => "error-upload-stalled",
            AppError::TimedOut => "error-timed-out",
            AppError::StorageFull => "error-storage-full",
            AppError::Unauthorized => "error-unauthorized",
            _ => "error-internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let unavailable = self.unavailable_detail();
        if status.is_server_error() && unavailable.is_none() {
            // The cause goes to the log, never to the user. An outage is logged once, by
            // the gate, instead of once per request.
            tracing::error!(error = ?self, "request failed");
        }
        let page = ErrorPage {
            status,
            message_key: self.message_key(),
        };
        let audited = matches!(self, AppError::AuditedRefusal(_));
        let mut response = (status, page.message_key).into_response();
        response.extensions_mut().insert(page);
        if audited {
            response
                .extensions_mut()
                .insert(super::refusals::RefusalAudited);
        }
        if let Some(detail) = unavailable {
            response
                .extensions_mut()
                .insert(DatabaseUnavailable(detail));
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(RETRY_AFTER_SECS),
            );
        }
        response
    }
}

/// The message shown while the database cannot be reached.
pub const UNAVAILABLE_KEY: &str = "error-database-unavailable";

pub type AppResult<T> = Result<T, AppError>;
