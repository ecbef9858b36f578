//! What every handler and template knows about the request: who is signed in, in which
//! language, and the CSRF token that forms must carry. The gate middleware builds it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::error::AppError;
use crate::accounts::{Role, User};
use crate::i18n::{Arg, Lang};
use crate::orgs::OrgKind;
use crate::rubric::PointCategory;

pub const FLASH_KEY: &str = "flash";

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub user: Option<User>,
    pub lang: Lang,
    pub csrf_token: String,
    pub client_addr: Option<String>,
    pub path: String,
    /// Unread notifications of the signed-in user (shown in the header).
    pub unread: i64,
    /// The user came with an API token, not a session.
    pub by_token: bool,
    /// Roles that must sign in with a second factor (from the configuration).
    pub two_factor_roles: Vec<Role>,
}

impl RequestContext {
    /// Records something the signed-in user did in the audit trail, with their address.
    pub async fn audit(
        &self,
        db: &sqlx::PgPool,
        action: &str,
        object_type: &str,
        object_id: Option<String>,
        summary: serde_json::Value,
    ) -> Result<(), AppError> {
        crate::audit::record(
            db,
            crate::audit::Event {
                actor_id: self.user.as_ref().map(|u| u.id),
                action,
                object_type,
                object_id,
                summary,
                client_addr: self.client_addr.as_deref(),
            },
        )
        .await?;
        Ok(())
    }
}

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Error,
}

impl FlashKind {
    pub fn css(self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Error => "error",
        }
    }
}

pub async fn set_flash(session: &Session, kind: FlashKind, text: String) -> Result<(), AppError> {
    session.insert(FLASH_KEY, Flash { kind, text }).await?;
    Ok(())
}

/// Everything a page template needs besides its own data.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub request: RequestContext,
    pub flash: Option<Flash>,
}

impl PageCtx {
    pub fn lang(&self) -> Lang {
        self.request.lang
    }

    /// Localised message (used as `ctx.t("key")` in templates).
    pub fn t(&self, key: &str) -> String {
        self.request.lang.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl Into<Arg>) -> String {
        self.request.lang.t_args(key, &[(name, value.into())])
    }

    pub fn t2(
        &self,
        key: &str,
        a: &str,
        a_value: impl Into<Arg>,
        b: &str,
        b_value: impl Into<Arg>,
    ) -> String {
        self.request
            .lang
            .t_args(key, &[(a, a_value.into()), (b, b_value.into())])
    }

    pub fn user(&self) -> Option<&User> {
        self.request.user.as_ref()
    }

    pub fn csrf(&self) -> &str {
        &self.request.csrf_token
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.user().is_some_and(|u| u.role.as_str() == role)
    }

    pub fn can_review(&self) -> bool {
        self.user()
            .is_some_and(crate::web::access::Policy::can_review)
    }

    pub fn status_label(&self, status: &crate::tasks::Status) -> String {
        self.t(&format!("status-{}", status.as_str()))
    }

    pub fn kind_of_evidence(&self, kind: &str) -> String {
        self.t(&format!("evidence-kind-{kind}"))
    }

    pub fn event_label(&self, action: &str) -> String {
        self.t(&format!("event-{action}"))
    }

