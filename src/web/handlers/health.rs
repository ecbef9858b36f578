use axum::extract::State;
use axum::http::StatusCode;

use crate::db::health;
use crate::web::AppState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers. A failure is noted as an outage (logged once per outage, so a
/// load balancer polling every second does not flood the log).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match health::probe(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(detail) => {
            state.db_health.outage(&detail, &state.db);
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
