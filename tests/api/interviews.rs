//! Integration tests: leader interviews (领导访谈) — recorded through the form by the lead
//! or a group's assessor (refusals audited, bad input kept), shown on the linked item's
//! page and in the API; and the report's 组织实施情况 figures and default 存在问题.

use reqwest::StatusCode;
use shian::accounts::Role;
use shian::orgs::{self, OrgKind};

use crate::scoring::{create_round, panel};
use crate::support::{Browser, TestApp};

async fn group_id(app: &TestApp, name: &str) -> String {
    sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .to_string()
}

async fn count(app: &TestApp, round: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM round_interviews WHERE round_id = $1")
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn refused(app: &TestApp, round: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT summary->>'why' FROM audit_events WHERE action = 'interview.refused' \
         AND object_type = 'round' AND object_id = $1 ORDER BY id",
    )
    .bind(round.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn signed_in(app: &TestApp, name: &str, role: Role, org: Option<&str>) -> Browser {
    let mut browser = app.signed_in(name, role, org).await;
    browser.get("/").await;
    browser
}

/// The form's fields, with these interviewees and indicators.
fn fields<'a>(group: &'a str, people: &'a str, indicators: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("group_id", group),
        ("group_label", ""),
        ("held_on", "2026年5月12日"),
        ("place", "市政府第一会议室"),
        ("interviewees", people),
        ("questions", "食品安全如何纳入党委和政府督办？"),
        (
            "notes",
            "市长介绍了将食品安全纳入市委常委会年度工作要点的做法。",
        ),
    ];
    for n in indicators {
        fields.push(("indicator", n));
    }
    fields
}

