//! The access matrix: every role against every page, proving the rules in one table.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::{Page, TestApp};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Ok,
    ToLogin,
    /// The JSON API without credentials.
    Unauthorized,
    Forbidden,
}

fn outcome(page: &Page) -> Expect {
    match page.status {
        StatusCode::OK => Expect::Ok,
        StatusCode::SEE_OTHER if page.location().is_some_and(|l| l.starts_with("/login")) => {
            Expect::ToLogin
        }
        StatusCode::FORBIDDEN => Expect::Forbidden,
        StatusCode::UNAUTHORIZED => Expect::Unauthorized,
        other => panic!("unexpected status {other} ({:?})", page.location()),
    }
}

/// One signed-in browser per role, in the matrix's column order: admin, office, department
/// (市农业农村局), assessor, viewer.
pub(crate) async fn role_browsers(app: &TestApp) -> [crate::support::Browser; 5] {
    [
        app.signed_in("admin1", Role::Admin, None).await,
        app.signed_in("office1", Role::Office, Some("市食安办"))
            .await,
        app.signed_in("clerk1", Role::Department, Some("市农业农村局"))
            .await,
        app.signed_in("assessor1", Role::Assessor, None).await,
        app.signed_in("viewer1", Role::Viewer, None).await,
    ]
}

