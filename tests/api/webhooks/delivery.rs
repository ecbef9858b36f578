//! What reaches the groups: digests, signatures, retries, several server processes.

use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use shian::accounts::Role;

use super::receiver::{Answer, Receiver};
use super::{admin_robot_ids, deliveries, notify, org_id, register, settled, spawn};
use crate::support::TestApp;

#[tokio::test]
async fn a_wecom_digest_groups_the_notices_of_an_interval_into_one_markdown_message() {
    let app = spawn(1).await;
    let receiver = Receiver::start(Answer::Accept).await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let org = org_id(&app, "市农业农村局").await;
    let other = org_id(&app, "卡若区").await;
    let url = format!(
        "{}/cgi-bin/webhook/send?key=wecom-key-0123456789",
        receiver.base
    );
    let robot = register(&mut admin, org, "wecom", &url, "").await;
    // The page names the vendor and hides the key.
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(page.contains("工作群通知"));
    assert!(page.contains("企业微信群机器人"));
    assert!(page.contains("key=…6789"), "{}", page.body);
    assert!(!page.contains("wecom-key-0123456789"));
    // Two clerks: each notice is stored once per user, and posted once.
    for name in ["clerk_a", "clerk_b"] {
        app.create_user(name, Role::Department, Some("市农业农村局"), "Passw0rd!")
            .await;
    }
    app.create_user("karuo", Role::Department, Some("卡若区"), "Passw0rd!")
        .await;
    // A digest has just gone out: what follows waits for the interval.
    sqlx::query("UPDATE webhooks SET last_digest_at = now() WHERE id = $1")
        .bind(robot)
        .execute(&app.pool)
        .await
        .unwrap();
    notify(
        &app,
        org,
        "approved",
        json!({"indicator": 1, "comment": ""}),
        "/tasks/11",
    )
    .await;
    notify(
        &app,
        org,
        "returned",
        json!({"indicator": 2, "comment": "缺少台账 [点此](http://evil.example) <@all>"}),
        "/tasks/12",
    )
    .await;
    notify(
        &app,
        org,
        "report_due",
        json!({"period": "2026-12", "due": "2026-12-25"}),
        "/reports",
    )
    .await;
    notify(&app, other, "overdue", json!({"indicator": 9}), "/tasks/99").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        receiver.received().is_empty(),
        "batched until the interval is over"
    );
    // The interval passes.
    sqlx::query("UPDATE webhooks SET last_digest_at = now() - interval '2 minutes' WHERE id = $1")
        .bind(robot)
        .execute(&app.pool)
        .await
        .unwrap();
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "one message for the interval");
    let message = &got[0];
    assert_eq!(
        message.target, "/cgi-bin/webhook/send?key=wecom-key-0123456789",
        "企业微信 is not signed"
    );
    assert_eq!(message.body["msgtype"], "markdown");
    let content = message.body["markdown"]["content"].as_str().unwrap();
    let lines: Vec<&str> = content.lines().collect();
    assert_eq!(lines.len(), 4, "{content}");
    assert_eq!(lines[0], "【食安创建】市农业农村局 有 3 条新通知：");
    assert_eq!(
        lines[1],
        "1. 指标（1）的任务已审核通过。 [查看](https://shian.test/tasks/11)"
    );
    // The office's comment is shown, its markup made inert.
    assert!(lines[2].starts_with(
        "2. 指标（2）的任务被退回整改：缺少台账 ［点此］(http://evil.example) ＜@all＞"
    ));
    assert!(lines[2].ends_with("[查看](https://shian.test/tasks/12)"));
    assert!(lines[3].starts_with("3. 2026-12 月度工作进展请于 2026-12-25 前报送。"));
    assert!(!content.contains("卡若区") && !content.contains("指标（9）"));
    assert_eq!(
        settled(&app, robot, Duration::from_secs(5)).await,
        vec![("sent".to_string(), 1, None, 3)]
    );
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert_eq!(page.texts("table.deliveries td .badge"), vec!["已发送"]);
    assert!(page.contains("3 条通知"));
}

