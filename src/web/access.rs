//! Access control, decided in one place. Every request passes through [`gate`], which
//! looks up the rule for the path in [`RULES`] (deny-by-default: a path without a rule
//! needs a signed-in user), loads the user from the session, picks the language, checks
//! CSRF on every state-changing request, and renders refusals and errors as pages.
//! Finer, per-object decisions live in [`Policy`] next to the rules.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::context::RequestContext;
use super::error::{AppError, ErrorPage};
use super::{AppState, csrf, outage, pages, refusals};
use crate::accounts::{self, Role, User};
use crate::i18n::Lang;

mod inspections;
mod interviews;
pub use inspections::{InspectionPolicy, PlanRefusal, RecordAccessRefusal};
pub use interviews::{InterviewAccessRefusal, InterviewPolicy};

pub const USER_ID_KEY: &str = "uid";
/// When the session was last extended (unix seconds).
const SEEN_KEY: &str = "seen";
/// Sessions expire after a period of inactivity. Extending one means a database write,
/// so it is done at most this often rather than on every request.
const TOUCH_EVERY_SECS: i64 = 300;
pub const LANG_COOKIE: &str = "shian_lang";

/// Who may use a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No session at all (static files, health checks).
    Bare,
    /// Anyone, with a session for CSRF and language (the login page).
    Public,
    /// Any active, signed-in user.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

/// Path prefixes and who may use them; the first match wins, and anything unmatched is
/// [`Access::SignedIn`].
pub const RULES: &[(&str, Access)] = &[
    ("/static", Access::Bare),
    ("/healthz", Access::Bare),
    ("/readyz", Access::Bare),
    ("/favicon.ico", Access::Bare),
    ("/login", Access::Public),
    ("/lang", Access::Public),
    // 公示 are published for the public: readable, and objected to, without sign-in.
    ("/publicity", Access::Public),
    ("/api/v1/publicity", Access::Public),
    // The office drafts and publishes 公示 and handles objections.
    ("/office", Access::Roles(&[Role::Admin, Role::Office])),
    ("/admin", Access::Roles(&[Role::Admin])),
    ("/review", Access::Roles(&[Role::Admin, Role::Office])),
    // Assessment rounds: scores and remarks are not for the organisations being assessed
    // until the office publishes them.
    (
        "/rounds",
        Access::Roles(&[Role::Admin, Role::Office, Role::Assessor, Role::Viewer]),
    ),
    // 督查督办 is between the office and the units; assessors have no part in it.
    (
        "/supervision",
        Access::Roles(&[Role::Admin, Role::Office, Role::Department, Role::Viewer]),
    ),
    // The command centre's 大屏: the office, administrators and leaders.
    (
        "/screen",
        Access::Roles(&[Role::Admin, Role::Office, Role::Viewer]),
    ),
    // Exports gather every organisation's material; departments see only their own.
    (
        "/exports",
        Access::Roles(&[Role::Admin, Role::Office, Role::Assessor, Role::Viewer]),
    ),
];

/// Paths a user who must change their password may still use.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &["/account/password", "/logout", "/lang"];
/// Paths a user whose role requires a second factor may use before enrolling one.
const ALLOWED_BEFORE_TWO_FACTOR: &[&str] = &["/account/2fa", "/logout", "/lang"];

pub fn rule_for(path: &str) -> Access {
    RULES
        .iter()
        .find(|(prefix, _)| path_under(path, prefix))
        .map(|(_, access)| *access)
        .unwrap_or(Access::SignedIn)
}

