//! The background job (spawned in `app.rs`, one per server process): every few seconds
//! it makes the digests that are due, then sends what the outbox holds. Several
//! processes on one database share the work (the digest locks its robot, the outbox is
//! claimed row by row).

use std::time::Duration;

use sqlx::PgPool;

use super::{deliver, digest};
use crate::config::Config;

/// Longest a vendor may take to answer one message.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries sent at once (one slow robot does not hold up the others).
const SEND_AT_ONCE: i64 = 8;

/// The robots' part of the configuration ([`Config::webhooks`]).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// At most one digest per robot in this many minutes (`SHIAN_WEBHOOK_DIGEST_MINUTES`,
    /// default 10; 0 sends each batch as soon as the job sees it).
    pub digest_minutes: u32,
    /// Accept robots at plain `http://` loopback addresses and at any host
    /// (`SHIAN_WEBHOOK_ALLOW_HTTP`): for tests and a local receiver, never for a real
    /// installation.
    pub allow_http: bool,
    /// How often the job looks for digests to make and deliveries to send (not a
    /// setting: tests shorten it).
    pub poll: Duration,
    /// The waits before the 2nd, 3rd, … attempt of a delivery; after the last one fails
    /// the delivery is failed (not a setting: tests shorten it).
    pub retry_delays: Vec<Duration>,
}

impl Default for WebhookConfig {
    fn default() -> WebhookConfig {
        WebhookConfig {
            digest_minutes: 10,
            allow_http: false,
            poll: Duration::from_secs(5),
            // 1, 5 and 30 minutes: a vendor's short outage is bridged, a wrong key or
            // secret is failed within the hour.
            retry_delays: [60, 5 * 60, 30 * 60].map(Duration::from_secs).to_vec(),
        }
    }
}

/// What the job needs of the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub digest_minutes: u32,
    pub poll: Duration,
    pub retry_delays: Vec<Duration>,
    /// Where the links in the messages point.
    pub public_base: String,
}

impl Settings {
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            digest_minutes: config.webhooks.digest_minutes,
            poll: config.webhooks.poll,
            retry_delays: config.webhooks.retry_delays.clone(),
            public_base: config.public_base(),
        }
    }
}

pub struct Worker {
    db: PgPool,
    client: reqwest::Client,
    settings: Settings,
}

impl Worker {
    pub fn new(db: PgPool, settings: Settings) -> anyhow::Result<Worker> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // A robot URL is checked when it is registered; a redirect would post the
            // digest somewhere that never was.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("shian/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Worker {
            db,
            client,
            settings,
        })
    }

    pub async fn run(self) {
        loop {
            if let Err(err) = self.pass().await {
                tracing::warn!(error = %err, "work-group notices: pass failed");
            }
            tokio::time::sleep(self.settings.poll).await;
        }
    }

    /// One look: due digests made, then the outbox sent until nothing is due.
    /// Returns (digests made, attempts made).
    pub async fn pass(&self) -> anyhow::Result<(usize, usize)> {
        let made = digest::make_due(
            &self.db,
            self.settings.digest_minutes,
            &self.settings.public_base,
        )
        .await?;
        let mut attempts = 0;
        loop {
            let claimed = deliver::claim(&self.db, SEND_AT_ONCE).await?;
            if claimed.is_empty() {
                break;
            }
            let outcomes = futures_util::future::join_all(
                claimed.iter().map(|d| deliver::send(&self.client, d)),
            )
            .await;
            for (delivery, outcome) in claimed.iter().zip(outcomes) {
                deliver::record(&self.db, delivery, outcome, &self.settings.retry_delays).await?;
                attempts += 1;
            }
        }
        Ok((made, attempts))
    }
}
