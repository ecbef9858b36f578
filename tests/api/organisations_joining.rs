//! Organisations that arrive mid-campaign owe only what falls due after they joined; only
//! the office, departments and counties own tasks (issue 16 §2).

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

async fn record_of(app: &TestApp, name: &str) -> shian::dashboard::ReportRecord {
    let campaign = shian::campaigns::current(&app.pool)
        .await
        .unwrap()
        .expect("a campaign");
    shian::dashboard::report_records(&app.pool, &campaign)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.organisation_name == name)
        .unwrap_or_else(|| panic!("{name} reports"))
}

#[tokio::test]
async fn an_organisation_created_today_is_not_late_for_past_months() {
    let app = TestApp::spawn().await;
    // A campaign that started months ago: everyone else owes three past months.
    app.campaign_started_months_ago(3).await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let form = admin.get("/admin/orgs").await;
    // The form proposes today (China time) as the day a new organisation joins.
    let today: String = sqlx::query_scalar(
        "SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(form.input_value("joined_on"), Some(today.clone()));
    let page = admin
        .post(
            "/admin/orgs",
            &[
                ("name", "市统计局"),
                ("kind", "department"),
                ("sort_order", "30"),
                ("active", "1"),
                ("joined_on", &today),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/admin/orgs"), "{}", page.body);
    let joined: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT joined_on FROM organisations WHERE name = '市统计局'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(joined.map(|d| d.to_string()), Some(today.clone()));

    // Not charged for the months before it existed; an old member is.
    let newcomer = record_of(&app, "市统计局").await;
    assert_eq!(
        (newcomer.owed, newcomer.missing, newcomer.days_late),
        (0, 0, 0)
    );
    let member = record_of(&app, "市农业农村局").await;
    assert!(member.owed >= 3 && member.missing >= 3, "{member:?}");

    // The office's matrix says 未纳入 for its past months, never 逾期.
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let matrix = office.get("/reports").await;
    let row = matrix
        .texts("tr")
        .into_iter()
        .find(|r| r.contains("市统计局"))
        .expect("its row");
    assert!(row.contains("未纳入") && !row.contains("逾期"), "{row}");
    // Its own clerk sees the same.
    let mut clerk = app
        .signed_in("sthj", Role::Department, Some("市统计局"))
        .await;
    let own = clerk.get("/reports").await;
    assert!(
        own.contains("未纳入") && !own.contains("未报送（已逾期"),
        "{}",
        own.body
    );

    // A bad date is refused with what was typed kept; blank makes it a member since the
    // campaign began, and then it owes every month.
    let id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '市统计局'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let fields = |joined: &'static str| {
        vec![
            ("name", "市统计局"),
            ("kind", "department"),
            ("sort_order", "30"),
            ("active", "1"),
            ("joined_on", joined),
        ]
    };
    let page = admin
        .post(&format!("/admin/orgs/{id}"), &fields("2025-13-40"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("纳入日期格式应为"), "{}", page.body);
    assert_eq!(page.input_value("joined_on").as_deref(), Some("2025-13-40"));
    let page = admin.post(&format!("/admin/orgs/{id}"), &fields("")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let since_start = record_of(&app, "市统计局").await;
    assert!(since_start.missing >= 3, "{since_start:?}");
    assert!(app.audit_actions().await.iter().any(|a| a == "org.update"));

    // A county added mid-campaign gets every county task at once, and says so.
    admin.get("/admin/orgs").await;
    let page = admin
        .post(
            "/admin/orgs",
            &[
                ("name", "新区"),
                ("kind", "county"),
                ("active", "1"),
                ("joined_on", &today),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/admin/orgs"), "{}", page.body);
    let per_county: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id WHERE o.name = '卡若区'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let new_county: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id WHERE o.name = '新区'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(per_county > 0);
    assert_eq!(new_county, per_county);
    let list = admin.get("/admin/orgs").await;
    assert!(
        list.contains(&format!(
            "已新增“新区”，并按评价细则为其生成 {per_county} 项任务"
        )),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn assessor_groups_are_never_owners_of_tasks() {
    let app = TestApp::spawn().await;
    sqlx::query("INSERT INTO organisations (name, kind, sort_order) VALUES ('第1评审组', 'assessor_group', 1)")
        .execute(&app.pool)
        .await
        .unwrap();
    let group: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '第1评审组'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let option =
        |page: &crate::support::Page| page.texts("option").iter().any(|o| o.contains("第1评审组"));
    let tasks = office.get("/tasks").await;
    assert!(tasks.contains("市农业农村局") && !option(&tasks));
    let rubric = office.get("/rubric").await;
    assert!(!option(&rubric), "the 责任单位 filter lists owners only");
    let task = app.task_id(1, "市食安办").await;
    let page = office.get(&format!("/tasks/{task}")).await;
    assert!(!option(&page), "the reassign list holds owners only");

    // Posted anyway: refused, nothing created or moved.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = office
        .post(
            "/tasks",
            &[
                ("indicator", "1"),
                ("organisation_id", &group.to_string()),
                ("text", "评审组不应承担任务"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
    let shown = office.get(page.location().unwrap_or("/tasks")).await;
    assert!(
        shown.contains("评审组和外部单位不能承担任务"),
        "{}",
        shown.body
    );
    let page = office
        .post(
            &format!("/tasks/{task}/manage"),
            &[
                ("action", "reassign"),
                ("organisation_id", &group.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("评审组和外部单位不能承担任务"));
    let owner: String = sqlx::query_scalar(
        "SELECT o.name FROM tasks t JOIN organisations o ON o.id = t.organisation_id WHERE t.id = $1",
    )
    .bind(task)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(owner, "市食安办");
}

#[tokio::test]
async fn deactivating_a_unit_asks_where_its_open_tasks_go() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let (tourism, environment): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT id FROM organisations WHERE name = '市旅游发展局'), \
                (SELECT id FROM organisations WHERE name = '市生态环境局')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let open = |app: &TestApp, org: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM tasks WHERE organisation_id = $1 AND removed_at IS NULL AND status <> 'approved'",
            )
            .bind(org)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let before = open(&app, tourism).await;
    assert!(before > 0, "the plan's unit has member tasks");
    let receiver_before = open(&app, environment).await;
    admin.get(&format!("/admin/orgs/{tourism}")).await;
    let fields = [
        ("name", "市旅游发展局"),
        ("kind", "department"),
        ("sort_order", "50"),
        ("member", "1"),
    ];
    // Unticking 在用 without saying where the work goes is held, the form kept.
    let page = admin.post(&format!("/admin/orgs/{tourism}"), &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(&format!("该单位尚有 {before} 项未完成任务")),
        "{}",
        page.body
    );
    assert!(page.contains("市生态环境局"), "receivers are offered");
    let active: bool = sqlx::query_scalar("SELECT active FROM organisations WHERE id = $1")
        .bind(tourism)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(active, "nothing changed yet");

    // Handing them to 市生态环境局: tasks it already has are not doubled.
    let mut with_choice = fields.to_vec();
    let to = environment.to_string();
    with_choice.push(("open_tasks", "move"));
    with_choice.push(("move_to", &to));
    let page = admin
        .post(&format!("/admin/orgs/{tourism}"), &with_choice)
        .await;
    assert_eq!(page.location(), Some("/admin/orgs"), "{}", page.body);
    assert_eq!(open(&app, tourism).await, 0);
    let moved: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id \
         WHERE e.action = 'reassigned' AND t.organisation_id = $1",
    )
    .bind(environment)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(open(&app, environment).await, receiver_before + moved);
    // Both are members with the same member tasks, so most were already the receiver's.
    assert!(moved < before);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'org.update' AND summary ? 'open_tasks' \
         AND summary->'open_tasks' IS NOT NULL AND summary->'open_tasks' <> 'null'::jsonb",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}
