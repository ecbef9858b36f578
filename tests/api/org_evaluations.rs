//! Organisation evaluations: a county's 自查自评 and 自查报告, the office's overview, a
//! 市级考评 with scores, grades, ranking and a deduction turned into returned work, and
//! who may see and do what.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::{Browser, Page, TestApp};

async fn org_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .expect("organisation")
}

async fn today(app: &TestApp) -> chrono::NaiveDate {
    shian::campaigns::current(&app.pool)
        .await
        .unwrap()
        .unwrap()
        .today()
}

/// Creates an evaluation on the office's form and returns its id.
async fn create(office: &mut Browser, kind: &str, name: &str, deadline: &str) -> i64 {
    office.get("/evaluations").await;
    let page = office
        .post(
            "/office/evaluations",
            &[("kind", kind), ("name", name), ("deadline", deadline)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
        .and_then(|l| l.strip_prefix("/evaluations/"))
        .and_then(|id| id.parse().ok())
        .expect("redirect to the evaluation")
}

/// (indicator id, number) of the organisation's own tasks.
async fn own_indicators(app: &TestApp, org: i64) -> Vec<(i64, i32)> {
    sqlx::query_as(
        "SELECT DISTINCT i.id, i.number FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         WHERE t.organisation_id = $1 AND t.removed_at IS NULL ORDER BY i.number",
    )
    .bind(org)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn row_text(page: &Page, org: i64) -> String {
    page.texts(&format!("tr[data-org=\"{org}\"]"))
        .pop()
        .unwrap_or_else(|| panic!("a row for organisation {org}"))
}

#[tokio::test]
async fn a_county_scores_itself_and_files_its_report_and_the_office_sees_everyone() {
    let app = TestApp::spawn().await;
    let karuo = org_id(&app, "卡若区").await;
    let jiangda = org_id(&app, "江达县").await;
    let mut office = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("karuo1", Role::Department, Some("卡若区"))
        .await;
    // Some of its own work, so the report's figures say something.
    sqlx::query(
        "UPDATE tasks SET status = 'approved' WHERE id IN \
         (SELECT id FROM tasks WHERE organisation_id = $1 ORDER BY id LIMIT 3)",
    )
    .bind(karuo)
    .execute(&app.pool)
    .await
    .unwrap();
    let deadline = (today(&app).await - chrono::Duration::days(2)).to_string();
    // A self-evaluation without its deadline is refused, the name kept.
    office.get("/evaluations").await;
    let refused = office
        .post(
            "/office/evaluations",
            &[
                ("kind", "self"),
                ("name", "2026年度创建工作自查自评"),
                ("deadline", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("自查自评须有截止日期"));
    assert_eq!(
        refused.input_value("name").as_deref(),
        Some("2026年度创建工作自查自评")
    );
    let id = create(&mut office, "self", "2026年度创建工作自查自评", &deadline).await;

    // The clerk finds it on the dashboard and opens its own part.
    let home = clerk.get("/").await;
    assert!(home.contains("2026年度创建工作自查自评"), "dashboard panel");
    let page = clerk.get(&format!("/evaluations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("卡若区"));
    let own = own_indicators(&app, karuo).await;
    assert_eq!(
        page.texts(".entry").len(),
        own.len(),
        "one line per own indicator"
    );
    let (first, number) = own[0];
    let entries = format!("/evaluations/{id}/orgs/{karuo}/entries");

    // Bad input keeps what was typed.
    let refused = clerk
        .post(
            &entries,
            &[
                ("indicator_id", &first.to_string()),
                ("points", "-2"),
                ("reason", "台账不全"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("0 至 100"), "{}", refused.body);
    assert!(refused.contains("value=\"-2\""));
    assert!(refused.contains("value=\"台账不全\""));
    let refused = clerk
        .post(
            &entries,
            &[
                ("indicator_id", &first.to_string()),
                ("points", "3"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("请写明原因"));
    assert!(refused.contains("value=\"3\""));
    // Submitting before every indicator is scored is refused, the text kept.
    let report = format!("/evaluations/{id}/orgs/{karuo}/report");
    let refused = clerk
        .post(
            &report,
            &[("action", "submit"), ("report", "我区创建工作稳步推进。")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("还有指标未自评"));
    assert!(refused.contains("我区创建工作稳步推进。"));

    let saved = clerk
        .post(
            &entries,
            &[
                ("indicator_id", &first.to_string()),
                ("points", "2.5"),
                ("reason", "部分乡镇台账不全"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let saved = clerk.post(&entries, &[("action", "rest_zero")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = clerk.get(&format!("/evaluations/{id}/orgs/{karuo}")).await;
    assert_eq!(page.texts("#self-score"), vec!["97.5".to_string()]);
    assert!(page.contains(&format!("({number})")));

    // The report: its own figures inserted, submitted two days late.
    let (total, approved): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'approved') FROM tasks \
         WHERE organisation_id = $1 AND removed_at IS NULL",
    )
    .bind(karuo)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let figures = format!("本单位承担创建任务{total}项，已审核通过{approved}项");
    assert!(
        page.contains(&figures),
        "live figures: {}",
        page.texts(".figures")[0]
    );
    let done = clerk
        .post(
            &report,
            &[("action", "submit"), ("report", "我区创建工作稳步推进。")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = clerk.get(&format!("/evaluations/{id}/orgs/{karuo}")).await;
    assert!(page.contains("逾期 2 天"), "late with days");
    assert!(page.contains(&figures), "frozen figures");
    assert!(page.contains("自评扣2.5分，自评得分97.5分"));
    assert!(page.contains("我区创建工作稳步推进。"));
    // The same report as a Word file: figures, the clerk's words, the deductions.
    let docx = clerk
        .client
        .get(format!(
            "{}/evaluations/{id}/orgs/{karuo}/report.docx",
            clerk.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), StatusCode::OK);
    let text = crate::support::docx_text(&docx.bytes().await.unwrap());
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} in the .docx: {text}"))
    };
    assert!(at(&figures) < at("我区创建工作稳步推进。"));
    assert!(at("我区创建工作稳步推进。") < at("部分乡镇台账不全"));
    assert!(text.contains("自评得分 97.5"));
    // Submitted: the entries are locked.
    let locked = clerk
        .post(
            &entries,
            &[
                ("indicator_id", &first.to_string()),
                ("points", "0"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(locked.contains("已锁定"));

    // The office: everyone side by side, who is late and who is missing.
    let overview = office.get(&format!("/evaluations/{id}")).await;
    assert_eq!(overview.status, StatusCode::OK);
    let line = row_text(&overview, karuo);
    assert!(
        line.contains("97.5") && line.contains("逾期 2 天"),
        "{line}"
    );
    let missing = row_text(&overview, jiangda);
    assert!(
        missing.contains("未上报") && missing.contains("已超期 2 天"),
        "{missing}"
    );
    let members: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM organisations WHERE active AND kind IN ('department', 'county')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(overview.texts("#members tbody tr").len() as i64, members);
    assert!(overview.contains(&format!("1 / {members}")));
    let report_page = office.get(&format!("/evaluations/{id}/orgs/{karuo}")).await;
    assert!(report_page.contains("我区创建工作稳步推进。"));
    // No message key is left unworded on any of these pages, in either language.
    for page in [&overview, &report_page, &page, &home] {
        assert!(!page.body.contains("orgeval-"), "an unworded key");
    }

    // Returned for revision: unlocked again, the clerk told why.
    let back = office
        .post(
            &format!("/office/evaluations/{id}/orgs/{karuo}/return"),
            &[("reason", "请补充食品抽检情况")],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let page = clerk.get(&format!("/evaluations/{id}/orgs/{karuo}")).await;
    assert!(page.contains("请补充食品抽检情况"));
    let again = clerk
        .post(
            &entries,
            &[
                ("indicator_id", &first.to_string()),
                ("points", "0"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let notices = clerk.get("/notifications").await;
    assert!(notices.contains("请补充食品抽检情况"));
    let actions = app.audit_actions().await;
    for action in [
        "orgeval.create",
        "orgeval.self_entry_refused",
        "orgeval.self_report_refused",
        "orgeval.self_submit",
        "orgeval.self_return",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn a_city_evaluation_scores_grades_ranks_and_turns_a_deduction_into_returned_work() {
    let app = TestApp::spawn().await;
    let agri = org_id(&app, "市农业农村局").await;
    let market = org_id(&app, "市市场监管局").await;
    let karuo = org_id(&app, "卡若区").await;
    let mut office = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("agri1", Role::Department, Some("市农业农村局"))
        .await;
    let id = create(&mut office, "city", "2026年市级考评", "").await;
    // A draft is not for the organisations.
    assert_eq!(
        clerk.get(&format!("/evaluations/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let opened = office
        .post(
            &format!("/office/evaluations/{id}/state"),
            &[("state", "open")],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);

    let (indicator, number) = own_indicators(&app, agri).await[0];
    let deduct = |org: i64| format!("/office/evaluations/{id}/orgs/{org}/deductions");
    // Bad input keeps what was typed.
    let refused = office
        .post(
            &deduct(agri),
            &[
                ("indicator", &indicator.to_string()),
                ("points", "-5"),
                ("reason", "现场检查发现问题"),
                ("method", "site"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("value=\"-5\""));
    assert!(refused.contains("现场检查发现问题"));
    let refused = office
        .post(
            &deduct(agri),
            &[
                ("indicator", ""),
                ("points", "5"),
                ("reason", ""),
                ("method", "site"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("请写明原因"));

    for (org, indicator, points, reason, method) in [
        (
            agri,
            indicator.to_string(),
            "5",
            "农产品质量安全追溯台账不完整",
            "site",
        ),
        (
            market,
            String::new(),
            "3",
            "汇报材料数据与台账不一致",
            "report",
        ),
        (
            market,
            String::new(),
            "2",
            "暗访发现个别商户未公示许可证",
            "unannounced",
        ),
        (
            karuo,
            String::new(),
            "15",
            "问卷调查群众知晓率偏低",
            "survey",
        ),
    ] {
        let page = office
            .post(
                &deduct(org),
                &[
                    ("indicator", &indicator),
                    ("points", points),
                    ("reason", reason),
                    ("method", method),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let page = office.get(&format!("/evaluations/{id}/orgs/{agri}")).await;
    assert_eq!(page.texts("#score"), vec!["95".to_string()]);
    assert_eq!(page.texts("#grade"), vec!["优秀".to_string()]);
    assert!(page.contains("实地检查"));
    let page = office.get(&format!("/evaluations/{id}/orgs/{karuo}")).await;
    assert_eq!(page.texts("#score"), vec!["85".to_string()]);
    assert_eq!(page.texts("#grade"), vec!["良好".to_string()]);

    // Bands: refused when not descending (typed values kept), then raised.
    let bands = format!("/office/evaluations/{id}/bands");
    let refused = office
        .post(
            &bands,
            &[("excellent", "80"), ("good", "90"), ("pass", "60")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("从高到低"));
    assert_eq!(refused.input_value("excellent").as_deref(), Some("80"));
    assert_eq!(refused.input_value("good").as_deref(), Some("90"));
    let refused = office
        .post(
            &bands,
            &[("excellent", "120"), ("good", "90"), ("pass", "60")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = office
        .post(
            &bands,
            &[("excellent", "96"), ("good", "85"), ("pass", "60")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = office.get(&format!("/evaluations/{id}/orgs/{agri}")).await;
    assert_eq!(page.texts("#grade"), vec!["良好".to_string()]);

    // Ranking: departments and counties apart; the two at 95 share a rank.
    let ranking = office.get(&format!("/evaluations/{id}/ranking")).await;
    assert_eq!(ranking.status, StatusCode::OK);
    let departments = ranking.texts("#departments tbody tr");
    let counties = ranking.texts("#counties tbody tr");
    let (n_departments, n_counties): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE kind = 'department'), count(*) FILTER (WHERE kind = 'county') \
         FROM organisations WHERE active",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(departments.len() as i64, n_departments);
    assert_eq!(counties.len() as i64, n_counties);
    let last_two: Vec<&String> = departments.iter().rev().take(2).collect();
    let shared = format!("{}", n_departments - 1);
    for line in &last_two {
        assert!(
            line.starts_with(&shared),
            "tie shares rank {shared}: {line}"
        );
        assert!(line.contains("95"), "{line}");
    }
    assert!(departments[0].starts_with('1'));
    assert!(counties.last().unwrap().contains("卡若区"));
    assert!(
        counties
            .last()
            .unwrap()
            .starts_with(&n_counties.to_string())
    );

    // The indicator deduction becomes returned work for 市农业农村局's task.
    let deduction: i64 = sqlx::query_scalar(
        "SELECT id FROM org_evaluation_deductions WHERE organisation_id = $1 AND indicator_id = $2",
    )
    .bind(agri)
    .bind(indicator)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let general: i64 = sqlx::query_scalar(
        "SELECT id FROM org_evaluation_deductions WHERE organisation_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(market)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let refused = office
        .post(
            &format!("/office/evaluations/{id}/deductions/{general}/rectify"),
            &[("due_on", "2027-01-15")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("综合扣分不针对具体指标"));
    let done = office
        .post(
            &format!("/office/evaluations/{id}/deductions/{deduction}/rectify"),
            &[("due_on", "2027-01-15")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let task = app.task_id(number, "市农业农村局").await;
    let (status, due): (String, Option<chrono::NaiveDate>) =
        sqlx::query_as("SELECT status, due_on FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "returned");
    assert_eq!(due.map(|d| d.to_string()).as_deref(), Some("2027-01-15"));
    let comment: String = sqlx::query_scalar(
        "SELECT comment FROM task_events WHERE task_id = $1 AND action = 'returned' ORDER BY id DESC LIMIT 1",
    )
    .bind(task)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        comment.contains("农产品质量安全追溯台账不完整"),
        "{comment}"
    );
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM org_evaluation_rectifications WHERE deduction_id = $1 AND task_id = $2",
    )
    .bind(deduction)
    .bind(task)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(linked, 1);
    let task_page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(task_page.contains("农产品质量安全追溯台账不完整"));
    // The deduction is on the problem list too, for the organisation, with the deadline.
    let (source, deadline, org_name): (String, chrono::NaiveDate, String) = sqlx::query_as(
        "SELECT p.source, p.deadline, o.name FROM problems p JOIN organisations o ON o.id = p.organisation_id \
         WHERE p.evaluation_deduction_id = $1",
    )
    .bind(deduction)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(source, "evaluation");
    assert_eq!(deadline.to_string(), "2027-01-15");
    let home = clerk.get("/").await;
    assert!(
        home.contains("农产品质量安全追溯台账不完整"),
        "on the clerk's home page"
    );
    assert!(!org_name.is_empty());
    let notices = clerk.get("/notifications").await;
    assert!(
        notices.contains("农产品质量安全追溯台账不完整"),
        "notified as on 退回"
    );
    let again = office
        .post(
            &format!("/office/evaluations/{id}/deductions/{deduction}/rectify"),
            &[("due_on", "2027-01-15")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A deduction recorded by mistake is withdrawn; a rectified one stays.
    let mistake = office
        .post(
            &deduct(karuo),
            &[
                ("indicator", ""),
                ("points", "1"),
                ("reason", "误录"),
                ("method", "records"),
            ],
        )
        .await;
    assert_eq!(mistake.status, StatusCode::SEE_OTHER);
    let mistaken: i64 =
        sqlx::query_scalar("SELECT id FROM org_evaluation_deductions WHERE reason = '误录'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let withdrawn = office
        .post(
            &format!("/office/evaluations/{id}/deductions/{mistaken}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM org_evaluation_deductions WHERE id = $1")
            .bind(mistaken)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
    let kept = office
        .post(
            &format!("/office/evaluations/{id}/deductions/{deduction}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(kept.contains("此扣分已转为整改任务"));

    // Not yet finalised: the clerk sees nothing; then its own result, not the ranking.
    assert_eq!(
        clerk.get(&format!("/evaluations/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let finalised = office
        .post(
            &format!("/office/evaluations/{id}/state"),
            &[("state", "finalised")],
        )
        .await;
    assert_eq!(finalised.status, StatusCode::SEE_OTHER);
    let own = clerk.get(&format!("/evaluations/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.texts("#score"), vec!["95".to_string()]);
    assert!(clerk.get("/").await.contains("2026年市级考评"));
    assert_eq!(
        clerk
            .get(&format!("/evaluations/{id}/ranking"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Finalised: nothing changes any more.
    let late = office
        .post(
            &deduct(agri),
            &[
                ("indicator", ""),
                ("points", "1"),
                ("reason", "补扣"),
                ("method", "records"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.contains("已定稿"));

    // The API: its own results with the same figures.
    let response = clerk
        .client
        .get(format!(
            "{}/api/v1/organisations/{agri}/evaluations",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    let city = &body["evaluations"][0];
    assert_eq!(city["kind"], "city");
    assert_eq!(city["state"], "finalised");
    assert_eq!(city["score"], "95");
    assert_eq!(city["grade"], "good");
    assert_eq!(city["deductions"], 1);
}

#[tokio::test]
async fn another_organisations_clerk_is_refused_everywhere_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let karuo = org_id(&app, "卡若区").await;
    let mut office = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let mut owner = app
        .signed_in("karuo1", Role::Department, Some("卡若区"))
        .await;
    let mut other = app
        .signed_in("jiangda1", Role::Department, Some("江达县"))
        .await;
    let deadline = (today(&app).await + chrono::Duration::days(10)).to_string();
    let id = create(&mut office, "self", "2026年度自查自评", &deadline).await;
    let city = create(&mut office, "city", "2026年市级考评", "").await;
    let own = own_indicators(&app, karuo).await;
    let first = own[0].0.to_string();

    // A county cannot score an indicator outside its own tasks (a forged form).
    let foreign: i64 = sqlx::query_scalar(
        "SELECT id FROM indicators WHERE id NOT IN (SELECT indicator_id FROM tasks WHERE organisation_id = $1 AND indicator_id IS NOT NULL) LIMIT 1",
    )
    .bind(karuo)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    owner.get(&format!("/evaluations/{id}")).await;
    let forged = owner
        .post(
            &format!("/evaluations/{id}/orgs/{karuo}/entries"),
            &[
                ("indicator_id", &foreign.to_string()),
                ("points", "0"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.contains("只能对本单位任务涉及的指标评分"));
    let refused_entries: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'orgeval.self_entry_refused' \
         AND summary->'reasons' ? 'not_own_indicator'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused_entries, 1);

    other.get("/").await;
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'access.refused'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let gets = [
        format!("/evaluations/{id}/orgs/{karuo}"),
        format!("/evaluations/{city}/orgs/{karuo}"),
        format!("/evaluations/{city}/ranking"),
        format!("/api/v1/organisations/{karuo}/evaluations"),
    ];
    for path in &gets {
        let page = other.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "GET {path}");
    }
    let posts: [(String, Vec<(&str, &str)>); 6] = [
        (
            format!("/evaluations/{id}/orgs/{karuo}/entries"),
            vec![
                ("indicator_id", first.as_str()),
                ("points", "0"),
                ("reason", ""),
            ],
        ),
        (
            format!("/evaluations/{id}/orgs/{karuo}/entries"),
            vec![("action", "rest_zero")],
        ),
        (
            format!("/evaluations/{id}/orgs/{karuo}/report"),
            vec![("action", "submit"), ("report", "冒名上报")],
        ),
        (
            format!("/office/evaluations/{id}/orgs/{karuo}/return"),
            vec![("reason", "x")],
        ),
        (
            format!("/office/evaluations/{city}/orgs/{karuo}/deductions"),
            vec![("points", "5"), ("reason", "x"), ("method", "site")],
        ),
        (
            "/office/evaluations".to_string(),
            vec![("kind", "self"), ("name", "x"), ("deadline", "2027-01-01")],
        ),
    ];
    for (path, fields) in &posts {
        let page = other.post(path, fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.object_id, a.summary->>'reason' FROM audit_events a JOIN users u ON u.id = a.actor_id \
         WHERE a.action = 'access.refused' AND u.username = 'jiangda1' ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'access.refused'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(after - before, (gets.len() + posts.len()) as i64);
    assert_eq!(audited.len(), gets.len() + posts.len(), "{audited:?}");
    assert!(
        audited[..gets.len() + 3].iter().all(|(_, r)| r == "policy"),
        "{audited:?}"
    );
    assert!(audited[gets.len() + 3..].iter().all(|(_, r)| r == "role"));
    // Nothing was written for the county by the other clerk.
    let entries: i64 =
        sqlx::query_scalar("SELECT count(*) FROM org_self_entries WHERE organisation_id = $1")
            .bind(karuo)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(entries, 0);
    let report: String = sqlx::query_scalar(
        "SELECT report FROM org_evaluation_members WHERE evaluation_id = $1 AND organisation_id = $2",
    )
    .bind(id)
    .bind(karuo)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(report, "");
    // Its own part is fine.
    let mine = other.get(&format!("/evaluations/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.contains("江达县"));
}
