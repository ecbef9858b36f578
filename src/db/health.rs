//! Whether the database can be reached: which errors mean "unavailable" (decided here
//! only), and one shared flag per server so an outage is logged once when it starts and
//! once when it ends, however many requests fail in between.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// How often the recovery probe asks the database while it is down.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// A probe that does not answer within this time counts as a failure (a pool waiting
/// on a refused socket would otherwise retry for its whole acquire timeout).
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// True when `err` means the database cannot be reached or is refusing connections for
/// now (as opposed to a bad query or a violated constraint).
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_unavailable_sqlstate(&code)),
        _ => false,
    }
}

/// SQLSTATE classes and codes that mean "try again later": connection exceptions (08…),
/// the administrator shutting the server down or a crash (57P01, 57P02), "cannot connect
/// now" while the server starts or recovers (57P03), too many connections (53300).
fn is_unavailable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// True when any cause in the chain is an unavailable-database error.
pub fn chain_is_unavailable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(is_unavailable)
    })
}

/// Asks the database for `SELECT 1`, giving up after [`PROBE_TIMEOUT`].
pub async fn probe(pool: &PgPool) -> Result<(), String> {
    match tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(pool)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) if is_unavailable(&err) => Err(err.to_string()),
        // Reached, but something else is wrong: not an outage.
        Ok(Err(_)) => Ok(()),
        Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
    }
}

/// The outage flag of one server.
#[derive(Debug, Default)]
pub struct DatabaseHealth {
    down: AtomicBool,
}

impl DatabaseHealth {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Records a failed request. The first failure of an outage is logged at error level
    /// and starts a probe that logs the recovery; later ones are silent.
    pub fn outage(self: &Arc<Self>, detail: &str, pool: &PgPool) {
        if self.down.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::error!(error = %detail, "database unavailable; answering 503 until it is back");
        let health = Arc::clone(self);
        let pool = pool.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                if probe(&pool).await.is_ok() {
                    health.down.store(false, Ordering::Release);
                    tracing::warn!(
                        down_for_secs = started.elapsed().as_secs(),
                        "database reachable again"
                    );
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_unavailable() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_unavailable(&sqlx::Error::Io(refused)));
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::ColumnNotFound("x".into())));
    }

    #[test]
    fn sqlstates() {
        for code in ["08006", "08001", "57P01", "57P03", "53300"] {
            assert!(is_unavailable_sqlstate(code), "{code}");
        }
        for code in ["23505", "42P01", "40001"] {
            assert!(!is_unavailable_sqlstate(code), "{code}");
        }
    }

    #[test]
    fn wrapped_causes_are_found() {
        let err = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("loading tasks");
        assert!(chain_is_unavailable(&err));
        assert!(!chain_is_unavailable(&anyhow::anyhow!("bad input")));
    }
}