#[tokio::test]
async fn the_lead_records_an_interview_shown_on_its_items_and_in_the_api() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let list = format!("/rounds/{round}/interviews");
    let (a_group, b_group) = (
        group_id(&p.app, "第一评审组").await,
        group_id(&p.app, "第二评审组").await,
    );

    // The round's tabs link to the interviews; the lead gets the form, with only the
    // indicators assessed by interview to choose from.
    let page = p.a.get(&format!("/rounds/{round}")).await;
    assert!(page.contains(&list), "the round links to its interviews");
    let page = p.a.get(&list).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains(&format!("action=\"{list}\"")));
    assert!(page.contains("name=\"indicator\" value=\"1\""));
    assert!(page.contains("name=\"indicator\" value=\"90\""));
    assert!(!page.contains("name=\"indicator\" value=\"24\""));

    let people = "市级，市长，张三，市人民政府\n县级\t县委书记\t\t河西县委";
    let page =
        p.a.post(&list, &fields(&a_group, people, &["1", "2"]))
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count(&p.app, round).await, 1);
    let iid: i64 = sqlx::query_scalar("SELECT id FROM round_interviews WHERE round_id = $1")
        .bind(round)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    let page = p.a.get(&list).await;
    assert!(page.contains("已保存领导访谈"), "{}", page.body);
    assert!(page.contains("2026年5月12日 · 第一评审组"));
    assert_eq!(
        page.texts("dd[data-level=city] .interviewee"),
        vec!["市长 张三（市人民政府）"]
    );
    assert_eq!(
        page.texts("dd[data-level=county] .interviewee"),
        vec!["县委书记（河西县委）"]
    );
    assert!(page.contains("市长介绍了将食品安全纳入市委常委会年度工作要点的做法。"));

    // The item of indicators 1–3 shows it; an item without interviews does not.
    let page = p.a.get(&format!("/rounds/{round}/items/p1")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.contains(&format!("{list}#interview-{iid}")),
        "{}",
        page.body
    );
    assert_eq!(page.texts(".item-interview a"), vec!["2026年5月12日"]);
    assert!(page.contains("市长、县委书记"));
    let page = p.a.get(&format!("/rounds/{round}/items/p24")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("#interview-"));

    // The API, for the round's readers.
    let mut viewer = signed_in(&p.app, "leader1", Role::Viewer, None).await;
    let page = viewer
        .get(&format!("/api/v1/rounds/{round}/interviews"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let interviews = body["interviews"].as_array().unwrap();
    assert_eq!(interviews.len(), 1);
    assert_eq!(interviews[0]["held_on"], "2026-05-12");
    assert_eq!(interviews[0]["group"], "第一评审组");
    assert_eq!(interviews[0]["indicators"], serde_json::json!([1, 2]));
    assert_eq!(interviews[0]["interviewees"][0]["level"], "city");
    assert_eq!(interviews[0]["interviewees"][0]["post"], "市长");
    assert_eq!(interviews[0]["interviewees"][1]["level"], "county");

    // Editing: the form comes prefilled; the lead moves it to indicator 3.
    let edit = format!("{list}/{iid}/edit");
    let page = p.a.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("市级，市长，张三，市人民政府\n县级，县委书记，，河西县委"));
    assert!(page.contains("value=\"2026-05-12\""));
    let page =
        p.a.post(&edit, &fields(&a_group, "乡级，镇长", &["3"]))
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let linked: Vec<i32> = sqlx::query_scalar(
        "SELECT i.number FROM round_interview_indicators l JOIN indicators i ON i.id = l.indicator_id \
         WHERE l.interview_id = $1",
    )
    .bind(iid)
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(linked, vec![3]);
    let levels: Vec<String> =
        sqlx::query_scalar("SELECT level FROM round_interviewees WHERE interview_id = $1")
            .bind(iid)
            .fetch_all(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(levels, vec!["township"]);

    // The other group's assessor may not change group A's interview, nor move it to B.
    let page = p.b.get(&edit).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = p.b.post(&edit, &fields(&b_group, "乡级，镇长", &[])).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = p.b.post(&format!("{list}/{iid}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused(&p.app, round).await,
        vec!["not_allowed", "not_allowed", "not_allowed"]
    );
    // …but records for their own group.
    let page =
        p.b.post(&list, &fields(&b_group, "县级，县长", &["4"]))
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count(&p.app, round).await, 2);

    // The lead deletes.
    let page = p.a.post(&format!("{list}/{iid}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count(&p.app, round).await, 1);
    let page = p.a.get(&format!("/rounds/{round}/items/p1")).await;
    assert!(!page.contains("#interview-"));
}

#[tokio::test]
async fn bad_interviews_are_refused_with_what_was_typed_kept() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let list = format!("/rounds/{round}/interviews");
    let a_group = group_id(&p.app, "第一评审组").await;

    // No interviewee.
    let page = p.a.post(&list, &fields(&a_group, "\n  \n", &["1"])).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("请至少填写一名访谈对象。"), "{}", page.body);
    assert!(
        page.contains("value=\"市政府第一会议室\""),
        "the place is kept"
    );
    assert!(
        page.contains("value=\"1\" checked"),
        "the indicator stays chosen"
    );

    // A bad level on line 2, a missing post on line 3: each with its line.
    let people = "市级，市长\n省级，省长\n县级\n";
    let page = p.a.post(&list, &fields(&a_group, people, &[])).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("访谈对象第 2 行：级别“省级”不是市级、县级或乡级"),
        "{}",
        page.body
    );
    assert!(page.contains("访谈对象第 3 行：缺少职务"));
    assert!(!page.contains("第 1 行"));
    assert!(
        page.contains("省级，省长"),
        "the textarea keeps what was typed"
    );

    // An indicator not assessed by interview, and a bad date.
    let mut typed = fields(&a_group, "市级，市长", &["24"]);
    typed[2] = ("held_on", "下周一");
    let page = p.a.post(&list, &typed).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("指标 24 的评价方法不含“党政领导访谈”。"),
        "{}",
        page.body
    );
    assert!(page.contains("访谈日期“下周一”无法识别"));

    // English readers get English messages.
    let mut english = p
        .app
        .signed_in("expert_en", Role::Assessor, Some("第一评审组"))
        .await;
    english.get("/").await;
    sqlx::query("UPDATE users SET locale = 'en' WHERE username = 'expert_en'")
        .execute(&p.app.pool)
        .await
        .unwrap();
    let page = english
        .post(&list, &fields(&a_group, "州级，州长", &[]))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Interviewee line 1: the level “州级” is not 市级, 县级 or 乡级"),
        "{}",
        page.body
    );
    assert_eq!(count(&p.app, round).await, 0);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'interview.save.refused' AND object_id = $1",
    )
    .bind(round.to_string())
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 4);

    // A department's clerk may not even read them; refused and audited by the gate.
    let mut clerk = signed_in(&p.app, "clerk1", Role::Department, Some("市农业农村局")).await;
    for page in [
        clerk.get(&list).await,
        clerk
            .post(&list, &fields(&a_group, "市级，市长", &[]))
            .await,
        clerk
            .get(&format!("/api/v1/rounds/{round}/interviews"))
            .await,
    ] {
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    let gate: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.actor_id \
         WHERE a.action = 'access.refused' AND u.username = 'clerk1'",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(gate, 3);

    // An assessor of a group without items in the round is refused for group A, and
    // has no form.
    orgs::insert(&p.app.pool, "第三评审组", OrgKind::AssessorGroup, 3)
        .await
        .unwrap();
    let mut c = signed_in(&p.app, "expert_c", Role::Assessor, Some("第三评审组")).await;
    let page = c.get(&list).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("name=\"interviewees\""));
    let page = c.post(&list, &fields(&a_group, "市级，市长", &[])).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("只有本轮的牵头专家、该访谈组的专家或管理员可以记录领导访谈。"));
    // A typed label is for the lead (or the administrator) only.
    let mut typed = fields("", "市级，市长", &[]);
    typed[1] = ("group_label", "第一访谈组");
    let page = c.post(&list, &typed).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = p.admin.post(&list, &typed).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count(&p.app, round).await, 1);

    // Locked: nobody records, not even the lead (refused, audited).
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/lock"),
            &[("reason", "访谈结束，其余项目不再评分")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = p.a.post(&list, &fields(&a_group, "市级，市长", &[])).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("本轮已锁定，不能再记录领导访谈。"));
    let page = p.a.get(&list).await;
    assert!(
        !page.contains("name=\"interviewees\""),
        "no form on a locked round"
    );
    assert_eq!(count(&p.app, round).await, 1);
    assert_eq!(
        refused(&p.app, round).await,
        vec!["not_allowed", "not_allowed", "locked"]
    );
}