/// GET pages and who may see them: anonymous, admin, office, department, assessor, viewer.
const MATRIX: &[(&str, [Expect; 6])] = {
    use Expect::*;
    &[
        ("/", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/rubric", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        (
            "/rubric?q=%E6%8A%BD%E6%A3%80&part=1",
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        ("/rubric/indicators/46", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/account", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/account/password", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/account/2fa", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        (
            "/admin/users",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/users/new",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/users/import",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/users/1",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/orgs",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/orgs/1",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/campaign",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        // The campaign's rubric edition and its migration: the administrator's.
        (
            "/admin/campaign/edition",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/audit",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/audit?q=admin&action=login&from=2020-01-01&to=2100-01-01",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/audit?user=admin1&org=1&before=3",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/admin/audit/export.csv?action=login",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        ("/reports", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/tasks", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        (
            "/tasks?status=returned&overdue=1",
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            "/review",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        // The evidence library (validity, lapsing files) is the office's.
        (
            "/review/evidence",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/review/evidence?lapsing=1&before=2026-06-01",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        ("/notifications", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        // Everyone searches inside files: a clerk finds only what its pages show.
        ("/search", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        (
            "/search?q=%E6%98%8E%E5%8E%A8%E4%BA%AE%E7%81%B6&part=2&kind=document&year=2025",
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            "/api/v1/search?q=%E6%8A%BD%E6%A3%80",
            [Unauthorized, Ok, Ok, Ok, Ok, Ok],
        ),
        ("/rounds", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        ("/rounds/compare", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        ("/targets", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        // The campaign plan's programmes are everyone's to read; a clerk sees only its
        // own organisation's tasks among a programme's.
        ("/programmes", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/programmes/1", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        // 督办单: not for assessors; a clerk sees its own organisation's only.
        ("/supervision", [ToLogin, Ok, Ok, Ok, Forbidden, Ok]),
        (
            "/office/supervision/new",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        ("/api/v1/programmes", [Unauthorized, Ok, Ok, Ok, Ok, Ok]),
        (
            "/api/v1/supervision",
            [Unauthorized, Ok, Ok, Ok, Forbidden, Ok],
        ),
        ("/api/v1/targets", [Unauthorized, Ok, Ok, Ok, Ok, Ok]),
        ("/bulletins", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        // 调度 meetings: everyone reads the register (meeting 1 is made by the test); the
        // office records any unit's, a clerk its own unit's (the department's clerk may
        // open the form, assessors and leaders are refused by the policy); editing is the
        // office's.
        ("/meetings", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        (
            "/meetings?kind=monthly&org=1&from=2026-01-01&to=2026-12-31&page=2",
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        ("/meetings/1", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/meetings/new", [ToLogin, Ok, Ok, Ok, Forbidden, Forbidden]),
        (
            "/office/meetings/1/edit",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        ("/api/v1/meetings", [Unauthorized, Ok, Ok, Ok, Ok, Ok]),
        (
            "/api/v1/meetings?kind=executive&page=2",
            [Unauthorized, Ok, Ok, Ok, Ok, Ok],
        ),
        // Everyone sees the problem list: a clerk only its own organisation's rows.
        ("/problems", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/problems?overdue=1", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/problems/ledger.xlsx", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/problems/ledger.csv", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        ("/exports", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        (
            "/admin/scoring",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        ("/login", [Ok, Ok, Ok, Ok, Ok, Ok]),
        // 公示 are public; drafting, publishing and handling objections are the office's.
        ("/publicity", [Ok, Ok, Ok, Ok, Ok, Ok]),
        ("/publicity/objections/status", [Ok, Ok, Ok, Ok, Ok, Ok]),
        ("/api/v1/publicity", [Ok, Ok, Ok, Ok, Ok, Ok]),
        (
            "/office/publicity",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        // A round's history, its earlier locks and its JSON are for the round's readers
        // (round 1, locked by the test: lock 1); the lock page is the administrator's.
        ("/rounds/1/history", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        // The 94-indicator heat map behind the dashboard's grid: the office's.
        (
            "/office/matrix",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Forbidden],
        ),
        // The 大屏 and its refreshed body: the office, administrators and leaders.
        ("/screen", [ToLogin, Ok, Ok, Forbidden, Forbidden, Ok]),
        (
            "/screen?fragment=1",
            [ToLogin, Ok, Ok, Forbidden, Forbidden, Ok],
        ),
        // The evaluation report, as a page and as the Word file made from the same blocks.
        ("/rounds/1/report", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        (
            "/rounds/1/report.docx",
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        (
            "/rounds/1/history?after=1",
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        ("/rounds/1/locks/1", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        (
            "/admin/rounds/1/lock",
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (
            "/api/v1/rounds/1",
            [Unauthorized, Ok, Ok, Forbidden, Ok, Ok],
        ),
        (
            "/api/v1/rounds/1/history",
            [Unauthorized, Ok, Ok, Forbidden, Ok, Ok],
        ),
        ("/api/v1/problems", [Unauthorized, Ok, Ok, Ok, Ok, Ok]),
        // A round's inspection plan: its readers (暗访 points filtered per reader).
        (
            "/rounds/1/inspections",
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        (
            "/api/v1/rounds/1/inspections",
            [Unauthorized, Ok, Ok, Forbidden, Ok, Ok],
        ),
        // A round's leader interviews: the same readers; editing one of a locked round is
        // refused to everyone (round 1 is locked; interview 1 is made by the test).
        ("/rounds/1/interviews", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        (
            "/rounds/1/interviews/1/edit",
            [
                ToLogin, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden,
            ],
        ),
        (
            "/api/v1/rounds/1/interviews",
            [Unauthorized, Ok, Ok, Forbidden, Ok, Ok],
        ),
        // The second step needs a correct password first; signed-in users are sent home.
        ("/login/2fa", [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        // 卡若区's evidence file (version 1, uploaded by the test): its download and its
        // preview page (and the page's body alone) follow one rule, a clerk only its own
        // organisation's.
        ("/files/1", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        ("/files/1/preview", [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
        (
            "/files/1/preview?fragment=1&sheet=2&q=%E7%BA%AA%E8%A6%81",
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
    ]
};

#[tokio::test]
async fn every_role_sees_exactly_what_the_rules_allow() {
    let app = TestApp::spawn().await;
    let round = locked_round(&app).await;
    assert_eq!(round, 1, "the matrix names round 1");
    let mut anonymous = app.browser();
    let mut browsers = role_browsers(&app).await;
    let version = karuo_evidence(&app, &mut browsers[1]).await;
    assert_eq!(version, 1, "the matrix names version 1");
    assert_eq!(a_meeting(&app).await, 1, "the matrix names meeting 1");
    for (path, expected) in MATRIX {
        let got = outcome(&anonymous.get(path).await);
        // A signed-in user visiting /login is sent home; count that as allowed.
        assert_eq!(got, expected[0], "anonymous GET {path}");
        for (index, browser) in browsers.iter_mut().enumerate() {
            let page = browser.get(path).await;
            let got = if path.starts_with("/login") && page.status == StatusCode::SEE_OTHER {
                Expect::Ok
            } else {
                outcome(&page)
            };
            assert_eq!(got, expected[index + 1], "role #{index} GET {path}");
            if got == Expect::Forbidden && path.starts_with("/api/") {
                assert!(page.contains("没有访问"), "refusal is localised JSON");
            } else if got == Expect::Forbidden {
                assert!(page.contains("无权访问"), "refusal is a localised page");
            }
        }
    }
    // Every refusal above is in the audit trail, once, in order, with who, the path and
    // the rule that refused it.
    let names = ["admin1", "office1", "clerk1", "assessor1", "viewer1"];
    let refused: Vec<(String, String, String)> = MATRIX
        .iter()
        .flat_map(|(path, expected)| {
            let path = path.split('?').next().unwrap_or(path);
            expected[1..]
                .iter()
                .zip(names)
                .filter(|(e, _)| **e == Expect::Forbidden)
                // Refusals a handler audits itself are not the gate's (only the path rule's).
                .filter(move |(_, name)| !HANDLER_AUDITED.contains(&path) || *name == "clerk1")
                .map(move |(_, name)| {
                    // The API refuses scores per user (the handler's policy), not by path;
                    // files are refused by the evidence policy.
                    let reason = if path.starts_with("/api/")
                        || path.starts_with("/files/")
                        || POLICY_REFUSED.contains(&path)
                    {
                        "policy"
                    } else {
                        "role"
                    };
                    (name.to_string(), path.to_string(), reason.to_string())
                })
        })
        .collect();
    let audited: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.username, a.object_id, a.summary->>'reason' FROM audit_events a \
         JOIN users u ON u.id = a.actor_id WHERE a.action = 'access.refused' ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(!refused.is_empty());
    assert_eq!(audited, refused);
    // The interview's edit page of the locked round: refused by the policy, audited by it.
    let why: Vec<String> = sqlx::query_scalar(
        "SELECT summary->>'why' FROM audit_events WHERE action = 'interview.refused' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(why, vec!["locked"; 4]);
}

/// Paths whose refusals (beyond the path rule's) are audited by their handler's policy.
const HANDLER_AUDITED: &[&str] = &["/rounds/1/interviews/1/edit"];

/// Paths the gate lets every signed-in user reach, refused per user by the handler's
/// policy (recorded by the gate as `policy`).
const POLICY_REFUSED: &[&str] = &["/meetings/new"];

/// A meeting of the office with one decision (the matrix's meeting 1); its id.
pub(crate) async fn a_meeting(app: &TestApp) -> i64 {
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let office: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '市食安办'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let meeting = shian::meetings::NewMeeting {
        kind: shian::meetings::Kind::Monthly,
        held_on: campaign.today(),
        title: "矩阵调度会".into(),
        chair: "副市长 张某".into(),
        convener_id: office,
        attending: vec![office],
        summary: String::new(),
        decisions: vec!["矩阵议定事项".into()],
    };
    let recorder: i64 = sqlx::query_scalar("SELECT min(id) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    shian::meetings::record(&app.pool, campaign.id, &meeting, recorder)
        .await
        .unwrap()
}

/// A PDF for 卡若区's task of indicator 1, uploaded by the office; its version id.
async fn karuo_evidence(app: &TestApp, office: &mut crate::support::Browser) -> i64 {
    let task = app.task_id(1, "卡若区").await;
    office.get(&format!("/tasks/{task}")).await;
    let form = reqwest::multipart::Form::new().part(
        "files",
        crate::support::file("纪要.pdf", crate::support::pdf(2_000, 3)),
    );
    let page = office
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    sqlx::query_scalar("SELECT max(id) FROM evidence_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A locked round of the current campaign (nothing scored), with its lock entry.
async fn locked_round(app: &TestApp) -> i64 {
    use shian::scoring::rounds::{self, NewRound, RoundKind};
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let rubric = shian::rubric::data::RubricFile::parse(shian::rubric::data::BUNDLED_2021).unwrap();
    let scope = shian::scoring::Scope::all(&rubric);
    let new = NewRound {
        kind: RoundKind::City,
        name: "矩阵轮次",
        starts_on: None,
        ends_on: None,
        scope: &scope,
    };
    let id = rounds::create(&app.pool, campaign.id, &new).await.unwrap();
    assert!(rounds::open(&app.pool, id).await.unwrap());
    // A leader interview (its edit page is in the matrix).
    sqlx::query("INSERT INTO round_interviews (round_id, group_label, held_on) VALUES ($1, '第一访谈组', '2026-05-12')")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let outcome = shian::scoring::compute(&rubric, &rubric.verdict, &Default::default());
    assert!(rounds::lock(&app.pool, id, &outcome).await.unwrap());
    id
}

#[tokio::test]
async fn non_admins_cannot_change_accounts_or_organisations() {
    let app = TestApp::spawn().await;
    let target = app
        .create_user("target", Role::Viewer, None, "Passw0rd!")
        .await;
    for (name, role, org) in [
        ("office2", Role::Office, Some("市食安办")),
        ("clerk2", Role::Department, Some("卡若区")),
        ("assessor2", Role::Assessor, None),
        ("viewer2", Role::Viewer, None),
    ] {
        let mut browser = app.signed_in(name, role, org).await;
        browser.get("/").await;
        let attempts = [
            (
                "/admin/users",
                vec![
                    ("username", "sneaky"),
                    ("display_name", "x"),
                    ("role", "admin"),
                ],
            ),
            (
                &*format!("/admin/users/{target}/active"),
                vec![("active", "false")],
            ),
            (&*format!("/admin/users/{target}/password"), vec![]),
            (&*format!("/admin/users/{target}/2fa/reset"), vec![]),
            (
                &*format!("/admin/users/{target}"),
                vec![("display_name", "changed"), ("role", "admin")],
            ),
            ("/admin/orgs", vec![("name", "新县"), ("kind", "county")]),
            // 工作群通知: an organisation's group robots (the path rule refuses first, so
            // robot 1 need not exist).
            (
                "/admin/orgs/1/webhooks",
                vec![("vendor", "wecom"), ("url", "http://127.0.0.1:9/x")],
            ),
            ("/admin/orgs/1/webhooks/1/test", vec![]),
            ("/admin/orgs/1/webhooks/1/enabled", vec![("enabled", "0")]),
            ("/admin/orgs/1/webhooks/1/delete", vec![]),
            (
                "/admin/campaign/edition/migrate",
                vec![
                    ("to", "2023"),
                    ("mapping", "old,new,relation"),
                    ("confirm", "yes"),
                ],
            ),
            ("/admin/campaign/edition/preview", vec![("to", "2023")]),
        ];
        for (path, fields) in attempts {
            let page = browser.post(path, &fields).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{name} POST {path}");
        }
    }
    // Each of the 4 × 12 refused posts left one audit row.
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' \
         AND summary->>'method' = 'POST' AND summary->>'reason' = 'role'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 48);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE username = 'sneaky'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
    let (active, name): (bool, String) =
        sqlx::query_as("SELECT active, display_name FROM users WHERE id = $1")
            .bind(target)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(active);
    assert_eq!(name, "target 姓名");
    let orgs: i64 = sqlx::query_scalar("SELECT count(*) FROM organisations WHERE name = '新县'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orgs, 0);
}

#[tokio::test]
async fn health_checks_need_no_session() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    let page = browser.get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers.get("set-cookie").is_none(),
        "no session for health checks"
    );
    let page = browser.get("/readyz").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, "ready");
    let page = browser.get("/static/app.css").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}

#[tokio::test]
async fn unknown_pages_are_a_localised_404_for_signed_in_users() {
    let app = TestApp::spawn().await;
    let mut browser = app.signed_in("someone", Role::Viewer, None).await;
    let page = browser.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.contains("页面不存在"));
    let page = browser.get("/rubric/indicators/95").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = browser.get("/rubric/indicators/abc").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// The organisation evaluation routes, role by role: anonymous, admin, office, a clerk of
/// 市农业农村局, assessor, viewer. A clerk sees its own part only; other organisations'
/// parts and the ranking are refused by the per-object policy, the office's forms by the
/// path rule.
#[tokio::test]
async fn organisation_evaluation_routes_by_role() {
    use Expect::*;
    let app = TestApp::spawn().await;
    let mut anonymous = app.browser();
    let mut browsers = role_browsers(&app).await;
    let org = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (own, other) = (org("市农业农村局").await, org("卡若区").await);
    let office = &mut browsers[1];
    office.get("/evaluations").await;
    let mut make = async |kind: &str| -> i64 {
        let page = office
            .post(
                "/office/evaluations",
                &[("kind", kind), ("name", "考评"), ("deadline", "2030-01-01")],
            )
            .await;
        page.location().unwrap()["/evaluations/".len()..]
            .parse()
            .unwrap()
    };
    let own_eval = make("self").await;
    let city = make("city").await;
    for state in ["open", "finalised"] {
        office
            .post(
                &format!("/office/evaluations/{city}/state"),
                &[("state", state)],
            )
            .await;
    }
    let matrix: Vec<(String, [Expect; 6])> = vec![
        ("/evaluations".into(), [ToLogin, Ok, Ok, Ok, Ok, Ok]),
        (
            format!("/evaluations/{own_eval}"),
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            format!("/evaluations/{own_eval}/orgs/{own}"),
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            format!("/evaluations/{own_eval}/orgs/{other}"),
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        // The 自查报告 as a Word file: whoever may read the organisation's page.
        (
            format!("/evaluations/{own_eval}/orgs/{own}/report.docx"),
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            format!("/evaluations/{own_eval}/orgs/{other}/report.docx"),
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        (
            format!("/evaluations/{city}"),
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            format!("/evaluations/{city}/orgs/{other}"),
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        (
            format!("/evaluations/{city}/ranking"),
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
        (
            format!("/api/v1/organisations/{own}/evaluations"),
            [ToLogin, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            format!("/api/v1/organisations/{other}/evaluations"),
            [ToLogin, Ok, Ok, Forbidden, Ok, Ok],
        ),
    ];
    let api_outcome = |page: &Page| match page.status {
        StatusCode::UNAUTHORIZED => ToLogin,
        _ => outcome(page),
    };
    for (path, expected) in &matrix {
        assert_eq!(
            api_outcome(&anonymous.get(path).await),
            expected[0],
            "anonymous GET {path}"
        );
        for (index, browser) in browsers.iter_mut().enumerate() {
            let got = api_outcome(&browser.get(path).await);
            assert_eq!(got, expected[index + 1], "role #{index} GET {path}");
        }
    }
    // The office's forms (every POST route under /office/evaluations): the path rule.
    let posts = [
        "/office/evaluations".to_string(),
        format!("/office/evaluations/{city}/state"),
        format!("/office/evaluations/{city}/bands"),
        format!("/office/evaluations/{own_eval}/orgs/{own}/return"),
        format!("/office/evaluations/{city}/orgs/{own}/deductions"),
        "/office/evaluations/1/deductions/1/rectify".to_string(),
        "/office/evaluations/1/deductions/1/withdraw".to_string(),
    ];
    for path in &posts {
        for index in [2, 3, 4] {
            let page = browsers[index].post(path, &[]).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "role #{index} POST {path}"
            );
        }
    }
    // The organisation's own forms: only its clerks.
    for path in [
        format!("/evaluations/{own_eval}/orgs/{own}/entries"),
        format!("/evaluations/{own_eval}/orgs/{own}/report"),
    ] {
        for index in [0, 1, 3, 4] {
            let page = browsers[index].post(&path, &[("action", "save")]).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "role #{index} POST {path}"
            );
        }
    }
    // Every refusal is audited: the clerk's GETs by policy, the POSTs by role or policy.
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' AND actor_id IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 5 + posts.len() as i64 * 3 + 2 * 4);
}

/// The inspection plan's forms, role by role: anonymous, admin, office, a clerk, an
/// assessor who does not lead the round, viewer. The edit page is the planners' (the
/// administrator or the round's lead assessor); every POST route is refused to the others,
/// the clerk by the path rule, the rest by the planning policy (audited by the handler).
#[tokio::test]
async fn inspection_plan_routes_by_role() {
    use Expect::*;
    use shian::scoring::rounds::{self, NewRound, RoundKind};
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let rubric = shian::rubric::data::RubricFile::parse(shian::rubric::data::BUNDLED_2021).unwrap();
    let scope = shian::scoring::Scope::all(&rubric);
    let new = NewRound {
        kind: RoundKind::Provincial,
        name: "计划矩阵轮次",
        starts_on: None,
        ends_on: None,
        scope: &scope,
    };
    let round = rounds::create(&app.pool, campaign.id, &new).await.unwrap();
    assert!(rounds::open(&app.pool, round).await.unwrap());
    let point: i64 = sqlx::query_scalar(
        "INSERT INTO inspection_points (round_id, seq, county_name, unit_name, kind_code, mode) \
         VALUES ($1, 1, '城关区', '矩阵单位', 'school-canteen', 'open') RETURNING id",
    )
    .bind(round)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut anonymous = app.browser();
    let mut browsers = role_browsers(&app).await;
    for browser in browsers.iter_mut() {
        browser.get("/").await;
    }
    let plan = format!("/rounds/{round}/inspections");
    let gets: Vec<(String, [Expect; 6])> = vec![
        (
            format!("{plan}/points/{point}/edit"),
            [ToLogin, Ok, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        (plan.clone(), [ToLogin, Ok, Ok, Forbidden, Ok, Ok]),
    ];
    for (path, expected) in &gets {
        assert_eq!(
            outcome(&anonymous.get(path).await),
            expected[0],
            "anonymous GET {path}"
        );
        for (index, browser) in browsers.iter_mut().enumerate() {
            let got = outcome(&browser.get(path).await);
            assert_eq!(got, expected[index + 1], "role #{index} GET {path}");
        }
    }
    let posts = [
        format!("{plan}/points/{point}/edit"),
        format!("{plan}/points/{point}/delete"),
        format!("{plan}/import"),
        format!("{plan}/draw"),
        format!("{plan}/draw/confirm"),
    ];
    for path in &posts {
        for index in [1, 2, 3, 4] {
            let page = if path.ends_with("/import") {
                let form = reqwest::multipart::Form::new().text("note", "");
                browsers[index].post_multipart(path, form).await
            } else {
                browsers[index].post(path, &[]).await
            };
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "role #{index} POST {path}"
            );
        }
    }
    // The clerk's refusals by the path rule (GETs and POSTs), the others' by the policy.
    let by_path: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.actor_id \
         WHERE a.action = 'access.refused' AND u.username = 'clerk1' AND a.summary->>'reason' = 'role'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(by_path, 2 + posts.len() as i64);
    let by_policy: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'inspection.plan.refused'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(by_policy, 3 + 3 * posts.len() as i64);
    let unit: String = sqlx::query_scalar("SELECT unit_name FROM inspection_points WHERE id = $1")
        .bind(point)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(unit, "矩阵单位");
}

#[tokio::test]
async fn inspection_record_routes_by_role() {
    use Expect::*;
    use shian::scoring::rounds::{self, NewRound, RoundKind};
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let rubric = shian::rubric::data::RubricFile::parse(shian::rubric::data::BUNDLED_2021).unwrap();
    let scope = shian::scoring::Scope::all(&rubric);
    let new = NewRound {
        kind: RoundKind::Provincial,
        name: "记录矩阵轮次",
        starts_on: None,
        ends_on: None,
        scope: &scope,
    };
    let round = rounds::create(&app.pool, campaign.id, &new).await.unwrap();
    assert!(rounds::open(&app.pool, round).await.unwrap());
    let group = shian::orgs::insert(
        &app.pool,
        "派出检查组",
        shian::orgs::OrgKind::AssessorGroup,
        9,
    )
    .await
    .unwrap();
    // The point is its group's: an assessor of no group was not sent there.
    let point: i64 = sqlx::query_scalar(
        "INSERT INTO inspection_points (round_id, seq, county_name, unit_name, kind_code, mode, group_id) \
         VALUES ($1, 1, '城关区', '矩阵食堂', 'school-canteen', 'open', $2) RETURNING id",
    )
    .bind(round)
    .bind(group)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let finding: i64 = sqlx::query_scalar(
        "INSERT INTO inspection_findings (point_id, round_id, indicator_id, description, proposed_points) \
         SELECT $1, $2, id, '矩阵问题', 0.5 FROM indicators WHERE edition_id = $3 AND number = 65 RETURNING id",
    )
    .bind(point)
    .bind(round)
    .bind(campaign.edition_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut anonymous = app.browser();
    let mut browsers = role_browsers(&app).await;
    for browser in browsers.iter_mut() {
        browser.get("/").await;
    }
    let base = format!("/rounds/{round}/inspections/{point}");
    let path = base.clone();
    let expected = [ToLogin, Ok, Ok, Forbidden, Ok, Ok];
    assert_eq!(outcome(&anonymous.get(&path).await), expected[0]);
    for (index, browser) in browsers.iter_mut().enumerate() {
        let got = outcome(&browser.get(&path).await);
        assert_eq!(got, expected[index + 1], "role #{index} GET {path}");
    }
    // Changes: only those sent to the point (or the lead, or the admin).
    let posts = [
        format!("{base}/record"),
        format!("{base}/findings"),
        format!("{base}/findings/{finding}/delete"),
        format!("{base}/photos"),
        format!("{base}/photos/1/delete"),
    ];
    for path in &posts {
        for index in [1, 2, 3, 4] {
            let page = if path.ends_with("/photos") {
                let form = reqwest::multipart::Form::new().text("finding", "");
                browsers[index].post_multipart(path, form).await
            } else {
                browsers[index].post(path, &[("version", "0")]).await
            };
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "role #{index} POST {path}"
            );
        }
    }
    // Deciding a finding is a score change: the item's group, the lead, the admin.
    for path in [
        format!("/rounds/{round}/findings/{finding}/accept"),
        format!("/rounds/{round}/findings/{finding}/set-aside"),
    ] {
        for index in [1, 2, 3, 4] {
            let page = browsers[index].post(&path, &[("reason", "x")]).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "role #{index} POST {path}"
            );
        }
    }
    // Every refusal is audited: the clerk's by the path rule, the record's by its policy,
    // the decisions' as score refusals.
    let by_policy: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'inspection.record.refused'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(by_policy, 3 * posts.len() as i64);
    let scores: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'score.refused'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(scores, 6);
    let decision: String =
        sqlx::query_scalar("SELECT decision FROM inspection_findings WHERE id = $1")
            .bind(finding)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(decision, "pending");
}
