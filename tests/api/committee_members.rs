//! The 食药安委's member units (issue 16 §1) and the campaign plan's programmes (§3):
//! the rubric's 各成员单位 / 有关成员单位 / 其他成员单位 reach the members as the cells
//! say, and the 24 programmes of 四、主要任务 make tasks that flow through review.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

/// Members that have no task for indicator `number`.
async fn members_without_task(app: &TestApp, number: i32) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT o.name FROM organisations o WHERE o.member AND o.active AND o.kind = 'department' \
         AND NOT EXISTS (SELECT 1 FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
                         WHERE t.organisation_id = o.id AND i.number = $1 AND t.removed_at IS NULL) \
         ORDER BY o.name",
    )
    .bind(number)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn org_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_member_gets_its_tasks_as_the_cells_say() {
    let app = TestApp::spawn().await;
    // The default list covers the units the plan names beyond the rubric's annex.
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM organisations WHERE member AND kind = 'department' ORDER BY name",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for name in [
        "市生态环境局",
        "市住房城乡建设局",
        "市旅游发展局",
        "新区管委会",
        "市市场监管局",
    ] {
        assert!(members.iter().any(|m| m == name), "{name} is a member");
    }
    assert!(members.len() >= 25, "{members:?}");

    // 各成员单位: every member has a task for 3, 7, 73, 89, 90, 91 and 93.
    for number in [3, 7, 73, 74, 89, 90, 91, 93] {
        assert_eq!(
            members_without_task(&app, number).await,
            Vec::<String>::new(),
            "indicator {number}"
        );
    }

    // 28: 其他（有关）成员单位 excludes the four the cell names.
    let reached: Vec<String> = sqlx::query_scalar(
        "SELECT o.name FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE i.number = 28 AND t.expansion = 'other_members' ORDER BY o.name",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for named in ["市林草局", "市市场监管局", "市农业农村局", "市公安局"] {
        assert!(
            !reached.iter().any(|r| r == named),
            "{named} is named in 28"
        );
    }
    assert!(reached.iter().any(|r| r == "市生态环境局"), "{reached:?}");
    assert_eq!(reached.len(), members.len() - 4);

    // The indicator page shows how the clause was expanded.
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let page = office.get("/rubric/indicators/28").await;
    assert!(
        page.contains("市食药安委其他（有关）成员单位"),
        "{}",
        page.body
    );
    assert!(page.contains("本栏未列名的其他成员单位"));
    assert!(page.contains(&format!("共 {} 个单位", members.len() - 4)));
}

#[tokio::test]
async fn the_office_picks_the_relevant_members_once() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    // 5 names 有关成员单位: nobody is reached until the office confirms; the plan's
    // proposal is shown ticked.
    let page = office.get("/rubric/indicators/5").await;
    assert!(page.contains("尚待市食安办确认"), "{}", page.body);
    let document = scraper::Html::parse_document(&page.body);
    let checked: Vec<String> = document
        .select(&scraper::Selector::parse("input[name=org][checked]").unwrap())
        .map(|e| e.value().attr("value").unwrap().to_string())
        .collect();
    let market = org_id(&app, "市市场监管局").await.to_string();
    let farming = org_id(&app, "市农业农村局").await.to_string();
    assert!(
        checked.contains(&market) && checked.contains(&farming),
        "{checked:?}"
    );
    let reached = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT o.name FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
                 JOIN organisations o ON o.id = t.organisation_id \
                 WHERE i.number = 5 AND t.expansion = 'relevant_members' AND t.removed_at IS NULL ORDER BY o.name",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert!(reached(&app).await.is_empty());

    let page = office
        .post(
            "/office/indicators/5/members",
            &[("org", &market), ("org", &farming)],
        )
        .await;
    assert_eq!(page.location(), Some("/rubric/indicators/5#members"));
    assert_eq!(reached(&app).await, vec!["市农业农村局", "市市场监管局"]);
    let page = office.get("/rubric/indicators/5").await;
    assert!(
        page.contains("已确认 2 个有关成员单位，新生成 2 项任务"),
        "{}",
        page.body
    );

    // Dropping one withdraws its untouched task; the history says why.
    office
        .post("/office/indicators/5/members", &[("org", &market)])
        .await;
    assert_eq!(reached(&app).await, vec!["市市场监管局"]);

    // A clerk may not choose (refused by the path rule, and audited).
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    clerk.get("/").await;
    let page = clerk
        .post("/office/indicators/5/members", &[("org", &farming)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(reached(&app).await, vec!["市市场监管局"]);
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' \
         AND summary->>'path' = '/office/indicators/5/members'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 1);
}

#[tokio::test]
async fn a_member_created_today_gets_its_member_tasks_at_once() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/orgs").await;
    let fields = [
        ("name", "市统计局"),
        ("kind", "department"),
        ("sort_order", "40"),
        ("active", "1"),
        ("member", "1"),
    ];
    // The preview lists what it would be given, and creates nothing.
    let mut asking = fields.to_vec();
    asking.push(("preview", "1"));
    let page = admin.post("/admin/orgs", &asking).await;
    assert_eq!(page.status, StatusCode::OK);
    let previewed = page.texts(".preview-tasks li").len();
    assert!(previewed >= 8, "every 各成员单位 indicator: {}", page.body);
    assert!(page.contains(&format!("为其生成 {previewed} 项任务")));
    assert_eq!(
        page.input_value("name").as_deref(),
        Some("市统计局"),
        "the form is kept"
    );
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organisations WHERE name = '市统计局')")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!exists);
    let page = admin.post("/admin/orgs", &fields).await;
    assert_eq!(page.location(), Some("/admin/orgs"), "{}", page.body);
    let made: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id WHERE o.name = '市统计局'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(made as usize, previewed, "it gets what the preview showed");
    assert!(members_without_task(&app, 7).await.is_empty());
    assert!(members_without_task(&app, 93).await.is_empty());
    let page = admin.get("/admin/orgs").await;
    assert!(page.contains("市统计局"), "{}", page.body);
    assert!(page.contains("项任务"), "the flash counts the tasks made");
}

