//! Integration tests: inspections (issue 14) — the plan of a round: pasting points as
//! the lead assessor (all or nothing), who may plan (refusals audited), and who sees
//! 暗访 points on the page and in the API before and after the results are published.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::scoring::{create_round, panel};
use crate::support::{Browser, TestApp};

/// Ten points: six 明查 and four 暗访, with a header, a blank line, commas and tabs, and
/// both forms of date.
pub(crate) const TEN_POINTS: &str = "县区\t乡镇街道\t单位名称\t地址\t业态\t方式\t日期
城关区\t东街街道\t城关第一中学食堂\t东街1号\t学校食堂\t明查\t2026-12-08
城关区\t东街街道\t东街农贸市场\t东街20号\t农贸市场\t明查\t2026-12-08
城关区\t西街街道\t惠民大型超市\t西街5号\t大型超市\t明查\t2026年12月9日

河西县,河西镇,河西老字号餐馆,河西路8号,餐饮服务单位,明查,2026-12-09
河西县,河西镇,河西食品小作坊,河西路9号,食品小作坊,明查,
河西县,柳林乡,柳林敬老院食堂,柳林村,养老机构食堂,明查,2026-12-10
城关区\t南街街道\t暗访甲小吃店\t南街3号\t小餐饮\t暗访\t2026-12-11
城关区\t南街街道\t暗访乙烧烤摊\t南街夜市\t食品摊贩\t暗访\t
河西县\t河西镇\t暗访丙批发部\t河西路30号\t食品批发市场\t暗访\t2026年12月12日
河西县\t柳林乡\t暗访丁集体配餐\t柳林工业园\t集体用餐配送单位\t暗访\t
";

const HIDDEN: [&str; 4] = [
    "暗访甲小吃店",
    "暗访乙烧烤摊",
    "暗访丙批发部",
    "暗访丁集体配餐",
];

