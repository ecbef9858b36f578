//! Personal API tokens for the read-only JSON API. The token is shown once when made;
//! only its SHA-256 is stored, so a database dump reveals no usable token.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgPool};

/// Tokens start with this, so they are recognisable in logs and secret scanners.
pub const PREFIX: &str = "shian_";

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes a token for `user_id`; returns its id and the token text (shown once).
pub async fn create(db: &PgPool, user_id: i64, name: &str) -> sqlx::Result<(i64, String)> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!(
        "{PREFIX}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let id = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_sha256) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(digest(&token))
    .fetch_one(db)
    .await?;
    Ok((id, token))
}

/// The active user a live token belongs to; records its use.
pub async fn user_for(db: &PgPool, token: &str) -> sqlx::Result<Option<i64>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    sqlx::query_scalar(
        "UPDATE api_tokens t SET last_used_at = now() FROM users u \
         WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND u.id = t.user_id AND u.active \
         RETURNING t.user_id",
    )
    .bind(digest(token))
    .fetch_optional(db)
    .await
}

pub async fn list(db: &PgPool, user_id: i64) -> sqlx::Result<Vec<Token>> {
    sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM api_tokens \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Revokes one of the user's own tokens; false when there was none.
pub async fn revoke(db: &PgPool, user_id: i64, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
