//! Integration tests: the inspection plan's groups and assessors per point, editing and
//! removing a point, and the random draw by 业态 quota (the .xlsx import and who may change
//! the plan: `inspection_plan_import.rs`).

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::scoring::{Panel, create_round, panel};
use crate::support::{Browser, TestApp};

pub(crate) async fn count_points(app: &TestApp, round: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inspection_points WHERE round_id = $1")
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn id_of(app: &TestApp, sql: &str, name: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn group(app: &TestApp, name: &str) -> i64 {
    id_of(app, "SELECT id FROM organisations WHERE name = $1", name).await
}

pub(crate) async fn user(app: &TestApp, username: &str) -> i64 {
    id_of(app, "SELECT id FROM users WHERE username = $1", username).await
}

pub(crate) async fn point(app: &TestApp, round: i64, unit: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM inspection_points WHERE round_id = $1 AND unit_name = $2")
        .bind(round)
        .bind(unit)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn assessors(app: &TestApp, point: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT user_id FROM inspection_point_assessors WHERE point_id = $1 ORDER BY user_id",
    )
    .bind(point)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// An open round with two assigned groups; a second assessor in the lead's group.
pub(crate) async fn open_round(name: &str) -> (Panel, i64) {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", name).await;
    p.assign(round).await;
    p.open(round).await;
    p.app
        .create_user("expert_c", Role::Assessor, Some("第一评审组"), "Passw0rd!")
        .await;
    (p, round)
}

#[tokio::test]
async fn points_carry_their_group_and_assessors_and_are_edited_and_removed() {
    let (mut p, round) = open_round("2026年省级初评").await;
    let plan = format!("/rounds/{round}/inspections");
    let (a, b, c) = (
        user(&p.app, "expert_a").await,
        user(&p.app, "expert_b").await,
        user(&p.app, "expert_c").await,
    );
    let (group_a, group_b) = (
        group(&p.app, "第一评审组").await,
        group(&p.app, "第二评审组").await,
    );

    // Unknown groups and assessors of another group are refused with their line.
    let bad = "城关区\t东街街道\t甲食堂\t\t学校食堂\t明查\t\t第九评审组\texpert_a 姓名\n\
               城关区\t东街街道\t乙餐馆\t\t餐饮服务单位\t明查\t\t第一评审组\texpert_a 姓名、expert_b 姓名\n\
               城关区\t东街街道\t丙超市\t\t大型商超\t明查\t\t\texpert_a 姓名\n";
    let page = p.a.post(&format!("{plan}/paste"), &[("text", bad)]).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.contains("第 1 行：检查组“第九评审组”不是本轮的评审组"),
        "{}",
        page.body
    );
    assert!(page.contains("第 2 行：检查人员“expert_b 姓名”不是该检查组的评审专家"));
    assert!(page.contains("第 3 行：填写检查人员时须同时填写检查组"));
    assert_eq!(count_points(&p.app, round).await, 0);

    let good = "县区\t乡镇街道\t单位名称\t地址\t业态\t方式\t日期\t检查组\t检查人员\n\
                城关区\t东街街道\t甲食堂\t东街1号\t学校食堂\t明查\t2026-12-08\t第一评审组\texpert_a 姓名、expert_c 姓名\n\
                城关区\t西街街道\t乙餐馆\t西街2号\t餐饮服务单位\t暗访\t\t第二评审组\texpert_b 姓名\n\
                河西县\t河西镇\t丙作坊\t\t食品小作坊\t明查\t\t\t\n";
    let page = p.a.post(&format!("{plan}/paste"), &[("text", good)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (first, second, third) = (
        point(&p.app, round, "甲食堂").await,
        point(&p.app, round, "乙餐馆").await,
        point(&p.app, round, "丙作坊").await,
    );
    let groups: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT group_id, kind_code FROM inspection_points WHERE round_id = $1 ORDER BY seq",
    )
    .bind(round)
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(
        groups,
        vec![
            (Some(group_a), "school-canteen".to_string()),
            (Some(group_b), "catering".to_string()),
            (None, "food-workshop".to_string()),
        ]
    );
    assert_eq!(assessors(&p.app, first).await, vec![a, c]);
    assert_eq!(assessors(&p.app, second).await, vec![b]);
    assert!(assessors(&p.app, third).await.is_empty());
    let page = p.a.get(&plan).await;
    assert!(
        page.contains("expert_a 姓名、expert_c 姓名"),
        "{}",
        page.body
    );
    assert!(page.contains("2026年12月8日"));
    assert!(page.contains(&format!("{plan}/points/{first}/edit")));
    let api =
        p.b.get(&format!("/api/v1/rounds/{round}/inspections"))
            .await;
    let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(body["points"][0]["group"], "第一评审组");
    assert_eq!(
        body["points"][0]["assessors"],
        serde_json::json!(["expert_a 姓名", "expert_c 姓名"])
    );
    assert_eq!(body["points"][2]["group"], serde_json::Value::Null);

    // The edit form shows the point; a bad change is refused, what was typed kept.
    let edit = format!("{plan}/points/{first}/edit");
    let page = p.a.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.input_value("unit").as_deref(), Some("甲食堂"));
    assert_eq!(
        page.texts("select[name=kind] option[selected]"),
        vec!["学校食堂"]
    );
    assert_eq!(
        page.texts("select[name=group_id] option[selected]"),
        vec!["第一评审组"]
    );
    assert_eq!(page.texts("input[name=assessor][checked]").len(), 2);
    let (ga, gb, bs) = (group_a.to_string(), group_b.to_string(), b.to_string());
    let page =
        p.a.post(
            &edit,
            &[
                ("county", "城关区"),
                ("unit", ""),
                ("address", "改后的地址"),
                ("kind", "catering"),
                ("mode", "unannounced"),
                ("group_id", &ga),
                ("assessor", &bs),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("缺少单位名称"));
    assert!(page.contains(&format!("检查人员“{b}”不是该检查组的评审专家")));
    assert_eq!(page.input_value("address").as_deref(), Some("改后的地址"));
    let page =
        p.a.post(
            &edit,
            &[
                ("county", "城关区"),
                ("town", "东街街道"),
                ("unit", "甲食堂（新址）"),
                ("address", "东街9号"),
                ("kind", "catering"),
                ("mode", "unannounced"),
                ("date", "2026-12-10"),
                ("group_id", &gb),
                ("assessor", &bs),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let row: (String, String, String, Option<i64>, Option<chrono::NaiveDate>) = sqlx::query_as(
        "SELECT unit_name, kind_code, mode, group_id, planned_on FROM inspection_points WHERE id = $1",
    )
    .bind(first)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "甲食堂（新址）".into(),
            "catering".into(),
            "unannounced".into(),
            Some(group_b),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 10)
        )
    );
    assert_eq!(assessors(&p.app, first).await, vec![b]);
    assert_eq!(audit_count(&p.app, "inspection.point.update").await, 1);

    // A point with a record stays, and keeps its kind; one without goes.
    sqlx::query("INSERT INTO inspection_records (point_id) VALUES ($1)")
        .bind(first)
        .execute(&p.app.pool)
        .await
        .unwrap();
    let page =
        p.a.post(&format!("{plan}/points/{first}/delete"), &[])
            .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("第 1 号点位“甲食堂（新址）”已有检查记录，不能删除。"));
    assert_eq!(count_points(&p.app, round).await, 3);
    assert_eq!(
        audit_count(&p.app, "inspection.point.delete.refused").await,
        1
    );
    let page =
        p.a.post(
            &edit,
            &[
                ("county", "城关区"),
                ("unit", "甲食堂（新址）"),
                ("kind", "school-canteen"),
                ("mode", "unannounced"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("业态不能再改"));
    let page =
        p.a.post(&format!("{plan}/points/{third}/delete"), &[])
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count_points(&p.app, round).await, 2);
    assert_eq!(audit_count(&p.app, "inspection.point.delete").await, 1);
    let page = p.a.get(&plan).await;
    assert!(page.contains("第 3 号点位已从计划中删除。"));
    // The recorded point offers no delete button; another round's point is not found.
    assert!(!page.contains(&format!("{plan}/points/{first}/delete")));
    assert!(page.contains(&format!("{plan}/points/{second}/delete")));
    let page = p.a.get(&format!("{plan}/points/{third}/edit")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// Six 学校食堂 and three 餐饮服务单位 to draw from.
fn candidates() -> String {
    let mut text = String::from("县区\t乡镇街道\t单位名称\t地址\t业态\t方式\t日期\n");
    for i in 1..=6 {
        text.push_str(&format!(
            "城关区\t东街街道\t候选学校{i}\t\t学校食堂\t明查\t\n"
        ));
    }
    for i in 1..=3 {
        text.push_str(&format!(
            "河西县\t河西镇\t候选餐馆{i}\t\t餐饮服务单位\t明查\t\n"
        ));
    }
    text
}

#[tokio::test]
async fn a_seeded_draw_repeats_and_is_confirmed_into_the_plan() {
    let (mut p, round) = open_round("2026年省级初评").await;
    let draw = format!("/rounds/{round}/inspections/draw");
    let list = candidates();
    let form = |quotas: &'static str, seed: &'static str| {
        vec![
            ("candidates", list.clone()),
            ("quotas", quotas.to_string()),
            ("mode", "unannounced".to_string()),
            ("seed", seed.to_string()),
        ]
    };
    let post = async |browser: &mut Browser, fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post(&draw, &fields).await
    };

    // A quota beyond the candidates of its kind is refused, saying how many there are.
    let page = post(&mut p.a, form("学校食堂 7\n餐饮服务单位 1", "7")).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.contains("学校食堂：要抽 7 个，候选清单中只有 6 个"),
        "{}",
        page.body
    );
    assert!(page.contains("候选学校6"), "the candidates are kept");
    let page = post(&mut p.a, form("学校食堂 三个", "")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("数量第 1 行“学校食堂 三个”应写成“业态 数量”"));
    assert_eq!(audit_count(&p.app, "inspection.plan.draw.refused").await, 2);

    // The same seed draws the same points; each quota is met.
    let page = post(&mut p.a, form("学校食堂 2\n餐饮服务单位 1", "20261208")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let drawn = page.texts("tr.drawn td.unit strong");
    assert_eq!(drawn.len(), 3);
    assert_eq!(
        drawn.iter().filter(|u| u.starts_with("候选学校")).count(),
        2
    );
    assert_eq!(
        drawn.iter().filter(|u| u.starts_with("候选餐馆")).count(),
        1
    );
    assert_eq!(page.texts("#seed"), vec!["20261208"]);
    let again = post(&mut p.a, form("学校食堂 2\n餐饮服务单位 1", "20261208")).await;
    assert_eq!(again.texts("tr.drawn td.unit strong"), drawn);
    assert_eq!(
        count_points(&p.app, round).await,
        0,
        "nothing added before confirmation"
    );
    let seeds: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT (summary->>'seed')::bigint FROM audit_events WHERE action = 'inspection.plan.draw' ORDER BY id",
    )
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(seeds, vec![Some(20261208), Some(20261208)]);

    // Confirmed, the drawn points join the plan as 暗访.
    let text = page
        .input_value("text")
        .expect("the drawn points travel with the form");
    let page =
        p.a.post(
            &format!("{draw}/confirm"),
            &[("text", &text), ("seed", "20261208")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let saved: Vec<(String, String)> = sqlx::query_as(
        "SELECT unit_name, mode FROM inspection_points WHERE round_id = $1 ORDER BY seq",
    )
    .bind(round)
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(saved.iter().map(|s| s.0.clone()).collect::<Vec<_>>(), drawn);
    assert!(saved.iter().all(|s| s.1 == "unannounced"));
    assert_eq!(audit_count(&p.app, "inspection.plan.draw.confirm").await, 1);

    // Without a seed one is chosen, shown and audited.
    let page = post(&mut p.a, form("学校食堂 1", "")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let shown: i64 = page.texts("#seed")[0].parse().unwrap();
    let audited: i64 = sqlx::query_scalar(
        "SELECT (summary->>'seed')::bigint FROM audit_events WHERE action = 'inspection.plan.draw' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(shown, audited);
}
