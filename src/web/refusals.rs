//! Every refusal in the audit trail. The gate calls [`unrecorded`] and [`audit`] on
//! each response it is about to render: a 403 (or, on the JSON API, a 401) leaves one
//! `access.refused` event with who, what (method and path), why and from where.
//!
//! Why here and not in each handler: refusals come from the path rules, the CSRF check
//! and a dozen per-object policies; recording them in one place after the handler means
//! a new refusal cannot be forgotten. Handlers that record a refusal of their own with
//! more detail (score and report refusals) answer [`AppError::AuditedRefusal`], which
//! marks the response so it is not recorded twice.
//!
//! 404s are not refusals: handlers answer 403, not 404, for another organisation's
//! task, file or report (see `visible_task`, `evidence::download`, `reports::download`),
//! so a 404 only ever means the object does not exist and hides nothing.
//!
//! [`AppError::AuditedRefusal`]: super::error::AppError::AuditedRefusal

use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::access::is_api;
use super::context::RequestContext;
use super::error::ErrorPage;

/// Why the gate itself refused (the path rule, CSRF, missing credentials). A refusal
/// without one came from a handler's object policy.
#[derive(Debug, Clone, Copy)]
pub struct RefusalReason(pub &'static str);

/// Left on a response whose refusal the handler has already recorded.
#[derive(Debug, Clone, Copy)]
pub struct RefusalAudited;

/// The reason recorded for refusals decided by a handler's per-object policy.
pub const POLICY: &str = "policy";

/// Long paths are cut to this many characters in the trail (a probe can be any length).
const MAX_PATH_CHARS: usize = 512;

/// Marks `response` as refused by the gate for `reason`.
pub fn with_reason(mut response: Response, reason: &'static str) -> Response {
    response.extensions_mut().insert(RefusalReason(reason));
    response
}

/// What the trail needs of a refused response.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    status: StatusCode,
    message_key: &'static str,
    reason: &'static str,
}

/// The refusal `response` carries that is not yet in the trail, if any. (Read before
/// any await: a response is not `Sync`, so a borrow of it cannot cross one.)
pub fn unrecorded(context: &RequestContext, response: &Response) -> Option<Refusal> {
    let page = response.extensions().get::<ErrorPage>()?;
    let refused = page.status == StatusCode::FORBIDDEN
        || (page.status == StatusCode::UNAUTHORIZED && is_api(&context.path));
    if !refused || response.extensions().get::<RefusalAudited>().is_some() {
        return None;
    }
    let reason = response
        .extensions()
        .get::<RefusalReason>()
        .map_or(POLICY, |r| r.0);
    Some(Refusal {
        status: page.status,
        message_key: page.message_key,
        reason,
    })
}

/// Records the refusal. A failed insert is logged, and the refusal is still answered as
/// a refusal: turning it into a 500 would tell a prober something and hide the refusal
/// from the user who was refused.
pub async fn audit(
    db: &sqlx::PgPool,
    context: &RequestContext,
    method: &Method,
    query: Option<&str>,
    refusal: Refusal,
) {
    let path: String = context.path.chars().take(MAX_PATH_CHARS).collect();
    let mut summary = serde_json::json!({
        "method": method.as_str(),
        "path": path,
        "reason": refusal.reason,
        "message": refusal.message_key,
        "status": refusal.status.as_u16(),
    });
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        summary["query"] = query
            .chars()
            .take(MAX_PATH_CHARS)
            .collect::<String>()
            .into();
    }
    tracing::info!(%path, reason = refusal.reason, status = refusal.status.as_u16(), "refusal recorded");
    if let Err(err) = context
        .audit(db, "access.refused", "path", Some(path), summary)
        .await
    {
        tracing::error!(error = ?err, "cannot record a refusal in the audit trail");
    }
}