#[tokio::test]
async fn the_report_states_the_figures_and_drafts_the_problems_by_part() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let report = format!("/rounds/{round}/report");

    // Nothing done yet: no figures sentence.
    let page = p.admin.get(&report).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.texts(".report-figures").is_empty());

    // Points: four 明查 and two 暗访 submitted, one drafted and one not visited.
    let points = [
        (
            "城关区",
            "东街街道",
            "school-canteen",
            "open",
            Some("submitted"),
        ),
        ("城关区", "西街街道", "market", "open", Some("submitted")),
        ("河西县", "河西镇", "restaurant", "open", Some("submitted")),
        (
            "河西县",
            "河西镇",
            "school-canteen",
            "open",
            Some("submitted"),
        ),
        (
            "城关区",
            "南街街道",
            "snack",
            "unannounced",
            Some("submitted"),
        ),
        (
            "城关区",
            "南街街道",
            "snack",
            "unannounced",
            Some("submitted"),
        ),
        ("河西县", "柳林乡", "market", "open", Some("draft")),
        ("林周县", "甘丹曲果镇", "market", "unannounced", None),
    ];
    let mut first_point = 0;
    for (seq, (county, town, kind, mode, state)) in points.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_points (round_id, seq, county_name, town, unit_name, kind_code, mode) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(round)
        .bind(seq as i32 + 1)
        .bind(county)
        .bind(town)
        .bind(format!("单位{seq}"))
        .bind(kind)
        .bind(mode)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
        if seq == 0 {
            first_point = id;
        }
        if let Some(state) = state {
            sqlx::query(
                "INSERT INTO inspection_records (point_id, state, submitted_at) \
                 VALUES ($1, $2, CASE WHEN $2 = 'submitted' THEN now() END)",
            )
            .bind(id)
            .bind(state)
            .execute(&p.app.pool)
            .await
            .unwrap();
        }
    }
    // One interview: two city leaders, one county leader.
    let a_group = group_id(&p.app, "第一评审组").await;
    let page =
        p.a.post(
            &format!("/rounds/{round}/interviews"),
            &fields(&a_group, "市级，市长\n市级，分管副市长\n县级，县长", &["1"]),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // Problems: a deduction in force (part 一), a withdrawn one, a pending finding
    // (part 二) and a finding set aside.
    let page =
        p.a.post(
            &format!("/rounds/{round}/items/p1/deductions"),
            &[
                ("indicator", "2"),
                ("points", "0.5"),
                ("reason", "未对下一级政府开展评议考核。"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page =
        p.a.post(
            &format!("/rounds/{round}/items/p1/deductions"),
            &[
                ("indicator", "3"),
                ("points", "0.5"),
                ("reason", "撤回的扣分"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let withdrawn: i64 =
        sqlx::query_scalar("SELECT id FROM score_deductions WHERE reason = '撤回的扣分'")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    let page =
        p.a.post(
            &format!("/rounds/{round}/deductions/{withdrawn}/withdraw"),
            &[("reason", "误记")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    for (number, text, decision) in [
        (41, "快检室设备长期未使用", "pending"),
        (42, "已搁置的发现", "set_aside"),
    ] {
        sqlx::query(
            "INSERT INTO inspection_findings (point_id, round_id, indicator_id, description, \
               proposed_points, decision, decision_reason) \
             VALUES ($1, $2, (SELECT id FROM indicators WHERE number = $3), $4, 1, $5, \
               CASE WHEN $5 = 'set_aside' THEN '不属实' ELSE '' END)",
        )
        .bind(first_point)
        .bind(round)
        .bind(number)
        .bind(text)
        .bind(decision)
        .execute(&p.app.pool)
        .await
        .unwrap();
    }

    let page = p.admin.get(&report).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.texts(".report-figures"),
        vec![
            "现场检查共抽查6个点位，其中明查1区1县1个乡镇2个街道，覆盖3类单位4个点位；\
             暗访1区1个街道，覆盖1类单位2个点位。另有2个计划点位尚未提交检查记录。\
             领导访谈1次，访谈市级党政负责同志2人、县级1人。\
             发现问题2个（基础工作1个、能力建设1个）。"
        ]
    );
    // 存在不足: not written by the lead, so drawn from the problems by part.
    assert_eq!(
        page.texts(".report-default"),
        vec![
            "（一）基础工作方面：1. 未对下一级政府开展评议考核（指标2）。",
            "（二）能力建设方面：1. 快检室设备长期未使用（指标41）。",
        ]
    );
    assert!(!page.contains("撤回的扣分"));
    assert!(!page.contains("已搁置的发现"));

    // The lead fills the textarea from it (nothing saved), edits and saves.
    let page = p.a.get(&report).await;
    assert!(page.contains(&format!("{report}?fill=problems")));
    assert!(page.contains("按问题清单生成"));
    let page = p.a.get(&format!("{report}?fill=problems")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains(
            "（一）基础工作方面：1. 未对下一级政府开展评议考核（指标2）。\n（二）能力建设方面"
        ),
        "{}",
        page.body
    );
    let saved: String =
        sqlx::query_scalar("SELECT report_shortcomings FROM assessment_rounds WHERE id = $1")
            .bind(round)
            .fetch_one(&p.app.pool)
            .await
            .unwrap_or_default();
    assert_eq!(saved, "");
}