/// Paths of the JSON API: errors are JSON, not pages, and tokens are accepted.
pub fn is_api(path: &str) -> bool {
    path_under(path, "/api")
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn path_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Per-object decisions that depend on more than the path.
pub struct Policy;

impl Policy {
    /// May `user` work on organisation `org_id`'s tasks (upload, submit)? Its own clerks,
    /// and the city office, which sometimes files material on a department's behalf.
    pub fn can_contribute(user: &User, org_id: i64) -> bool {
        match user.role {
            Role::Admin | Role::Office => true,
            Role::Department => user.organisation_id == Some(org_id),
            Role::Assessor | Role::Viewer => false,
        }
    }

    /// 单位审核: the head (负责人) of organisation `org_id` approves its clerks'
    /// submissions before they reach the office.
    pub fn can_unit_review(user: &User, org_id: i64) -> bool {
        user.role == Role::Department && user.unit_head && user.organisation_id == Some(org_id)
    }

    /// Approving and returning submitted tasks, managing assignments.
    pub fn can_review(user: &User) -> bool {
        matches!(user.role, Role::Admin | Role::Office)
    }

    /// May `user` record scores for an item of a round? Only an assessor of the group
    /// that owns the item, and only while the round is open.
    pub fn can_score(
        user: &User,
        round: &crate::scoring::rounds::Round,
        owner_group: Option<i64>,
    ) -> Result<(), ScoreRefusal> {
        use crate::scoring::rounds::RoundState;
        if user.role != Role::Assessor {
            return Err(ScoreRefusal::NotAssessor);
        }
        match round.state {
            RoundState::Open => {}
            RoundState::Draft => return Err(ScoreRefusal::NotOpen),
            RoundState::Locked => return Err(ScoreRefusal::Locked),
        }
        match (owner_group, user.organisation_id) {
            (Some(group), Some(own)) if group == own => Ok(()),
            _ => Err(ScoreRefusal::OtherGroup),
        }
    }

    /// Writing the evaluation report's narrative: the round's lead assessor, while the
    /// round is not locked.
    pub fn can_write_report(user: &User, round: &crate::scoring::rounds::Round) -> bool {
        round.lead_assessor_id == Some(user.id)
            && round.state != crate::scoring::rounds::RoundState::Locked
    }

    /// Entering the raw counts behind a quantitative target for an organisation.
    pub fn can_enter_targets(user: &User, org_id: i64) -> bool {
        Self::can_contribute(user, org_id)
    }

    /// Recording a 调度 meeting convened by organisation `org_id`: the office for anyone,
    /// a clerk for its own unit (县市场监管局's 月调度). Editing a meeting and turning its
    /// decisions into tasks stay with the office (the `/office` rule).
    pub fn can_record_meeting(user: &User, org_id: i64) -> bool {
        match user.role {
            Role::Admin | Role::Office => true,
            Role::Department => user.organisation_id == Some(org_id),
            Role::Assessor | Role::Viewer => false,
        }
    }
}

/// Who may see what of an organisation evaluation (`/evaluations`, the office's forms under
/// `/office/evaluations`, and `/api/v1/organisations/{id}/evaluations`).
pub struct EvaluationPolicy;

impl EvaluationPolicy {
    /// Opening, finalising, bands, the 考评组's deductions, returning reports: the office.
    pub fn can_manage(user: &User) -> bool {
        Policy::can_review(user)
    }

    /// May `user` see organisation `org_id`'s part of `evaluation`? The office always; a
    /// clerk only its own organisation's, leaders and assessors everyone's — a
    /// self-evaluation once open, a 市级考评 once finalised.
    pub fn can_see(
        user: &User,
        evaluation: &crate::org_evaluations::Evaluation,
        org_id: i64,
    ) -> bool {
        use crate::org_evaluations::{Kind, State};
        let published = match evaluation.kind {
            Kind::SelfCheck => evaluation.state != State::Draft,
            Kind::City => evaluation.state == State::Finalised,
        };
        match user.role {
            Role::Admin | Role::Office => true,
            Role::Department => published && user.organisation_id == Some(org_id),
            Role::Assessor | Role::Viewer => published,
        }
    }

    /// Every organisation's results side by side (the list of an evaluation, the ranking):
    /// not for the organisations being evaluated.
    pub fn can_see_all(user: &User, evaluation: &crate::org_evaluations::Evaluation) -> bool {
        user.role != Role::Department && Self::can_see(user, evaluation, 0)
    }

    /// Self-scoring and the 自查报告: the organisation's own clerks and unit heads.
    pub fn can_self_evaluate(user: &User, org_id: i64) -> bool {
        user.role == Role::Department && user.organisation_id == Some(org_id)
    }

    /// An organisation's evaluation results in the JSON API: its own clerks, and everyone
    /// who is not a clerk.
    pub fn can_read_organisation(user: &User, org_id: i64) -> bool {
        user.role != Role::Department || user.organisation_id == Some(org_id)
    }
}

/// Why a score change was refused (each is logged and audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreRefusal {
    NotAssessor,
    NotOpen,
    Locked,
    OtherGroup,
}

impl ScoreRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreRefusal::NotAssessor => "not_assessor",
            ScoreRefusal::NotOpen => "not_open",
            ScoreRefusal::Locked => "locked",
            ScoreRefusal::OtherGroup => "other_group",
        }
    }

    /// The message key shown to the user.
    pub fn message_key(self) -> &'static str {
        match self {
            ScoreRefusal::NotAssessor => "score-refused-role",
            ScoreRefusal::NotOpen => "score-refused-draft",
            ScoreRefusal::Locked => "score-refused-locked",
            ScoreRefusal::OtherGroup => "score-refused-group",
        }
    }
}

pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let access = rule_for(request.uri().path());
    if access == Access::Bare {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return AppError::Other(anyhow::anyhow!("session layer missing")).into_response();
    };
    let headers = request.headers().clone();
    let client_addr = client_address(&request, state.config.trust_proxy);
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_string);
    let context = match build_context(
        &state,
        &session,
        &headers,
        client_addr.clone(),
        path.clone(),
    )
    .await
    {
        Ok(context) => context,
        Err(err) => {
            // Still a page in the user's language (an outage most likely), not bare text.
            let context = outage::anonymous_context(&headers, client_addr, path);
            let response = outage::confirm(&state, err.into_response()).await;
            return outage::finish(&state, &context, response, render_error_page);
        }
    };
    if let Some(user) = &context.user {
        tracing::Span::current().record("user", user.username.as_str());
    }
    let response = match admit(&context, access, request, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    };
    if let Some(refusal) = refusals::unrecorded(&context, &response) {
        refusals::audit(&state.db, &context, &method, query.as_deref(), refusal).await;
    }
    let response = outage::confirm(&state, response).await;
    outage::finish(&state, &context, response, render_error_page)
}

/// Applies the path's rule, the forced password change and the CSRF check, then runs
/// the handler.
async fn admit(
    context: &RequestContext,
    access: Access,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let path = request.uri().path().to_string();
    match (access, &context.user) {
        (Access::Bare | Access::Public, _) => {}
        (Access::SignedIn | Access::Roles(_), None) if is_api(&path) => {
            return Ok(refusals::with_reason(
                AppError::Unauthorized.into_response(),
                "no_credentials",
            ));
        }
        (Access::SignedIn | Access::Roles(_), None) => {
            return Ok(redirect_to_login(&request));
        }
        (Access::SignedIn, Some(_)) => {}
        (Access::Roles(roles), Some(user)) => {
            if !roles.contains(&user.role) {
                tracing::warn!(user = %user.username, role = user.role.as_str(), %path, "access refused");
                return Ok(refusals::with_reason(
                    AppError::Forbidden.into_response(),
                    "role",
                ));
            }
        }
    }
    if let Some(user) = &context.user
        && user.must_change_password
        && !ALLOWED_BEFORE_PASSWORD_CHANGE
            .iter()
            .any(|p| path_under(&path, p))
        && access != Access::Public
    {
        return Ok(Redirect::to("/account/password").into_response());
    }
    // Like the forced password change: a role that requires a second factor may use
    // nothing else until one is enrolled. API tokens are unaffected (they are made by
    // a signed-in user and stand for that user on their own).
    if let Some(user) = &context.user
        && !user.two_factor_enabled
        && !context.by_token
        && context.two_factor_roles.contains(&user.role)
        && !ALLOWED_BEFORE_TWO_FACTOR
            .iter()
            .any(|p| path_under(&path, p))
        && access != Access::Public
    {
        return Ok(Redirect::to("/account/2fa").into_response());
    }
    if csrf::needs_check(request.method()) {
        if !csrf::origin_ok(request.headers()) {
            tracing::warn!(%path, "cross-origin form post refused");
            return Ok(refusals::with_reason(
                AppError::Csrf.into_response(),
                "csrf_origin",
            ));
        }
        let (checked, ok) = csrf::token_ok(request, &context.csrf_token).await;
        if !ok {
            tracing::warn!(%path, "form post without a valid CSRF token refused");
            return Ok(refusals::with_reason(
                AppError::Csrf.into_response(),
                "csrf_token",
            ));
        }
        request = checked;
    }
    request.extensions_mut().insert(context.clone());
    Ok(next.run(request).await)
}

async fn build_context(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    client_addr: Option<String>,
    path: String,
) -> Result<RequestContext, AppError> {
    let mut unread = 0;
    let mut user = match session.get::<i64>(USER_ID_KEY).await? {
        Some(id) => match accounts::find_with_unread(&state.db, id).await? {
            Some((user, count)) if user.active && session_still_valid(session, &user).await? => {
                unread = count;
                Some(user)
            }
            // A disabled or deleted account loses its sessions at once, and so does a
            // session begun before a password change or reset.
            _ => {
                session.flush().await?;
                None
            }
        },
        None => None,
    };
    // The JSON API also accepts a personal token instead of a session.
    let mut by_token = false;
    if user.is_none()
        && is_api(&path)
        && let Some(token) = bearer_token(headers)
        && let Some(id) = accounts::tokens::user_for(&state.db, token).await?
        && let Some((found, count)) = accounts::find_with_unread(&state.db, id).await?
        && found.active
    {
        unread = count;
        user = Some(found);
        by_token = true;
    }
    if user.is_some() {
        let now = chrono::Utc::now().timestamp();
        let seen = session.get::<i64>(SEEN_KEY).await?.unwrap_or(0);
        if now - seen >= TOUCH_EVERY_SECS {
            session.insert(SEEN_KEY, now).await?;
        }
    }
    let csrf_token = match session.get::<String>(csrf::SESSION_KEY).await? {
        Some(token) => token,
        None => {
            let token = csrf::new_token();
            session.insert(csrf::SESSION_KEY, &token).await?;
            token
        }
    };
    let lang = choose_language(user.as_ref(), headers);
    Ok(RequestContext {
        user,
        lang,
        csrf_token,
        client_addr,
        path,
        unread,
        by_token,
        two_factor_roles: state.config.two_factor_roles.clone(),
    })
}

