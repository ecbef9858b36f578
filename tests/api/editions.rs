//! A campaign's rubric edition: importing a newer edition changes nothing of a running
//! campaign; migrating it with a mapping keeps its tasks, evidence and reviews, and its
//! locked rounds read as before. The second edition is the constructed one under
//! tests/fixtures/editions (not an official text).

use reqwest::StatusCode;
use shian::accounts::Role;
use shian::campaigns::migration::{self, MigrationError, MigrationRefusal};
use shian::rubric::import;
use shian::rubric::mapping::MappingRefusal;

use crate::cli::shian;
use crate::round_lifecycle::{json, round_with_a_deduction};
use crate::scoring::panel;
use crate::support::{TestApp, file, pdf};

const SECOND_EDITION: &str = include_str!("../fixtures/editions/2023-test.toml");
const MAPPING: &str = include_str!("../fixtures/editions/2021-to-2023-test.csv");

async fn campaign_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM campaigns ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The first task of indicator `number` (of the campaign's edition) and its organisation.
async fn first_task(app: &TestApp, number: i32) -> (i64, String) {
    sqlx::query_as(
        "SELECT t.id, o.name FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         JOIN campaigns c ON c.id = t.campaign_id AND c.edition_id = i.edition_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE i.number = $1 AND o.kind = 'department' AND t.removed_at IS NULL ORDER BY t.id LIMIT 1",
    )
    .bind(number)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn importing_a_second_edition_changes_nothing_of_a_running_campaign() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let before = office.get("/rubric/indicators/1").await;
    assert_eq!(before.status, StatusCode::OK);
    let tasks_before: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let bodies_and_orgs =
        "SELECT (SELECT count(*) FROM rubric_bodies), (SELECT count(*) FROM organisations)";
    let counts_before: (i64, i64) = sqlx::query_as(bodies_and_orgs)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    import::import(&app.pool, SECOND_EDITION).await.unwrap();
    // The second edition names the same bodies: they, and the city's organisations that
    // play them, are not made again.
    let counts_after: (i64, i64) = sqlx::query_as(bodies_and_orgs)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(counts_after, counts_before);
    assert_eq!(counts_before.0, 22, "the 2021 table names 22 bodies");

    // The rubric pages and the API stay on the campaign's edition.
    let api = json(&mut office, "/api/v1/rubric").await;
    assert_eq!(api["edition"]["code"], "2021");
    assert_eq!(api["edition"]["total_points"], 120);
    let after = office.get("/rubric/indicators/1").await;
    assert_eq!(after.texts(".rubric-text"), before.texts(".rubric-text"));
    let tree = office.get("/rubric").await;
    assert!(tree.contains("国家食品安全示范城市评价细则（2021版）"));
    assert!(!tree.contains("迁移测试构造版"));
    let (tasks_after, edition): (i64, String) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tasks), e.code FROM campaigns c \
         JOIN rubric_editions e ON e.id = c.edition_id ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((tasks_after, edition.as_str()), (tasks_before, "2021"));
}

