//! Account and organisation administration.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn admin_creates_a_clerk_who_must_change_the_generated_password() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '卡若区'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    admin.get("/admin/users/new").await;
    let org_text = org.to_string();
    let page = admin
        .post(
            "/admin/users",
            &[
                ("username", "karuo.clerk"),
                ("display_name", "卡若区填报员"),
                ("role", "department"),
                ("organisation_id", &org_text),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let password = page
        .texts(".secret code")
        .pop()
        .expect("temporary password shown once");

    let mut clerk = app.browser();
    let page = clerk.login("karuo.clerk", &password).await;
    assert_eq!(page.location(), Some("/account/password"));
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"user.create".to_string()));
}

#[tokio::test]
async fn a_refused_user_form_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/users/new").await;
    // A clerk without an organisation, and a weak password.
    let page = admin
        .post(
            "/admin/users",
            &[
                ("username", "no.org"),
                ("display_name", "没有单位"),
                ("role", "department"),
                ("password", "abc"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("部门/县区填报员必须选择所属单位"));
    assert!(page.contains("密码至少需要 8 位"));
    assert_eq!(page.input_value("username").as_deref(), Some("no.org"));
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("没有单位")
    );

    // An assessor cannot belong to a county.
    let county: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE kind = 'county' LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let county = county.to_string();
    let page = admin
        .post(
            "/admin/users",
            &[
                ("username", "expert"),
                ("display_name", "专家"),
                ("role", "assessor"),
                ("organisation_id", &county),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("所选单位与角色不匹配"));

    // A taken username (case-insensitive) and a malformed one.
    let page = admin
        .post(
            "/admin/users",
            &[
                ("username", "ADMIN"),
                ("display_name", "x"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert!(page.contains("该用户名已被使用"));
    let page = admin
        .post(
            "/admin/users",
            &[
                ("username", "张三"),
                ("display_name", "x"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert!(page.contains("用户名须为 2–64 位"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing was created");
}

#[tokio::test]
async fn reset_disable_and_the_last_administrator() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut viewer = app.signed_in("leader", Role::Viewer, None).await;
    let viewer_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'leader'")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    admin.get(&format!("/admin/users/{viewer_id}")).await;
    let page = admin
        .post(&format!("/admin/users/{viewer_id}/password"), &[])
        .await;
    let temporary = page
        .texts(".secret code")
        .pop()
        .expect("new temporary password");
    assert_eq!(
        app.browser().login("leader", "Passw0rd!").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser().login("leader", &temporary).await.location(),
        Some("/account/password")
    );

    let page = admin
        .post(
            &format!("/admin/users/{viewer_id}/active"),
            &[("active", "false")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get(&format!("/admin/users/{viewer_id}"))
            .await
            .contains("账号已停用")
    );
    assert_eq!(
        viewer.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the disabled user is signed out"
    );
    admin
        .post(
            &format!("/admin/users/{viewer_id}/active"),
            &[("active", "true")],
        )
        .await;

    // The only administrator can neither disable nor demote itself.
    admin
        .post(
            &format!("/admin/users/{admin_id}/active"),
            &[("active", "false")],
        )
        .await;
    assert!(
        admin
            .get(&format!("/admin/users/{admin_id}"))
            .await
            .contains("不能停用自己的账号")
    );
    let page = admin
        .post(
            &format!("/admin/users/{admin_id}"),
            &[("display_name", "管理员"), ("role", "office")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("最后一个可用的系统管理员"));
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(admin_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "admin");

    let page = admin
        .post(
            &format!("/admin/users/{viewer_id}"),
            &[("display_name", "王局长"), ("role", "viewer")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let actions = app.audit_actions().await;
    for expected in [
        "user.password.reset",
        "user.disable",
        "user.enable",
        "user.update",
    ] {
        assert!(
            actions.contains(&expected.to_string()),
            "{expected} audited"
        );
    }
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_with_line_numbers() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/users/import").await;
    let bad = "用户名,姓名,角色,单位\nnyj.zhang,张三,部门,市农业农村局\nbad user,李四,部门,市农业农村局\nwang,王五,领导,\nzhao,赵六,部门,不存在的局\n";
    let form = reqwest::multipart::Form::new().text("text", bad.to_string());
    let page = admin.post_multipart("/admin/users/import", form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("第 3 行"), "{}", page.body);
    assert!(page.contains("第 5 行"));
    assert!(page.contains("找不到单位“不存在的局”"));
    assert!(page.contains("bad user,李四"), "the pasted text is kept");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing imported");

    // A GBK-encoded file as saved by a Chinese Excel.
    let good = "用户名,姓名,角色,单位,密码\nnyj.zhang,张三,部门,市农业农村局,\nkaruo.li,李四,department,卡若区,Karuo-2026\nwang,王五,领导,,\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(good);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(gbk.into_owned()).file_name("用户.csv"),
    );
    let page = admin.post_multipart("/admin/users/import", form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("已导入 3 个用户"));
    assert_eq!(
        page.texts("tbody code").len(),
        2,
        "two generated passwords shown"
    );
    let rows: Vec<(String, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT u.username, u.role, o.name, u.must_change_password FROM users u \
         LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.username <> 'admin' ORDER BY u.username",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "karuo.li".into(),
                "department".into(),
                Some("卡若区".into()),
                true
            ),
            (
                "nyj.zhang".into(),
                "department".into(),
                Some("市农业农村局".into()),
                true
            ),
            ("wang".into(), "viewer".into(), None, true),
        ]
    );
    assert_eq!(
        app.browser()
            .login("karuo.li", "Karuo-2026")
            .await
            .location(),
        Some("/account/password")
    );

    // Importing the same people again is refused as a whole.
    let form = reqwest::multipart::Form::new().text("text", good.to_string());
    let page = admin.post_multipart("/admin/users/import", form).await;
    assert!(page.contains("用户名“nyj.zhang”已存在"));
}

#[tokio::test]
async fn organisations_are_added_renamed_and_disabled() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/orgs").await;
    let page = admin
        .post(
            "/admin/orgs",
            &[
                ("name", "新区"),
                ("kind", "county"),
                ("sort_order", "20"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/admin/orgs"));
    let page = admin
        .post(
            "/admin/orgs",
            &[("name", "新区"), ("kind", "county"), ("sort_order", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("排序须为整数"));
    assert_eq!(page.input_value("name").as_deref(), Some("新区"));
    let page = admin
        .post("/admin/orgs", &[("name", "新区"), ("kind", "county")])
        .await;
    assert!(page.contains("已有同名单位"));

    let id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '卡若区'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let fields = [
        ("name", "卡若区（城区）"),
        ("kind", "county"),
        ("sort_order", "1"),
    ];
    // Disabling a county with open tasks first asks where they go.
    let page = admin.post(&format!("/admin/orgs/{id}"), &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("停用前请决定其去向"));
    let mut withdrawing = fields.to_vec();
    withdrawing.push(("open_tasks", "withdraw"));
    let page = admin.post(&format!("/admin/orgs/{id}"), &withdrawing).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let active: bool = sqlx::query_scalar("SELECT active FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!active, "unchecked box disables");
    assert!(
        admin
            .get("/admin/orgs")
            .await
            .contains("已保存“卡若区（城区）”")
    );
    // The indicator page lists the active counties for 各县（区）.
    let page = admin.get("/rubric/indicators/1").await;
    assert!(page.contains("新区"));
    assert!(!page.contains("卡若区（城区）"));
}

#[tokio::test]
async fn campaign_settings_are_validated_kept_and_audited() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let page = admin.get("/admin/campaign").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("省级初评"));
    let mut fields = vec![
        ("name", "昌都市创建国家食品安全示范城市"),
        ("city_name", "昌都市"),
        ("population", "七十六万"),
        ("report_due_day", "31"),
        ("starts_on", "2025-03-01"),
        ("ends_on", "2027-02-28"),
    ];
    for _ in 0..7 {
        fields.push(("stage_starts", ""));
        fields.push(("stage_ends", ""));
    }
    let page = admin.post("/admin/campaign", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("人口须为正整数"));
    assert!(page.contains("截止日须为 1–28"));
    assert_eq!(
        page.input_value("population").as_deref(),
        Some("七十六万"),
        "typed input kept"
    );

    fields[2] = ("population", "760966");
    fields[3] = ("report_due_day", "20");
    fields[6] = ("stage_starts", "2025-03-01");
    fields[7] = ("stage_ends", "2025-04-30");
    let page = admin.post("/admin/campaign", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (population, due_day, stage_end): (Option<i64>, i32, Option<chrono::NaiveDate>) = sqlx::query_as(
        "SELECT c.population, c.report_due_day, s.ends_on FROM campaigns c JOIN campaign_stages s ON s.campaign_id = c.id AND s.seq = 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((population, due_day), (Some(760966), 20));
    assert_eq!(
        stage_end.map(|d| d.to_string()).as_deref(),
        Some("2025-04-30")
    );

    admin.get("/admin/campaign").await;
    let page = admin.post("/admin/campaign/generate", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/admin/campaign")
            .await
            .contains("已补充 0 项任务")
    );

    let page = admin.get("/admin/audit?action=campaign.update").await;
    assert_eq!(page.texts("tbody tr").len(), 1);
    assert!(page.contains("760966") || page.contains("report_due_day"));
    // Who acted is its own filter now (an index range); the text filter reads details.
    let page = admin.get("/admin/audit?user=admin").await;
    assert!(
        page.texts("tbody tr").len() >= 2,
        "the admin's sign-in and changes"
    );
    let page = admin
        .get("/admin/audit?from=2000-01-01&to=2000-01-02")
        .await;
    assert!(page.contains("没有符合条件的记录"));
}
