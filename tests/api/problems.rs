//! The problem list (问题整改): raising, answering and verifying a problem against the
//! real database, with each role's refusals, the worst-first order and the history.

use chrono::Duration;
use reqwest::StatusCode;
use shian::accounts::{self, Role, User};
use shian::problems::{self, Answer, Filter, NewProblem, Refusal, State, Verdict};

use crate::support::{TestApp, file, pdf};

async fn user(app: &TestApp, name: &str, role: Role, org: Option<&str>) -> User {
    let id = app.create_user(name, role, org, "Problem-Pass-2026").await;
    accounts::find(&app.pool, id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_problem_is_answered_returned_answered_again_and_closed() {
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let today = campaign.today();
    let office = user(&app, "po-office", Role::Office, Some("市食安办")).await;
    let clerk = user(&app, "po-karuo", Role::Department, Some("卡若区")).await;
    let other_clerk = user(&app, "po-jiangda", Role::Department, Some("江达县")).await;
    let leader = user(&app, "po-leader", Role::Viewer, None).await;
    let karuo = clerk.organisation_id.unwrap();

    // Only the office raises; the deadline cannot be in the past.
    let deadline = today + Duration::days(10);
    assert_eq!(
        NewProblem::check(&clerk, "", None, "台账不全", karuo, deadline, today),
        Err(Refusal::NotOffice)
    );
    let new = NewProblem::check(
        &office,
        "市委督查",
        None,
        "农贸市场快检室台账不全",
        karuo,
        deadline,
        today,
    )
    .unwrap();
    let id = problems::raise(&app.pool, campaign.id, office.id, &new)
        .await
        .unwrap();
    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Open);
    assert_eq!(problem.organisation_name, "卡若区");

    // Another county and a leader cannot answer; a submission without 整改措施 is refused.
    for refused in [&other_clerk, &leader, &office] {
        assert_eq!(
            Answer::check(refused, &problem.standing(), "已整改", true),
            Err(Refusal::NotResponsible)
        );
    }
    assert_eq!(
        Answer::check(&clerk, &problem.standing(), "  ", true),
        Err(Refusal::NoMeasures)
    );
    let answer = Answer::check(&clerk, &problem.standing(), "补齐快检台账", true).unwrap();
    assert!(
        problems::answer(&app.pool, id, clerk.id, &answer)
            .await
            .unwrap()
    );
    // A second tab's submission finds the problem already submitted and writes nothing.
    assert!(
        !problems::answer(&app.pool, id, clerk.id, &answer)
            .await
            .unwrap()
    );

    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Submitted);
    assert_eq!(
        Verdict::check(&clerk, &problem.standing(), true, ""),
        Err(Refusal::NotVerifier)
    );
    assert_eq!(
        Verdict::check(&office, &problem.standing(), false, ""),
        Err(Refusal::NoComment)
    );
    let back = Verdict::check(&office, &problem.standing(), false, "缺少照片").unwrap();
    assert!(
        problems::verify(&app.pool, id, office.id, &back)
            .await
            .unwrap()
    );

    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Returned);
    let again = Answer::check(&clerk, &problem.standing(), "补齐快检台账并附照片", true).unwrap();
    assert!(
        problems::answer(&app.pool, id, clerk.id, &again)
            .await
            .unwrap()
    );
    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    let close = Verdict::check(&office, &problem.standing(), true, "").unwrap();
    assert!(
        problems::verify(&app.pool, id, office.id, &close)
            .await
            .unwrap()
    );

    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Closed);
    assert!(problem.closed_at.is_some());
    assert_eq!(problem.measures, "补齐快检台账并附照片");
    assert_eq!(
        Answer::check(&clerk, &problem.standing(), "x", true),
        Err(Refusal::AlreadyClosed)
    );
    let kinds: Vec<String> = problems::history(&app.pool, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["raised", "submitted", "returned", "submitted", "closed"]
    );
}

