//! Slows online guessing of passwords and second-factor codes, with its state in
//! PostgreSQL so every server process on the database shares it.
//!
//! The design follows what trusted systems do:
//! - An attempt is counted *before* its slow check (argon2, or a code) by one atomic
//!   statement, `sign_in_reserve` (see the migration), and given back when it succeeds.
//!   Concurrent guesses therefore queue on one row and cannot all be checked.
//! - The (username, client address) pair is slowed, not the account locked: after a few
//!   free failures each further attempt waits twice as long as the last, up to a cap.
//!   Guesses from an attacker's address do nothing to the owner's address.
//! - A per-address and a global ceiling on failed checks per minute slow a spray across
//!   many usernames and addresses. Neither ever holds back a pair that has signed in
//!   successfully before (so a colleague behind a busy NAT who has used Shian from that
//!   office keeps working), and the global one holds back only addresses that are failing
//!   themselves (so failures elsewhere never stop a clean address). What the ceilings do
//!   allow to be slowed is a *new* pair from an address that is itself failing: at most
//!   for the rest of that minute.

use std::time::Duration;

use sqlx::PgPool;

use crate::config::Config;

/// The longest wait between attempts of one pair.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures of one pair before attempts are spaced out.
    pub free_failures: u32,
    /// The first wait; each further failure doubles it, up to [`MAX_DELAY`].
    pub first_delay: Duration,
    /// Failed checks per minute from one address (pairs not known to it).
    pub per_address_per_minute: u32,
    /// Failed checks per minute in all (addresses that are failing themselves).
    pub global_per_minute: u32,
}

impl Limits {
    pub fn from_config(config: &Config) -> Limits {
        Limits {
            free_failures: config.login_free_failures,
            first_delay: Duration::from_secs(config.login_first_delay_secs),
            per_address_per_minute: config.login_address_failures_per_minute,
            global_per_minute: config.login_global_failures_per_minute,
        }
    }
}

/// One attempt: what is being guessed, from where.
#[derive(Debug, Clone)]
pub struct Attempt {
    pair: String,
    address: String,
}

impl Attempt {
    /// A password for `username` (case-insensitive, like sign-in itself).
    pub fn password(username: &str, address: Option<&str>) -> Attempt {
        let address = address.unwrap_or("unknown");
        Attempt {
            // No account name is longer than 64 characters; a longer guess still gets
            // its own (bounded) key.
            pair: format!(
                "password:{} {address}",
                username
                    .trim()
                    .to_lowercase()
                    .chars()
                    .take(100)
                    .collect::<String>()
            ),
            address: address.to_string(),
        }
    }

    /// A second-factor code (or recovery code) for user `user_id`.
    pub fn second_factor(user_id: i64, address: Option<&str>) -> Attempt {
        let address = address.unwrap_or("unknown");
        Attempt {
            pair: format!("2fa:{user_id} {address}"),
            address: address.to_string(),
        }
    }
}

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Pair,
    Address,
    Global,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Pair => "pair",
            Reason::Address => "address",
            Reason::Global => "global",
        }
    }
}

/// An attempt refused before any check; `wait` is how long until it may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub reason: Reason,
    pub wait: Duration,
}

impl Throttled {
    /// Whole seconds for `Retry-After` (at least one).
    pub fn retry_after_secs(&self) -> u64 {
        self.wait.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// Counts the attempt before it is checked, or refuses it.
pub async fn reserve(
    db: &PgPool,
    limits: Limits,
    attempt: &Attempt,
) -> sqlx::Result<Result<(), Throttled>> {
    let (allowed, reason, wait): (bool, Option<String>, f64) = sqlx::query_as(
        "SELECT allowed, reason, wait_secs FROM sign_in_reserve($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&attempt.pair)
    .bind(&attempt.address)
    .bind(limits.free_failures.min(i32::MAX as u32) as i32)
    .bind(limits.first_delay.as_secs_f64())
    .bind(MAX_DELAY.as_secs_f64())
    .bind(limits.per_address_per_minute.min(i32::MAX as u32) as i32)
    .bind(limits.global_per_minute.min(i32::MAX as u32) as i32)
    .fetch_one(db)
    .await?;
    if allowed {
        return Ok(Ok(()));
    }
    let reason = match reason.as_deref() {
        Some("address") => Reason::Address,
        Some("global") => Reason::Global,
        _ => Reason::Pair,
    };
    Ok(Err(Throttled {
        reason,
        wait: Duration::from_secs_f64(wait.max(0.0)),
    }))
}

/// A correct answer: the pair's failures are forgiven and it becomes known, so the
/// address and global ceilings no longer apply to it.
pub async fn release(db: &PgPool, attempt: &Attempt) -> sqlx::Result<()> {
    sqlx::query("SELECT sign_in_release($1, $2)")
        .bind(&attempt.pair)
        .bind(&attempt.address)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets what no longer matters: minute counters long past, pairs idle for a day that
/// never signed in, known pairs idle for 90 days.
pub async fn forget_stale(db: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sign_in_throttle WHERE \
           (scope <> 'pair' AND window_started_at < now() - interval '1 hour') \
           OR (scope = 'pair' AND known_since IS NULL AND last_attempt_at < now() - interval '1 day') \
           OR (scope = 'pair' AND last_attempt_at < now() - interval '90 days')",
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_ignore_username_case_and_keep_kinds_apart() {
        let a = Attempt::password(" Zhang ", Some("10.0.0.1"));
        let b = Attempt::password("zhang", Some("10.0.0.1"));
        assert_eq!(a.pair, b.pair);
        assert_ne!(a.pair, Attempt::password("zhang", Some("10.0.0.2")).pair);
        assert_ne!(a.pair, Attempt::second_factor(1, Some("10.0.0.1")).pair);
        let throttled = Throttled {
            reason: Reason::Pair,
            wait: Duration::from_millis(1200),
        };
        assert_eq!(throttled.retry_after_secs(), 2);
    }
}
