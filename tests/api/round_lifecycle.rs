//! A round's lifecycle: locking against its completeness (with a reason when something
//! is unfinished), reopening with a reason (the earlier result stays printable),
//! deleting an empty round, the dashboards' score, and the round's history.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::scoring::{Panel, create_round, panel};
use crate::support::{Browser, TestApp};

async fn count(app: &TestApp, sql: &str, round: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn audited(app: &TestApp, action: &str, round: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = $1 AND object_type = 'round' AND object_id = $2",
    )
    .bind(action)
    .bind(round.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

pub(crate) async fn json(browser: &mut Browser, path: &str) -> serde_json::Value {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    serde_json::from_str(&page.body).expect("JSON")
}

/// An open round of the panel with one deduction by group A (0.5 on indicator 1).
pub(crate) async fn round_with_a_deduction(p: &mut Panel, kind: &str, name: &str) -> i64 {
    let round = create_round(&mut p.admin, kind, name).await;
    p.assign(round).await;
    p.open(round).await;
    let page =
        p.a.post(
            &format!("/rounds/{round}/items/p1/deductions"),
            &[
                ("indicator", "1"),
                ("points", "0.5"),
                ("reason", "缺少2024年会议纪要"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    round
}

#[tokio::test]
async fn an_unfinished_round_locks_only_with_a_reason_and_reopening_keeps_the_result() {
    let mut p = panel().await;
    let round = round_with_a_deduction(&mut p, "city", "2025年市级考评").await;

    // The lock page lists what is unfinished, grouped.
    let page = p.admin.get(&format!("/admin/rounds/{round}/lock")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for heading in ["未完成评分的项目", "未判定的否决项", "缺少实测值"] {
        assert!(page.contains(heading), "{heading}");
    }
    assert_eq!(page.texts(".unfinished-vetoes li").len(), 5);

    // Without a reason: refused with the list, in the user's language, and audited.
    let page = p
        .admin
        .post(&format!("/admin/rounds/{round}/lock"), &[("reason", "  ")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不能锁定"), "{}", page.body);
    assert!(page.contains("未判定的否决项"));
    assert_eq!(audited(&p.app, "round.lock.refused", round).await, 1);
    let state: String = sqlx::query_scalar("SELECT state FROM assessment_rounds WHERE id = $1")
        .bind(round)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    assert_eq!(state, "open");
    // In English too.
    let mut english = p.app.signed_in("admin_en", Role::Admin, None).await;
    english.post("/lang", &[("lang", "en")]).await;
    english.get("/").await;
    let page = english
        .post(&format!("/admin/rounds/{round}/lock"), &[("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("cannot be locked"), "{}", page.body);

    // With a reason it locks; the reason and the unfinished list are frozen with it.
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/lock"),
            &[("reason", "考评时间已到，余项下轮补评")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (state, reason, total): (String, Option<String>, String) = sqlx::query_as(
        "SELECT state, lock_reason, frozen_outcome->>'total' FROM assessment_rounds WHERE id = $1",
    )
    .bind(round)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(state, "locked");
    assert_eq!(reason.as_deref(), Some("考评时间已到，余项下轮补评"));
    let (lock_id, unfinished): (i64, i64) = sqlx::query_as(
        "SELECT id, jsonb_array_length(unfinished)::bigint FROM round_locks WHERE round_id = $1",
    )
    .bind(round)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert!(unfinished > 5);
    let report = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.contains("本轮评分未完成"), "{}", report.body);
    assert!(report.contains("考评时间已到，余项下轮补评"));
    assert!(report.contains("未判定的否决项"));

    // Only the administrator reopens: the office is refused, and that is audited.
    let mut office = p
        .app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/").await;
    let reopen = format!("/admin/rounds/{round}/reopen");
    let page = office.post(&reopen, &[("reason", "想改分")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' AND object_id = $1",
    )
    .bind(&reopen)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 1);
    // A reopening needs a reason.
    let page = p.admin.post(&reopen, &[("reason", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写重新开放的原因"), "{}", page.body);
    assert_eq!(audited(&p.app, "round.reopen.refused", round).await, 1);
    assert_eq!(
        count(
            &p.app,
            "SELECT count(*) FROM assessment_rounds WHERE id = $1 AND state = 'locked'",
            round
        )
        .await,
        1
    );
    let page = p.admin.post(&reopen, &[("reason", "复核第1项扣分")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (state, frozen, reason): (String, bool, Option<String>) = sqlx::query_as(
        "SELECT state, frozen_outcome IS NULL, lock_reason FROM assessment_rounds WHERE id = $1",
    )
    .bind(round)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!((state.as_str(), frozen, reason), ("open", true, None));
    assert_eq!(audited(&p.app, "round.reopen", round).await, 1);

    // Scoring goes on; the earlier lock still prints its own total.
    let page =
        p.a.post(
            &format!("/rounds/{round}/items/p1/deductions"),
            &[
                ("indicator", "2"),
                ("points", "1"),
                ("reason", "复核后补扣"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let printed = p
        .admin
        .get(&format!("/rounds/{round}/locks/{lock_id}"))
        .await;
    assert_eq!(printed.status, StatusCode::OK, "{}", printed.body);
    let old_total = printed.texts(".lock-total");
    assert_eq!(
        old_total.first().map(|t| t.parse::<f64>().unwrap()),
        Some(total.parse::<f64>().unwrap())
    );
    assert!(printed.contains("本轮评分未完成"));
    assert!(printed.contains("复核第1项扣分"), "the reopening's reason");
    let now: String = p
        .admin
        .get(&format!("/rounds/{round}"))
        .await
        .texts(".verdict-score .stat-value")
        .remove(0);
    assert_ne!(now.parse::<f64>().unwrap(), total.parse::<f64>().unwrap());
    // A lock id of another round is not found.
    let other = create_round(&mut p.admin, "self", "另一轮").await;
    let page = p
        .admin
        .get(&format!("/rounds/{other}/locks/{lock_id}"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // The history: the deductions with who and why, the lock and the reopening.
    let history = p.b.get(&format!("/rounds/{round}/history")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let rows = history.texts("table.history tbody tr");
    let deduct = rows
        .iter()
        .find(|r| r.contains("缺少2024年会议纪要"))
        .expect("the first deduction");
    assert!(deduct.contains("expert_a 姓名"), "{deduct}");
    assert!(deduct.contains("第 1 项指标扣 0.5 分"), "{deduct}");
    assert!(deduct.contains('年') && deduct.contains('月') && deduct.contains('日'));
    let actions = history.texts("table.history tbody tr td:nth-child(3) strong");
    let order: Vec<&str> = actions
        .iter()
        .map(String::as_str)
        .filter(|a| ["扣分", "锁定轮次", "重新开放轮次"].contains(a))
        .collect();
    assert_eq!(
        order,
        ["扣分", "锁定轮次", "重新开放轮次", "扣分"],
        "oldest first"
    );
    assert!(history.contains("考评时间已到，余项下轮补评"));
    assert!(history.contains("复核第1项扣分"));
    assert!(
        !history.contains("拒绝锁定轮次"),
        "refusals are not changes"
    );
    assert!(
        history.contains(&format!("/rounds/{round}/locks/{lock_id}")),
        "earlier locks are listed"
    );
    let shown = p.admin.get(&format!("/rounds/{round}")).await;
    assert!(
        shown.contains(&format!("/rounds/{round}/history")),
        "linked from the round"
    );

    // The API: completeness, vetoes, lock reason, and the same history.
    let api = json(&mut p.admin, &format!("/api/v1/rounds/{round}")).await;
    let done = &api["completeness"];
    assert!(done["total"].as_u64().unwrap() > 30);
    assert_eq!(done["done"], 0);
    assert!(!done["unfinished"].as_array().unwrap().is_empty());
    let vetoes = api["vetoes"].as_array().unwrap();
    assert_eq!(vetoes.len(), 5);
    assert!(
        vetoes
            .iter()
            .all(|v| v["state"] == "unassessed" && v["derived"] == false)
    );
    assert!(api["lock_reason"].is_null());
    let mut viewer = p.app.signed_in("leader", Role::Viewer, None).await;
    let entries = json(&mut viewer, &format!("/api/v1/rounds/{round}/history")).await;
    let list = entries["entries"].as_array().unwrap();
    let first = list
        .iter()
        .find(|e| e["action"] == "score.deduct")
        .expect("a deduction");
    assert_eq!(first["why"], "缺少2024年会议纪要");
    assert_eq!(first["who"], "expert_a 姓名");
    assert!(
        list.iter()
            .any(|e| e["action"] == "round.reopen" && e["why"] == "复核第1项扣分")
    );
    assert!(entries["next"].is_null());

    // Readers of the round only: a department's clerk is refused, page and API.
    let mut clerk = p
        .app
        .signed_in("clerk", Role::Department, Some("市食安办"))
        .await;
    let page = clerk.get(&format!("/rounds/{round}/history")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = clerk.get(&format!("/api/v1/rounds/{round}/history")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = clerk.get(&format!("/rounds/{round}/locks/{lock_id}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = p.admin.get("/rounds/999999/history").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_complete_round_locks_without_a_reason() {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "city", "完整的一轮").await;
    p.open(round).await;
    // Everything marked done, every veto judged, every measure entered (by SQL: the
    // forms are tested elsewhere).
    sqlx::query(
        "INSERT INTO score_item_reviews (round_id, point_id, done) SELECT $1, id, true FROM rubric_points",
    )
    .bind(round)
    .execute(&p.app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO score_item_reviews (round_id, indicator_id, done) \
         SELECT $1, id, true FROM indicators WHERE number BETWEEN 90 AND 94",
    )
    .bind(round)
    .execute(&p.app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO score_vetoes (round_id, indicator_id, triggered) \
         SELECT $1, id, false FROM indicators WHERE number BETWEEN 90 AND 92",
    )
    .bind(round)
    .execute(&p.app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO score_measurements (round_id, indicator_id, value, unit, source) \
         SELECT $1, id, 99, 'percent', '第三方测评' FROM indicators WHERE number BETWEEN 73 AND 75",
    )
    .bind(round)
    .execute(&p.app.pool)
    .await
    .unwrap();
    let page = p.admin.get(&format!("/admin/rounds/{round}/lock")).await;
    assert!(page.contains("可以锁定"), "{}", page.body);
    let page = p
        .admin
        .post(&format!("/admin/rounds/{round}/lock"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (state, reason): (String, Option<String>) =
        sqlx::query_as("SELECT state, lock_reason FROM assessment_rounds WHERE id = $1")
            .bind(round)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), reason), ("locked", None));
    let report = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert!(!report.contains("本轮评分未完成"));
    // 93 and 94 follow their measured values: derived, and counted as assessed.
    let api = json(&mut p.admin, &format!("/api/v1/rounds/{round}")).await;
    let v93 = api["vetoes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["indicator"] == 93)
        .unwrap()
        .clone();
    assert_eq!(v93["derived"], true);
    assert_eq!(v93["state"], "clear");
    assert_eq!(v93["measure"]["indicator"], 73);
    assert_eq!(
        api["completeness"]["unfinished"].as_array().unwrap().len(),
        0
    );
}

#[tokio::test]
async fn only_an_empty_round_can_be_deleted() {
    let mut p = panel().await;
    let draft = create_round(&mut p.admin, "self", "草稿轮次").await;
    let shown = p.admin.get(&format!("/rounds/{draft}")).await;
    assert!(shown.contains(&format!("/admin/rounds/{draft}/delete")));
    let page = p
        .admin
        .post(&format!("/admin/rounds/{draft}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        count(
            &p.app,
            "SELECT count(*) FROM assessment_rounds WHERE id = $1",
            draft
        )
        .await,
        0
    );
    assert_eq!(audited(&p.app, "round.delete", draft).await, 1);

    let empty = create_round(&mut p.admin, "city", "开放但无记录").await;
    p.open(empty).await;
    let page = p
        .admin
        .post(&format!("/admin/rounds/{empty}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let scored = round_with_a_deduction(&mut p, "provincial", "已有扣分").await;
    let shown = p.admin.get(&format!("/rounds/{scored}")).await;
    assert!(!shown.contains(&format!("/admin/rounds/{scored}/delete")));
    let page = p
        .admin
        .post(&format!("/admin/rounds/{scored}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("不能删除"), "{}", page.body);
    assert_eq!(audited(&p.app, "round.delete.refused", scored).await, 1);
    assert_eq!(
        count(
            &p.app,
            "SELECT count(*) FROM assessment_rounds WHERE id = $1",
            scored
        )
        .await,
        1
    );
    // An assessor may not delete even an empty round.
    let other = create_round(&mut p.admin, "self", "空草稿").await;
    let page =
        p.a.post(&format!("/admin/rounds/{other}/delete"), &[])
            .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &p.app,
            "SELECT count(*) FROM assessment_rounds WHERE id = $1",
            other
        )
        .await,
        1
    );
}

#[tokio::test]
async fn dashboards_show_the_latest_locked_score_and_an_open_round_only_as_in_progress() {
    let mut p = panel().await;
    let locked = round_with_a_deduction(&mut p, "provincial", "2025年省级初评").await;
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{locked}/lock"),
            &[("reason", "初评结束")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let total: String =
        sqlx::query_scalar("SELECT frozen_outcome->>'total' FROM assessment_rounds WHERE id = $1")
            .bind(locked)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    // A newer round, open and empty: its running total would be a very different score.
    let newer = create_round(&mut p.admin, "national_mock", "国家验收模拟").await;
    p.open(newer).await;
    let items =
        json(&mut p.admin, &format!("/api/v1/rounds/{newer}")).await["completeness"]["total"]
            .as_u64()
            .unwrap();

    let mut leader = p.app.signed_in("leader", Role::Viewer, None).await;
    let mut office = p
        .app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    for (who, browser) in [("leader", &mut leader), ("office", &mut office)] {
        let page = browser.get("/").await;
        assert_eq!(page.status, StatusCode::OK, "{who}");
        let scores = page.texts(".big-number");
        assert_eq!(scores.len(), 1, "{who}: one score");
        assert_eq!(
            scores[0].parse::<f64>().unwrap(),
            total.parse::<f64>().unwrap(),
            "{who}: the locked round's score"
        );
        assert!(page.contains("2025年省级初评"), "{who}");
        let in_progress = page.texts(".round-in-progress");
        assert_eq!(in_progress.len(), 1, "{who}");
        assert!(in_progress[0].contains("国家验收模拟"), "{who}");
        assert!(in_progress[0].contains("评分中（暂计）"), "{who}");
        assert_eq!(
            page.texts(".round-in-progress .in-progress-count"),
            [format!("0 / {items}")],
            "{who}"
        );
        assert!(
            page.texts(".round-in-progress .badge-off").is_empty(),
            "{who}: never red"
        );
    }

    // A later lock of an earlier round becomes the score: the most recently locked,
    // not the highest id.
    let earlier = round_with_a_deduction(&mut p, "self", "自评").await;
    let page =
        p.a.post(
            &format!("/rounds/{earlier}/items/p1/deductions"),
            &[("indicator", "1"), ("points", "2"), ("reason", "再扣")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    p.admin
        .post(
            &format!("/admin/rounds/{earlier}/lock"),
            &[("reason", "自评结束")],
        )
        .await;
    let earlier_total: String =
        sqlx::query_scalar("SELECT frozen_outcome->>'total' FROM assessment_rounds WHERE id = $1")
            .bind(earlier)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_ne!(earlier_total, total);
    let page = leader.get("/").await;
    assert_eq!(
        page.texts(".big-number")[0].parse::<f64>().unwrap(),
        earlier_total.parse::<f64>().unwrap(),
        "the self-assessment was locked last"
    );
    // Now the provincial round counts as locked after it (as if reopened and locked
    // again): its score shows, though its id is lower.
    sqlx::query("UPDATE assessment_rounds SET locked_at = now() + interval '1 hour' WHERE id = $1")
        .bind(locked)
        .execute(&p.app.pool)
        .await
        .unwrap();
    // The dashboard figures refresh after a write (or 30 s): a harmless write.
    p.admin.post("/notifications/read", &[]).await;
    let page = leader.get("/").await;
    assert_eq!(
        page.texts(".big-number")[0].parse::<f64>().unwrap(),
        total.parse::<f64>().unwrap()
    );
}
