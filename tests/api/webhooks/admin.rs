//! The robot form on an organisation's page: refusals with the form kept, and who may
//! use it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shian::accounts::Role;

use super::receiver::{Answer, Receiver};
use super::{admin_robot_ids, deliveries, org_id, register, spawn};
use crate::support::TestApp;

#[tokio::test]
async fn the_robot_form_refuses_bad_urls_and_secrets_and_keeps_what_was_typed() {
    // A real installation: https to the vendor's own hosts only.
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let org = org_id(&app, "市市场监管局").await;
    admin.get(&format!("/admin/orgs/{org}")).await;
    let cases = [
        (
            "wecom",
            "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "",
            "Webhook 地址必须以 https:// 开头。",
        ),
        (
            "wecom",
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "",
            "这不是企业微信群机器人的地址：应为 qyapi.weixin.qq.com 上的地址。",
        ),
        (
            "wecom",
            "http://127.0.0.1:9/cgi-bin/webhook/send?key=abc",
            "",
            "Webhook 地址必须以 https:// 开头。",
        ),
        (
            "dingtalk",
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "abc123",
            "钉钉的加签密钥以 SEC 开头",
        ),
    ];
    for (vendor, url, secret, message) in cases {
        let page = admin
            .post(
                &format!("/admin/orgs/{org}/webhooks"),
                &[
                    ("vendor", vendor),
                    ("url", url),
                    ("secret", secret),
                    ("label", "监管局工作群"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(page.contains(message), "{message}: {}", page.body);
        assert_eq!(page.input_value("url").as_deref(), Some(url));
        assert_eq!(page.input_value("secret").as_deref(), Some(secret));
        assert_eq!(page.input_value("label").as_deref(), Some("监管局工作群"));
        assert_eq!(
            page.texts("select[name=vendor] option[selected]"),
            vec![if vendor == "wecom" {
                "企业微信群机器人"
            } else {
                "钉钉自定义机器人"
            }]
        );
        // The rest of the organisation's page is there too.
        assert_eq!(page.input_value("name").as_deref(), Some("市市场监管局"));
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM webhooks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let reasons: Vec<Value> = sqlx::query_scalar(
        "SELECT summary->'reasons' FROM audit_events WHERE action = 'webhook.refused' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        reasons,
        vec![
            json!(["not_https"]),
            json!(["wrong_host"]),
            json!(["not_https"]),
            json!(["secret_not_sec"])
        ]
    );
}

#[tokio::test]
async fn only_the_administrator_manages_robots() {
    let app = spawn(0).await;
    let receiver = Receiver::start(Answer::Accept).await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let org = org_id(&app, "市农业农村局").await;
    let url = format!("{}/cgi-bin/webhook/send?key=k", receiver.base);
    let robot = register(&mut admin, org, "wecom", &url, "").await;
    let attempts = [
        (
            format!("/admin/orgs/{org}/webhooks"),
            vec![("vendor", "wecom"), ("url", url.as_str())],
        ),
        (format!("/admin/orgs/{org}/webhooks/{robot}/test"), vec![]),
        (
            format!("/admin/orgs/{org}/webhooks/{robot}/enabled"),
            vec![("enabled", "0")],
        ),
        (format!("/admin/orgs/{org}/webhooks/{robot}/delete"), vec![]),
    ];
    for (name, role, own) in [
        ("office", Role::Office, Some("市食安办")),
        ("clerk", Role::Department, Some("市农业农村局")),
    ] {
        let mut browser = app.signed_in(name, role, own).await;
        browser.get("/").await;
        assert_eq!(
            browser.get(&format!("/admin/orgs/{org}")).await.status,
            StatusCode::FORBIDDEN
        );
        for (path, fields) in &attempts {
            let page = browser.post(path, fields).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{name} POST {path}");
        }
    }
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' \
         AND summary->>'reason' = 'role' AND object_id LIKE '/admin/orgs/%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 2 * (1 + attempts.len() as i64));
    let (count, enabled): (i64, bool) =
        sqlx::query_as("SELECT count(*), bool_and(enabled) FROM webhooks")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((count, enabled), (1, true));
    assert!(
        deliveries(&app, robot).await.is_empty(),
        "no test message queued"
    );
    // Another organisation's path does not reach the robot.
    let other = org_id(&app, "卡若区").await;
    let page = admin
        .post(&format!("/admin/orgs/{other}/webhooks/{robot}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(admin_robot_ids(&mut admin, org).await, vec![robot]);
}
