//! Sign-in hardening (issue 12, items 3, 8 and 15): throttling that cannot be used to
//! lock people out and holds under concurrency and across server processes; a password
//! change that ends the user's other sessions; two-factor sign-in.

mod sessions;
mod throttle;
mod two_factor;

use shian::config::Config;

use crate::support::{Browser, Page, TestApp};

/// Addresses come from a trusted proxy's `X-Forwarded-For`; the first wait is long so
/// that no assertion depends on how fast the test runs.
fn behind_proxy(config: &mut Config) {
    config.trust_proxy = true;
    config.login_first_delay_secs = 600;
}

async fn count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn attempt(browser: &mut Browser, username: &str, password: &str) -> Page {
    browser
        .post("/login", &[("username", username), ("password", password)])
        .await
}
