//! Every route of the application. Who may call each one is decided by
//! [`super::access::RULES`], not here.

mod account;
mod admin_audit;
mod admin_campaign;
mod admin_edition;
mod admin_orgs;
mod admin_round_lifecycle;
mod admin_rounds;
mod admin_users;
mod admin_webhooks;
mod api;
mod api_evidence;
mod api_office;
mod auth;
mod bulletins;
mod evidence;
mod evidence_library;
mod evidence_links;
mod evidence_preview;
mod exports;
mod health;
mod home;
mod inspections;
mod interviews;
mod meetings;
mod member_picks;
mod notifications;
mod org_evaluations;
mod problems;
mod programmes;
mod publicity;
mod reports;
mod rounds;
mod rubric;
mod screen;
mod search;
mod supervision;
mod targets;
mod task_people;
mod tasks;
mod two_factor;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};

pub use admin_audit::AuditQuery;
pub use admin_users::ListQuery;
pub use rubric::TreeQuery;

use super::AppState;
use super::error::AppError;
use super::upload_guard::{self, UploadBounds};
use crate::config::Config;

pub fn routes(config: &Config) -> Router<AppState> {
    // Uploads stream to disk, so the usual small body limit is lifted for them and they
    // have no total time limit; each is bounded by idleness and by room for the files it
    // may carry (storage enforces each file's own limit).
    let upload_within = |files: usize, bytes: u64| {
        middleware::from_fn_with_state(
            UploadBounds::for_files(config.upload_idle, files, bytes),
            upload_guard::guard_upload,
        )
    };
    let upload = |files: usize| upload_within(files, config.max_upload_bytes);
    let uploads = Router::new()
        .route(
            "/tasks/{id}/evidence",
            post(evidence::upload).layer(upload(crate::web::upload_form::MAX_FILES)),
        )
        .route(
            "/reports",
            post(reports::submit).layer(upload(reports::MAX_FILES)),
        )
        .route(
            "/evidence/{id}/replace",
            post(evidence::replace).layer(upload(1)),
        )
        .route(
            "/problems/{id}/files",
            post(problems::files::upload).layer(upload(crate::web::upload_form::MAX_FILES)),
        )
        .route(
            "/rounds/{id}/inspections/{point}/photos",
            post(inspections::photos::upload).layer(upload_within(
                2,
                crate::inspections::photos::MAX_PHOTO_BYTES,
            )),
        )
        .route(
            "/publicity/{id}/objections",
            post(publicity::object).layer(upload_within(1, config.objection_attachment_bytes)),
        )
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/tasks", get(tasks::list).post(tasks::create))
        .route("/tasks/due", post(tasks::bulk_due))
        .route("/tasks/{id}", get(tasks::show))
        .route("/tasks/{id}/submit", post(tasks::submit))
        .route("/tasks/{id}/review", post(tasks::review))
        .route("/tasks/{id}/manage", post(tasks::manage))
        .route("/tasks/{id}/assignee", post(task_people::assign))
        .route("/tasks/{id}/unit-review", post(task_people::unit_review))
        .route("/review", get(tasks::review_queue))
        .route("/evidence/{id}/delete", post(evidence::delete))
        .route("/tasks/{id}/links", post(evidence_links::link))
        .route(
            "/tasks/{id}/links/{evidence}/remove",
            post(evidence_links::unlink),
        )
        .route("/files/{version_id}", get(evidence::download))
        .route("/files/{version_id}/preview", get(evidence_preview::show))
        .route("/reports", get(reports::page))
        .route("/reports/files/{file_id}", get(reports::download))
        .route("/rounds", get(rounds::list))
        .route("/rounds/compare", get(rounds::compare))
        .route("/rounds/{id}", get(rounds::show))
        .route("/rounds/{id}/work", get(rounds::worklist))
        .route("/rounds/{id}/sheet.xlsx", get(rounds::score_sheet))
        .route("/rounds/{id}/history", get(rounds::history))
        .route("/rounds/{id}/locks/{lock_id}", get(rounds::lock))
        .route("/rounds/{id}/inspections", get(inspections::plan))
        .route("/rounds/{id}/inspections/paste", post(inspections::paste))
        .route(
            "/rounds/{id}/interviews",
            get(interviews::list).post(interviews::add),
        )
        .route(
            "/rounds/{id}/interviews/{iid}/edit",
            get(interviews::edit).post(interviews::save),
        )
        .route(
            "/rounds/{id}/interviews/{iid}/delete",
            post(interviews::delete),
        )
        .route(
            "/rounds/{id}/inspections/{point}",
            get(inspections::record::show),
        )
        .route(
            "/rounds/{id}/inspections/{point}/record",
            post(inspections::record::save),
        )
        .route(
            "/rounds/{id}/inspections/{point}/findings",
            post(inspections::findings::add),
        )
        .route(
            "/rounds/{id}/inspections/{point}/findings/{finding}/delete",
            post(inspections::findings::remove),
        )
        .route(
            "/rounds/{id}/inspections/{point}/photos/{photo}",
            get(inspections::photos::download),
        )
        .route(
            "/rounds/{id}/inspections/{point}/photos/{photo}/preview",
            get(inspections::photos::preview),
        )
        .route(
            "/rounds/{id}/inspections/{point}/photos/{photo}/delete",
            post(inspections::photos::remove),
        )
        .route(
            "/rounds/{id}/findings/{finding}/accept",
            post(rounds::accept_finding),
        )
        .route(
            "/rounds/{id}/findings/{finding}/set-aside",
            post(rounds::set_aside_finding),
        )
        .route(
            "/rounds/{id}/inspections/import",
            // A spreadsheet is read in memory, within its own limit (not the usual one).
            post(inspections::import).layer(DefaultBodyLimit::max(
                crate::inspections::plan::xlsx::MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/admin/campaign/edition/preview",
            // A mapping file is read in memory, within its own limit.
            post(admin_edition::preview).layer(DefaultBodyLimit::max(
                admin_edition::MAX_MAPPING_BYTES + 64 * 1024,
            )),
        )
        .route("/rounds/{id}/inspections/draw", post(inspections::draw))
        .route(
            "/rounds/{id}/inspections/draw/confirm",
            post(inspections::confirm_draw),
        )
        .route(
            "/rounds/{id}/inspections/points/{point}/edit",
            get(inspections::edit_point_form).post(inspections::edit_point),
        )
        .route(
            "/rounds/{id}/inspections/points/{point}/delete",
            post(inspections::delete_point),
        )
        .route(
            "/rounds/{id}/report",
            get(rounds::report).post(rounds::save_report),
        )
        .route("/rounds/{id}/report.docx", get(rounds::report_docx))
        .route("/rounds/{id}/items/{key}", get(rounds::item))
        .route(
            "/rounds/{id}/items/{key}/deductions",
            post(rounds::add_deduction),
        )
        .route("/rounds/{id}/items/{key}/measure", post(rounds::measure))
        .route("/rounds/{id}/items/{key}/award", post(rounds::award))
        .route("/rounds/{id}/items/{key}/veto", post(rounds::veto))
        .route("/rounds/{id}/items/{key}/review", post(rounds::review_item))
        .route(
            "/rounds/{id}/deductions/{deduction}/withdraw",
            post(rounds::withdraw_deduction),
        )
        .route("/rounds/{id}/evidence/{evidence}/mark", post(rounds::mark))
        .route("/targets", get(targets::page).post(targets::save))
        .route("/exports", get(exports::page))
        .route("/exports/tasks.xlsx", get(exports::tasks_xlsx))
        .route("/exports/tasks.csv", get(exports::tasks_csv))
        .route("/exports/evidence.csv", get(exports::evidence_csv))
        .route("/exports/evidence.zip", get(exports::evidence_zip))
        .route("/admin/rounds", post(admin_rounds::create))
        .route("/admin/rounds/{id}/state", post(admin_rounds::set_state))
        .route(
            "/admin/rounds/{id}/lock",
            get(admin_round_lifecycle::lock_page).post(admin_round_lifecycle::lock),
        )
        .route(
            "/admin/rounds/{id}/reopen",
            post(admin_round_lifecycle::reopen),
        )
        .route(
            "/admin/rounds/{id}/delete",
            post(admin_round_lifecycle::delete),
        )
        .route(
            "/admin/rounds/{id}/assignments",
            get(admin_rounds::assignments).post(admin_rounds::save_assignments),
        )
        .route(
            "/admin/scoring",
            get(admin_rounds::scoring_settings).post(admin_rounds::save_scoring_settings),
        )
        .route("/bulletins", get(bulletins::list).post(bulletins::create))
        .route("/bulletins/{id}", get(bulletins::show))
        .route(
            "/problems",
            get(problems::list::list).post(problems::list::raise),
        )
        .route("/problems/from-round", post(problems::from_round::raise))
        .route("/problems/ledger.xlsx", get(problems::list::ledger_xlsx))
        .route("/problems/ledger.csv", get(problems::list::ledger_csv))
        .route("/problems/{id}", get(problems::show::show))
        .route("/problems/{id}/answer", post(problems::show::answer))
        .route("/problems/{id}/verify", post(problems::show::verify))
        .route("/problems/{id}/manage", post(problems::manage::manage))
        .route(
            "/problems/{id}/files/{file}",
            get(problems::files::download),
        )
        .route("/api/v1/problems", get(problems::list::api))
        .route("/bulletins/{id}/export.csv", get(bulletins::export))
        .route("/notifications", get(notifications::list))
        // 公示: public pages (no sign-in) and the office's pages.
        .route("/publicity", get(publicity::list))
        .route("/publicity/{id}", get(publicity::show))
        .route("/publicity/objections/receipt", get(publicity::receipt))
        .route(
            "/publicity/objections/status",
            get(publicity::status_page).post(publicity::status_lookup),
        )
        .route("/api/v1/publicity", get(publicity::api))
        .route(
            "/office/publicity",
            get(publicity::office::list).post(publicity::office::create),
        )
        .route(
            "/office/publicity/{id}",
            get(publicity::office::show).post(publicity::office::save),
        )
        .route(
            "/office/publicity/{id}/publish",
            post(publicity::office::publish),
        )
        .route(
            "/office/publicity/objections/{id}/handle",
            post(publicity::office::handle),
        )
        .route(
            "/office/publicity/objections/{id}/file",
            get(publicity::office::attachment),
        )
        // Organisation evaluations: 自查自评 and 市级考评 (the office's forms under /office).
        .route("/evaluations", get(org_evaluations::list))
        .route("/evaluations/{id}", get(org_evaluations::show))
        .route(
            "/evaluations/{id}/ranking",
            get(org_evaluations::city::ranking),
        )
        .route(
            "/evaluations/{id}/orgs/{org}",
            get(org_evaluations::organisation),
        )
        .route(
            "/evaluations/{id}/orgs/{org}/entries",
            post(org_evaluations::self_check::save_entry),
        )
        .route(
            "/evaluations/{id}/orgs/{org}/report",
            post(org_evaluations::self_check::save_report),
        )
        .route(
            "/evaluations/{id}/orgs/{org}/report.docx",
            get(org_evaluations::self_check::report_docx),
        )
        .route("/office/evaluations", post(org_evaluations::create))
        .route(
            "/office/evaluations/{id}/state",
            post(org_evaluations::advance),
        )
        .route(
            "/office/evaluations/{id}/bands",
            post(org_evaluations::city::set_bands),
        )
        .route(
            "/office/evaluations/{id}/orgs/{org}/return",
            post(org_evaluations::self_check::return_report),
        )
        .route(
            "/office/evaluations/{id}/orgs/{org}/deductions",
            post(org_evaluations::city::add_deduction),
        )
        .route(
            "/office/evaluations/{id}/deductions/{deduction}/rectify",
            post(org_evaluations::city::rectify),
        )
        .route(
            "/office/evaluations/{id}/deductions/{deduction}/withdraw",
            post(org_evaluations::city::withdraw),
        )
        .route(
            "/api/v1/organisations/{id}/evaluations",
            get(org_evaluations::api::organisation),
        )
        .route("/notifications/read", post(notifications::mark_read))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/login", get(auth::login_page).post(auth::login))
        .route(
            "/login/2fa",
            get(two_factor::second_step_page).post(two_factor::second_step),
        )
        .route(
            "/account/2fa",
            get(two_factor::page).post(two_factor::confirm),
        )
        .route("/account/2fa/disable", post(two_factor::disable))
        .route("/admin/users/{id}/2fa/reset", post(two_factor::admin_reset))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::set_language))
        .route("/", get(home::home))
        .route("/rubric", get(rubric::tree))
        .route("/rubric/indicators/{number}", get(rubric::indicator))
        .route(
            "/office/indicators/{number}/members",
            post(member_picks::confirm),
        )
        .route("/supervision", get(supervision::list))
        .route("/supervision/{id}", get(supervision::show::show))
        .route("/supervision/{id}/step", post(supervision::show::step))
        .route("/office/supervision/new", get(supervision::issue::new_form))
        .route("/office/supervision", post(supervision::issue::create))
        // 调度 meetings: everyone reads; the office, or a clerk for its own unit, records;
        // the office edits and turns decisions into tasks and milestones.
        .route("/meetings", get(meetings::list))
        .route(
            "/meetings/new",
            get(meetings::forms::new_form).post(meetings::forms::record),
        )
        .route("/meetings/{id}", get(meetings::show))
        .route(
            "/office/meetings/{id}/edit",
            get(meetings::forms::edit_form).post(meetings::forms::save),
        )
        .route(
            "/office/meetings/{id}/decisions",
            post(meetings::decisions::add),
        )
        .route(
            "/office/meetings/{id}/decisions/{decision}/task",
            post(meetings::decisions::make_task),
        )
        .route(
            "/office/meetings/{id}/decisions/{decision}/milestone",
            post(meetings::decisions::make_milestone),
        )
        .route("/api/v1/meetings", get(meetings::api::list))
        .route("/office/matrix", get(home::matrix))
        // The command centre's wall screen (大屏).
        .route("/screen", get(screen::screen))
        .route("/programmes", get(programmes::list))
        .route("/programmes/{id}", get(programmes::show))
        .route("/account", get(account::page))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/search", get(search::page))
        .route("/api/v1/search", get(search::api))
        .route("/api/v1/rubric", get(api::rubric))
        .route("/api/v1/organisations", get(api::organisations))
        .route("/api/v1/progress", get(api::progress))
        .route("/api/v1/evidence/{id}", get(api_evidence::evidence))
        .route("/review/evidence", get(evidence_library::page))
        .route("/api/v1/tasks", get(api::tasks))
        .route("/api/v1/programmes", get(api_office::programmes))
        .route("/api/v1/supervision", get(api_office::supervision))
        .route("/api/v1/targets", get(api_office::targets))
        .route("/api/v1/rounds", get(api::rounds))
        .route("/api/v1/rounds/{id}", get(api::round))
        .route("/api/v1/rounds/{id}/history", get(api::round_history))
        .route(
            "/api/v1/rounds/{id}/inspections",
            get(inspections::api::round_inspections),
        )
        .route(
            "/api/v1/rounds/{id}/interviews",
            get(interviews::api::round_interviews),
        )
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
            "/admin/campaign",
            get(admin_campaign::page).post(admin_campaign::save),
        )
        .route("/admin/campaign/generate", post(admin_campaign::generate))
        .route("/admin/campaign/edition", get(admin_edition::page))
        .route(
            "/admin/campaign/edition/migrate",
            post(admin_edition::migrate),
        )
        .route("/admin/audit", get(admin_audit::page))
        .route("/admin/audit/export.csv", get(admin_audit::export))
        .route(
            "/admin/orgs",
            get(admin_orgs::list).post(admin_orgs::create),
        )
        .route(
            "/admin/orgs/{id}",
            get(admin_orgs::edit_form).post(admin_orgs::update),
        )
        // 工作群通知: the organisation's group robots.
        .route("/admin/orgs/{id}/webhooks", post(admin_webhooks::add))
        .route(
            "/admin/orgs/{id}/webhooks/{hook}/test",
            post(admin_webhooks::test),
        )
        .route(
            "/admin/orgs/{id}/webhooks/{hook}/enabled",
            post(admin_webhooks::set_enabled),
        )
        .route(
            "/admin/orgs/{id}/webhooks/{hook}/delete",
            post(admin_webhooks::remove),
        )
        // Everything but the uploads has a total time limit (layered before the merge,
        // so it wraps these routes only).
        .layer(middleware::from_fn_with_state(
            config.request_timeout,
            upload_guard::deadline,
        ))
        .merge(uploads)
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