#[tokio::test]
async fn a_mapping_at_fault_is_refused_with_its_line_and_nothing_changes() {
    let app = TestApp::spawn().await;
    import::import(&app.pool, SECOND_EDITION).await.unwrap();
    let campaign = campaign_id(&app).await;
    let refused = |outcome: Result<_, MigrationError>| match outcome {
        Err(MigrationError::Refused(refusal)) => refusal,
        Ok(_) => panic!("accepted"),
        Err(MigrationError::Database(err)) => panic!("{err}"),
    };

    // An unknown indicator, on line 6 of the file (line 1 names the editions, line 2 is
    // the header).
    let unknown = MAPPING.replacen("\n4,4,same,", "\n400,4,same,", 1);
    let refusal = refused(migration::preview(&app.pool, campaign, "2023-test", &unknown).await);
    assert_eq!(
        refusal,
        MigrationRefusal::Mapping(vec![MappingRefusal::UnknownOld {
            line: 6,
            number: 400
        }])
    );
    assert!(
        refusal.messages(shian::i18n::Lang::Zh)[0].contains("第 6 行"),
        "{:?}",
        refusal.messages(shian::i18n::Lang::Zh)
    );

    // One indicator mapped twice without saying split.
    let twice = MAPPING.replacen("\n5,5,same,", "\n4,5,same,", 1);
    let refusal = refused(migration::preview(&app.pool, campaign, "2023-test", &twice).await);
    let MigrationRefusal::Mapping(list) = &refusal else {
        panic!("{refusal:?}")
    };
    assert!(
        list.iter().any(|r| matches!(
            r,
            MappingRefusal::Twice {
                line: 7,
                first: 6,
                number: 4
            }
        )),
        "{list:?}"
    );

    // An indicator with evidence left out of the file.
    let (task, org) = first_task(&app, 7).await;
    let mut clerk = app.signed_in("clerk7", Role::Department, Some(&org)).await;
    clerk
        .upload_documents(task, vec![("会议纪要.pdf", pdf(2000, 7))])
        .await;
    let without_7: String = MAPPING
        .lines()
        .filter(|l| !l.starts_with("7,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let refusal = refused(migration::preview(&app.pool, campaign, "2023-test", &without_7).await);
    assert_eq!(
        refusal,
        MigrationRefusal::Mapping(vec![MappingRefusal::Unmapped {
            number: 7,
            evidence: 1
        }])
    );

    // A mapping declared for other editions, and an unknown edition.
    let other = MAPPING.replacen("2021 -> 2023-test", "2021 -> 2025", 1);
    assert!(matches!(
        refused(
            migration::run(
                &app.pool,
                campaign,
                "2023-test",
                &other,
                migration::Actor::default()
            )
            .await
        ),
        MigrationRefusal::WrongEditions { .. }
    ));
    assert!(matches!(
        refused(
            migration::run(
                &app.pool,
                campaign,
                "2031",
                MAPPING,
                migration::Actor::default()
            )
            .await
        ),
        MigrationRefusal::NoSuchEdition { .. }
    ));
    let code: String = sqlx::query_scalar(
        "SELECT e.code FROM campaigns c JOIN rubric_editions e ON e.id = c.edition_id WHERE c.id = $1",
    )
    .bind(campaign)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(code, "2021", "nothing changed");
}

#[tokio::test]
async fn migrating_keeps_every_evidence_file_and_review_and_the_locked_round_reads_as_before() {
    let mut p = panel().await;
    // A round on 2021, opened and scored (it is locked below).
    let round = round_with_a_deduction(&mut p, "city", "2026年市级考评").await;
    let app = &p.app;
    let campaign = campaign_id(app).await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/").await;

    // Evidence on a merged (1), a split (3), a renumbered (50 → 49) and a dropped (44)
    // indicator; the task of 3 approved after one return.
    let mut uploaded = Vec::new();
    for (n, number) in [1, 3, 50, 44].into_iter().enumerate() {
        let (task, org) = first_task(app, number).await;
        let mut clerk = app
            .signed_in(&format!("clerk{n}"), Role::Department, Some(&org))
            .await;
        clerk.get(&format!("/tasks/{task}")).await;
        let form = reqwest::multipart::Form::new()
            .part("files", file("材料.pdf", pdf(3000, n as u8)))
            .part(
                "files",
                file("说明.txt", format!("指标{number}").into_bytes()),
            );
        let page = clerk
            .post_multipart(&format!("/tasks/{task}/evidence"), form)
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        if number == 3 {
            clerk.post(&format!("/tasks/{task}/submit"), &[]).await;
            office.get(&format!("/tasks/{task}")).await;
            let page = office
                .post(
                    &format!("/tasks/{task}/review"),
                    &[("decision", "return"), ("comment", "请补充签批件")],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
            clerk.post(&format!("/tasks/{task}/submit"), &[]).await;
            office.get(&format!("/tasks/{task}")).await;
            let page = office
                .post(
                    &format!("/tasks/{task}/review"),
                    &[("decision", "approve"), ("comment", "")],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
        uploaded.push((number, task));
    }

    import::import(&app.pool, SECOND_EDITION).await.unwrap();
    // An open round refuses the migration: its scores hang on the 2021 indicators.
    match migration::run(
        &app.pool,
        campaign,
        "2023-test",
        MAPPING,
        migration::Actor::default(),
    )
    .await
    {
        Err(MigrationError::Refused(MigrationRefusal::RoundNotLocked { name })) => {
            assert_eq!(name, "2026年市级考评")
        }
        other => panic!("{:?}", other.map(|p| p.tasks_moved)),
    }
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/lock"),
            &[("reason", "考评时间已到")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A finalised 自查自评 of the split indicator's organisation, on 2021.
    let (_, org_name) = first_task(app, 3).await;
    let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(&org_name)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    office.get("/evaluations").await;
    let page = office
        .post(
            "/office/evaluations",
            &[
                ("kind", "self"),
                ("name", "2026年自查自评"),
                ("deadline", "2026-12-25"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let evaluation: i64 = sqlx::query_scalar("SELECT id FROM org_evaluations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO org_self_entries (evaluation_id, organisation_id, indicator_id, points, reason) \
         SELECT $1, $2, t.indicator_id, CASE WHEN i.number = 3 THEN 1.5 ELSE 0 END, \
                CASE WHEN i.number = 3 THEN '表彰奖励材料不全' ELSE '' END \
         FROM (SELECT DISTINCT indicator_id FROM tasks WHERE organisation_id = $2 AND removed_at IS NULL) t \
         JOIN indicators i ON i.id = t.indicator_id",
    )
    .bind(evaluation)
    .bind(org)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE org_evaluations SET state = 'finalised', finalised_at = now() WHERE id = $1",
    )
    .bind(evaluation)
    .execute(&app.pool)
    .await
    .unwrap();
    let self_check_page = format!("/evaluations/{evaluation}/orgs/{org}");
    let self_check_before = office.get(&self_check_page).await;
    assert_eq!(self_check_before.status, StatusCode::OK);
    assert!(self_check_before.contains("表彰奖励材料不全"));
    let round_before = json(&mut p.admin, &format!("/api/v1/rounds/{round}")).await;
    let report_before = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert_eq!(report_before.status, StatusCode::OK);
    assert!(
        !report_before.texts("table").is_empty(),
        "the report has its score tables"
    );

    let files_before = app.stored_files();
    let evidence_before: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT e.id, sf.sha256, eu.task_id FROM evidence e JOIN evidence_uses eu ON eu.evidence_id = e.id \
         JOIN evidence_versions v ON v.evidence_id = e.id JOIN stored_files sf ON sf.id = v.file_id ORDER BY e.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(evidence_before.len(), 8);
    let reviews_before: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM task_events WHERE action IN ('approved', 'returned')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // The preview says what will move, and changes nothing.
    let preview = migration::preview(&app.pool, campaign, "2023-test", MAPPING)
        .await
        .unwrap();
    assert_eq!(preview.evidence_moved, 6);
    assert_eq!(preview.evidence_under_withdrawn, 2);
    assert_eq!(preview.reviews_moved, 2);
    assert_eq!(preview.locked_rounds, ["2026年市级考评"]);
    assert_eq!(
        preview
            .new_indicators
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>(),
        [89]
    );
    let split = preview.moves.iter().find(|m| m.old_number == 3).unwrap();
    assert_eq!(split.new_numbers, [2, 3]);
    assert_eq!((split.evidence, split.reviews), (2, 2));

    // Run as the administrator does, from the campaign's page.
    p.admin.get("/admin/campaign/edition").await;
    let page = p
        .admin
        .post(
            "/admin/campaign/edition/migrate",
            &[
                ("to", "2023-test"),
                ("mapping", MAPPING),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Every evidence record and file is where it was, on the same tasks.
    assert_eq!(app.stored_files(), files_before);
    let evidence_after: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT e.id, sf.sha256, eu.task_id FROM evidence e JOIN evidence_uses eu ON eu.evidence_id = e.id \
         JOIN evidence_versions v ON v.evidence_id = e.id JOIN stored_files sf ON sf.id = v.file_id ORDER BY e.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(evidence_after, evidence_before);
    let reviews_after: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM task_events WHERE action IN ('approved', 'returned')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reviews_after, reviews_before);

    // The tasks hang on the new indicators: 1 → 1, 3 → 2 or 3, 50 → 49; 44's is withdrawn.
    for (old, task) in &uploaded {
        let (code, number, removed, status): (String, i32, bool, String) = sqlx::query_as(
            "SELECT e.code, i.number, t.removed_at IS NOT NULL, t.status FROM tasks t \
             JOIN indicators i ON i.id = t.indicator_id JOIN rubric_editions e ON e.id = i.edition_id \
             WHERE t.id = $1",
        )
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        match old {
            1 => assert_eq!((code.as_str(), number, removed), ("2023-test", 1, false)),
            3 => {
                assert_eq!((code.as_str(), removed), ("2023-test", false));
                assert!([2, 3].contains(&number));
                assert_eq!(status, "approved", "the review stays");
            }
            50 => assert_eq!((code.as_str(), number, removed), ("2023-test", 49, false)),
            44 => assert_eq!((code.as_str(), number, removed), ("2021", 44, true)),
            _ => unreachable!(),
        }
        let history = office.get(&format!("/tasks/{task}")).await;
        assert_eq!(history.status, StatusCode::OK);
        if *old != 44 {
            assert!(history.contains("评价细则版本变更"), "{}", history.body);
        }
    }
    let new_tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         JOIN rubric_editions e ON e.id = i.edition_id WHERE e.code = '2023-test' AND i.number = 89",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(new_tasks >= 1);

    // The campaign's pages follow its new edition; the locked round reads as before.
    let api = json(&mut office, "/api/v1/rubric").await;
    assert_eq!(api["edition"]["code"], "2023-test");
    assert_eq!(api["edition"]["total_points"], 115);
    let round_after = json(&mut p.admin, &format!("/api/v1/rounds/{round}")).await;
    assert_eq!(round_after["outcome"], round_before["outcome"]);
    assert_eq!(round_after["scope"], round_before["scope"]);
    let report_after = p.admin.get(&format!("/rounds/{round}/report")).await;
    assert_eq!(report_after.status, StatusCode::OK);
    assert_eq!(
        report_after.texts("table"),
        report_before.texts("table"),
        "the locked round's report prints the same tables"
    );
    // So does the finalised self-evaluation, on the indicators it was scored on.
    let self_check_after = office.get(&self_check_page).await;
    assert_eq!(self_check_after.status, StatusCode::OK);
    let entries = |page: &crate::support::Page| page.texts(".entry");
    assert!(!entries(&self_check_before).is_empty());
    assert_eq!(entries(&self_check_after), entries(&self_check_before));
    assert!(self_check_after.contains("表彰奖励材料不全"));

    // Recorded: the campaign's history and the audit log.
    let (from, to, summary): (String, String, serde_json::Value) = sqlx::query_as(
        "SELECT f.code, t.code, c.summary FROM campaign_edition_changes c \
         JOIN rubric_editions f ON f.id = c.from_edition_id JOIN rubric_editions t ON t.id = c.to_edition_id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((from.as_str(), to.as_str()), ("2021", "2023-test"));
    assert_eq!(summary["evidence_moved"], 6);
    assert_eq!(summary["tasks_moved"], preview.tasks_moved);
    assert!(summary["tasks_generated"].is_null(), "figures as previewed");
    assert!(
        app.audit_actions()
            .await
            .contains(&"campaign.edition_migrated".to_string())
    );
    // Once on the edition, the same migration is refused.
    assert!(matches!(
        migration::run(
            &app.pool,
            campaign,
            "2023-test",
            MAPPING,
            migration::Actor::default()
        )
        .await,
        Err(MigrationError::Refused(
            MigrationRefusal::AlreadyOnEdition { .. }
        ))
    ));
}

#[tokio::test]
async fn the_administrator_previews_and_runs_a_migration_from_the_campaign_page() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let page = admin.get("/admin/campaign/edition").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("尚未导入其他版本"), "{}", page.body);
    import::import(&app.pool, SECOND_EDITION).await.unwrap();

    // A file at fault: refused with its line, the chosen edition kept, audited.
    let bad = MAPPING.replacen("\n4,4,same,", "\n4,400,same,", 1);
    let form = reqwest::multipart::Form::new()
        .text("to", "2023-test")
        .part("mapping", file("映射.csv", bad.into_bytes()));
    let page = admin
        .post_multipart("/admin/campaign/edition/preview", form)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("映射文件第 6 行：新版本没有第 400 项指标"),
        "{}",
        page.body
    );
    assert_eq!(
        page.attrs("select[name=to] option[selected]", "value"),
        ["2023-test"]
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"campaign.edition_migration.refused".to_string())
    );

    // The right file: the preview, then the run once confirmed.
    let form = reqwest::multipart::Form::new()
        .text("to", "2023-test")
        .part("mapping", file("映射.csv", MAPPING.as_bytes().to_vec()));
    let page = admin
        .post_multipart("/admin/campaign/edition/preview", form)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let moved = page.texts(".tasks-moved")[0].clone();
    assert!(moved.parse::<i64>().unwrap() > 1000, "{moved}");
    assert!(page.contains("拆分"));
    let mapping = page.texts("textarea[name=mapping]")[0].clone();
    assert_eq!(mapping.trim(), MAPPING.trim());
    let page = admin
        .post(
            "/admin/campaign/edition/migrate",
            &[("to", "2023-test"), ("mapping", &mapping)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "unconfirmed");
    assert!(page.contains("请勾选确认"));
    let page = admin
        .post(
            "/admin/campaign/edition/migrate",
            &[
                ("to", "2023-test"),
                ("mapping", &mapping),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = admin.get("/admin/campaign/edition").await;
    assert!(
        page.contains(&format!("已迁移到 2023-test 版：{moved} 项任务")),
        "{}",
        page.body
    );
    assert!(page.texts(".edition-history li")[0].contains("2021 → 2023-test"));
    let rubric = admin.get("/rubric").await;
    assert!(rubric.contains("迁移测试构造版"));
    // Audited with who and from where.
    let (actor, addr): (Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT actor_id, client_addr FROM audit_events WHERE action = 'campaign.edition_migrated'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(actor.is_some() && addr.is_some(), "{actor:?} {addr:?}");
}

#[tokio::test]
async fn the_command_line_lists_campaigns_and_previews_or_refuses_a_migration() {
    let app = TestApp::spawn().await;
    import::import(&app.pool, SECOND_EDITION).await.unwrap();
    let campaign = campaign_id(&app).await.to_string();

    let out = shian(&app.database_url, &["campaign", "list"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&format!("{campaign}\t")) && l.contains("\t2021\t")),
        "{listed}"
    );

    let mapping = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/editions/2021-to-2023-test.csv"
    );
    let args = [
        "campaign",
        "migrate",
        "--campaign",
        &campaign,
        "--to",
        "2023-test",
        "--mapping",
        mapping,
        "--dry-run",
    ];
    let out = shian(&app.database_url, &args, "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("2021 → 2023-test"), "{printed}");
    assert!(printed.contains("dry run, nothing changed"));
    assert!(printed.contains("3 → 2;3 [split]"), "{printed}");
    assert!(printed.contains("44 → — [dropped]"), "{printed}");

    // A file at fault: every line named, a non-zero exit, nothing changed.
    let bad = app.data_dir.path().join("bad.csv");
    std::fs::write(&bad, MAPPING.replacen("\n4,4,same,", "\n4,4,moved,", 1)).unwrap();
    let mut args = args.to_vec();
    let bad_path = bad.to_string_lossy().to_string();
    args[7] = &bad_path;
    args.pop();
    let out = shian(&app.database_url, &args, "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("映射文件第 6 行：关系“moved”无法识别"),
        "{stderr}"
    );
    let code: String = sqlx::query_scalar(
        "SELECT e.code FROM campaigns c JOIN rubric_editions e ON e.id = c.edition_id ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(code, "2021");
}