async fn count_points(app: &TestApp, round: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inspection_points WHERE round_id = $1")
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn audited(app: &TestApp, action: &str, round: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT COALESCE(summary->>'why', '') FROM audit_events WHERE action = $1 AND object_type = 'round' \
         AND object_id = $2 ORDER BY id",
    )
    .bind(action)
    .bind(round.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn api(browser: &mut Browser, round: i64) -> serde_json::Value {
    let page = browser
        .get(&format!("/api/v1/rounds/{round}/inspections"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    serde_json::from_str(&page.body).expect("JSON")
}

async fn signed_in(app: &TestApp, name: &str, role: Role, org: Option<&str>) -> Browser {
    let mut browser = app.signed_in(name, role, org).await;
    browser.get("/").await;
    browser
}

#[tokio::test]
async fn the_lead_plans_by_pasting_and_the_city_sees_no_unannounced_point() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let plan = format!("/rounds/{round}/inspections");
    let paste = format!("{plan}/paste");

    // The round's page links to the plan; the lead sees the paste form.
    let page = p.a.get(&format!("/rounds/{round}")).await;
    assert!(page.contains(&plan), "the round links to its plan");
    let page = p.a.get(&plan).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains(&paste));

    // The lead assessor pastes ten points.
    let page = p.a.post(&paste, &[("text", TEN_POINTS)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count_points(&p.app, round).await, 10);
    let seqs: Vec<i32> =
        sqlx::query_scalar("SELECT seq FROM inspection_points WHERE round_id = $1 ORDER BY seq")
            .bind(round)
            .fetch_all(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    let page = p.a.get(&plan).await;
    assert!(page.contains("已保存 10 个点位"), "{}", page.body);
    assert_eq!(page.texts("tr[data-mode=open]").len(), 6);
    assert_eq!(page.texts("tr[data-mode=unannounced]").len(), 4);
    for name in HIDDEN {
        assert!(page.contains(name), "the assessor sees {name}");
    }

    // A paste with bad lines: every line's refusal, the text kept, nothing saved.
    let bad = "城关区\t东街街道\t新增好单位\t\t学校食堂\t明查\n\
               城关区\t东街街道\t\t\t学校食堂\t明查\n\
               城关区\t东街街道\t新增单位二\t\t学校食堂\t抽查\n\
               城关区\t东街街道\t新增单位三\t\t学校食堂\t暗访\t下周一\n";
    let page = p.a.post(&paste, &[("text", bad)]).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("第 2 行：缺少单位名称"), "{}", page.body);
    assert!(page.contains("第 3 行：方式“抽查”不是明查或暗访"));
    assert!(page.contains("第 4 行：日期“下周一”无法识别"));
    assert!(!page.contains("第 1 行"));
    assert!(
        page.contains("新增好单位"),
        "the textarea keeps what was typed"
    );
    assert_eq!(count_points(&p.app, round).await, 10);
    assert_eq!(
        audited(&p.app, "inspection.plan.paste.refused", round)
            .await
            .len(),
        1
    );

    // The next paste continues the numbering.
    let page =
        p.a.post(
            &paste,
            &[(
                "text",
                "城关区,北街街道,北街面包房,北街2号,食品小作坊,明查,",
            )],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let last: i32 = sqlx::query_scalar(
        "SELECT seq FROM inspection_points WHERE round_id = $1 AND unit_name = '北街面包房'",
    )
    .bind(round)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(last, 11);

    // Another assessor and the office may not plan; each refusal is audited.
    let mut office = signed_in(&p.app, "office1", Role::Office, Some("市食安办")).await;
    let mut viewer = signed_in(&p.app, "leader1", Role::Viewer, None).await;
    let page = p.b.get(&plan).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains(&paste), "no form for a non-lead");
    for browser in [&mut p.b, &mut office] {
        let page = browser.post(&paste, &[("text", TEN_POINTS)]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert!(page.contains("只有本轮的牵头专家或管理员可以计划点位"));
    }
    assert_eq!(count_points(&p.app, round).await, 11);
    assert_eq!(
        audited(&p.app, "inspection.plan.refused", round).await,
        vec!["not_lead", "not_lead"]
    );

    // The office and leaders see the 明查 points, never a 暗访 one, nor their count.
    for browser in [&mut office, &mut viewer] {
        let page = browser.get(&plan).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.contains("城关第一中学食堂"));
        assert_eq!(page.texts("tr[data-mode=open]").len(), 7);
        assert!(page.texts("tr[data-mode=unannounced]").is_empty());
        assert!(!page.contains("data-mode=\"unannounced\""));
        assert!(!page.contains(&paste));
        for name in HIDDEN {
            assert!(!page.contains(name), "{name} is hidden");
        }
        let body = api(browser, round).await;
        assert_eq!(body["points"].as_array().unwrap().len(), 7);
        assert_eq!(body["open"], 7);
        assert!(body.get("unannounced").is_none(), "no count of 暗访");
        let text = body.to_string();
        assert!(!text.contains("unannounced"));
        for name in HIDDEN {
            assert!(!text.contains(name), "{name} is hidden from the API");
        }
    }

    // Assessors see every point in the API, with its findings count.
    let body = api(&mut p.b, round).await;
    let points = body["points"].as_array().unwrap();
    assert_eq!(points.len(), 11);
    assert_eq!(body["unannounced"], 4);
    assert_eq!(points[0]["seq"], 1);
    assert_eq!(points[0]["county"], "城关区");
    assert_eq!(points[0]["town"], "东街街道");
    assert_eq!(points[0]["unit"], "城关第一中学食堂");
    assert_eq!(points[0]["kind_code"], "学校食堂");
    assert_eq!(points[0]["mode"], "open");
    assert_eq!(points[0]["planned_on"], "2026-12-08");
    assert_eq!(points[0]["findings_count"], 0);
    assert_eq!(points[6]["mode"], "unannounced");
    assert_eq!(points[7]["planned_on"], serde_json::Value::Null);
    assert_eq!(points[8]["planned_on"], "2026-12-12");
}

#[tokio::test]
async fn the_city_sees_unannounced_points_once_its_own_round_is_locked() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "city", "2026年市级考评").await;
    p.assign(round).await;
    p.open(round).await;
    let plan = format!("/rounds/{round}/inspections");
    let paste = format!("{plan}/paste");
    // The administrator may plan too; a county name that is an organisation is linked.
    let county: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE kind = 'county' AND active LIMIT 1")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    let county_name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(county)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    let text = format!(
        "{county_name}\t某街道\t明查单位\t\t学校食堂\t明查\t\n{county_name}\t某街道\t暗访单位\t\t小餐饮\t暗访\t\n"
    );
    let page = p.admin.post(&paste, &[("text", &text)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let linked: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT county_id FROM inspection_points WHERE round_id = $1 ORDER BY seq",
    )
    .bind(round)
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(linked, vec![Some(county), Some(county)]);

    let mut office = signed_in(&p.app, "office1", Role::Office, Some("市食安办")).await;
    let page = office.get(&plan).await;
    assert!(page.contains("明查单位"));
    assert!(!page.contains("暗访单位"));

    // Locked: the results of the city's own round are out, so the office sees 暗访.
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/lock"),
            &[("reason", "现场检查结束，其余项目不再评分")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = office.get(&plan).await;
    assert!(page.contains("暗访单位"), "{}", page.body);
    let body = api(&mut office, round).await;
    assert_eq!(body["points"].as_array().unwrap().len(), 2);
    assert_eq!(body["unannounced"], 1);

    // Nobody plans a locked round, not even the administrator (refused and audited).
    let page = p.admin.get(&plan).await;
    assert!(!page.contains(&paste));
    let page = p.admin.post(&paste, &[("text", &text)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("本轮已锁定"));
    assert_eq!(count_points(&p.app, round).await, 2);
    assert_eq!(
        audited(&p.app, "inspection.plan.refused", round).await,
        vec!["locked"]
    );
}