#[tokio::test]
async fn dingtalk_and_feishu_messages_carry_valid_signatures() {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let hmac_base64 = |key: &[u8], message: &[u8]| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    };
    let app = spawn(0).await;
    let dingtalk = Receiver::start(Answer::Accept).await;
    let feishu = Receiver::start(Answer::Accept).await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let org = org_id(&app, "市农业农村局").await;
    let karuo = org_id(&app, "卡若区").await;
    app.create_user("clerk", Role::Department, Some("市农业农村局"), "Passw0rd!")
        .await;
    app.create_user("karuo", Role::Department, Some("卡若区"), "Passw0rd!")
        .await;
    let secret = "SEC0123456789abcdef-test";
    let url = format!(
        "{}/robot/send?access_token=ding-token-abcdef",
        dingtalk.base
    );
    let robot = register(&mut admin, org, "dingtalk", &url, secret).await;
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(page.contains("已设置加签密钥"));
    assert!(!page.contains(secret) && !page.contains("ding-token-abcdef"));

    // The real path of a notice: the office returns the organisation's task.
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t WHERE t.organisation_id = $1 ORDER BY t.id LIMIT 1",
    )
    .bind(org)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    office
        .upload_documents(task, vec![("纪要.pdf", crate::support::pdf(2_000, 3))])
        .await;
    let page = office
        .post(&format!("/tasks/{task}/submit"), &[("comment", "请审核")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = office
        .post(
            &format!("/tasks/{task}/review"),
            &[("decision", "return"), ("comment", "缺少会议纪要")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let got = dingtalk.wait_for(1, Duration::from_secs(10)).await;
    let message = &got[0];
    assert_eq!(
        message.query("access_token").as_deref(),
        Some("ding-token-abcdef")
    );
    let timestamp = message.query("timestamp").expect("timestamp");
    let sign = message.query("sign").expect("sign");
    assert_eq!(
        sign,
        hmac_base64(
            secret.as_bytes(),
            format!("{timestamp}\n{secret}").as_bytes()
        ),
        "HMAC-SHA256 of timestamp\\nsecret keyed with the secret"
    );
    let sent_at: i64 = timestamp.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp_millis() - sent_at).abs() < 60_000,
        "milliseconds"
    );
    assert_eq!(message.body["msgtype"], "markdown");
    assert_eq!(message.body["markdown"]["title"], "市农业农村局 1 条新通知");
    let text = message.body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("【食安创建】市农业农村局 有 1 条新通知：\n\n1. "),
        "{text}"
    );
    assert!(text.contains("的任务被退回整改：缺少会议纪要"));
    assert!(text.contains(&format!("(https://shian.test/tasks/{task})")));

    // The test button: queued, sent by the job, shown on the page.
    let page = admin
        .post(&format!("/admin/orgs/{org}/webhooks/{robot}/test"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let got = dingtalk.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        got[1].body["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("测试消息")
    );
    assert!(got[1].query("sign").is_some());
    let rows = settled(&app, robot, Duration::from_secs(5)).await;
    assert_eq!(rows.iter().map(|r| r.3).collect::<Vec<_>>(), vec![1, 0]);
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(page.contains("测试消息") && page.contains("1 条通知"));

    // 飞书 with 签名校验: timestamp (seconds) and sign in the body.
    let feishu_secret = "feishu-signing-secret";
    let url = format!(
        "{}/open-apis/bot/v2/hook/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
        feishu.base
    );
    register(&mut admin, karuo, "feishu", &url, feishu_secret).await;
    notify(
        &app,
        karuo,
        "overdue",
        json!({"indicator": 46}),
        "/tasks/46",
    )
    .await;
    let got = feishu.wait_for(1, Duration::from_secs(10)).await;
    let body = &got[0].body;
    assert_eq!(body["msg_type"], "text");
    assert_eq!(
        body["content"]["text"],
        "【食安创建】卡若区 有 1 条新通知：\n1. 指标（46）的任务已逾期，请尽快办理。\nhttps://shian.test/tasks/46"
    );
    let timestamp = body["timestamp"].as_str().expect("timestamp as a string");
    let seconds: i64 = timestamp.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - seconds).abs() < 60,
        "seconds"
    );
    assert_eq!(
        body["sign"].as_str().unwrap(),
        hmac_base64(format!("{timestamp}\n{feishu_secret}").as_bytes(), b""),
        "HMAC-SHA256 keyed with timestamp\\nsecret over nothing"
    );
    assert_eq!(
        dingtalk.received().len(),
        2,
        "卡若区's notice is not 市农业农村局's"
    );

    // Turned off, a robot gathers nothing; removed, it is gone with its deliveries.
    let page = admin
        .post(
            &format!("/admin/orgs/{org}/webhooks/{robot}/enabled"),
            &[("enabled", "0")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    notify(&app, org, "assigned", json!({"indicator": 5}), "/tasks/5").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(dingtalk.received().len(), 2);
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert_eq!(page.texts("article.webhook h3 .badge"), vec!["停用"]);
    let page = admin
        .post(&format!("/admin/orgs/{org}/webhooks/{robot}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(admin_robot_ids(&mut admin, org).await.is_empty());
    assert!(deliveries(&app, robot).await.is_empty());
    let actions = app.audit_actions().await;
    for action in [
        "webhook.create",
        "webhook.test",
        "webhook.update",
        "webhook.delete",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn failing_robots_are_retried_then_shown_failed_while_pages_keep_answering() {
    let app = spawn(0).await;
    let refusing = Receiver::start(Answer::Json(
        json!({"errcode": 310000, "errmsg": "sign not match"}),
    ))
    .await;
    let broken = Receiver::start(Answer::SlowStatus(Duration::from_secs(2), 500)).await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let org = org_id(&app, "市农业农村局").await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    let signed = register(
        &mut admin,
        org,
        "dingtalk",
        &format!("{}/robot/send?access_token=t1", refusing.base),
        "SECwrong",
    )
    .await;
    let down = register(
        &mut admin,
        org,
        "wecom",
        &format!("{}/cgi-bin/webhook/send?key=k2", broken.base),
        "",
    )
    .await;
    notify(
        &app,
        org,
        "approved",
        json!({"indicator": 3, "comment": ""}),
        "/tasks/3",
    )
    .await;
    // While the broken robot holds its request, pages answer.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !broken.shared.holding.load(Ordering::SeqCst) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the broken robot was called"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(clerk.get("/notifications").await.status, StatusCode::OK);
    assert_eq!(
        admin.get(&format!("/admin/orgs/{org}")).await.status,
        StatusCode::OK
    );
    assert!(
        broken.shared.holding.load(Ordering::SeqCst),
        "answered while the robot was still being waited for"
    );
    // Four attempts each (the first and three retries), then failed with the answer.
    let rows = settled(&app, signed, Duration::from_secs(30)).await;
    assert_eq!(
        rows,
        vec![(
            "failed".to_string(),
            4,
            Some("errcode 310000: sign not match".to_string()),
            1
        )]
    );
    assert_eq!(refusing.received().len(), 4);
    let rows = settled(&app, down, Duration::from_secs(30)).await;
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("failed", 4));
    assert_eq!(rows[0].2.as_deref(), Some("HTTP 500: upstream unavailable"));
    assert_eq!(broken.received().len(), 4);
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert_eq!(
        page.texts("table.deliveries td .badge"),
        vec!["发送失败", "发送失败"]
    );
    assert!(page.contains("errcode 310000: sign not match"));
    assert!(page.contains("HTTP 500: upstream unavailable"));
    assert_eq!(page.texts("table.deliveries td.num"), vec!["4", "4"]);
}

#[tokio::test]
async fn two_server_processes_send_each_message_once() {
    let settings = |c: &mut shian::config::Config| {
        c.webhooks.allow_http = true;
        c.webhooks.digest_minutes = 0;
        c.webhooks.poll = Duration::from_millis(50);
        c.webhooks.retry_delays = vec![Duration::from_millis(200); 3];
    };
    let app = TestApp::spawn_with(settings).await;
    let _sibling = app.spawn_sibling(settings).await;
    // A slow answer, so that both processes' jobs are looking while messages are out.
    let receiver = Receiver::start(Answer::SlowAccept(Duration::from_millis(300))).await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let org = org_id(&app, "市农业农村局").await;
    let robot = register(
        &mut admin,
        org,
        "wecom",
        &format!("{}/cgi-bin/webhook/send?key=k", receiver.base),
        "",
    )
    .await;
    for _ in 0..12 {
        let page = admin
            .post(&format!("/admin/orgs/{org}/webhooks/{robot}/test"), &[])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    receiver.wait_for(12, Duration::from_secs(15)).await;
    let rows = settled(&app, robot, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 12, "each message posted once");
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r.0 == "sent" && r.1 == 1), "{rows:?}");
}
