//! The 调度 register's figures and readers: the counts per kind and per convening
//! organisation in a period (what bulletins quote), the register's counts and filters,
//! `/api/v1/meetings`, and the meeting forms role by role.

use chrono::NaiveDate;
use reqwest::StatusCode;
use shian::accounts::Role;
use shian::meetings::{self, Kind, NewMeeting};

use crate::access::{a_meeting, role_browsers};
use crate::meetings::{decision_ids, meeting_id, org, record};
use crate::support::TestApp;

fn meeting(kind: Kind, held_on: &str, convener: i64) -> NewMeeting {
    NewMeeting {
        kind,
        held_on: held_on.parse().unwrap(),
        title: format!("{} {held_on}", kind.official()),
        chair: String::new(),
        convener_id: convener,
        attending: Vec::new(),
        summary: String::new(),
        decisions: Vec::new(),
    }
}

#[tokio::test]
async fn counts_per_kind_and_convener_in_a_period() {
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let mut browser = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'office1'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (office, bureau, karuo) = (
        org(&app, "市食安办").await,
        org(&app, "市市场监管局").await,
        org(&app, "卡若区").await,
    );
    for new in [
        meeting(Kind::Monthly, "2025-01-10", karuo),
        meeting(Kind::Monthly, "2025-02-10", karuo),
        meeting(Kind::Monthly, "2025-03-31", karuo),
        meeting(Kind::Monthly, "2025-02-01", bureau),
        meeting(Kind::Executive, "2025-01-15", office),
        meeting(Kind::Executive, "2025-04-01", office),
        meeting(Kind::Monthly, &campaign.today().to_string(), office),
    ] {
        meetings::record(&app.pool, campaign.id, &new, user)
            .await
            .unwrap();
    }
    let date = |text: &str| -> NaiveDate { text.parse().unwrap() };
    let first_quarter = meetings::counts(
        &app.pool,
        campaign.id,
        date("2025-01-01"),
        date("2025-03-31"),
    )
    .await
    .unwrap();
    let expected: Vec<(String, i64)> = [
        ("monthly", 4),
        ("quarterly", 0),
        ("executive", 1),
        ("leading_group", 0),
        ("special", 0),
        ("other", 0),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), *n))
    .collect();
    assert_eq!(first_quarter, expected);
    // Both ends are in the period.
    let last_day = meetings::counts(
        &app.pool,
        campaign.id,
        date("2025-03-31"),
        date("2025-04-01"),
    )
    .await
    .unwrap();
    assert_eq!(last_day[0], ("monthly".to_string(), 1));
    assert_eq!(last_day[2], ("executive".to_string(), 1));
    let by_convener = meetings::counts_by_convener(
        &app.pool,
        campaign.id,
        date("2025-01-01"),
        date("2025-03-31"),
    )
    .await
    .unwrap();
    let rows: Vec<(&str, &str, i64)> = by_convener
        .iter()
        .map(|c| (c.organisation_name.as_str(), c.kind.as_str(), c.count))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("市食安办", "executive", 1),
            ("市市场监管局", "monthly", 1),
            ("卡若区", "monthly", 3),
        ]
    );

    // The register's counts for this month and year, and its filters.
    let page = browser.get("/meetings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("#month-counts [data-kind=monthly] .stat-value"),
        vec!["1"]
    );
    assert_eq!(
        page.texts("#year-counts [data-kind=executive] .stat-value"),
        vec!["0"]
    );
    assert!(page.contains("共 7 次会议"));
    let page = browser
        .get("/meetings?kind=executive&from=2025-01-01&to=2025-03-31")
        .await;
    assert!(page.contains("共 1 次会议"), "{}", page.body);
    let page = browser.get(&format!("/meetings?org={karuo}")).await;
    assert_eq!(page.texts("table.meetings tbody tr").len(), 3);
}

