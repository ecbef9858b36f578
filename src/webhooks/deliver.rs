//! Sending the outbox. A delivery is claimed with `FOR UPDATE SKIP LOCKED` and a lease
//! (its due time pushed ahead), so two processes never send the same one, and one whose
//! sender died mid-request is claimed again when the lease runs out; the request is
//! made outside any transaction, so no connection waits on a vendor.
//!
//! The vendors answer HTTP 200 even when they refuse: 企业微信 and 钉钉 with
//! `{"errcode":N,"errmsg":"…"}`, 飞书 with `{"code":N,"msg":"…"}` (older 飞书 robots with
//! `StatusCode`/`StatusMessage`). Anything but code 0 is a failure with the vendor's own
//! message, retried after the configured waits and failed after the last.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;

use super::{Vendor, sign};

/// A claimed delivery is not claimed again for this long (well over the request
/// timeout).
const LEASE: Duration = Duration::from_secs(120);
/// Most of a vendor's answer that is read (they are a few dozen bytes).
const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// Most of an answer kept in the error shown to the admin.
const MAX_ERROR_CHARS: usize = 300;

/// A delivery taken for sending, with what its robot needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: i64,
    /// This attempt's number (1 for the first).
    pub attempts: i32,
    pub payload: Value,
    pub vendor: Vendor,
    pub url: String,
    pub secret: Option<String>,
}

/// Claims up to `limit` due deliveries of enabled robots.
pub async fn claim(db: &PgPool, limit: i64) -> sqlx::Result<Vec<Claimed>> {
    sqlx::query_as(
        "UPDATE webhook_deliveries d \
         SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $1), updated_at = now() \
         FROM webhooks w \
         WHERE w.id = d.webhook_id AND d.id IN ( \
             SELECT x.id FROM webhook_deliveries x JOIN webhooks y ON y.id = x.webhook_id \
             WHERE x.status = 'pending' AND x.next_attempt_at <= now() AND y.enabled \
             ORDER BY x.next_attempt_at, x.id LIMIT $2 \
             FOR UPDATE OF x SKIP LOCKED) \
         RETURNING d.id, d.webhook_id, d.attempts, d.payload, w.vendor, w.url, w.secret",
    )
    .bind(LEASE.as_secs_f64())
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Records how an attempt went: sent; or retried after `retry_delays[attempt - 1]`; or,
/// past the last wait, failed. The error is kept either way.
pub async fn record(
    db: &PgPool,
    delivery: &Claimed,
    outcome: Result<(), String>,
    retry_delays: &[Duration],
) -> sqlx::Result<()> {
    match outcome {
        Ok(()) => {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'sent', sent_at = now(), last_error = NULL, \
                 updated_at = now() WHERE id = $1",
            )
            .bind(delivery.id)
            .execute(db)
            .await?;
        }
        Err(error) => {
            let wait = usize::try_from(delivery.attempts - 1)
                .ok()
                .and_then(|i| retry_delays.get(i));
            tracing::warn!(
                delivery = delivery.id,
                robot = delivery.webhook_id,
                attempt = delivery.attempts,
                retry = wait.is_some(),
                %error,
                "work-group message not delivered"
            );
            match wait {
                Some(wait) => sqlx::query(
                    "UPDATE webhook_deliveries SET last_error = $2, \
                     next_attempt_at = now() + make_interval(secs => $3), updated_at = now() WHERE id = $1",
                )
                .bind(delivery.id)
                .bind(&error)
                .bind(wait.as_secs_f64()),
                None => sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'failed', last_error = $2, updated_at = now() \
                     WHERE id = $1",
                )
                .bind(delivery.id)
                .bind(&error),
            }
            .execute(db)
            .await?;
        }
    }
    Ok(())
}

