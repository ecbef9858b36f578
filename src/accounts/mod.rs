//! Accounts: users, their roles and organisations, and the SQL that owns them.

pub mod csv_import;
pub mod password;
pub mod throttle;
pub mod tokens;
pub mod two_factor;

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgExecutor, PgPool};

use crate::orgs::OrgKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// City office administrator: accounts, organisations, settings.
    Admin,
    /// City office staff: run the campaign, review everything.
    Office,
    /// Department or county clerk, bound to one organisation.
    Department,
    /// Provincial reviewer.
    Assessor,
    /// Leaders: read only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Office,
        Role::Department,
        Role::Assessor,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::Department => "department",
            Role::Assessor => "assessor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Which organisation kinds a user of this role may belong to (empty: none allowed).
    pub fn allowed_org_kinds(self) -> &'static [OrgKind] {
        match self {
            Role::Admin | Role::Office => &[OrgKind::Office],
            Role::Department => &[OrgKind::Department, OrgKind::County, OrgKind::External],
            Role::Assessor => &[OrgKind::AssessorGroup],
            Role::Viewer => &[OrgKind::Office, OrgKind::Department, OrgKind::County],
        }
    }

    pub fn requires_org(self) -> bool {
        self == Role::Department
    }
}

/// A user as the rest of the application sees it (never carries the password hash).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub must_change_password: bool,
    pub active: bool,
    pub locale: Option<String>,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
    pub email: Option<String>,
    /// Sessions that began before this are over (see [`end_sessions`]).
    pub sessions_valid_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Signs in with a second factor (TOTP).
    pub two_factor_enabled: bool,
    /// The head (负责人) of its organisation: reminded when its work stays overdue.
    pub unit_head: bool,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.organisation_id, \
     o.name AS organisation_name, u.must_change_password, u.active, u.locale, u.last_login_at, u.email, \
     u.sessions_valid_from, (u.totp_enabled_at IS NOT NULL) AS two_factor_enabled, u.unit_head";

pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id \
         WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The id of the account named `username` (any case), e.g. for the audit page's filter.
pub async fn id_by_username(db: &PgPool, username: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = lower($1)")
        .bind(username.trim())
        .fetch_optional(db)
        .await
}

/// The user of a session and their unread notifications, in one round trip (every page
/// needs both).
pub async fn find_with_unread(db: &PgPool, id: i64) -> sqlx::Result<Option<(User, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        unread: i64,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, \
                (SELECT count(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread \
         FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.user, r.unread)))
}

/// The user and its password hash, for checking a login.
pub async fn find_for_login(db: &PgPool, username: &str) -> sqlx::Result<Option<(User, String)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(username) = lower($1)")
            .bind(username.trim())
            .fetch_optional(db)
            .await?;
    let Some((id, hash)) = row else {
        return Ok(None);
    };
    Ok(find(db, id).await?.map(|u| (u, hash)))
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub organisation_id: Option<i64>,
    pub query: Option<String>,
    pub include_disabled: bool,
}

pub async fn list(db: &PgPool, filter: &UserFilter) -> sqlx::Result<Vec<User>> {
    let pattern = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", escape_like(q)));
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id \
         WHERE ($1::text IS NULL OR u.role = $1) \
           AND ($2::bigint IS NULL OR u.organisation_id = $2) \
           AND ($3::text IS NULL OR u.username ILIKE $3 OR u.display_name ILIKE $3 OR o.name ILIKE $3) \
           AND ($4 OR u.active) \
         ORDER BY u.active DESC, u.role, o.sort_order NULLS FIRST, u.username"
    ))
    .bind(filter.role.map(Role::as_str))
    .bind(filter.organisation_id)
    .bind(pattern)
    .bind(filter.include_disabled)
    .fetch_all(db)
    .await
}

/// What an administrator fills in for a new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub email: Option<String>,
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewUser) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, organisation_id, password_hash, must_change_password, email) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.username.trim())
    .bind(new.display_name.trim())
    .bind(new.role.as_str())
    .bind(new.organisation_id)
    .bind(&new.password_hash)
    .bind(new.must_change_password)
    .bind(new.email.as_deref())
    .fetch_one(db)
    .await
}

/// Marks a clerk as its organisation's head (负责人), or not.
pub async fn set_unit_head(db: impl PgExecutor<'_>, id: i64, unit_head: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET unit_head = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(unit_head)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: i64,
    display_name: &str,
    role: Role,
    organisation_id: Option<i64>,
    email: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = $2, role = $3, organisation_id = $4, email = $5, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(display_name.trim())
    .bind(role.as_str())
    .bind(organisation_id)
    .bind(email)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_active(db: impl PgExecutor<'_>, id: i64, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET active = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(db)
        .await?;
    Ok(())
}

/// Stores a new password hash; `must_change` forces a change at the next login
/// (after an administrator's reset), and is cleared when the user picks their own.
/// Every session of the user ends and remembered devices are forgotten (whoever knew
/// the old password is out); the caller re-stamps its own session with the returned
/// moment when it should stay signed in.
pub async fn set_password(
    db: &PgPool,
    id: i64,
    password_hash: &str,
    must_change: bool,
) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(must_change)
    .execute(&mut *tx)
    .await?;
    two_factor::forget_devices(&mut *tx, id).await?;
    let cut_off = end_sessions(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(cut_off)
}

/// Ends every session of the user that began before now; returns that moment. One
/// mechanism for a password change, an administrator's reset and a second-factor
/// reset: the access gate compares it with the sign-in time kept in each session.
pub async fn end_sessions(
    db: impl PgExecutor<'_>,
    id: i64,
) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
    sqlx::query_scalar(
        "UPDATE users SET sessions_valid_from = clock_timestamp() WHERE id = $1 RETURNING sessions_valid_from",
    )
    .bind(id)
    .fetch_one(db)
    .await
}

pub async fn set_locale(db: &PgPool, id: i64, locale: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET locale = $2 WHERE id = $1")
        .bind(id)
        .bind(locale)
        .execute(db)
        .await?;
    Ok(())
}

/// Notes a sign-in; returns its moment (the database's clock, the same one
/// [`end_sessions`] uses), which the session keeps.
pub async fn record_login(db: &PgPool, id: i64) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
    sqlx::query_scalar(
        "UPDATE users SET last_login_at = clock_timestamp() WHERE id = $1 RETURNING last_login_at",
    )
    .bind(id)
    .fetch_one(db)
    .await
}

/// Active administrators other than `except`; the last one may not be disabled or demoted.
pub async fn count_other_active_admins(db: &PgPool, except: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active AND id <> $1")
        .bind(except)
        .fetch_one(db)
        .await
}

pub fn valid_username(username: &str) -> bool {
    let len = username.chars().count();
    (2..=64).contains(&len)
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}

/// A plausible e-mail address (one @, no spaces); the mail server judges the rest.
pub fn valid_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !email.chars().any(char::is_whitespace))
}

/// Escapes `%`, `_` and `\` for use inside an ILIKE pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(valid_username("zhang.san"));
        assert!(valid_username("clerk-01@county"));
        assert!(!valid_username("a"));
        assert!(!valid_username("张三"));
        assert!(!valid_username("has space"));
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
