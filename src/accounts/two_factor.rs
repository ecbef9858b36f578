//! Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238): the secret, the
//! single-use recovery codes and the browsers remembered for a while.
//!
//! Recovery codes and remembered-device tokens are long random strings (about 80 and
//! 256 bits), so they are stored as SHA-256: nobody can search that space offline, and a
//! fast hash means checking a code costs nothing, unlike ten argon2 runs per attempt.
//! Passwords need argon2 because people choose them; these nobody chooses.

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};

/// Seconds per code (the authenticator apps' default).
pub const STEP_SECS: u64 = 30;
/// Codes accepted either side of the current one (a phone's clock may be a little off).
pub const SKEW_STEPS: u64 = 1;
pub const RECOVERY_CODES: usize = 10;
/// Shown in the authenticator app next to the account.
const ISSUER: &str = "食安创建";

/// Why a second-factor operation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("the stored two-factor secret is not valid base32")]
    BadSecret,
    #[error("cannot draw the QR code: {0}")]
    Qr(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A new random secret (160 bits, as RFC 4226 recommends), base32 as apps expect it.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::thread_rng().r#gen();
    totp_rs::Secret::from(bytes).to_base32()
}

/// SHA-1, six digits, 30 seconds: what every authenticator app understands.
fn totp(secret: &str, account: &str) -> Result<totp_rs::Totp, TwoFactorError> {
    let secret = totp_rs::Secret::try_from_base32(secret).map_err(|_| TwoFactorError::BadSecret)?;
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(SKEW_STEPS as u16)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|_| TwoFactorError::BadSecret)
}

/// The QR code an authenticator app scans, as a base64 PNG (for a `data:` image).
pub fn qr_png_base64(secret: &str, account: &str) -> Result<String, TwoFactorError> {
    totp(secret, account)?
        .to_qr_base64()
        .map_err(|e| TwoFactorError::Qr(e.to_string()))
}

/// The code for `secret` at unix time `time`.
pub fn code_at(secret: &str, time: u64) -> Result<String, TwoFactorError> {
    Ok(totp(secret, "x")?.generate(time).to_string())
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The time step of a code `code` valid now (within the skew), later than
/// `after_step`: a code already used, or an older one, is not accepted again.
pub fn matching_step(
    secret: &str,
    code: &str,
    after_step: Option<i64>,
) -> Result<Option<i64>, TwoFactorError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let found = totp(secret, "x")?.check(&code, now_secs());
    Ok(found
        .and_then(|step| i64::try_from(step).ok())
        .filter(|step| after_step.is_none_or(|last| *step > last)))
}

/// A user's confirmed secret and the step of the last code they used.
pub async fn secret_of(db: &PgPool, user_id: i64) -> sqlx::Result<Option<(String, Option<i64>)>> {
    let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT totp_secret, totp_last_step FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(secret, step)| secret.map(|s| (s, step))))
}

/// Marks `step` used; false when it (or a later one) already was, e.g. by a request
/// racing this one, so one code signs in once.
pub async fn use_step(db: &PgPool, user_id: i64, step: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
         AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// Recovery codes are typed by hand: case, spaces and dashes do not matter.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn new_recovery_code() -> String {
    // No look-alikes (0/o, 1/l/i); 16 of 31 symbols is about 79 bits.
    super::password::grouped_code(b"abcdefghjkmnpqrstuvwxyz23456789", 4)
}

/// Turns two-factor sign-in on with a secret the user has just proven to have (its
/// code at `step`), replacing any earlier secret and codes; returns the new recovery
/// codes, which exist in clear only in this answer.
pub async fn enable(
    db: &PgPool,
    user_id: i64,
    secret: &str,
    step: i64,
) -> sqlx::Result<Vec<String>> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_enabled_at = now(), totp_last_step = $3 WHERE id = $1",
    )
    .bind(user_id)
    .bind(secret)
    .bind(step)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM two_factor_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| sha256(&normalise_recovery_code(c)))
        .collect();
    sqlx::query(
        "INSERT INTO two_factor_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])",
    )
    .bind(user_id)
    .bind(&hashes)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Uses up a recovery code; false when it is not one of the user's unused codes.
pub async fn use_recovery_code(db: &PgPool, user_id: i64, code: &str) -> sqlx::Result<bool> {
    let code = normalise_recovery_code(code);
    if code.len() != 16 {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE two_factor_recovery_codes SET used_at = now() \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(sha256(&code))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes(db: &PgPool, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM two_factor_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// Turns two-factor sign-in off (the user themselves, or an administrator's reset after
/// a lost phone): secret, recovery codes and remembered browsers go.
pub async fn disable(db: &PgPool, user_id: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM two_factor_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    forget_devices(&mut *tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Remembers a browser for `days`; returns the token for its cookie.
pub async fn remember_device(db: &PgPool, user_id: i64, days: u32) -> sqlx::Result<String> {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query(
        "INSERT INTO two_factor_devices (user_id, token_hash, expires_at) \
         VALUES ($1, $2, now() + make_interval(days => $3))",
    )
    .bind(user_id)
    .bind(sha256(&token))
    .bind(days as i32)
    .execute(db)
    .await?;
    Ok(token)
}

/// Is this browser remembered (and not expired) for this user?
pub async fn device_remembered(db: &PgPool, user_id: i64, token: &str) -> sqlx::Result<bool> {
    if token.len() != 64 {
        return Ok(false);
    }
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM two_factor_devices \
         WHERE user_id = $1 AND token_hash = $2 AND expires_at > now())",
    )
    .bind(user_id)
    .bind(sha256(token))
    .fetch_one(db)
    .await
}

/// Forgets every remembered browser of the user (password changed, second factor reset).
pub async fn forget_devices(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM two_factor_devices WHERE user_id = $1 OR expires_at < now()")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_only_within_the_window_and_after_the_last_step() {
        let secret = new_secret();
        let now = now_secs();
        let code = code_at(&secret, now).unwrap();
        let step = matching_step(&secret, &code, None)
            .unwrap()
            .expect("current code");
        assert_eq!(step as u64, now / STEP_SECS);
        assert_eq!(
            matching_step(&secret, &code, Some(step)).unwrap(),
            None,
            "replay"
        );
        let old = code_at(&secret, now - 10 * STEP_SECS).unwrap();
        if old != code {
            assert_eq!(matching_step(&secret, &old, None).unwrap(), None, "too old");
        }
        assert_eq!(matching_step(&secret, "12345", None).unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef", None).unwrap(), None);
        assert!(qr_png_base64(&secret, "admin").unwrap().len() > 100);
    }

    #[test]
    fn recovery_codes_are_typed_loosely() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19);
        assert_eq!(
            normalise_recovery_code(&code.to_uppercase().replace('-', " ")),
            normalise_recovery_code(&code)
        );
    }
}
