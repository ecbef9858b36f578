//! Bulletins: numbered, frozen figures for a period, readable by everyone, issued by the
//! office only.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn the_office_issues_numbered_bulletins_everyone_reads() {
    let app = TestApp::spawn().await;
    // Two tasks of 市农业农村局 approved today, one returned; the campaign started 70 days ago.
    sqlx::query(
        "WITH picked AS (SELECT t.id FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
                         WHERE o.name = '市农业农村局' ORDER BY t.id LIMIT 3), \
              numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM picked), \
              changed AS (UPDATE tasks t SET status = CASE WHEN n <= 2 THEN 'approved' ELSE 'returned' END \
                          FROM numbered WHERE t.id = numbered.id RETURNING t.id, t.status) \
         INSERT INTO task_events (task_id, action) SELECT id, status FROM changed",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE campaigns SET starts_on = current_date - 70")
        .execute(&app.pool)
        .await
        .unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let start = (today - chrono::Duration::days(70)).to_string();
    let end = today.to_string();

    // One problem of 市农业农村局 ten days past its deadline, one closed (not listed).
    sqlx::query(
        "INSERT INTO problems (campaign_id, source, source_label, description, organisation_id, deadline, state, \
                               measures, closed_at) \
         SELECT c.id, 'office', '市委督查', d.text, o.id, (now() AT TIME ZONE 'Asia/Shanghai')::date - 10, d.state, d.measures, d.closed_at \
         FROM campaigns c, organisations o, \
              (VALUES ('农药经营店购销台账缺失', 'open', '', NULL::timestamptz), \
                      ('已销号的旧问题', 'closed', '已整改', now())) d(text, state, measures, closed_at) \
         WHERE o.name = '市农业农村局'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/bulletins").await;
    // A bad period is refused and the text typed is kept.
    let page = office
        .post(
            "/bulletins",
            &[("start", &end), ("end", &start), ("remarks", "本期重点")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择月份，或填写有效的起止日期"));
    assert!(page.contains("本期重点"));

    let page = office
        .post(
            "/bulletins",
            &[("start", &start), ("end", &end), ("remarks", "本期重点")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().unwrap().to_string();
    let bulletin = office.get(&location).await;
    assert!(bulletin.contains("第1期"));
    assert!(bulletin.contains("本期重点"));
    assert!(
        bulletin.contains("尚未销号的问题 1 个"),
        "{}",
        bulletin.body
    );
    assert!(bulletin.contains("农药经营店购销台账缺失"));
    assert!(bulletin.contains("逾期 10 天"));
    assert!(!bulletin.contains("已销号的旧问题"));
    // Departments and counties are ranked in tables of their own.
    let cells = bulletin.texts("article table.ranking tbody td");
    let cells = cells
        .chunks(8)
        .find(|row| row[1] == "市农业农村局")
        .expect("a row for the organisation");
    // rank, organisation, tasks, approved, percent, overdue, returned in period, approved in period
    assert_eq!(cells[0], "1", "the only department with approvals leads");
    assert_eq!(cells[3], "2");
    assert_eq!(cells[6], "1");
    assert_eq!(cells[7], "2");
    assert_eq!(bulletin.texts("article table.ranking").len(), 2);
    assert!(bulletin.contains("各县（区）完成情况"));
    // Printed as a 简报: masthead, issue number, the plan's issuing body, not a person.
    assert!(
        bulletin.contains("昌都市创建国家食品安全示范城市工作简报"),
        "{}",
        bulletin.body
    );
    assert!(bulletin.contains("昌都市创建国家食品安全示范城市工作领导小组办公室"));
    assert!(
        bulletin.contains("未报"),
        "months without a report are listed"
    );

    let second = office
        .post(
            "/bulletins",
            &[("month", &today.format("%Y-%m").to_string())],
        )
        .await;
    let second = office.get(second.location().unwrap()).await;
    assert!(second.contains("第2期"));

    // A 通报 counts on its own: 第1期, with its 文号, kind and 抄送 line.
    let notice = office
        .post(
            "/bulletins",
            &[
                ("series", "notice"),
                ("notice_kind", "criticism"),
                (
                    "issuing_body",
                    "昌都市创建国家食品安全示范城市工作领导小组办公室",
                ),
                ("doc_number", "昌创食安办〔2026〕5号"),
                ("copy_to", "市委办公室，市政府办公室"),
                ("month", &today.format("%Y-%m").to_string()),
            ],
        )
        .await;
    assert_eq!(notice.status, StatusCode::SEE_OTHER, "{}", notice.body);
    let notice = office.get(notice.location().unwrap()).await;
    assert!(
        notice.contains("工作通报") && notice.contains("第1期"),
        "{}",
        notice.body
    );
    assert!(notice.contains("昌创食安办〔2026〕5号"));
    assert!(notice.contains("抄送") && notice.contains("市委办公室，市政府办公室"));
    assert!(notice.contains("批评通报"));
    assert!(notice.contains(&format!(
        "{}年{}月{}日",
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        chrono::Datelike::day(&today)
    )));
    // An unknown series is refused with the form kept.
    let page = office
        .post(
            "/bulletins",
            &[("series", "memo"), ("remarks", "保留的文字")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择简报或通报") && page.contains("保留的文字"));

    // Everyone reads; only the office issues.
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市教育局"))
        .await;
    assert_eq!(clerk.get(&location).await.status, StatusCode::OK);
    let list = clerk.get("/bulletins").await;
    assert!(list.contains("第1期") && list.contains("第2期"));
    assert!(!list.contains("action=\"/bulletins\""), "no issuing form");
    let page = clerk.post("/bulletins", &[("month", "2025-01")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The table downloads as CSV with a BOM and one line per organisation.
    let csv = clerk
        .client
        .get(format!("{}{location}/export.csv", clerk.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let organisations: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT organisation_id) FROM tasks WHERE removed_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(text.lines().count() as i64, organisations + 1);
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|a| a == "bulletin.issue")
    );
}