    /// A notification worded in the reader's language.
    pub fn notification_text(&self, n: &crate::notifications::Notification) -> String {
        crate::notifications::text(self.request.lang, n)
    }

    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.role == Role::Admin)
    }

    /// Marks the navigation entry for the current section.
    /// "active" when the page is under any of the space-separated prefixes (a menu group).
    pub fn nav_group_class(&self, prefixes: &str) -> &'static str {
        if prefixes
            .split_whitespace()
            .any(|prefix| self.nav_class(prefix) == "active")
        {
            "active"
        } else {
            ""
        }
    }

    pub fn nav_class(&self, prefix: &str) -> &'static str {
        let path = self.request.path.as_str();
        let hit = if prefix == "/" {
            path == "/"
        } else {
            path == prefix || path.starts_with(&format!("{prefix}/"))
        };
        if hit { "active" } else { "" }
    }

    pub fn role_label(&self, role: &Role) -> String {
        self.t(&format!("role-{}", role.as_str()))
    }

    pub fn kind_label(&self, kind: &OrgKind) -> String {
        self.t(&format!("org-kind-{}", kind.as_str()))
    }

    pub fn category_label(&self, category: &PointCategory) -> String {
        self.t(&format!("category-{}", category.as_str()))
    }

    /// A date as the reader writes it: 2026年12月2日, or 2 Dec 2026 in English.
    pub fn date(&self, date: &chrono::NaiveDate) -> String {
        match self.lang() {
            crate::i18n::Lang::Zh => crate::i18n::chinese_date(*date),
            crate::i18n::Lang::En => date.format("%-d %b %Y").to_string(),
        }
    }

    /// Why a new password was refused, in the reader's language.
    pub fn password_weakness(&self, weakness: crate::accounts::password::Weakness) -> String {
        use crate::accounts::password::{MIN_LENGTH, Weakness};
        match weakness {
            Weakness::TooShort => self.t1("password-too-short", "min", MIN_LENGTH),
            Weakness::SameAsUsername => self.t("password-same-as-username"),
            Weakness::NoVariety => self.t("password-no-variety"),
        }
    }

    /// A name's aside in brackets: （市市场监管局） in Chinese, " (…)" with a space in English.
    pub fn bracketed(&self, text: &str) -> String {
        match self.lang() {
            crate::i18n::Lang::Zh => format!("（{text}）"),
            crate::i18n::Lang::En => format!(" ({text})"),
        }
    }

    /// The day a moment falls on in China time (UTC+8, no daylight saving): 2026年12月4日.
    pub fn day(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.date(&at.with_timezone(&china_time()).date_naive())
    }

    /// A moment in China time: 2026年12月4日 09:30 (4 Dec 2026 09:30 in English).
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let local = at.with_timezone(&china_time());
        format!(
            "{} {}",
            self.date(&local.date_naive()),
            local.format("%H:%M")
        )
    }

    /// A deadline kept as the first moment after it (reports are due "25日前": stored as
    /// the 26th at 00:00) read as the day it falls on: 2026年12月25日前 / by 25 Dec 2026.
    pub fn deadline(&self, due_at: &chrono::DateTime<chrono::Utc>) -> String {
        let last = (*due_at - chrono::Duration::seconds(1)).with_timezone(&china_time());
        self.t1("deadline-by", "date", self.date(&last.date_naive()))
    }

    pub fn round_kind(&self, kind: &crate::scoring::rounds::RoundKind) -> String {
        self.t(&format!("round-kind-{}", kind.as_str()))
    }

    pub fn round_state(&self, state: &crate::scoring::rounds::RoundState) -> String {
        self.t(&format!("round-state-{}", state.as_str()))
    }

    pub fn scoring_label(&self, scoring: &crate::rubric::data::Scoring) -> String {
        self.t(&format!("scoring-{}", scoring.as_str()))
    }

    pub fn unit_label(&self, unit: &crate::rubric::data::MeasureUnit) -> String {
        self.t(&format!("unit-{}", unit.as_str()))
    }

    /// How an organisation is tied to an indicator: lead, responsible, county, task.
    pub fn relation_label(&self, relation: &str) -> String {
        self.t(&format!("relation-{relation}"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("request passed no gate")))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let request = RequestContext::from_request_parts(parts, state).await?;
        let flash = match parts.extensions.get::<Session>() {
            // Removing marks the session changed (a database write), so look first.
            Some(session) => match session.get::<Flash>(FLASH_KEY).await? {
                Some(flash) => {
                    session.remove::<Flash>(FLASH_KEY).await?;
                    Some(flash)
                }
                None => None,
            },
            None => None,
        };
        Ok(PageCtx { request, flash })
    }
}

/// The signed-in user; only obtainable on routes the gate let through as signed in.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        RequestContext::from_request_parts(parts, state)
            .await?
            .user
            .map(CurrentUser)
            .ok_or(AppError::Forbidden)
    }
}

/// China Standard Time, the campaigns' clock (UTC+8, no daylight saving).
fn china_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset")
}
