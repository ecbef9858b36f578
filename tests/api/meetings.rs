//! 调度 meetings (issue 16 §5): a meeting's decisions and what they became (a task in the
//! review loop, a programme milestone), the record form's refusals, a clerk recording its
//! own unit's meetings only. The counts, the API and the forms by role are in
//! `meetings_register`.

use chrono::NaiveDate;
use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::{Browser, Page, TestApp};

pub(crate) async fn org(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|_| panic!("organisation {name}"))
}

pub(crate) async fn programme(app: &TestApp, kind: &str, number: i32) -> i64 {
    sqlx::query_scalar("SELECT id FROM programmes WHERE kind = $1 AND number = $2")
        .bind(kind)
        .bind(number)
        .fetch_one(&app.pool)
        .await
        .expect("the plan's programme")
}

/// Posts the record form (after opening it, as a browser would).
pub(crate) async fn record(browser: &mut Browser, fields: &[(&str, &str)]) -> Page {
    browser.get("/meetings/new").await;
    browser.post("/meetings/new", fields).await
}

pub(crate) fn meeting_id(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location().expect("redirect")["/meetings/".len()..]
        .parse()
        .expect("meeting id")
}

pub(crate) async fn decision_ids(app: &TestApp, meeting: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM meeting_decisions WHERE meeting_id = $1 ORDER BY seq")
        .bind(meeting)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn decisions_become_tasks_the_owner_sees_and_programme_milestones() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("karuo1", Role::Department, Some("卡若区"))
        .await;
    let (city_office, bureau, karuo) = (
        org(&app, "市食安办").await,
        org(&app, "市市场监管局").await,
        org(&app, "卡若区").await,
    );
    let page = record(
        &mut office,
        &[
            ("kind", "monthly"),
            ("held_on", "2026年11月5日"),
            ("title", "全市创建工作11月调度会"),
            ("chair", "副市长 张某"),
            ("convener_id", &city_office.to_string()),
            ("attending", &bureau.to_string()),
            ("attending", &karuo.to_string()),
            ("summary", "通报10月任务完成情况。"),
            (
                "decisions",
                "各县（区）制定农贸市场升级改造计划\n\n按月报送检验检测能力建设进展\n",
            ),
        ],
    )
    .await;
    let id = meeting_id(&page);
    let page = office.get(&format!("/meetings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("dd.chair"), vec!["副市长 张某"]);
    assert_eq!(
        page.texts("dd.attending .org"),
        vec!["市市场监管局", "卡若区"]
    );
    assert_eq!(
        page.texts(".decision-text"),
        vec![
            "各县（区）制定农贸市场升级改造计划",
            "按月报送检验检测能力建设进展"
        ]
    );

    // A third decision with an owner and a deadline, made a task on indicator 69.
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions"),
            &[
                ("text", "卡若区完成入网餐饮服务经营者信息公示核查"),
                ("owner_id", &karuo.to_string()),
                ("deadline", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let decisions = decision_ids(&app, id).await;
    assert_eq!(decisions.len(), 3);
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions/{}/task", decisions[2]),
            &[
                ("indicator", "69"),
                ("programme_id", ""),
                ("owner_id", &karuo.to_string()),
                ("deadline", "2026-12-31"),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (task, number, owner, relation, text, due): (i64, i32, i64, String, String, NaiveDate) =
        sqlx::query_as(
            "SELECT t.id, i.number, t.organisation_id, t.relation, t.text, t.due_on FROM meeting_decisions d \
             JOIN tasks t ON t.id = d.task_id JOIN indicators i ON i.id = t.indicator_id WHERE d.id = $1",
        )
        .bind(decisions[2])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((number, owner, relation.as_str()), (69, karuo, "task"));
    assert_eq!(text, "卡若区完成入网餐饮服务经营者信息公示核查");
    assert_eq!(due, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    // Its history names the meeting.
    let comment: String = sqlx::query_scalar(
        "SELECT comment FROM task_events WHERE task_id = $1 AND action = 'assigned'",
    )
    .bind(task)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        comment,
        "2026年11月5日市食安办月调度“全市创建工作11月调度会”议定事项第3条"
    );

    // The owner's clerk finds it under 我的任务, was told, and opens it.
    let mine = clerk.get("/tasks").await;
    assert!(mine.contains("卡若区完成入网餐饮服务经营者信息公示核查"));
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT n.link FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.username = 'karuo1' AND n.kind = 'assigned'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, vec![format!("/tasks/{task}")]);
    let notices = clerk.get("/notifications").await;
    assert!(notices.contains("指标（69）"), "{}", notices.body);
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("议定事项第3条"));

    // The first decision: a task on 工程3 for 卡若区, which already has its own 工程3 task.
    let project3 = programme(&app, "project", 3).await;
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions/{}/task", decisions[0]),
            &[
                ("indicator", ""),
                ("programme_id", &project3.to_string()),
                ("owner_id", &karuo.to_string()),
                ("deadline", "2027-01-31"),
                ("text", "制定本区农贸市场升级改造计划"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let on_programme: Vec<String> = sqlx::query_scalar(
        "SELECT relation FROM tasks WHERE programme_id = $1 AND organisation_id = $2 ORDER BY id",
    )
    .bind(project3)
    .bind(karuo)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(on_programme, vec!["county", "task"]);
    let notices = clerk.get("/notifications").await;
    assert!(notices.contains("指标（工程3）"));

    // The second: a milestone of 工程5, shown on the programme's page.
    let project5 = programme(&app, "project", 5).await;
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions/{}/milestone", decisions[1]),
            &[
                ("programme_id", &project5.to_string()),
                ("title", ""),
                ("due_on", "2027-01-15"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = office.get(&format!("/programmes/{project5}")).await;
    assert!(page.contains("按月报送检验检测能力建设进展"));
    // A decision becomes one thing only.
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions/{}/task", decisions[1]),
            &[
                ("indicator", "46"),
                ("owner_id", &bureau.to_string()),
                ("deadline", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("该议定事项已转为任务或工程节点"));

    // The meeting's page says what each became, with links.
    let page = office.get(&format!("/meetings/{id}")).await;
    assert!(page.contains(&format!("href=\"/tasks/{task}\"")));
    assert!(page.contains(&format!("href=\"/programmes/{project5}\"")));
    assert_eq!(page.texts(".became .badge-ok").len(), 3);
    // A clerk reads the register too, without the office's forms.
    let page = clerk.get(&format!("/meetings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(&format!("href=\"/tasks/{task}\"")));
    assert!(!page.contains("/task\""), "no forms for the clerk");
    let actions = app.audit_actions().await;
    for action in [
        "meeting.record",
        "meeting.decision",
        "task.create",
        "meeting.milestone",
        "meeting.task.refused",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_the_form_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let closed = shian::orgs::insert(&app.pool, "已撤并局", shian::orgs::OrgKind::Department, 99)
        .await
        .unwrap();
    shian::orgs::update(
        &app.pool,
        closed,
        "已撤并局",
        shian::orgs::OrgKind::Department,
        99,
        false,
    )
    .await
    .unwrap();
    let page = record(
        &mut office,
        &[
            ("kind", "weekly"),
            ("held_on", ""),
            ("title", " "),
            ("chair", "副市长 张某"),
            ("convener_id", &org(&app, "市食安办").await.to_string()),
            ("attending", &closed.to_string()),
            ("summary", "研究部署"),
            ("decisions", "一、加快整改"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "请选择会议类别",
        "请填写会议日期",
        "请填写会议名称",
        "参会单位须为在用的单位",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert_eq!(page.input_value("chair").as_deref(), Some("副市长 张某"));
    assert_eq!(page.input_value("summary").as_deref(), Some("研究部署"));
    assert_eq!(
        page.input_value("decisions").as_deref(),
        Some("一、加快整改")
    );
    let group = shian::orgs::insert(
        &app.pool,
        "第九评审组",
        shian::orgs::OrgKind::AssessorGroup,
        9,
    )
    .await
    .unwrap();
    let page2 = record(
        &mut office,
        &[
            ("kind", "special"),
            ("held_on", "十一月"),
            ("title", "专题调度"),
            ("convener_id", &group.to_string()),
        ],
    )
    .await;
    assert_eq!(page2.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page2.contains("会议日期无法识别"));
    assert!(page2.contains("召集单位须为市食安办、市直部门或县（区）"));
    assert_eq!(page2.input_value("title").as_deref(), Some("专题调度"));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM meetings")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);

    // A good meeting; then a decision due before it, and a task without deadline that
    // names both an indicator and a programme.
    let page = record(
        &mut office,
        &[
            ("kind", "special"),
            ("held_on", "2026-11-20"),
            ("title", "学校食堂专题调度会"),
            ("convener_id", &org(&app, "市教育局").await.to_string()),
            ("decisions", "各县（区）落实校长陪餐制度"),
        ],
    )
    .await;
    let id = meeting_id(&page);
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions"),
            &[
                ("text", "补齐陪餐记录"),
                ("owner_id", &group.to_string()),
                ("deadline", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("完成时限不能早于会议日期"));
    assert!(page.contains("责任单位须为在用的市食安办、市直部门或县（区）"));
    assert!(page.contains(">补齐陪餐记录</textarea>"));
    let decision = decision_ids(&app, id).await[0];
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions/{decision}/task"),
            &[
                ("indicator", "26"),
                (
                    "programme_id",
                    &programme(&app, "project", 9).await.to_string(),
                ),
                ("owner_id", &org(&app, "卡若区").await.to_string()),
                ("deadline", ""),
                ("text", "卡若区建立陪餐记录"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("任务只能挂在一项指标或一项工程、行动上"));
    assert!(page.contains("转为任务须指定完成时限"));
    assert_eq!(page.input_value("indicator").as_deref(), Some("26"));
    assert!(page.contains(">卡若区建立陪餐记录</textarea>"));
    assert!(page.contains("<details class=\"link-picker\" open>"));
    let (decisions, tasks): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM meeting_decisions), \
                (SELECT count(*) FROM meeting_decisions WHERE task_id IS NOT NULL)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((decisions, tasks), (1, 0));
    let refused: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE 'meeting.%.refused' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        refused,
        vec![
            "meeting.record.refused",
            "meeting.record.refused",
            "meeting.decision.refused",
            "meeting.task.refused"
        ]
    );
}

#[tokio::test]
async fn a_clerk_records_its_own_units_meetings_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("karuo1", Role::Department, Some("卡若区"))
        .await;
    let (karuo, jiangda) = (org(&app, "卡若区").await, org(&app, "江达县").await);
    let form = clerk.get("/meetings/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.texts("select[name=convener_id] option"),
        vec!["卡若区"]
    );
    let own = meeting_id(
        &record(
            &mut clerk,
            &[
                ("kind", "monthly"),
                ("held_on", "2026-11-22"),
                ("title", "卡若区创建工作11月调度会"),
                ("convener_id", &karuo.to_string()),
                ("decisions", "各乡镇（街道）月底前报送进展"),
            ],
        )
        .await,
    );
    // Sent without a unit, the clerk's meeting is its own unit's.
    let unnamed = meeting_id(
        &record(
            &mut clerk,
            &[
                ("kind", "monthly"),
                ("held_on", "2026-10-22"),
                ("title", "卡若区创建工作10月调度会"),
            ],
        )
        .await,
    );
    let conveners: Vec<i64> =
        sqlx::query_scalar("SELECT convener_id FROM meetings WHERE id IN ($1, $2) ORDER BY id")
            .bind(own)
            .bind(unnamed)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(conveners, vec![karuo, karuo]);
    // Another county's meeting: refused, audited, nothing kept.
    let page = record(
        &mut clerk,
        &[
            ("kind", "monthly"),
            ("held_on", "2026-11-22"),
            ("title", "江达县创建工作11月调度会"),
            ("convener_id", &jiangda.to_string()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("您只能记录本单位召集的调度会议"));
    let refused: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.object_id, a.summary->>'reason' FROM audit_events a JOIN users u ON u.id = a.actor_id \
         WHERE a.action = 'access.refused' AND u.username = 'karuo1'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        refused,
        vec![("/meetings/new".to_string(), "policy".to_string())]
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM meetings WHERE convener_id = $1")
        .bind(jiangda)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // Decisions become tasks only by the office.
    let decision = decision_ids(&app, own).await[0];
    let page = clerk
        .post(
            &format!("/office/meetings/{own}/decisions/{decision}/task"),
            &[("indicator", "1"), ("owner_id", &karuo.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // A leader reads the register but records nothing.
    let mut viewer = app.signed_in("viewer1", Role::Viewer, None).await;
    assert_eq!(viewer.get("/meetings").await.status, StatusCode::OK);
    assert_eq!(
        viewer.get("/meetings/new").await.status,
        StatusCode::FORBIDDEN
    );
    let page = viewer
        .post(
            "/meetings/new",
            &[("kind", "monthly"), ("convener_id", &karuo.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