#[tokio::test]
async fn overdue_problems_are_counted_and_listed_before_the_rest() {
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let today = campaign.today();
    let office = user(&app, "pl-office", Role::Office, Some("市食安办")).await;
    let karuo = user(&app, "pl-karuo", Role::Department, Some("卡若区")).await;
    let karuo = karuo.organisation_id.unwrap();
    let jiangda = user(&app, "pl-jiangda", Role::Department, Some("江达县")).await;
    let jiangda = jiangda.organisation_id.unwrap();

    let mut ids = Vec::new();
    for (org, days, text) in [
        (karuo, 5, "later"),
        (jiangda, 1, "sooner"),
        (karuo, 2, "middle"),
    ] {
        let new = NewProblem::check(
            &office,
            "",
            None,
            text,
            org,
            today + Duration::days(days),
            today,
        )
        .unwrap();
        ids.push(
            problems::raise(&app.pool, campaign.id, office.id, &new)
                .await
                .unwrap(),
        );
    }
    // Two deadlines pass (set in the database: a deadline cannot be raised in the past).
    sqlx::query("UPDATE problems SET deadline = deadline - 4 WHERE id = ANY($1)")
        .bind(&ids[1..])
        .execute(&app.pool)
        .await
        .unwrap();

    let all = problems::list(&app.pool, campaign.id, &Filter::default())
        .await
        .unwrap();
    let order: Vec<&str> = all.iter().map(|p| p.description.as_str()).collect();
    assert_eq!(order, ["sooner", "middle", "later"]);
    assert_eq!(
        problems::overdue_count(&app.pool, campaign.id, today)
            .await
            .unwrap(),
        2
    );

    let overdue_of_karuo = problems::list(
        &app.pool,
        campaign.id,
        &Filter {
            organisation_id: Some(karuo),
            overdue_on: Some(today),
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(overdue_of_karuo.len(), 1);
    assert_eq!(overdue_of_karuo[0].description, "middle");
    assert_eq!(overdue_of_karuo[0].standing().days_overdue(today), 2);
}

async fn org_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .expect("organisation")
}

#[tokio::test]
async fn a_county_answers_its_problem_from_the_home_page_and_the_office_closes_it() {
    let app = TestApp::spawn().await;
    let karuo = org_id(&app, "卡若区").await;
    let mut office = app
        .signed_in("pw-office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("pw-karuo", Role::Department, Some("卡若区"))
        .await;
    let mut other = app
        .signed_in("pw-jiangda", Role::Department, Some("江达县"))
        .await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let deadline = (campaign.today() + Duration::days(7)).to_string();

    // The office raises it; a refused form keeps what was typed.
    office.get("/problems").await;
    let refused = office
        .post(
            "/problems",
            &[
                ("source_label", "市委督查"),
                ("description", "学校食堂未落实明厨亮灶"),
                ("indicator", "999"),
                ("organisation_id", &karuo.to_string()),
                ("deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("没有这个指标序号"));
    assert!(refused.contains("学校食堂未落实明厨亮灶"));
    let raised = office
        .post(
            "/problems",
            &[
                ("source_label", "市委督查"),
                ("description", "学校食堂未落实明厨亮灶"),
                ("indicator", "57"),
                ("organisation_id", &karuo.to_string()),
                ("deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.body);
    let path = raised.location().unwrap().to_string();
    let id: i64 = path.trim_start_matches("/problems/").parse().unwrap();

    // The county sees it first thing, with its deadline; another county cannot open it.
    let home = clerk.get("/").await;
    assert!(home.contains("待整改问题"));
    assert!(home.contains("学校食堂未落实明厨亮灶"));
    assert!(home.contains(&shian::i18n::chinese_date(
        campaign.today() + Duration::days(7)
    )));
    assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    assert!(
        !other
            .get("/problems")
            .await
            .contains("学校食堂未落实明厨亮灶")
    );

    // Submitting without measures is refused and keeps nothing lost; then it is submitted.
    clerk.get(&path).await;
    let empty = clerk
        .post(
            &format!("{path}/answer"),
            &[("measures", " "), ("action", "submit")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("提交前请填写整改措施"));
    // Another county forging the form is refused, and the refusal is in the trail.
    other.get("/problems").await;
    let forged = other
        .post(
            &format!("{path}/answer"),
            &[("measures", "x"), ("action", "submit")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The evidence goes through the same upload path: a file that is not what it says is
    // refused and nothing is kept; a real one is attached and listed.
    let before = app.stored_files().len();
    let fake = reqwest::multipart::Form::new()
        .part("files", file("整改照片.pdf", b"not a pdf at all".to_vec()));
    let refused_file = clerk.post_multipart(&format!("{path}/files"), fake).await;
    assert_eq!(
        refused_file.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused_file.body
    );
    assert_eq!(app.stored_files().len(), before);
    let real = reqwest::multipart::Form::new().part("files", file("整改报告.pdf", pdf(4096, 3)));
    let uploaded = clerk.post_multipart(&format!("{path}/files"), real).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let shown = clerk.get(&path).await;
    assert!(shown.contains("整改报告.pdf"));
    let file_id: i64 =
        sqlx::query_scalar("SELECT file_id FROM problem_files WHERE problem_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        other.get(&format!("{path}/files/{file_id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        office.get(&format!("{path}/files/{file_id}")).await.status,
        StatusCode::OK
    );
    let done = clerk
        .post(
            &format!("{path}/answer"),
            &[
                ("measures", "已安装明厨亮灶设备并接入监管平台"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // The clerk cannot close its own problem.
    clerk.get(&path).await;
    let self_close = clerk
        .post(&format!("{path}/verify"), &[("action", "close")])
        .await;
    assert_eq!(self_close.status, StatusCode::FORBIDDEN);

    office.get(&path).await;
    let closed = office
        .post(
            &format!("{path}/verify"),
            &[("action", "close"), ("comment", "")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert!(office.get(&path).await.contains("已整改（销号）"));
    let refusals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' AND summary::text LIKE $1",
    )
    .bind(format!("%/problems/{id}%"))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(refusals >= 3, "refusals audited: {refusals}");

    // The ledger lists it with its dates, in the official columns.
    let response = office
        .client
        .get(format!("{}/problems/ledger.xlsx", office.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = workbook.worksheet_range("问题整改台账").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "序号",
            "问题来源",
            "问题描述",
            "指标",
            "责任单位",
            "整改时限",
            "整改措施",
            "整改状态",
            "销号时间"
        ]
    );
    let row = rows
        .iter()
        .find(|r| r[2] == "学校食堂未落实明厨亮灶")
        .expect("ledger row");
    assert_eq!(row[1], "市委督查");
    assert_eq!(row[3], "第57项");
    assert_eq!(row[4], "卡若区");
    assert_eq!(row[6], "已安装明厨亮灶设备并接入监管平台");
    assert_eq!(row[7], "已整改（销号）");
    assert!(!row[5].is_empty() && !row[8].is_empty(), "{row:?}");
    let csv = office.get("/problems/ledger.csv").await;
    assert!(csv.body.contains("学校食堂未落实明厨亮灶"));

    // The API: the clerk's view is only its own; the filters apply.
    let api = other.get("/api/v1/problems").await;
    assert!(!api.body.contains("学校食堂未落实明厨亮灶"));
    let api = office.get("/api/v1/problems?status=closed").await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["problems"][0]["organisation"]["name"], "卡若区");
    let open = office.get("/api/v1/problems?status=open").await;
    assert!(!open.body.contains("学校食堂未落实明厨亮灶"));
}

/// A locked round of `kind` with one deduction on indicator 57, recorded by `assessor`.
async fn locked_round_with_a_deduction(
    app: &TestApp,
    kind: shian::scoring::rounds::RoundKind,
    assessor: i64,
) -> i64 {
    use shian::scoring::rounds::{self, NewRound};
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let rubric = shian::rubric::data::RubricFile::parse(shian::rubric::data::BUNDLED_2021).unwrap();
    let scope = shian::scoring::Scope::all(&rubric);
    let new = NewRound {
        kind,
        name: "2026年评估",
        starts_on: None,
        ends_on: None,
        scope: &scope,
    };
    let id = rounds::create(&app.pool, campaign.id, &new).await.unwrap();
    assert!(rounds::open(&app.pool, id).await.unwrap());
    sqlx::query(
        "INSERT INTO score_deductions (round_id, indicator_id, points, reason, created_by) \
         SELECT $1, id, 1, '小作坊登记建档不全', $2 FROM indicators WHERE edition_id = $3 AND number = 57",
    )
    .bind(id)
    .bind(assessor)
    .bind(campaign.edition_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let outcome = shian::scoring::compute(&rubric, &rubric.verdict, &Default::default());
    assert!(rounds::lock(&app.pool, id, &outcome).await.unwrap());
    id
}

#[tokio::test]
async fn the_office_lists_a_published_rounds_deductions_as_problems_for_the_lead_unit() {
    use shian::scoring::rounds::RoundKind;
    let app = TestApp::spawn().await;
    let assessor = app
        .create_user("pr-assessor", Role::Assessor, None, "Problem-Pass-2026")
        .await;
    let provincial = locked_round_with_a_deduction(&app, RoundKind::Provincial, assessor).await;
    let city = locked_round_with_a_deduction(&app, RoundKind::City, assessor).await;
    let mut office = app
        .signed_in("pr-office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("pr-market", Role::Department, Some("市市场监管局"))
        .await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let deadline = (campaign.today() + Duration::days(30)).to_string();

    // A provincial round no 公示 has published yet: its remarks stay with the assessors.
    let page = office.get("/problems").await;
    assert!(page.contains("对照评估结果整改"));
    let refused = office
        .post(
            "/problems/from-round",
            &[
                ("round_id", &provincial.to_string()),
                ("deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("尚未向本市公布"));
    // A clerk cannot do it at all.
    clerk.get("/problems").await;
    let forged = clerk
        .post(
            "/problems/from-round",
            &[("round_id", &city.to_string()), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The city's own round, locked, is published: its deduction goes to indicator 57's lead.
    let done = office
        .post(
            "/problems/from-round",
            &[("round_id", &city.to_string()), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let again = office
        .post(
            "/problems/from-round",
            &[("round_id", &city.to_string()), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let listed: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT p.source, o.name, p.raised_by FROM problems p JOIN organisations o ON o.id = p.organisation_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        listed,
        [(
            "round".to_string(),
            "市市场监管局".to_string(),
            Some(assessor)
        )]
    );
    let mine = clerk.get("/").await;
    assert!(mine.contains("小作坊登记建档不全"));
    assert!(mine.contains("2026年评估"));
}

#[tokio::test]
async fn the_office_reassigns_a_problem_and_moves_its_deadline() {
    let app = TestApp::spawn().await;
    let karuo = org_id(&app, "卡若区").await;
    let jiangda = org_id(&app, "江达县").await;
    let mut office = app
        .signed_in("re-office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("re-karuo", Role::Department, Some("卡若区"))
        .await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let deadline = (campaign.today() + Duration::days(7)).to_string();
    office.get("/problems").await;
    let raised = office
        .post(
            "/problems",
            &[
                ("source_label", "市委督查"),
                ("description", "集体用餐配送单位留样不全"),
                ("indicator", "65"),
                ("organisation_id", &karuo.to_string()),
                ("deadline", &deadline),
            ],
        )
        .await;
    let path = raised.location().unwrap().to_string();
    let manage = format!("{path}/manage");
    let page = office.get(&path).await;
    assert!(page.contains(&manage), "the office has the form");

    // Nothing changed, or a deadline in the past: refused, the note kept.
    let past = (campaign.today() - Duration::days(1)).to_string();
    for (org, date, message) in [
        (karuo, deadline.as_str(), "责任单位和整改时限都没有变化"),
        (jiangda, past.as_str(), "整改时限不能早于今天"),
    ] {
        let page = office
            .post(
                &manage,
                &[
                    ("organisation_id", &org.to_string()),
                    ("deadline", date),
                    ("comment", "属地管理"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.contains(message), "{}", page.body);
        assert!(page.contains("属地管理"));
    }
    // A clerk may not reassign (403, audited by the gate).
    clerk.get(&path).await;
    let later = (campaign.today() + Duration::days(20)).to_string();
    let page = clerk
        .post(
            &manage,
            &[
                ("organisation_id", &jiangda.to_string()),
                ("deadline", &later),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The office gives it to 江达县 with a later deadline: two events in its history.
    let page = office
        .post(
            &manage,
            &[
                ("organisation_id", &jiangda.to_string()),
                ("deadline", &later),
                ("comment", "属地管理"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (org, moved): (i64, chrono::NaiveDate) =
        sqlx::query_as("SELECT organisation_id, deadline FROM problems")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((org, moved.to_string()), (jiangda, later.clone()));
    let page = office.get(&path).await;
    let history = page.texts(".timeline li").join("\n");
    assert!(history.contains("改派"), "{history}");
    assert!(history.contains("江达县：属地管理"), "{history}");
    assert!(history.contains("调整时限"), "{history}");
    assert_eq!(
        clerk.get(&path).await.status,
        StatusCode::FORBIDDEN,
        "no longer 卡若区's"
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'problem.reassign'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}
