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
                ref other => AppError::Other(anyhow::anyhow!("{other:#}")),
            },
        }
    }
}

/// Left on an error response for the gate to render: status and message key.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message_key: &'static str,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
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
            AppError::Database(_)
            | AppError::Template(_)
            | AppError::Session(_)
            | AppError::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
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
        if status.is_server_error() {
            // The cause goes to the log, never to the user.
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
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