#[tokio::test]
async fn the_api_lists_meetings_with_what_their_decisions_became() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let karuo = org(&app, "卡若区").await;
    let id = meeting_id(
        &record(
            &mut office,
            &[
                ("kind", "executive"),
                ("held_on", "2026-11-12"),
                ("title", "市政府常务会议专题研究创建工作"),
                ("chair", "副市长 张某"),
                ("convener_id", &org(&app, "市食安办").await.to_string()),
                ("attending", &karuo.to_string()),
                ("decisions", "卡若区落实创建经费\n各单位按月报送"),
            ],
        )
        .await,
    );
    let decision = decision_ids(&app, id).await[0];
    let page = office
        .post(
            &format!("/office/meetings/{id}/decisions/{decision}/task"),
            &[
                ("indicator", "2"),
                ("owner_id", &karuo.to_string()),
                ("deadline", "2026-12-20"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A leader's token reads the register.
    let mut viewer = app.signed_in("viewer1", Role::Viewer, None).await;
    viewer.get("/account").await;
    let page = viewer.post("/account/tokens", &[("name", "大屏")]).await;
    let token = page.texts("pre.token")[0].clone();
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{}/api/v1/meetings", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["total"], 1);
    let meeting = &body["meetings"][0];
    assert_eq!(meeting["kind"], "executive");
    assert_eq!(meeting["kind_name"], "常务会调度");
    assert_eq!(meeting["chair"], "副市长 张某");
    assert_eq!(meeting["attending"][0]["name"], "卡若区");
    let decisions = meeting["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["became"]["task"]["work"], "2");
    assert_eq!(decisions[0]["became"]["task"]["indicator"], 2);
    assert_eq!(
        decisions[0]["became"]["task"]["organisation"]["name"],
        "卡若区"
    );
    assert_eq!(decisions[0]["became"]["task"]["status"], "not_started");
    assert!(decisions[1]["became"].is_null());
    let filtered: serde_json::Value = client
        .get(format!("{}/api/v1/meetings?kind=monthly", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["total"], 0);
    let anonymous = client
        .get(format!("{}/api/v1/meetings", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// The meeting forms, role by role (admin, office, a clerk of 市农业农村局, assessor,
/// viewer): every POST under /office/meetings is refused to the clerk, the assessor and
/// the viewer by the path rule; recording is refused to the assessor and the viewer, and
/// to the clerk for another unit, by the per-object policy. Every refusal is audited.
#[tokio::test]
async fn meeting_forms_by_role() {
    let app = TestApp::spawn().await;
    let mut browsers = role_browsers(&app).await;
    let meeting = a_meeting(&app).await;
    let decision: i64 =
        sqlx::query_scalar("SELECT id FROM meeting_decisions WHERE meeting_id = $1")
            .bind(meeting)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let karuo: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '卡若区'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let karuo = karuo.to_string();
    for browser in browsers.iter_mut() {
        browser.get("/meetings").await;
    }
    let posts = [
        format!("/office/meetings/{meeting}/edit"),
        format!("/office/meetings/{meeting}/decisions"),
        format!("/office/meetings/{meeting}/decisions/{decision}/task"),
        format!("/office/meetings/{meeting}/decisions/{decision}/milestone"),
    ];
    let fields = [
        ("kind", "monthly"),
        ("held_on", "2026-11-05"),
        ("title", "越权调度会"),
        ("text", "越权事项"),
        ("convener_id", karuo.as_str()),
        ("owner_id", karuo.as_str()),
        ("indicator", "1"),
        ("deadline", "2026-12-31"),
    ];
    for path in &posts {
        for index in [2, 3, 4] {
            let page = browsers[index].post(path, &fields).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "role #{index} POST {path}"
            );
        }
    }
    for index in [2, 3, 4] {
        let page = browsers[index].post("/meetings/new", &fields).await;
        assert_eq!(
            page.status,
            StatusCode::FORBIDDEN,
            "role #{index} records for 卡若区"
        );
    }
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT summary->>'reason' FROM audit_events WHERE action = 'access.refused' AND actor_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut expected = vec!["role"; posts.len() * 3];
    expected.extend(["policy"; 3]);
    assert_eq!(reasons, expected);
    let (meetings, decisions, tasks): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM meetings), (SELECT count(*) FROM meeting_decisions), \
                (SELECT count(*) FROM meeting_decisions WHERE task_id IS NOT NULL)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((meetings, decisions, tasks), (1, 1, 0));
}