/// Posts one delivery, signed as its vendor asks; Err is what to show the admin.
pub async fn send(client: &reqwest::Client, delivery: &Claimed) -> Result<(), String> {
    let mut body = delivery.payload.clone();
    let secret = delivery.secret.as_deref().filter(|s| !s.is_empty());
    let now = chrono::Utc::now();
    let url = match (delivery.vendor, secret) {
        (Vendor::Dingtalk, Some(secret)) => {
            sign::dingtalk_url(&delivery.url, secret, now.timestamp_millis())?
        }
        (Vendor::Feishu, Some(secret)) => {
            let timestamp = now.timestamp();
            body["timestamp"] = Value::String(timestamp.to_string());
            body["sign"] = Value::String(sign::feishu(secret, timestamp));
            delivery.url.clone()
        }
        _ => delivery.url.clone(),
    };
    let mut response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let mut answer = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        let room = MAX_ANSWER_BYTES - answer.len();
        answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if answer.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    interpret(delivery.vendor, status, &String::from_utf8_lossy(&answer))
}

/// Whether the vendor took the message, from its answer.
pub fn interpret(vendor: Vendor, status: u16, answer: &str) -> Result<(), String> {
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}: {}", snippet(answer)));
    }
    let Ok(value) = serde_json::from_str::<Value>(answer) else {
        return Err(format!(
            "HTTP {status}, not a JSON answer: {}",
            snippet(answer)
        ));
    };
    let fields: &[(&str, &str)] = match vendor {
        Vendor::Wecom | Vendor::Dingtalk => &[("errcode", "errmsg")],
        Vendor::Feishu => &[("code", "msg"), ("StatusCode", "StatusMessage")],
    };
    for (code_field, message_field) in fields {
        if let Some(code) = value.get(*code_field).and_then(Value::as_i64) {
            if code == 0 {
                return Ok(());
            }
            let message = value
                .get(*message_field)
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(format!("{code_field} {code}: {}", snippet(message)));
        }
    }
    Err(format!(
        "no {} in the answer: {}",
        fields[0].0,
        snippet(answer)
    ))
}

fn snippet(text: &str) -> String {
    let text = text.trim();
    let mut cut: String = text.chars().take(MAX_ERROR_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// A transport error in words, without the URL (it carries the robot's key, and the
/// error is shown on the admin page).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "could not connect".to_string()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    snippet(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_each_vendor_writes_them() {
        assert_eq!(
            interpret(Vendor::Wecom, 200, r#"{"errcode":0,"errmsg":"ok"}"#),
            Ok(())
        );
        assert_eq!(
            interpret(
                Vendor::Dingtalk,
                200,
                r#"{"errcode":310000,"errmsg":"sign not match"}"#
            ),
            Err("errcode 310000: sign not match".to_string())
        );
        assert_eq!(
            interpret(
                Vendor::Feishu,
                200,
                r#"{"code":0,"data":{},"msg":"success"}"#
            ),
            Ok(())
        );
        assert_eq!(
            interpret(
                Vendor::Feishu,
                200,
                r#"{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}"#
            ),
            Err(
                "code 19021: sign match fail or timestamp is not within one hour from current time"
                    .to_string()
            )
        );
        assert_eq!(
            interpret(
                Vendor::Feishu,
                200,
                r#"{"StatusCode":0,"StatusMessage":"success"}"#
            ),
            Ok(())
        );
    }

    #[test]
    fn anything_else_is_a_failure_that_says_what_came() {
        assert_eq!(
            interpret(Vendor::Wecom, 500, "upstream broke"),
            Err("HTTP 500: upstream broke".to_string())
        );
        assert!(
            interpret(Vendor::Wecom, 200, "<html>proxy login</html>")
                .unwrap_err()
                .contains("not a JSON answer")
        );
        assert_eq!(
            interpret(Vendor::Dingtalk, 200, r#"{"ok":true}"#),
            Err(r#"no errcode in the answer: {"ok":true}"#.to_string())
        );
        let long = "x".repeat(1000);
        let error = interpret(Vendor::Wecom, 502, &long).unwrap_err();
        assert!(error.chars().count() < 320 && error.ends_with('…'));
    }
}