/// Did this session begin after the user's last cut-off (password change or reset)?
/// Sessions from before this check existed carry no sign-in time and count as old.
async fn session_still_valid(session: &Session, user: &User) -> Result<bool, AppError> {
    let Some(cut_off) = user.sessions_valid_from else {
        return Ok(true);
    };
    let since = session
        .get::<i64>(super::sign_in::SIGNED_IN_AT_KEY)
        .await?
        .unwrap_or(i64::MIN);
    Ok(since >= cut_off.timestamp_micros())
}

/// The peer's address, or behind a trusted proxy the last address it appended to
/// `X-Forwarded-For` (earlier entries are whatever the client claimed).
fn client_address(request: &Request, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .next_back();
        if let Some(address) = forwarded {
            return Some(address.to_string());
        }
    }
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

/// The user's saved choice, then the language cookie, then the browser's preference,
/// then Chinese.
pub fn choose_language(user: Option<&User>, headers: &HeaderMap) -> Lang {
    user.and_then(|u| u.locale.as_deref())
        .and_then(Lang::from_code)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(|v| Lang::from_code(&v)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

fn redirect_to_login(request: &Request) -> Response {
    if request.method() != Method::GET {
        return Redirect::to("/login").into_response();
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    if target == "/" {
        return Redirect::to("/login").into_response();
    }
    let next: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Replaces the short body of an error response with a full page in the user's language.
pub(super) fn render_error_page(context: &RequestContext, response: Response) -> Response {
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    let mut rendered = render_error_body(context, page);
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        rendered
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after.clone());
    }
    rendered
}

fn render_error_body(context: &RequestContext, page: ErrorPage) -> Response {
    if is_api(&context.path) {
        let body = serde_json::json!({
            "error": page.message_key,
            "message": context.lang.t(page.message_key),
        });
        return (page.status, axum::Json(body)).into_response();
    }
    match pages::error_page(context, page) {
        Ok(html) => (page.status, html).into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "cannot render error page");
            (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_whole_segments() {
        assert_eq!(rule_for("/admin"), Access::Roles(&[Role::Admin]));
        assert_eq!(rule_for("/admin/users/3"), Access::Roles(&[Role::Admin]));
        assert_eq!(rule_for("/administrivia"), Access::SignedIn);
        assert_eq!(rule_for("/static/app.css"), Access::Bare);
        assert_eq!(rule_for("/login"), Access::Public);
        // The second step of signing in is for sessions that are not signed in yet.
        assert_eq!(rule_for("/login/2fa"), Access::Public);
        assert_eq!(rule_for("/account/2fa"), Access::SignedIn);
        assert_eq!(
            rule_for("/admin/users/3/2fa/reset"),
            Access::Roles(&[Role::Admin])
        );
        assert_eq!(rule_for("/rubric"), Access::SignedIn);
        assert_eq!(rule_for("/publicity/3/objections"), Access::Public);
        assert_eq!(rule_for("/api/v1/publicity"), Access::Public);
        assert_eq!(rule_for("/api/v1/publicityx"), Access::SignedIn);
        assert_eq!(
            rule_for("/office/publicity/3"),
            Access::Roles(&[Role::Admin, Role::Office])
        );
        assert_eq!(rule_for("/"), Access::SignedIn);
        assert_eq!(rule_for("/no/such/page"), Access::SignedIn);
    }

    #[test]
    fn language_cookie_and_header() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.8".parse().unwrap());
        assert_eq!(choose_language(None, &h), Lang::En);
        h.insert(header::COOKIE, "a=b; shian_lang=zh-CN".parse().unwrap());
        assert_eq!(choose_language(None, &h), Lang::Zh);
        assert_eq!(choose_language(None, &HeaderMap::new()), Lang::Zh);
    }
}
