//! 督查督办 (issue 16 §4): a numbered 督办单 through its six steps, each timed; the
//! lights on the office dashboard against hand counts; escalation by rule.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

async fn today(app: &TestApp) -> chrono::NaiveDate {
    sqlx::query_scalar("SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn set_due(app: &TestApp, task: i64, due: chrono::NaiveDate) {
    sqlx::query("UPDATE tasks SET due_on = $2 WHERE id = $1")
        .bind(task)
        .bind(due)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_supervision_order_goes_through_its_six_steps() {
    let app = TestApp::spawn().await;
    let today = today(&app).await;
    let task = app.task_id(7, "市农业农村局").await;
    set_due(&app, task, today - chrono::Duration::days(5)).await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    // The overdue task offers the office a 督办单, prefilled with what it is about.
    let page = office.get(&format!("/tasks/{task}")).await;
    assert!(page.contains(&format!("/office/supervision/new?task={task}")));
    let form = office
        .get(&format!("/office/supervision/new?task={task}"))
        .await;
    assert!(form.contains("已逾期5天"), "{}", form.body);
    let org = form.texts("select[name=organisation_id] option[selected]");
    assert_eq!(org, vec!["市农业农村局"]);

    // Without a deadline or matter it is refused, and what was typed stays.
    let organisation_id: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = '市农业农村局'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = office
        .post(
            "/office/supervision",
            &[
                ("organisation_id", &organisation_id.to_string()),
                ("task_id", &task.to_string()),
                ("matter", ""),
                ("demand", "限期三日内报送"),
                ("deadline", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写督办事项") && page.contains("请填写办结时限"));
    assert!(page.contains("限期三日内报送"), "the demand is kept");

    let deadline = (today + chrono::Duration::days(3)).to_string();
    let page = office
        .post(
            "/office/supervision",
            &[
                ("organisation_id", &organisation_id.to_string()),
                ("task_id", &task.to_string()),
                ("matter", "指标7配套规章制度逾期未报送"),
                ("demand", "限期三日内报送"),
                ("deadline", &deadline),
            ],
        )
        .await;
    let location = page.location().expect("redirect").to_string();
    let id: i64 = location
        .trim_start_matches("/supervision/")
        .parse()
        .unwrap();
    let year = chrono::Datelike::year(&today);
    let page = office.get(&location).await;
    assert!(
        page.contains(&format!("督办〔{year}〕第1号")),
        "{}",
        page.body
    );

    // The task is purple now.
    let page = office.get(&format!("/tasks/{task}")).await;
    assert!(page.contains("light light-purple"));

    // The clerk is told, acknowledges, handles and answers.
    let notices = clerk.get("/notifications").await;
    assert!(notices.contains("您单位收到督办单"), "{}", notices.body);
    clerk.get(&location).await;
    for (step, text) in [
        ("acknowledge", ""),
        ("handle", "已组织起草"),
        ("answer", "已印发《农业农村领域食品安全管理办法》并报送"),
    ] {
        let page = clerk
            .post(
                &format!("/supervision/{id}/step"),
                &[("step", step), ("text", text)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{step}: {}", page.body);
    }
    // A clerk cannot review or close; another unit's clerk cannot even see it.
    let page = clerk
        .post(&format!("/supervision/{id}/step"), &[("step", "accept")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let mut stranger = app
        .signed_in("other", Role::Department, Some("市公安局"))
        .await;
    assert_eq!(stranger.get(&location).await.status, StatusCode::FORBIDDEN);
    // A clerk cannot issue one at all (the path rule).
    stranger.get("/").await;
    let page = stranger
        .post(
            "/office/supervision",
            &[
                ("organisation_id", &organisation_id.to_string()),
                ("matter", "x"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // Sending back needs a comment; then 复核 and 办结.
    office.get(&location).await;
    let page = office
        .post(
            &format!("/supervision/{id}/step"),
            &[("step", "send_back"), ("text", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("退回重办需写明复核意见"));
    for step in ["accept", "close"] {
        let page = office
            .post(
                &format!("/supervision/{id}/step"),
                &[("step", step), ("text", "")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{step}: {}", page.body);
    }
    let steps: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT st.step, u.username FROM supervision_steps st LEFT JOIN users u ON u.id = st.actor_id \
         WHERE st.order_id = $1 ORDER BY st.id",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let names: Vec<&str> = steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "drafted",
            "issued",
            "acknowledged",
            "handling",
            "answered",
            "reviewed",
            "closed"
        ]
    );
    assert_eq!(steps[2].1.as_deref(), Some("clerk"));
    assert_eq!(steps[6].1.as_deref(), Some("office"));
    let page = office.get(&location).await;
    assert!(page.contains("已办结"));
    assert_eq!(
        page.texts(".timeline li").len(),
        7,
        "every step with its time"
    );
    // Every step is in the audit trail, and the refusals too.
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action LIKE 'supervision.%' AND object_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 6);
}

#[tokio::test]
async fn the_dashboard_lights_match_hand_counts() {
    let app = TestApp::spawn().await;
    let today = today(&app).await;
    // 市公安局: one task overdue, one due in three days, the rest without a deadline.
    let overdue = app.task_id(28, "市公安局").await;
    let soon = app.task_id(3, "市公安局").await;
    set_due(&app, overdue, today - chrono::Duration::days(2)).await;
    set_due(&app, soon, today + chrono::Duration::days(3)).await;
    // 市教育局: a task due in three days only.
    let education = app.task_id(26, "市教育局").await;
    set_due(&app, education, today + chrono::Duration::days(3)).await;

    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let page = office.get("/").await;
    let row_of = |name: &str| -> Vec<String> {
        let document = scraper::Html::parse_document(&page.body);
        let rows = scraper::Selector::parse("#lights tbody tr").unwrap();
        let cells = scraper::Selector::parse("td").unwrap();
        document
            .select(&rows)
            .map(|r| {
                r.select(&cells)
                    .map(|c| c.text().collect::<String>().trim().to_string())
                    .collect::<Vec<_>>()
            })
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name}'s row"))
    };
    let hand = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT count(*) FILTER (WHERE NOT (t.due_on < $2) AND NOT (t.due_on <= $2 + 7) OR t.due_on IS NULL), \
                        count(*) FILTER (WHERE t.due_on >= $2 AND t.due_on <= $2 + 7), \
                        count(*) FILTER (WHERE t.due_on < $2) \
                 FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
                 WHERE o.name = $1 AND t.removed_at IS NULL",
            )
            .bind(name)
            .bind(today)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let police = row_of("市公安局");
    let (green, yellow, red) = hand("市公安局").await;
    assert_eq!(
        (
            &police[1][..],
            police[2].parse::<i64>().unwrap(),
            police[3].parse::<i64>().unwrap(),
            police[4].parse::<i64>().unwrap()
        ),
        ("红灯", green, yellow, red)
    );
    assert_eq!((yellow, red), (1, 1));
    let school = row_of("市教育局");
    assert_eq!(school[1], "黄灯");
    assert_eq!(school[3], "1");
    let farm = row_of("市农业农村局");
    assert_eq!(farm[1], "绿灯");
}

#[tokio::test]
async fn work_that_stays_overdue_climbs_the_escalation_rule() {
    let app = TestApp::spawn().await;
    let today = today(&app).await;
    let campaign: i64 = sqlx::query_scalar("SELECT id FROM campaigns ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let rule = shian::supervision::escalation_rule(&app.pool, campaign)
        .await
        .unwrap();
    assert_eq!(
        (
            rule.remind_clerk_days,
            rule.remind_head_days,
            rule.draft_order_days
        ),
        (1, 7, 14),
        "from the plan file"
    );
    let late = app.task_id(7, "市商务局").await;
    let later = app.task_id(7, "市民政局").await;
    set_due(&app, late, today - chrono::Duration::days(8)).await;
    set_due(&app, later, today - chrono::Duration::days(20)).await;
    let clerk = app
        .create_user("swclerk", Role::Department, Some("市商务局"), "Passw0rd!x")
        .await;
    let head = app
        .create_user("swhead", Role::Department, Some("市商务局"), "Passw0rd!x")
        .await;
    shian::accounts::set_unit_head(&app.pool, head, true)
        .await
        .unwrap();
    app.create_user("office9", Role::Office, Some("市食安办"), "Passw0rd!x")
        .await;

    let done = shian::supervision::escalate(&app.pool, campaign, today)
        .await
        .unwrap();
    assert_eq!(done.drafts, 1, "only the task 20 days overdue is drafted");
    // Again: nothing new (each level once per task).
    let again = shian::supervision::escalate(&app.pool, campaign, today)
        .await
        .unwrap();
    assert_eq!(
        (again.drafts, again.clerk_reminders, again.head_reminders),
        (0, 0, 0)
    );
    let kinds = |user: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id",
            )
            .bind(user)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert!(kinds(clerk).await.contains(&"escalation_clerk".to_string()));
    assert!(kinds(head).await.contains(&"escalation_head".to_string()));
    let (state, escalated): (String, bool) =
        sqlx::query_as("SELECT state, escalated FROM supervision_orders WHERE task_id = $1")
            .bind(later)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), escalated), ("draft", true));
    // The office confirms the draft: it is issued with the next number.
    let id: i64 = sqlx::query_scalar("SELECT id FROM supervision_orders WHERE task_id = $1")
        .bind(later)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let page = office.get(&format!("/supervision/{id}")).await;
    assert!(page.contains("按督办规则自动生成"));
    let page = office
        .post(&format!("/supervision/{id}/step"), &[("step", "issue")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let seq: Option<i32> = sqlx::query_scalar("SELECT seq FROM supervision_orders WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(seq, Some(1));
}
