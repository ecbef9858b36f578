//! Restarting the embedded cluster when its postmaster dies (killed, out of memory):
//! a check every few seconds, and on a death a bounded number of restarts with growing
//! pauses — a cluster that keeps failing to start needs a person, not a loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use super::embedded::EmbeddedPostgres;

#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Pause between two checks of the postmaster.
    pub check_every: Duration,
    /// Restart attempts after one death before giving up.
    pub attempts: u32,
    /// Pause before the first attempt; doubled before each further one.
    pub first_pause: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            check_every: Duration::from_secs(2),
            attempts: 6,
            first_pause: Duration::from_millis(500),
        }
    }
}

/// Watches until a restart series fails (then logs and stops) or the task is aborted
/// at shutdown.
pub async fn watch(cluster: Arc<Mutex<EmbeddedPostgres>>, schedule: Schedule) {
    loop {
        tokio::time::sleep(schedule.check_every).await;
        if cluster.lock().await.postmaster_alive() {
            continue;
        }
        tracing::error!("embedded PostgreSQL stopped unexpectedly; restarting it");
        if !restart(&cluster, schedule).await {
            tracing::error!(
                attempts = schedule.attempts,
                "embedded PostgreSQL could not be restarted; giving up — see postgres.log in \
                 the cluster folder and restart Shian"
            );
            return;
        }
    }
}

async fn restart(cluster: &Mutex<EmbeddedPostgres>, schedule: Schedule) -> bool {
    let mut pause = schedule.first_pause;
    for attempt in 1..=schedule.attempts {
        // Backends of the dead postmaster need a moment to notice and exit; until they
        // have, PostgreSQL refuses to start over their shared memory.
        tokio::time::sleep(pause).await;
        match cluster.lock().await.ensure_running().await {
            Ok(()) => {
                tracing::warn!(attempt, "embedded PostgreSQL restarted");
                return true;
            }
            Err(err) => {
                tracing::warn!(attempt, error = %err, "restarting embedded PostgreSQL failed")
            }
        }
        pause *= 2;
    }
    false
}