#[tokio::test]
async fn a_county_previews_exactly_the_tasks_it_is_then_given() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/orgs").await;
    let fields = [
        ("name", "经开区"),
        ("kind", "county"),
        ("sort_order", "90"),
        ("active", "1"),
    ];
    let mut asking = fields.to_vec();
    asking.push(("preview", "1"));
    let page = admin.post("/admin/orgs", &asking).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut previewed = page.texts(".preview-tasks li");
    assert!(
        previewed.iter().any(|t| t.starts_with("（工程")),
        "programmes naming 各县（区） are among them: {previewed:?}"
    );
    let page = admin.post("/admin/orgs", &fields).await;
    assert_eq!(page.location(), Some("/admin/orgs"), "{}", page.body);
    // What generation made, worded as the preview words it.
    type Made = (Option<i32>, Option<String>, Option<i32>, String);
    let made: Vec<Made> = sqlx::query_as(
        "SELECT i.number, p.kind, p.number, t.text FROM tasks t \
         JOIN organisations o ON o.id = t.organisation_id \
         LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes p ON p.id = t.programme_id \
         WHERE o.name = '经开区' AND t.removed_at IS NULL",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut made: Vec<String> = made
        .into_iter()
        .map(|(indicator, kind, number, text)| {
            let work = shian::tasks::work_label(indicator, &kind, number);
            format!("（{work}）{text}")
        })
        .collect();
    previewed.sort();
    made.sort();
    assert_eq!(previewed, made, "the preview is what the county is given");
}

#[tokio::test]
async fn the_plans_programmes_make_tasks_that_flow_through_review() {
    let app = TestApp::spawn().await;
    let (projects, campaigns): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE kind = 'project'), count(*) FILTER (WHERE kind = 'campaign') FROM programmes",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((projects, campaigns), (12, 12));

    // 源头治理提升工程: 牵头 市农业农村局, 责任 the counties and four units as written.
    let (programme, lead_task): (i64, i64) = sqlx::query_as(
        "SELECT p.id, t.id FROM programmes p JOIN tasks t ON t.programme_id = p.id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE p.kind = 'project' AND p.number = 1 AND o.name = '市农业农村局'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let county_tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.programme_id = $1 AND o.kind = 'county'",
    )
    .bind(programme)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(county_tasks, 11, "各县（区） expanded to the counties");

    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let list = office.get("/programmes").await;
    assert!(list.contains("源头治理提升工程") && list.contains("冷链食品专项整治行动"));
    let page = office.get(&format!("/programmes/{programme}")).await;
    assert!(page.contains(
        "各县（区）人民政府、新区管委会，市生态环境局、住房城乡建设局、城市管理和综合执法局"
    ));
    assert!(page.contains("市生态环境局"));

    // The lead's clerk works the task like any other: upload, submit, approval.
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    let mine = clerk.get("/tasks?programme=all").await;
    assert!(
        mine.contains(&format!("/tasks/{lead_task}")),
        "{}",
        mine.body
    );
    assert!(mine.contains("工程1"));
    let page = clerk.get(&format!("/tasks/{lead_task}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("源头治理提升工程"));
    clerk
        .upload_documents(
            lead_task,
            vec![("推进方案.txt", "源头治理推进方案".as_bytes().to_vec())],
        )
        .await;
    let page = clerk
        .post(
            &format!("/tasks/{lead_task}/submit"),
            &[("comment", "请审核")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let queue = office.get("/review").await;
    assert!(queue.contains(&format!("/tasks/{lead_task}")));
    office.get(&format!("/tasks/{lead_task}")).await;
    let page = office
        .post(
            &format!("/tasks/{lead_task}/review"),
            &[("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(lead_task)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "approved");
    let list = office.get("/programmes").await;
    assert!(list.contains("1/"), "progress counts the approval");
}
