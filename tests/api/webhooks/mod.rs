//! Notices in the work groups (issue 16 §7): an organisation's group robots get digests
//! of its users' notifications, in each vendor's format, signed, batched, and retried
//! through an outbox. A local receiver on 127.0.0.1 stands in for the vendors
//! (`receiver.rs`); what is posted is in `delivery.rs`, the admin's form in `admin.rs`.

mod admin;
mod delivery;
mod receiver;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Browser, TestApp};

/// A server that accepts loopback robots, digests every `digest_minutes`, looks often
/// and retries quickly, with links to a public address.
pub async fn spawn(digest_minutes: u32) -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhooks.allow_http = true;
        c.webhooks.digest_minutes = digest_minutes;
        c.webhooks.poll = Duration::from_millis(100);
        c.webhooks.retry_delays = vec![Duration::from_millis(200); 3];
        c.public_url = Some("https://shian.test".into());
    })
    .await
}

pub async fn org_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Registers a robot through the admin's form; returns its id.
pub async fn register(admin: &mut Browser, org: i64, vendor: &str, url: &str, secret: &str) -> i64 {
    admin.get(&format!("/admin/orgs/{org}")).await;
    let page = admin
        .post(
            &format!("/admin/orgs/{org}/webhooks"),
            &[
                ("vendor", vendor),
                ("url", url),
                ("secret", secret),
                ("label", "创建工作群"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location(),
        Some(format!("/admin/orgs/{org}#webhooks").as_str())
    );
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(page.contains("已添加群机器人"));
    admin_robot_ids(admin, org)
        .await
        .pop()
        .expect("the new robot")
}

pub async fn admin_robot_ids(admin: &mut Browser, org: i64) -> Vec<i64> {
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    let document = scraper::Html::parse_document(&page.body);
    let selector = scraper::Selector::parse("article.webhook").unwrap();
    document
        .select(&selector)
        .filter_map(|e| e.value().id()?.strip_prefix("webhook-")?.parse().ok())
        .collect()
}

/// (status, attempts, last error, items) of the robot's deliveries, oldest first.
pub async fn deliveries(app: &TestApp, robot: i64) -> Vec<(String, i32, Option<String>, i32)> {
    sqlx::query_as(
        "SELECT status, attempts, last_error, items FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id",
    )
    .bind(robot)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Waits until none of the robot's deliveries is pending.
pub async fn settled(
    app: &TestApp,
    robot: i64,
    within: Duration,
) -> Vec<(String, i32, Option<String>, i32)> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let rows = deliveries(app, robot).await;
        if !rows.is_empty() && rows.iter().all(|r| r.0 != "pending") {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still pending: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn notify(app: &TestApp, org: i64, kind: &str, params: Value, link: &str) {
    shian::notifications::notify_organisation(&app.pool, org, kind, params, link, None)
        .await
        .unwrap();
}
