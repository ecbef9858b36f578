//! Dashboards against hand-counted fixtures, and who sees which one.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

/// Sets the status (and optionally a due date `days` from today) of tasks picked by SQL.
async fn set_tasks(app: &TestApp, filter: &str, status: &str, due_in_days: Option<i32>) -> i64 {
    let sql = format!(
        "UPDATE tasks t SET status = $1, due_on = CASE WHEN $2::int IS NULL THEN t.due_on \
             ELSE (now() AT TIME ZONE 'Asia/Shanghai')::date + $2::int END \
         FROM indicators i, organisations o \
         WHERE i.id = t.indicator_id AND o.id = t.organisation_id AND {filter}"
    );
    sqlx::query(&sql)
        .bind(status)
        .bind(due_in_days)
        .execute(&app.pool)
        .await
        .unwrap()
        .rows_affected() as i64
}

#[tokio::test]
async fn the_office_dashboard_agrees_with_hand_counts() {
    let app = TestApp::spawn().await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE removed_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // The city applies with three 自选项, so 120 points are at stake.
    sqlx::query("UPDATE campaigns SET optional_points = '{30,31,32}'")
        .execute(&app.pool)
        .await
        .unwrap();
    // Every task of evaluation point 1 (3 points of 120; part 一 has 30) approved.
    let approved = set_tasks(
        &app,
        "i.point_id = (SELECT id FROM rubric_points WHERE seq = 1)",
        "approved",
        None,
    )
    .await;
    assert!(approved > 0);
    // Two overdue tasks of 市农业农村局, five days late; one returned task.
    let overdue = set_tasks(
        &app,
        "o.name = '市农业农村局' AND t.id IN (SELECT t2.id FROM tasks t2 JOIN organisations o2 ON o2.id = t2.organisation_id \
             WHERE o2.name = '市农业农村局' AND t2.status = 'not_started' ORDER BY t2.id LIMIT 2)",
        "not_started",
        Some(-5),
    )
    .await;
    assert_eq!(overdue, 2);
    let returned = set_tasks(
        &app,
        "t.id = (SELECT t2.id FROM tasks t2 JOIN organisations o2 ON o2.id = t2.organisation_id \
             WHERE o2.name = '市农业农村局' AND t2.status = 'not_started' AND t2.due_on IS NULL ORDER BY t2.id LIMIT 1)",
        "returned",
        None,
    )
    .await;
    assert_eq!(returned, 1);

    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let page = office.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let stats = page.texts(".stats .stat-value");
    assert_eq!(stats[0], "2.5%", "3 of 120 points fully approved");
    assert_eq!(stats[1], format!("{approved} / {total}"));
    assert_eq!(stats[3], "1", "returned");
    assert_eq!(stats[4], "2", "overdue");
    assert!(page.contains("10.0%"), "part 一: 3 of 30 points");
    let overdue_rows = page.texts(".dash-grid .card table.compact tbody tr td.num");
    assert!(overdue_rows.iter().any(|t| t == "5"), "five days late");
    // Organisations × parts, worst first: each row's completion no higher than the next.
    let grid = scraper::Html::parse_document(&page.body);
    let select = |s: &str| scraper::Selector::parse(s).expect("selector");
    let parts: Vec<String> = grid
        .select(&select("table.part-grid thead th"))
        .map(|th| th.text().collect())
        .collect();
    assert_eq!(parts.len(), 1 + 6 + 1, "organisation, six parts, total");
    let totals: Vec<f64> = grid
        .select(&select("table.part-grid tbody tr td:last-child strong"))
        .map(|s| {
            s.text()
                .collect::<String>()
                .trim_end_matches('%')
                .parse()
                .unwrap()
        })
        .collect();
    assert!(totals.len() > 20, "a row per organisation with tasks");
    assert!(
        totals.windows(2).all(|w| w[0] <= w[1]),
        "worst first: {totals:?}"
    );
    assert!(page.contains("逾期"), "overdue cells say so");
    // The 94-indicator heat map is one click away and links each cell to its tasks.
    assert!(page.contains("href=\"/office/matrix\""));
    let page = office.get("/office/matrix").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("hm hm-done"));
    assert!(page.contains("hm hm-bad"));
    assert!(page.contains("/tasks?org="));
    // Every cell sits in its indicator's column and its organisation's row.
    let document = scraper::Html::parse_document(&page.body);
    let select = |s: &str| scraper::Selector::parse(s).expect("selector");
    let columns: Vec<String> = document
        .select(&select("table.heatmap thead th a"))
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(columns.len(), 94, "a column per indicator");
    let mut cells_seen = 0;
    for row in document.select(&select("table.heatmap tbody tr")) {
        let org_link = row
            .select(&select("th a"))
            .next()
            .and_then(|a| a.value().attr("href"))
            .expect("row heading links to the organisation's tasks")
            .to_string();
        for (column, td) in row.select(&select("td")).enumerate() {
            if let Some(href) = td
                .select(&select("a.hm"))
                .next()
                .and_then(|a| a.value().attr("href"))
            {
                let expected = format!("{org_link}&indicator={}", columns[column]);
                assert_eq!(href, expected, "cell in column {column}");
                cells_seen += 1;
            }
        }
    }
    assert!(cells_seen > 0, "the matrix has cells");
    // The task list agrees with the dashboard.
    let list = office.get("/tasks?overdue=1").await;
    assert!(list.contains("市农业农村局"));
}

