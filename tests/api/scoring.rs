//! Online scoring end to end: rounds, groups, every kind of score, the city's choices,
//! vetoes, locking, the score sheet, the report, the comparison, and who may do what.

use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;
use shian::orgs::{self, OrgKind};

use crate::support::{Browser, Page, TestApp, file, pdf};

/// The round id from the redirect after creating a round.
pub(crate) fn created_round(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().expect("redirect");
    location
        .trim_start_matches("/admin/rounds/")
        .trim_end_matches("/assignments")
        .parse()
        .expect("round id in the redirect")
}

/// A round over the whole edition (so every kind of score can be tried in it).
pub(crate) async fn create_round(admin: &mut Browser, kind: &str, name: &str) -> i64 {
    let mut fields = vec![
        ("kind", kind),
        ("name", name),
        ("starts_on", "2025-10-20"),
        ("ends_on", "2025-10-24"),
        ("scope_mode", "chosen"),
    ];
    for part in ["1", "2", "3", "4", "5", "6"] {
        fields.push(("part", part));
    }
    created_round(&admin.post("/admin/rounds", &fields).await)
}

/// The total shown on a round's result page.
async fn total(browser: &mut Browser, round: i64) -> String {
    let page = browser.get(&format!("/rounds/{round}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.texts(".verdict-score .stat-value")
        .first()
        .cloned()
        .expect("a total")
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) struct Panel {
    pub(crate) app: TestApp,
    pub(crate) admin: Browser,
    pub(crate) a: Browser,
    pub(crate) b: Browser,
    group_a: String,
    group_b: String,
    lead: String,
}

/// Two assessor groups with one assessor each, and an administrator.
pub(crate) async fn panel() -> Panel {
    let app = TestApp::spawn().await;
    let group_a = orgs::insert(&app.pool, "第一评审组", OrgKind::AssessorGroup, 1)
        .await
        .unwrap()
        .to_string();
    let group_b = orgs::insert(&app.pool, "第二评审组", OrgKind::AssessorGroup, 2)
        .await
        .unwrap()
        .to_string();
    let admin = app.signed_in("admin", Role::Admin, None).await;
    let a = app
        .signed_in("expert_a", Role::Assessor, Some("第一评审组"))
        .await;
    let b = app
        .signed_in("expert_b", Role::Assessor, Some("第二评审组"))
        .await;
    let (mut admin, mut a, mut b) = (admin, a, b);
    // Signing in issues a new form token; pick it up from a page.
    for browser in [&mut admin, &mut a, &mut b] {
        browser.get("/").await;
    }
    let lead: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'expert_a'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    Panel {
        app,
        admin,
        a,
        b,
        group_a,
        group_b,
        lead: lead.to_string(),
    }
}

impl Panel {
    pub(crate) async fn assign(&mut self, round: i64) {
        let (a, b) = (self.group_a.clone(), self.group_b.clone());
        let page = self
            .admin
            .post(
                &format!("/admin/rounds/{round}/assignments"),
                &[
                    ("lead_assessor_id", &self.lead.clone()),
                    ("p1", &a),
                    ("v90", &a),
                    ("p24", &b),
                    ("p27", &b),
                    ("p30", &b),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }

    pub(crate) async fn open(&mut self, round: i64) {
        let page = self
            .admin
            .post(
                &format!("/admin/rounds/{round}/state"),
                &[("state", "open")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn a_provincial_round_from_opening_to_locked_report() {
    let mut p = panel().await;
    // A clerk's evidence for indicator 1, for the assessors to review.
    let mut clerk = p
        .app
        .signed_in("clerk", Role::Department, Some("市食安办"))
        .await;
    clerk.get("/").await;
    let task = p.app.task_id(1, "市食安办").await;
    clerk.get(&format!("/tasks/{task}")).await;
    let form = Form::new()
        .text("title", "食品安全工作会议纪要")
        .text("kind", "minutes")
        .part("files", file("会议纪要.pdf", pdf(20_000, 1)));
    let page = clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let evidence: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();

    let round = create_round(&mut p.admin, "provincial", "2025年省级初评").await;
    p.assign(round).await;

    let deduct = format!("/rounds/{round}/items/p1/deductions");
    let first_deduction = [
        ("indicator", "1"),
        ("points", "0.5"),
        ("reason", "缺少2023年会议纪要"),
    ];
    // Before opening, nobody scores.
    let page = p.a.post(&deduct, &first_deduction).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("本轮评分尚未开启"), "{}", page.body);
    p.open(round).await;

    // Group A: worklist, evidence one click away, a mark and a deduction.
    let work = p.a.get(&format!("/rounds/{round}/work")).await;
    assert_eq!(work.status, StatusCode::OK);
    assert!(work.contains("组织领导") || work.contains("/items/p1"));
    assert!(!work.contains("/items/p27"), "only the group's own items");
    let item = p.a.get(&format!("/rounds/{round}/items/p1")).await;
    assert!(item.contains("食品安全工作会议纪要"), "{}", item.body);
    assert!(
        item.contains("/files/"),
        "evidence downloads from the item page"
    );
    assert!(
        item.contains("/preview?fragment=1\""),
        "its preview opens in a panel on the item page"
    );
    let page =
        p.a.post(
            &format!("/rounds/{round}/evidence/{evidence}/mark"),
            &[
                ("sufficient", "no"),
                ("remark", "缺少2023年度"),
                ("back", &format!("e{evidence}")),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = p.a.post(&deduct, &first_deduction).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A refused deduction keeps what was typed.
    let page =
        p.a.post(
            &format!("/rounds/{round}/items/p1/deductions"),
            &[("indicator", "1"), ("points", "9"), ("reason", "理由保留")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("扣分须大于0、不超过 3 分"), "{}", page.body);
    assert!(page.contains("理由保留"));

    // Group B: a measured value and awards.
    let page =
        p.b.post(
            &format!("/rounds/{round}/items/p24/measure"),
            &[
                ("value", "86.5"),
                ("source", "国家统计局昌都调查队"),
                ("source_date", "2025-09-30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    for (item, points) in [("p27", "8"), ("p30", "4")] {
        let page =
            p.b.post(
                &format!("/rounds/{round}/items/{item}/award"),
                &[("points", points), ("remark", "评语")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    // 30 − 0.5 + 15 + 15 + 8.65 + 8 (30 is not chosen by the city, so it does not count)
    assert_eq!(total(&mut p.admin, round).await, "76.15");
    let result = p.admin.get(&format!("/rounds/{round}")).await;
    assert!(
        result.contains("指标 74 须达到 85"),
        "the deciding rule is named"
    );

    // The city's choices change the total.
    let page = p
        .admin
        .post(
            "/admin/scoring",
            &[
                ("optional", "30"),
                ("item", "78"),
                ("item", "80"),
                ("threshold_73", "80"),
                ("threshold_74", "85"),
                ("threshold_75", "98"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(total(&mut p.admin, round).await, "80.15");

    // A veto toggled on decides the verdict; toggled off, it no longer does.
    let veto = format!("/rounds/{round}/items/v90/veto");
    let page =
        p.a.post(
            &veto,
            &[("triggered", "yes"), ("note", "发生重大食品安全事故")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let result = p.admin.get(&format!("/rounds/{round}")).await;
    assert!(result.contains("否决项第 90 项情形成立"), "{}", result.body);
    p.a.post(&veto, &[("triggered", "no"), ("note", "")]).await;
    let result = p.admin.get(&format!("/rounds/{round}")).await;
    assert!(!result.contains("否决项第 90 项情形成立"));

    // The lead assessor writes the report.
    let page =
        p.a.post(
            &format!("/rounds/{round}/report"),
            &[
                ("achievements", "党政同责落实到位。"),
                ("highlights", "智慧监管平台覆盖全市。"),
                ("shortcomings", "部分县区资料不全。"),
                ("opinion", "建议继续完善。"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page =
        p.b.post(&format!("/rounds/{round}/report"), &[("opinion", "改写")])
            .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "only the lead writes");

    // Lock (with items unfinished, so with a reason): the total freezes and nothing
    // changes any more.
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/lock"),
            &[("reason", "省级初评时间已到")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let frozen: serde_json::Value =
        sqlx::query_scalar("SELECT frozen_outcome FROM assessment_rounds WHERE id = $1")
            .bind(round)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(frozen["total"], "80.15");
    let page =
        p.a.post(
            &format!("/rounds/{round}/items/p1/deductions"),
            &[("indicator", "1"), ("points", "1"), ("reason", "再扣")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("本轮已锁定"));
    // Changing the city's choices later does not move a locked round.
    p.admin
        .post(
            "/admin/scoring",
            &[
                ("item", "78"),
                ("item", "80"),
                ("threshold_73", "80"),
                ("threshold_74", "85"),
                ("threshold_75", "98"),
            ],
        )
        .await;
    assert_eq!(total(&mut p.admin, round).await, "80.15");

    // The score sheet and the report.
    let sheet = p
        .admin
        .client
        .get(format!("{}/rounds/{round}/sheet.xlsx", p.admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(sheet.status(), StatusCode::OK);
    assert!(
        sheet.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(
        sheet.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let bytes = sheet.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let report = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert!(report.contains("2025年省级初评情况"));
    assert!(report.contains("智慧监管平台覆盖全市。"));
    assert!(
        report.contains("资料审查共审阅佐证材料 1 份"),
        "{}",
        report.body
    );
    assert!(report.contains("得分 80.15 分"));
    // The same report as a Word file: the page's sections, in the page's order.
    let docx = p
        .admin
        .client
        .get(format!("{}/rounds/{round}/report.docx", p.admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), StatusCode::OK);
    assert!(
        docx.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let xml = crate::support::docx_text(&docx.bytes().await.unwrap());
    let mut last = 0;
    for heading in report.texts(".report-doc > h2, .report-doc > h3") {
        let at = xml[last..]
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading} in the .docx after position {last}"));
        last += at;
    }
    assert!(xml.contains("智慧监管平台覆盖全市。"));
    assert!(xml.contains("得分 80.15 分"));

    // Comparison with the city's self-assessment.
    let own = create_round(&mut p.admin, "self", "2025年自评").await;
    p.assign(own).await;
    p.open(own).await;
    p.b.post(
        &format!("/rounds/{own}/items/p27/award"),
        &[("points", "10"), ("remark", "")],
    )
    .await;
    let compare = p
        .admin
        .get(&format!("/rounds/compare?a={own}&b={round}"))
        .await;
    assert_eq!(compare.status, StatusCode::OK);
    assert!(
        compare.contains("缺少2023年会议纪要"),
        "deductions behind a difference"
    );
    assert!(
        compare.contains("−2"),
        "27: 10 in the self-assessment, 8 by the province"
    );
    assert!(compare.contains("−0.5"));

    let actions = p.app.audit_actions().await;
    for action in [
        "round.create",
        "round.assign",
        "round.state",
        "round.lock",
        "score.deduct",
        "score.measure",
        "score.award",
        "score.veto",
        "score.mark",
        "report.save",
        "campaign.scoring",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn scores_are_refused_outside_the_group_and_for_other_roles() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", "省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let deduct = format!("/rounds/{round}/items/p1/deductions");
    let fields = [("indicator", "1"), ("points", "1"), ("reason", "越权")];

    let page = p.b.post(&deduct, &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("该事项由其他评审组负责评分"));
    // The item page is readable, without the forms.
    let item = p.b.get(&format!("/rounds/{round}/items/p1")).await;
    assert_eq!(item.status, StatusCode::OK);
    assert!(!item.contains("/deductions\""));

    let mut office = p
        .app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/rounds").await;
    assert_eq!(
        office.post(&deduct, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let mut viewer = p.app.signed_in("leader", Role::Viewer, None).await;
    viewer.get("/rounds").await;
    assert_eq!(
        viewer.post(&deduct, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.admin.post(&deduct, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let mut clerk = p
        .app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    assert_eq!(
        clerk.get(&format!("/rounds/{round}")).await.status,
        StatusCode::FORBIDDEN
    );
    clerk.get("/tasks").await;
    assert_eq!(
        clerk.post(&deduct, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    // Assessors cannot run rounds.
    let page =
        p.a.post(
            &format!("/admin/rounds/{round}/state"),
            &[("state", "locked")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    let deductions: i64 = sqlx::query_scalar("SELECT count(*) FROM score_deductions")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    assert_eq!(deductions, 0, "nothing was recorded");
    assert_eq!(
        audit_count(&p.app, "score.refused").await,
        4,
        "each scoring refusal is audited"
    );
    // Once: the gate does not add an `access.refused` row for a refusal the scoring
    // handler recorded, but does record the refusals of the path rules (the clerk).
    let doubled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' \
         AND summary->>'message' LIKE 'score-refused-%'",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(doubled, 0);
    let by_rule: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' \
         AND summary->>'reason' = 'role'",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert!(by_rule >= 2, "{by_rule}");
}

#[tokio::test]
async fn the_city_cannot_choose_more_than_the_rules_allow() {
    let mut p = panel().await;
    p.admin.get("/admin/scoring").await;
    let page = p
        .admin
        .post(
            "/admin/scoring",
            &[
                ("optional", "30"),
                ("optional", "31"),
                ("optional", "32"),
                ("optional", "33"),
                ("item", "78"),
                ("threshold_73", "80"),
                ("threshold_74", "85"),
                ("threshold_75", "98"),
                ("min_total", "90"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("所选自选项合计超过 15 分"), "{}", page.body);
    assert!(page.contains("机制创新须选 2 项"));
    assert_eq!(
        page.input_value("min_total").as_deref(),
        Some("90"),
        "typed values kept"
    );
    let stored: Vec<i32> = sqlx::query_scalar("SELECT optional_points FROM campaigns")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing saved");
}

#[tokio::test]
async fn targets_are_computed_from_the_counts() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市市场监管局"))
        .await;
    clerk.get("/targets").await;
    let page = clerk
        .post(
            "/targets",
            &[
                ("target", "46-batches"),
                ("year", "2025"),
                ("numerator", "3,100"),
                ("denominator", "780000"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = clerk.get("/targets").await;
    assert!(page.contains("3.97 批次/千人"), "3100 / 780000 × 1000");
    assert!(page.contains("未达标"));
    // A correction of the same year replaces the figures.
    clerk
        .post(
            "/targets",
            &[
                ("target", "46-batches"),
                ("year", "2025"),
                ("numerator", "3120"),
                ("denominator", "780000"),
            ],
        )
        .await;
    let page = clerk.get("/targets").await;
    assert!(page.contains("4 批次/千人"), "{}", page.body);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM target_values")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);

    let page = clerk
        .post(
            "/targets",
            &[
                ("target", "46-batches"),
                ("year", "2025"),
                ("numerator", "12"),
                ("denominator", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("分母须为大于0的数"));
    assert_eq!(page.input_value("numerator").as_deref(), Some("12"));
    // A clerk reports for its own organisation only, whatever the form says.
    let other: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '市教育局'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    clerk
        .post(
            "/targets",
            &[
                ("target", "75-pass"),
                ("organisation_id", &other.to_string()),
                ("year", "2025"),
                ("numerator", "987"),
                ("denominator", "1000"),
            ],
        )
        .await;
    let owner: String = sqlx::query_scalar(
        "SELECT o.name FROM target_values v JOIN organisations o ON o.id = v.organisation_id WHERE v.target_code = '75-pass'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(owner, "市市场监管局");
    let mut viewer = app.signed_in("leader", Role::Viewer, None).await;
    viewer.get("/targets").await;
    let page = viewer
        .post(
            "/targets",
            &[
                ("target", "75-pass"),
                ("organisation_id", &other.to_string()),
                ("year", "2025"),
                ("numerator", "1"),
                ("denominator", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

/// Veto 93 is defined by satisfaction (indicator 73) under 80: a measured 79 decides the
/// verdict on the result page, in the API and in the report, with no veto marked by hand.
#[tokio::test]
async fn a_measured_satisfaction_under_80_triggers_veto_93_everywhere() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "national_mock", "国家验收模拟").await;
    let (lead, group_b) = (p.lead.clone(), p.group_b.clone());
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/assignments"),
            &[
                ("lead_assessor_id", lead.as_str()),
                ("p24", &group_b),
                ("v93", &group_b),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    p.open(round).await;
    let page =
        p.b.post(
            &format!("/rounds/{round}/items/p24/measure"),
            &[
                ("value", "79"),
                ("source", "第三方测评机构"),
                ("source_date", "2025-09-30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let result = p.admin.get(&format!("/rounds/{round}")).await;
    assert!(result.contains("否决项第 93 项情形成立"), "{}", result.body);
    let report = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert!(
        report.contains("否决项第93项（指标73实测值79，低于80）情形成立。结论：否决（"),
        "{}",
        report.body
    );
    assert!(!report.contains("未发现否决项情形"));
    assert!(!report.contains("。）"), "no stop before a closing bracket");
    let api = p.admin.get(&format!("/api/v1/rounds/{round}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["outcome"]["decision"]["Veto"][0], 93, "{json}");
    assert_eq!(json["outcome"]["derived_vetoes"][0]["measure"], 73);
    let item = p.b.get(&format!("/rounds/{round}/items/v93")).await;
    assert!(
        item.contains("实测值 79（来源：第三方测评机构），触发否决"),
        "{}",
        item.body
    );
    // A hand mark cannot say otherwise; what was typed stays on the form.
    let page =
        p.b.post(
            &format!("/rounds/{round}/items/v93/veto"),
            &[("triggered", "no"), ("note", "测评样本不足")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("实测值 79 判定为触发否决"), "{}", page.body);
    assert!(page.contains("测评样本不足"));
    // At 80 the veto clears at once.
    let page =
        p.b.post(
            &format!("/rounds/{round}/items/p24/measure"),
            &[
                ("value", "80"),
                ("source", "第三方测评机构"),
                ("source_date", "2025-09-30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let result = p.admin.get(&format!("/rounds/{round}")).await;
    assert!(!result.contains("否决项第 93 项情形成立"));
}

#[tokio::test]
async fn a_provincial_round_scores_parts_one_to_three_out_of_60() {
    let mut p = panel().await;
    // The usual scope of a 省级初评 comes from the edition's data.
    let page = p
        .admin
        .post(
            "/admin/rounds",
            &[
                ("kind", "provincial"),
                ("name", "2025年省级初评"),
                ("starts_on", "2025-10-20"),
                ("ends_on", "2025-10-24"),
            ],
        )
        .await;
    let round = created_round(&page);
    p.assign(round).await;
    p.open(round).await;
    // Nothing deducted: every item at full marks.
    let result = p.admin.get(&format!("/rounds/{round}")).await;
    assert_eq!(total(&mut p.admin, round).await, "60");
    assert!(result.contains("/ 60"), "{}", result.body);
    assert!(result.contains("达到标准"));
    assert!(result.contains("基础工作、能力建设、生产经营状况三大项72个指标"));
    assert!(
        !result.contains("食品安全状况"),
        "part 四 is outside the scope"
    );
    let work = p.b.get(&format!("/rounds/{round}/work")).await;
    assert!(!work.contains("/items/p24"), "no measured item to score");
    let report = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert!(
        report.contains("按照《评价细则》基础工作、能力建设、生产经营状况三大项72个指标，根据《操作指南》逐一评分。"),
        "{}",
        report.body
    );
    assert!(report.contains("本轮评价范围不含否决项。"));
    assert!(report.contains("满分 60 分"));
    let api = p.admin.get(&format!("/api/v1/rounds/{round}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(
        json["scope"]["parts"],
        serde_json::json!([1, 2, 3]),
        "{json}"
    );
    assert_eq!(json["scope"]["indicator_count"], 72);
    assert_eq!(json["scope"]["max_total"], "60");
    assert_eq!(json["outcome"]["max_total"], "60");
    // The list shows each round out of its own maximum.
    let list = p.admin.get("/rounds").await;
    assert!(list.contains("60 / 60"), "{}", list.body);

    // The report's framing, printed in the seeds' order, dates the Chinese way.
    let page = p
        .a
        .post(
            &format!("/rounds/{round}/report"),
            &[
                ("basis_documents", "《关于开展国家食品安全示范城市评价验收工作的通知》（食安办函〔2022〕12号）\n《国家食品安全示范城市评价细则（2021版）》"),
                ("implementing_body", "省食品安全委员会办公室"),
                ("cooperating_bodies", "省农业农村厅、省卫生健康委"),
                ("report_date", "2025-11-03"),
                ("opinion", "同意推荐。"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report = p.admin.get(&format!("/rounds/{round}/report")).await;
    let body = &report.body;
    let opening = body
        .find("按照《关于开展国家食品安全示范城市评价验收工作的通知》（食安办函〔2022〕12号）要求，依据《国家食品安全示范城市评价细则（2021版）》，省食品安全委员会办公室组成评审组")
        .expect("opening paragraph");
    let part_one = body.find("一、省级初评组织实施情况").expect("part one");
    let method = body
        .find("会同省农业农村厅、省卫生健康委等部门")
        .expect("method");
    let part_three = body.find("三、省级初评意见").expect("part three");
    assert!(opening < part_one && part_one < method && method < part_three);
    assert!(body.contains("于2025年10月20日至10月24日"), "{body}");
    assert!(body.contains("2025年11月3日"));
    assert!(!body.contains("。）"));
    // A bad report date is refused and the framing typed is kept.
    let page =
        p.a.post(
            &format!("/rounds/{round}/report"),
            &[
                ("implementing_body", "省市场监管局"),
                ("report_date", "11月3日"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("报告日期格式不正确"));
    assert!(page.contains("省市场监管局"));

    // A chosen scope with no parts is refused, the form keeping what was typed.
    let page = p
        .admin
        .post(
            "/admin/rounds",
            &[
                ("kind", "city"),
                ("name", "市级考评（自选范围）"),
                ("scope_mode", "chosen"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请至少勾选一个部分"), "{}", page.body);
    assert!(page.contains("市级考评（自选范围）"));

    // Compared with a whole-edition round, only the shared parts count, and it says so.
    let whole = create_round(&mut p.admin, "national_mock", "国家验收模拟").await;
    let compare = p
        .admin
        .get(&format!("/rounds/compare?a={round}&b={whole}"))
        .await;
    assert!(
        compare.contains("仅比较共同部分：基础工作、能力建设、生产经营状况三大项72个指标"),
        "{}",
        compare.body
    );
    assert!(!compare.contains("食品安全状况"));
}

#[tokio::test]
async fn a_zero_threshold_means_no_threshold() {
    let mut p = panel().await;
    let page = p
        .admin
        .post(
            "/admin/scoring",
            &[
                ("threshold_73", "0"),
                ("threshold_74", ""),
                ("threshold_75", "98"),
                ("min_total", "0"),
                ("min_part_rate", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let rule: serde_json::Value =
        sqlx::query_scalar("SELECT verdict_rule FROM campaigns ORDER BY id LIMIT 1")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    let thresholds = rule["thresholds"].as_array().unwrap();
    assert_eq!(thresholds.len(), 1, "{rule}");
    assert_eq!(thresholds[0]["indicator"], 75);
    assert!(rule["min_total"].is_null());
    // The form still offers the removed thresholds, empty.
    let form = p.admin.get("/admin/scoring").await;
    assert!(
        form.contains("name=\"threshold_73\" value=\"\""),
        "{}",
        form.body
    );
    // Out of range is refused, keeping what was typed.
    let page = p
        .admin
        .post(
            "/admin/scoring",
            &[
                ("threshold_73", "120"),
                ("threshold_74", "85"),
                ("threshold_75", "98"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("value=\"120\""), "{}", page.body);
}
