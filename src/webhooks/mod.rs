//! Notices in the work groups (issue 16 §7). City offices and departments work in
//! 企业微信 / 钉钉 / 飞书 groups and rarely read e-mail, so an organisation may register
//! group robots; what its users are notified of is posted there as a digest.
//!
//! The path of a notice: a request inserts notifications (nothing else, so a failing
//! robot never slows a page); a trigger queues each one for the enabled robots of the
//! user's organisation (`webhook_pending`); the job ([`worker`]) makes at most one
//! digest per robot per interval ([`digest`]) into the outbox (`webhook_deliveries`),
//! and sends the outbox with retries ([`deliver`]). The vendors' formats and signatures
//! are in [`message`] and [`sign`]; what may be registered is checked in [`validate`].

pub mod deliver;
pub mod digest;
pub mod message;
pub mod sign;
pub mod validate;
pub mod worker;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgExecutor, PgPool};

pub use validate::{Draft, Refusal, UrlRules, ValidWebhook};
pub use worker::{Settings, WebhookConfig, Worker};

/// Whose robot: the three platforms' group robots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// 企业微信群机器人
    Wecom,
    /// 钉钉自定义机器人 (加签)
    Dingtalk,
    /// 飞书 / Lark 自定义机器人
    Feishu,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Vendor::Wecom, Vendor::Dingtalk, Vendor::Feishu];

    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Wecom => "wecom",
            Vendor::Dingtalk => "dingtalk",
            Vendor::Feishu => "feishu",
        }
    }

    pub fn parse(text: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.as_str() == text.trim())
    }

    /// The hosts the vendor's robot URLs are on.
    pub fn hosts(self) -> &'static [&'static str] {
        match self {
            Vendor::Wecom => &["qyapi.weixin.qq.com"],
            Vendor::Dingtalk => &["oapi.dingtalk.com"],
            Vendor::Feishu => &["open.feishu.cn", "open.larksuite.com"],
        }
    }
}

/// A registered robot.
#[derive(Debug, Clone, FromRow)]
pub struct Webhook {
    pub id: i64,
    pub organisation_id: i64,
    pub vendor: Vendor,
    pub label: String,
    pub url: String,
    pub secret: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// The URL with its key hidden (the key is what lets anyone post to the group).
    pub fn masked_url(&self) -> String {
        mask_url(&self.url)
    }

    pub fn has_secret(&self) -> bool {
        self.secret.as_deref().is_some_and(|s| !s.is_empty())
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// One message of the outbox, as the admin page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// Notices in the digest; 0 for a test message.
    pub items: i32,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Hides the secret parts of a robot URL: every query value (企业微信's `key`, 钉钉's
/// `access_token`) and a long last path segment (飞书's hook id), each down to its last
/// four characters.
pub fn mask_url(raw: &str) -> String {
    fn hide(part: &str) -> String {
        let chars: Vec<char> = part.chars().collect();
        if chars.len() <= 8 {
            return "…".to_string();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("…{tail}")
    }
    let Ok(url) = url::Url::parse(raw) else {
        return hide(raw);
    };
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    let segments: Vec<&str> = url.path().split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate().skip(1) {
        shown.push('/');
        if index == last && segment.chars().count() >= 16 {
            shown.push_str(&hide(segment));
        } else {
            shown.push_str(segment);
        }
    }
    let pairs: Vec<String> = url
        .query_pairs()
        .map(|(name, value)| format!("{name}={}", hide(&value)))
        .collect();
    if !pairs.is_empty() {
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

const COLUMNS: &str = "id, organisation_id, vendor, label, url, secret, enabled, created_at";

/// The organisation's robots, oldest first.
pub async fn list_for_organisation(
    db: &PgPool,
    organisation_id: i64,
) -> sqlx::Result<Vec<Webhook>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE organisation_id = $1 ORDER BY id"
    ))
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// One robot of the organisation (a robot id under another organisation's path is none).
pub async fn find(
    db: impl PgExecutor<'_>,
    organisation_id: i64,
    id: i64,
) -> sqlx::Result<Option<Webhook>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE id = $1 AND organisation_id = $2"
    ))
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// The latest `per_robot` deliveries of each robot, newest first.
pub async fn recent_deliveries(
    db: &PgPool,
    webhook_ids: &[i64],
    per_robot: i64,
) -> sqlx::Result<Vec<Delivery>> {
    sqlx::query_as(
        "SELECT d.id, d.webhook_id, d.items, d.status, d.attempts, d.last_error, d.created_at, d.sent_at \
         FROM unnest($1::bigint[]) AS w(id) \
         CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries x WHERE x.webhook_id = w.id \
                             ORDER BY x.id DESC LIMIT $2) d \
         ORDER BY d.webhook_id, d.id DESC",
    )
    .bind(webhook_ids)
    .bind(per_robot)
    .fetch_all(db)
    .await
}

/// Registers a checked robot for the organisation; returns its id.
pub async fn register(
    db: impl PgExecutor<'_>,
    organisation_id: i64,
    robot: &ValidWebhook,
    enabled: bool,
    created_by: Option<i64>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO webhooks (organisation_id, vendor, label, url, secret, enabled, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(organisation_id)
    .bind(robot.vendor)
    .bind(&robot.label)
    .bind(&robot.url)
    .bind(&robot.secret)
    .bind(enabled)
    .bind(created_by)
    .fetch_one(db)
    .await
}

/// Removes the robot with its queue and its deliveries; false when there is none.
pub async fn remove(db: &PgPool, organisation_id: i64, id: i64) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM webhooks WHERE id = $1 AND organisation_id = $2")
            .bind(id)
            .bind(organisation_id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Turns the robot on or off. A robot that is off gathers nothing new; what it had
/// gathered and not yet sent waits until it is on again (notices older than
/// [`digest::MAX_AGE_HOURS`] are dropped then).
pub async fn set_enabled(
    db: &PgPool,
    organisation_id: i64,
    id: i64,
    enabled: bool,
) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("UPDATE webhooks SET enabled = $3 WHERE id = $1 AND organisation_id = $2")
            .bind(id)
            .bind(organisation_id)
            .bind(enabled)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Puts a test message for the robot in the outbox (sent by the job like any digest,
/// so the admin's request does not wait on the vendor); returns the delivery's id.
pub async fn queue_test(
    db: &PgPool,
    robot: &Webhook,
    organisation_name: &str,
    public_base: &str,
) -> sqlx::Result<i64> {
    let payload = message::test_payload(robot.vendor, organisation_name, public_base);
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (webhook_id, payload, items) VALUES ($1, $2, 0) RETURNING id",
    )
    .bind(robot.id)
    .bind(payload)
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_urls_keep_the_host_and_hide_the_keys() {
        assert_eq!(
            mask_url(
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
            ),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa"
        );
        assert_eq!(
            mask_url("https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789"),
            "https://oapi.dingtalk.com/robot/send?access_token=…6789"
        );
        assert_eq!(
            mask_url(
                "https://open.feishu.cn/open-apis/bot/v2/hook/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab"
            ),
            "https://open.feishu.cn/open-apis/bot/v2/hook/…90ab"
        );
        assert_eq!(
            mask_url("http://127.0.0.1:9/send?key=short"),
            "http://127.0.0.1:9/send?key=…"
        );
        assert_eq!(mask_url("not a url at all, but long"), "…long");
    }

    #[test]
    fn vendors_round_trip() {
        for vendor in Vendor::ALL {
            assert_eq!(Vendor::parse(vendor.as_str()), Some(vendor));
        }
        assert_eq!(Vendor::parse("slack"), None);
    }
}
