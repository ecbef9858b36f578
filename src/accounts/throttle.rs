//! Slows password guessing: after too many failed sign-ins for one username or from one
//! client address within a window, further attempts are refused until the window passes.
//! Kept in memory — per process, reset by a restart — which is enough to make online
//! guessing impractical without a table write on every failure.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per username in a window.
pub const MAX_FAILURES: u32 = 10;
/// Failed attempts allowed per client address (an office behind one NAT address shares it).
pub const MAX_FAILURES_PER_ADDRESS: u32 = 30;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    fn keys(username: &str, client: Option<&str>) -> Vec<(String, u32)> {
        let mut keys = vec![(
            format!("user:{}", username.trim().to_lowercase()),
            MAX_FAILURES,
        )];
        if let Some(client) = client {
            keys.push((format!("addr:{client}"), MAX_FAILURES_PER_ADDRESS));
        }
        keys
    }

    /// How long until another attempt is allowed; None when one is allowed now.
    pub fn blocked_for(&self, username: &str, client: Option<&str>) -> Option<Duration> {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(username, client)
            .iter()
            .filter_map(|(key, limit)| failures.get(key).map(|entry| (entry, limit)))
            .filter(|((count, since), limit)| count >= limit && now.duration_since(*since) < WINDOW)
            .map(|((_, since), _)| WINDOW - now.duration_since(*since))
            .max()
    }

    pub fn record_failure(&self, username: &str, client: Option<&str>) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Forget stale entries so the map cannot grow without bound.
        if failures.len() > 10_000 {
            failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        }
        for (key, _) in Self::keys(username, client) {
            let entry = failures.entry(key).or_insert((0, now));
            if now.duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    /// A successful sign-in clears the username's count (not the address's).
    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("user:{}", username.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_too_many_failures_per_user_or_address() {
        let throttle = LoginThrottle::default();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.record_failure("Zhang", Some("10.0.0.1"));
        }
        assert!(throttle.blocked_for("zhang", Some("10.0.0.2")).is_none());
        throttle.record_failure("zhang", Some("10.0.0.1"));
        assert!(
            throttle.blocked_for("ZHANG", Some("10.0.0.2")).is_some(),
            "per username"
        );
        assert!(
            throttle.blocked_for("other", Some("10.0.0.1")).is_none(),
            "address not yet"
        );
        for n in 0..MAX_FAILURES_PER_ADDRESS - MAX_FAILURES {
            throttle.record_failure(&format!("user{n}"), Some("10.0.0.1"));
        }
        assert!(
            throttle.blocked_for("other", Some("10.0.0.1")).is_some(),
            "per address"
        );
        assert!(throttle.blocked_for("other", Some("10.0.0.3")).is_none());
        throttle.record_success("zhang");
        assert!(throttle.blocked_for("zhang", Some("10.0.0.2")).is_none());
    }
}
