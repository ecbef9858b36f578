//! Evidence as a library: one stored file serving several indicators, each use reviewed
//! on its own; the same bytes uploaded again offered as a link; validity periods and the
//! office's lapsing filter; an item's evidence in pages with filters, marked in place.

use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;

use crate::exports::{download, unzip};
use crate::scoring::{create_round, panel};
use crate::support::{Browser, TestApp, file, pdf};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// A mark as the item page's script sends it (asking for JSON, no reload).
async fn mark_in_place(
    assessor: &Browser,
    path: &str,
    indicator: &str,
    sufficient: &str,
) -> reqwest::Response {
    assessor
        .client
        .post(format!("{}{path}", assessor.base))
        .header("Accept", "application/json")
        .form(&[
            ("csrf_token", assessor.csrf.as_deref().unwrap_or("")),
            ("indicator", indicator),
            ("sufficient", sufficient),
            ("remark", ""),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_minutes_serve_indicators_1_3_and_7_as_one_file_reviewed_for_each() {
    let mut p = panel().await;
    let mut clerk = p
        .app
        .signed_in("clerk", Role::Department, Some("市食安办"))
        .await;
    clerk.get("/").await;
    let (t1, t3, t7) = (
        p.app.task_id(1, "市食安办").await,
        p.app.task_id(3, "市食安办").await,
        p.app.task_id(7, "市食安办").await,
    );
    let minutes = pdf(30_000, 7);
    let upload = |bytes: Vec<u8>| {
        Form::new()
            .text("title", "市食安委全体会议纪要")
            .text("kind", "minutes")
            .text("valid_from", "2025-01-01")
            .text("valid_until", "2025-12-31")
            .part("files", file("会议纪要.pdf", bytes))
    };
    let page = clerk
        .post_multipart(&format!("/tasks/{t1}/evidence"), upload(minutes.clone()))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let evidence = scalar(&p.app, "SELECT id FROM evidence").await;
    let files_on_disk = p.app.stored_files().len();

    // The same bytes for indicator 3: not stored twice, a link offered instead, what was
    // typed kept.
    let page = clerk
        .post_multipart(&format!("/tasks/{t3}/evidence"), upload(minutes.clone()))
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.contains("已存储过"), "{}", page.body);
    assert!(page.contains("市食安委全体会议纪要"));
    assert!(page.contains(&format!("name=\"evidence\" value=\"{evidence}\"")));
    assert_eq!(
        page.input_value("valid_until").as_deref(),
        Some("2025-12-31")
    );
    assert_eq!(scalar(&p.app, "SELECT count(*) FROM evidence").await, 1);
    assert_eq!(scalar(&p.app, "SELECT count(*) FROM stored_files").await, 1);
    assert_eq!(
        p.app.stored_files().len(),
        files_on_disk,
        "the second copy left nothing behind"
    );

    for task in [t3, t7] {
        let page = clerk
            .post(
                &format!("/tasks/{task}/links"),
                &[("evidence", &evidence.to_string())],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let page = clerk
        .post(
            &format!("/tasks/{t7}/links"),
            &[("evidence", &evidence.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("已关联到本任务"));
    assert_eq!(scalar(&p.app, "SELECT count(*) FROM stored_files").await, 1);
    assert_eq!(
        scalar(&p.app, "SELECT count(*) FROM evidence_uses").await,
        3
    );
    let page = clerk.get(&format!("/tasks/{t7}")).await;
    assert!(
        page.contains("市食安委全体会议纪要") && page.contains("关联资料"),
        "{}",
        page.body
    );
    assert!(page.contains("用于指标 1、3、7"));
    // Counts follow the uses: each task holds one file, so each can be submitted.
    let page = clerk
        .post(&format!("/tasks/{t7}/submit"), &[("comment", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // The API lists the three uses and the validity.
    let api = clerk.get(&format!("/api/v1/evidence/{evidence}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let indicators: Vec<i64> = json["uses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["indicator"].as_i64().unwrap())
        .collect();
    assert_eq!(indicators, vec![1, 3, 7]);
    assert_eq!(json["validity"]["until"], "2025-12-31");

    // Assessors mark the file for indicator 1 and, differently, for 3 (both in item p1).
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let item = p.a.get(&format!("/rounds/{round}/items/p1")).await;
    assert!(
        item.contains(&format!("id=\"e{evidence}-1\""))
            && item.contains(&format!("id=\"e{evidence}-3\"")),
        "{}",
        item.body
    );
    let mark = format!("/rounds/{round}/evidence/{evidence}/mark");
    let saved = mark_in_place(&p.a, &mark, "1", "yes").await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: serde_json::Value = saved.json().await.unwrap();
    assert_eq!(
        (saved["ok"].as_bool(), saved["sufficient"].as_bool()),
        (Some(true), Some(true))
    );
    let page =
        p.a.post(
            &mark,
            &[
                ("indicator", "3"),
                ("sufficient", "no"),
                ("remark", "未体现指标3要求"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // A mark for an indicator the file does not serve is not found.
    let page =
        p.a.post(&mark, &[("indicator", "2"), ("sufficient", "yes")])
            .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let marks: Vec<(i32, bool)> = sqlx::query_as(
        "SELECT i.number, m.sufficient FROM evidence_marks m JOIN indicators i ON i.id = m.indicator_id ORDER BY i.number",
    )
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(marks, vec![(1, true), (3, false)]);

    // The archive holds the file once per indicator it serves; the CSV lists each use.
    let mut office = p
        .app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/").await;
    let (status, _, bytes) = download(&office, "/exports/evidence.zip").await;
    assert_eq!(status, StatusCode::OK);
    let entries: Vec<(String, Vec<u8>)> = unzip(&bytes)
        .into_iter()
        .filter(|(name, _)| name.ends_with("会议纪要.pdf"))
        .collect();
    assert_eq!(
        entries.len(),
        3,
        "{:?}",
        entries.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    assert!(entries.iter().all(|(_, data)| *data == minutes));
    for folder in ["/1/", "/3/", "/7/"] {
        assert!(
            entries.iter().any(|(name, _)| name.contains(folder)),
            "{folder}"
        );
    }

    // Unlinking leaves the file and its other uses; the home use is left by deleting.
    let page = clerk
        .post(&format!("/tasks/{t3}/links/{evidence}/remove"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = clerk
        .post(&format!("/tasks/{t1}/links/{evidence}/remove"), &[])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("最初上传的任务"));
    assert_eq!(
        scalar(&p.app, "SELECT count(*) FROM evidence_uses").await,
        2
    );

    // Another organisation's clerk may neither read nor link it; the office may share it
    // with that organisation, whose clerk then reads it from its own task.
    let mut county = p
        .app
        .signed_in("county", Role::Department, Some("卡若区"))
        .await;
    county.get("/").await;
    let county_task = p.app.task_id(1, "卡若区").await;
    let page = county
        .post(
            &format!("/tasks/{county_task}/links"),
            &[("evidence", &evidence.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let version = scalar(&p.app, "SELECT id FROM evidence_versions").await;
    assert_eq!(
        county.get(&format!("/files/{version}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        county
            .get(&format!("/api/v1/evidence/{evidence}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = office
        .post(
            &format!("/tasks/{county_task}/links"),
            &[("evidence", &evidence.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        county.get(&format!("/files/{version}")).await.status,
        StatusCode::OK
    );

    // A deleted record is no longer offered: linking it again is refused, worded.
    let page = clerk
        .post(&format!("/evidence/{evidence}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let other_task = p.app.task_id(3, "卡若区").await;
    let page = office
        .post(
            &format!("/tasks/{other_task}/links"),
            &[("evidence", &evidence.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.contains("该资料已删除"), "{}", page.body);
    assert_eq!(
        scalar(
            &p.app,
            &format!("SELECT count(*) FROM evidence_uses u JOIN tasks t ON t.id = u.task_id WHERE t.id = {other_task}")
        )
        .await,
        0
    );

    let actions = p.app.audit_actions().await;
    assert!(actions.iter().filter(|a| *a == "evidence.link").count() >= 3);
    assert!(actions.iter().any(|a| a == "evidence.unlink"));
    assert!(actions.iter().any(|a| a == "access.refused"));
}

#[tokio::test]
async fn validity_is_checked_shown_and_filtered_before_the_evaluation() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市食安办"))
        .await;
    clerk.get("/").await;
    let task = app.task_id(1, "市食安办").await;
    let page = clerk
        .post_multipart(
            &format!("/tasks/{task}/evidence"),
            Form::new()
                .text("title", "食品经营许可证")
                .text("valid_from", "2026-05-01")
                .text("valid_until", "2026-04-30")
                .part("files", file("许可证.pdf", pdf(5_000, 1))),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("结束日期早于开始日期"), "{}", page.body);
    assert_eq!(
        page.input_value("valid_from").as_deref(),
        Some("2026-05-01")
    );
    assert!(
        app.stored_files().is_empty(),
        "a refused form keeps no file"
    );
    for (title, until, seed) in [
        ("食品经营许可证", "2020-06-30", 2u8),
        ("年度工作计划", "2099-12-31", 3),
    ] {
        let page = clerk
            .post_multipart(
                &format!("/tasks/{task}/evidence"),
                Form::new()
                    .text("title", title)
                    .text("valid_until", until)
                    .part("files", file("资料.pdf", pdf(5_000, seed))),
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(
        page.contains("2020年6月30日"),
        "dates the Chinese way: {}",
        page.body
    );
    assert!(page.contains("评价前到期"));

    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/").await;
    let all = office.get("/review/evidence").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.contains("食品经营许可证") && all.contains("年度工作计划"));
    let lapsing = office.get("/review/evidence?lapsing=1").await;
    assert!(lapsing.contains("食品经营许可证"), "{}", lapsing.body);
    assert!(!lapsing.contains("年度工作计划"));
    assert!(lapsing.contains("共 1 份资料"));
    assert_eq!(
        clerk.get("/review/evidence").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_item_with_hundreds_of_files_reads_in_pages_with_filters_and_per_assessor_counts() {
    let mut p = panel().await;
    let mut clerk = p
        .app
        .signed_in("clerk", Role::Department, Some("市食安办"))
        .await;
    clerk.get("/").await;
    let t1 = p.app.task_id(1, "市食安办").await;
    let page = clerk
        .post_multipart(
            &format!("/tasks/{t1}/evidence"),
            Form::new()
                .text("kind", "minutes")
                .part("files", file("纪要.pdf", pdf(4_000, 9))),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // 129 more records on the same file, alternating two organisations' tasks of
    // indicator 1 and two kinds, made in SQL (the upload path is tested above).
    let county_task = p.app.task_id(1, "卡若区").await;
    sqlx::query(
        "WITH made AS ( \
           INSERT INTO evidence (campaign_id, task_id, organisation_id, title, year, kind, created_by) \
           SELECT t.campaign_id, t.id, t.organisation_id, '台账第' || n || '份', 2024 + n % 2, \
                  CASE WHEN n % 3 = 0 THEN 'ledger' ELSE 'document' END, NULL \
           FROM generate_series(1, 129) n JOIN tasks t ON t.id = CASE WHEN n % 2 = 0 THEN $1 ELSE $2 END \
           RETURNING id, task_id) \
         , v AS (INSERT INTO evidence_versions (evidence_id, version, file_id) \
                 SELECT id, 1, (SELECT min(id) FROM stored_files) FROM made) \
         INSERT INTO evidence_uses (evidence_id, task_id) SELECT id, task_id FROM made",
    )
    .bind(t1)
    .bind(county_task)
    .execute(&p.app.pool)
    .await
    .unwrap();
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;

    let item = format!("/rounds/{round}/items/p1");
    let first = p.a.get(&item).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.texts(".review-row").len(), 50);
    assert!(first.contains("显示 130 / 共 130 份"), "{}", first.body);
    assert!(first.contains("第 1 / 3 页") && first.contains("rel=\"next\""));
    let last = p.a.get(&format!("{item}?page=3")).await;
    assert_eq!(last.texts(".review-row").len(), 30);
    let ledgers = p.a.get(&format!("{item}?kind=ledger")).await;
    assert_eq!(ledgers.texts(".review-row").len(), 43);
    assert!(
        ledgers.contains("台账 (43)") && ledgers.contains("文件 (86)"),
        "counts per choice: {}",
        ledgers.body
    );

    // Twenty marks in place, as the page's script sends them: JSON answers, no reload.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM evidence ORDER BY id LIMIT 30")
        .fetch_all(&p.app.pool)
        .await
        .unwrap();
    for id in &ids[..20] {
        let path = format!("/rounds/{round}/evidence/{id}/mark");
        let response = mark_in_place(&p.a, &path, "1", "yes").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
    }
    // A refused mark answers JSON too (an insufficient mark needs a remark).
    let path = format!("/rounds/{round}/evidence/{}/mark", ids[0]);
    let refused = mark_in_place(&p.a, &path, "1", "no").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unmarked = p.a.get(&format!("{item}?mark=unmarked")).await;
    assert!(
        unmarked.contains("显示 110 / 共 130 份"),
        "{}",
        unmarked.body
    );
    assert!(unmarked.contains("已审阅 (20)"));
    // The round's lead sees how many files each assessor of the group has read.
    assert!(unmarked.contains("各评审员已审阅资料"));
    let row = unmarked.texts("caption + tbody tr, table.compact tr");
    assert!(row.iter().any(|r| r.contains("20")), "{row:?}");
    let work = p.a.get(&format!("/rounds/{round}/work")).await;
    assert!(
        work.contains("各评审员已审阅资料") && work.contains("expert_a"),
        "{}",
        work.body
    );
    let work = p.b.get(&format!("/rounds/{round}/work")).await;
    assert!(
        !work.contains("各评审员已审阅资料"),
        "only the lead sees the others' progress"
    );
    // Without script the form posts and comes back to the same filters and page.
    let page =
        p.a.post(
            &format!("/rounds/{round}/evidence/{}/mark", ids[25]),
            &[
                ("indicator", "1"),
                ("sufficient", "yes"),
                ("back", &format!("e{}-1", ids[25])),
                ("query", "?kind=document&page=2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        Some(
            format!(
                "/rounds/{round}/items/p1?kind=document&page=2#e{}-1",
                ids[25]
            )
            .as_str()
        )
    );
}