#[tokio::test]
async fn each_role_lands_on_its_own_dashboard() {
    let app = TestApp::spawn().await;
    set_tasks(
        &app,
        "o.name = '市农业农村局' AND t.id = (SELECT min(t2.id) FROM tasks t2 JOIN organisations o2 ON o2.id = t2.organisation_id WHERE o2.name = '市农业农村局')",
        "returned",
        None,
    )
    .await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    let page = clerk.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("接下来要做的"));
    assert!(page.contains("完成率排名"));
    assert!(
        !page.contains("指标 × 单位"),
        "no city-wide matrix for a clerk"
    );
    let stats = page.texts(".stats .stat-value");
    assert_eq!(stats[1], "1", "its one returned task");

    let mut viewer = app.signed_in("leader", Role::Viewer, None).await;
    let page = viewer.get("/").await;
    assert!(page.contains("创建工作简况"));
    assert!(page.contains("print-button"), "printable");
    assert!(!page.contains("指标 × 单位"));

    let mut assessor = app.signed_in("expert", Role::Assessor, None).await;
    let page = assessor.get("/").await;
    assert!(page.contains("评审工作台"));
    assert!(page.contains("尚未加入评审工作组"));
}

/// Dashboard figures are kept between requests; a change made through the application
/// shows on the very next page view.
#[tokio::test]
async fn figures_follow_a_change_at_once() {
    let app = TestApp::spawn().await;
    let task: i64 = sqlx::query_scalar(
        "UPDATE tasks SET status = 'submitted' WHERE id = (SELECT min(id) FROM tasks) RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let progress = |page: crate::support::Page| -> serde_json::Value {
        assert_eq!(page.status, StatusCode::OK);
        serde_json::from_str(&page.body).unwrap()
    };
    let before = progress(office.get("/api/v1/progress").await);
    assert_eq!(before["tasks"]["submitted"], 1);
    // Read again: the kept figure is the same.
    assert_eq!(progress(office.get("/api/v1/progress").await), before);
    let page = office.get(&format!("/tasks/{task}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = office
        .post(&format!("/tasks/{task}/review"), &[("decision", "approve")])
        .await;
    assert!(
        page.status.is_redirection(),
        "review answered {}",
        page.status
    );
    let after = progress(office.get("/api/v1/progress").await);
    assert_eq!(after["tasks"]["submitted"], 0);
    assert_eq!(
        after["tasks"]["approved"].as_i64().unwrap(),
        before["tasks"]["approved"].as_i64().unwrap() + 1
    );
}

/// Under a refresh interval (the deadline-day setting) the office member who approved
/// sees the change on the next page; a colleague sees it once the interval has passed,
/// never a figure older than that.
#[tokio::test]
async fn with_a_refresh_interval_the_writer_sees_at_once_and_others_within_it() {
    let app = TestApp::spawn_with(|config| {
        config.figures_refresh = std::time::Duration::from_millis(1_500);
    })
    .await;
    let task: i64 = sqlx::query_scalar(
        "UPDATE tasks SET status = 'submitted' WHERE id = (SELECT min(id) FROM tasks) RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut writer = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut colleague = app
        .signed_in("office2", Role::Office, Some("市食安办"))
        .await;
    let submitted = |page: crate::support::Page| -> i64 {
        assert_eq!(page.status, StatusCode::OK);
        let figures: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        figures["tasks"]["submitted"].as_i64().unwrap()
    };
    // Let the sign-ins' own changes be published first.
    tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
    assert_eq!(submitted(colleague.get("/api/v1/progress").await), 1);
    // That read published the newest figures; the next publication is 1.5 s away.
    let published = std::time::Instant::now();
    let page = writer.get(&format!("/tasks/{task}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = writer
        .post(&format!("/tasks/{task}/review"), &[("decision", "approve")])
        .await;
    assert!(
        page.status.is_redirection(),
        "review answered {}",
        page.status
    );
    assert_eq!(
        submitted(writer.get("/api/v1/progress").await),
        0,
        "the writer sees its own change at once"
    );
    let seen_by_colleague = submitted(colleague.get("/api/v1/progress").await);
    if published.elapsed() < std::time::Duration::from_millis(1_400) {
        assert_eq!(
            seen_by_colleague, 1,
            "a colleague sees the published figure"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
    assert_eq!(
        submitted(colleague.get("/api/v1/progress").await),
        0,
        "after the interval everyone sees it"
    );
}
