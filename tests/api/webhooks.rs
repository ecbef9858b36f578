//! Notices in the work groups (issue 16 §7): an organisation's group robots get digests
//! of its users' notifications, in each vendor's format, signed, batched, and retried
//! through an outbox. A local receiver on 127.0.0.1 stands in for the vendors.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode as AxumStatus, Uri};
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shian::accounts::Role;

use crate::support::{Browser, TestApp};

/// How the receiver answers.
#[derive(Debug, Clone)]
enum Answer {
    /// Code 0 in every vendor's field names.
    Accept,
    /// HTTP 200 with this body (a vendor's refusal).
    Json(Value),
    /// This status after holding the request this long.
    SlowStatus(Duration, u16),
    /// [`Answer::Accept`] after holding the request this long.
    SlowAccept(Duration),
}

#[derive(Debug, Clone)]
struct Received {
    /// Path and query as sent.
    target: String,
    body: Value,
}

impl Received {
    fn query(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&format!("http://x{}", self.target)).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

#[derive(Clone)]
struct Shared {
    answer: Arc<Mutex<Answer>>,
    received: Arc<Mutex<Vec<Received>>>,
    /// A request is being held (slow answers).
    holding: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
}

/// A stand-in for the vendors' servers on a free loopback port.
struct Receiver {
    base: String,
    shared: Shared,
}

impl Receiver {
    async fn start(answer: Answer) -> Receiver {
        let shared = Shared {
            answer: Arc::new(Mutex::new(answer)),
            received: Arc::default(),
            holding: Arc::default(),
            requests: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, shared }
    }

    fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests have come (at most `within`); returns them all.
    async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        while self.shared.requests.load(Ordering::SeqCst) < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} requests, got {:?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}

async fn receive(State(shared): State<Shared>, uri: Uri, body: Bytes) -> Response {
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared
        .received
        .lock()
        .unwrap()
        .push(Received { target, body });
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let mut answer = shared.answer.lock().unwrap().clone();
    if let Answer::SlowAccept(hold) = answer {
        tokio::time::sleep(hold).await;
        answer = Answer::Accept;
    }
    match answer {
        Answer::Accept | Answer::SlowAccept(_) => axum::Json(
            json!({"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success", "data": {}}),
        )
        .into_response(),
        Answer::Json(value) => axum::Json(value).into_response(),
        Answer::SlowStatus(hold, status) => {
            shared.holding.store(true, Ordering::SeqCst);
            tokio::time::sleep(hold).await;
            shared.holding.store(false, Ordering::SeqCst);
            (
                AxumStatus::from_u16(status).unwrap(),
                "upstream unavailable",
            )
                .into_response()
        }
    }
}

/// A server that accepts loopback robots, digests every `digest_minutes`, looks often
/// and retries quickly, with links to a public address.
async fn spawn(digest_minutes: u32) -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhook_allow_http = true;
        c.webhook_digest_minutes = digest_minutes;
        c.webhook_poll = Duration::from_millis(100);
        c.webhook_retry_delays = vec![Duration::from_millis(200); 3];
        c.public_url = Some("https://shian.test".into());
    })
    .await
}

async fn org_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Registers a robot through the admin's form; returns its id.
async fn register(admin: &mut Browser, org: i64, vendor: &str, url: &str, secret: &str) -> i64 {
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

async fn admin_robot_ids(admin: &mut Browser, org: i64) -> Vec<i64> {
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    let document = scraper::Html::parse_document(&page.body);
    let selector = scraper::Selector::parse("article.webhook").unwrap();
    document
        .select(&selector)
        .filter_map(|e| e.value().id()?.strip_prefix("webhook-")?.parse().ok())
        .collect()
}

/// (status, attempts, last error, items) of the robot's deliveries, oldest first.
async fn deliveries(app: &TestApp, robot: i64) -> Vec<(String, i32, Option<String>, i32)> {
    sqlx::query_as(
        "SELECT status, attempts, last_error, items FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id",
    )
    .bind(robot)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Waits until none of the robot's deliveries is pending.
async fn settled(
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

async fn notify(app: &TestApp, org: i64, kind: &str, params: Value, link: &str) {
    shian::notifications::notify_organisation(&app.pool, org, kind, params, link, None)
        .await
        .unwrap();
}

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
        c.webhook_allow_http = true;
        c.webhook_digest_minutes = 0;
        c.webhook_poll = Duration::from_millis(50);
        c.webhook_retry_delays = vec![Duration::from_millis(200); 3];
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
