//! Every route of the application. Who may call each one is decided by
//! [`super::access::RULES`], not here.

mod account;
mod admin_orgs;
mod admin_users;
mod auth;
mod health;
mod home;
mod rubric;

use axum::Router;
use axum::routing::{get, post};

pub use admin_users::ListQuery;
pub use rubric::TreeQuery;

use super::AppState;
use super::error::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::set_language))
        .route("/", get(home::home))
        .route("/rubric", get(rubric::tree))
        .route("/rubric/indicators/{number}", get(rubric::indicator))
        .route("/account", get(account::page))
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route("/admin/users/new", get(admin_users::new_form))
        .route(
            "/admin/users/import",
            get(admin_users::import_form).post(admin_users::import),
        )
        .route(
            "/admin/users/{id}",
            get(admin_users::edit_form).post(admin_users::update),
        )
        .route(
            "/admin/users/{id}/password",
            post(admin_users::reset_password),
        )
        .route("/admin/users/{id}/active", post(admin_users::set_active))
        .route(
            "/admin/orgs",
            get(admin_orgs::list).post(admin_orgs::create),
        )
        .route(
            "/admin/orgs/{id}",
            get(admin_orgs::edit_form).post(admin_orgs::update),
        )
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Parses an optional numeric form or query field ("" means none).
fn parse_opt_i64(text: &str) -> Result<Option<i64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        text.parse().map(Some).map_err(|_| ())
    }
}
