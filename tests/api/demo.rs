//! The demo campaign: a fresh database filled with every kind of record, backed by real
//! files, and a database holding data left alone.

use reqwest::StatusCode;
use shian::demo::{self, Scale};
use shian::storage::Storage;

use crate::support::TestApp;

#[tokio::test]
async fn the_small_demo_fills_a_fresh_database_and_refuses_a_used_one() {
    let app = TestApp::spawn().await;
    let storage = Storage::new(app.data_dir.path().join("files")).unwrap();
    let report = demo::fill(&app.pool, &storage, Scale::Small, false)
        .await
        .expect("demo fills a fresh database");
    assert_eq!(report.campaigns, 1);
    assert!(report.users > 100, "{report:?}");
    assert!((200..1000).contains(&report.evidence), "{report:?}");

    // Every evidence version points at a real file on disk with the recorded size.
    let files: Vec<(String, i64)> = sqlx::query_as(
        "SELECT DISTINCT f.storage_key, f.size_bytes FROM evidence_versions v JOIN stored_files f ON f.id = v.file_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(!files.is_empty());
    for (key, size) in &files {
        let meta = std::fs::metadata(storage.path(key)).expect("stored file exists");
        assert_eq!(meta.len() as i64, *size);
    }
    let (states, locked, open, bulletins, late): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT status) FROM tasks), \
                (SELECT count(*) FROM assessment_rounds WHERE state = 'locked'), \
                (SELECT count(*) FROM assessment_rounds WHERE state = 'open'), \
                (SELECT count(*) FROM bulletins), \
                (SELECT count(*) FROM monthly_reports WHERE late_days > 0)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(states, 6, "tasks in every state, 待单位审核 included");
    // Two monthly 简报 and a 通报, each series numbered from 第1期.
    assert_eq!((locked, open, bulletins), (1, 1, 3));
    let series: Vec<(String, i32)> =
        sqlx::query_as("SELECT series, max(number) FROM bulletins GROUP BY series ORDER BY series")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(series, vec![("briefing".into(), 2), ("notice".into(), 1)]);
    // The demo shows the office's machinery in use: programmes, the committee's
    // members, 督办单 and the meeting counts in the bulletins.
    let (programmes, members, meeting_kinds): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM programmes), (SELECT count(*) FROM organisations WHERE member), \
                (SELECT max(jsonb_array_length(figures->'meetings'))::bigint FROM bulletins)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(programmes, 24);
    assert!(members >= 25);
    assert!(
        meeting_kinds >= 1,
        "bulletins count the meetings of their month"
    );
    let states: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT state FROM supervision_orders ORDER BY state")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    for state in [
        "acknowledged",
        "answered",
        "closed",
        "in_progress",
        "issued",
    ] {
        assert!(
            states.iter().any(|s| s == state),
            "a 督办单 {state}: {states:?}"
        );
    }
    // The open round's leader interviews: at every level, each linked to indicators
    // assessed by 党政领导访谈.
    let (interviews, levels, unlinked): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), \
                (SELECT count(DISTINCT p.level) FROM round_interviewees p \
                 JOIN round_interviews v ON v.id = p.interview_id JOIN assessment_rounds r ON r.id = v.round_id \
                 WHERE r.state = 'open'), \
                count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM round_interview_indicators l \
                 WHERE l.interview_id = v.id)) \
         FROM round_interviews v JOIN assessment_rounds r ON r.id = v.round_id WHERE r.state = 'open'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((4..=6).contains(&interviews), "{interviews} interviews");
    assert_eq!((levels, unlinked), (3, 0));
    // The self-assessment was reopened once with a reason and locked again: two lock
    // entries, the first closed.
    let (locks, reopened): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(reopen_reason) FROM round_locks l \
         JOIN assessment_rounds r ON r.id = l.round_id WHERE r.state = 'locked'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((locks, reopened), (2, 1));
    assert!(late > 0, "some reports were late");
    // A published 公示 of the locked round, with objections in three states.
    let states: Vec<String> = sqlx::query_scalar(
        "SELECT o.state FROM publicity_objections o JOIN publicity_notices n ON n.id = o.notice_id \
         WHERE n.state = 'published' ORDER BY o.state",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(states, ["not_accepted", "resolved", "verifying"]);
    // A 自查自评 most organisations submitted (some late, one not), and a finalised 市级考评
    // with a few deductions, one of them turned into returned work.
    let (members, submitted, late, finalised, deductions, rectified, returned): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        String,
    ) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM org_evaluation_members m JOIN org_evaluations e ON e.id = m.evaluation_id \
                 WHERE e.kind = 'self'), \
                (SELECT count(*) FROM org_evaluation_members m JOIN org_evaluations e ON e.id = m.evaluation_id \
                 WHERE e.kind = 'self' AND m.submitted_at IS NOT NULL), \
                (SELECT count(*) FROM org_evaluation_members WHERE days_late > 0), \
                (SELECT count(*) FROM org_evaluations WHERE kind = 'city' AND state = 'finalised'), \
                (SELECT count(*) FROM org_evaluation_deductions), \
                (SELECT count(*) FROM org_evaluation_rectifications), \
                (SELECT t.status FROM org_evaluation_rectifications r JOIN tasks t ON t.id = r.task_id LIMIT 1)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(submitted, members - 1, "all but one submitted");
    assert!(late >= 2, "a few late: {late}");
    assert_eq!(finalised, 1);
    assert_eq!(deductions, 5);
    assert!(rectified >= 1);
    assert_eq!(returned, "returned");

    // Work-group robots of each vendor for two organisations, all off: the demo never
    // posts anywhere, nor queues anything for them.
    let (robots, vendors, organisations, on, queued, outbox): (i64, i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT count(*), count(DISTINCT vendor), count(DISTINCT organisation_id),                     count(*) FILTER (WHERE enabled),                     (SELECT count(*) FROM webhook_pending), (SELECT count(*) FROM webhook_deliveries)              FROM webhooks",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((robots, vendors, organisations), (6, 3, 2));
    assert_eq!((on, queued, outbox), (0, 0, 0));

    // The problem list holds problems in every state, some overdue.
    let states: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT state FROM problems ORDER BY state")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(states, ["closed", "open", "returned", "submitted"]);
    let overdue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM problems WHERE state <> 'closed' AND deadline < CURRENT_DATE",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(overdue >= 2, "some overdue: {overdue}");
    let from_round: i64 =
        sqlx::query_scalar("SELECT count(*) FROM problems WHERE source = 'round'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        from_round > 0,
        "the locked self-assessment's deductions are listed"
    );

    // The provincial round's site inspections: 100 points, both modes, 15+ kinds; records
    // submitted and drafts; findings with photos; decisions of both kinds.
    let (points, unannounced, kinds): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE mode = 'unannounced'), count(DISTINCT kind_code) \
         FROM inspection_points",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((points, unannounced), (100, 35));
    assert!(kinds >= 15, "{kinds} kinds");
    let record_states: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT state FROM inspection_records ORDER BY state")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(record_states, ["draft", "submitted"]);
    let decisions: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT decision FROM inspection_findings ORDER BY decision")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(decisions, ["accepted", "pending", "set_aside"]);
    let unphotographed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inspection_findings f \
         WHERE NOT EXISTS (SELECT 1 FROM inspection_photos p WHERE p.finding_id = f.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(unphotographed, 0, "every finding has its photo");

    // Every printed sign-in works with its role's printed password, at both ends of a
    // range ("office1 … office10"), and then opens the home page.
    let roles: Vec<&str> = report
        .logins
        .iter()
        .map(|(role, _)| role.as_str())
        .collect();
    for role in ["admin", "office", "department", "assessor", "viewer"] {
        assert!(
            roles.contains(&role),
            "no {role} sign-in printed: {roles:?}"
        );
    }
    for (role, names) in &report.logins {
        let password = demo::PASSWORDS
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, p)| *p)
            .expect("a password for every printed role");
        for username in names.split(" … ") {
            let mut browser = app.browser();
            let login = browser.login(username, password).await;
            assert_eq!(login.status, StatusCode::SEE_OTHER, "{role} {username}");
            // The demo's administrator enrols a second factor at the first sign-in.
            if login.location() == Some("/account/2fa") {
                assert_eq!(role, "admin");
                browser.enrol_two_factor().await;
            }
            let home = browser.get("/").await;
            assert_eq!(home.status, StatusCode::OK, "{role} {username}");
            if role == "office" || role == "department" {
                // Every evaluation page the demo makes renders for the office and a clerk.
                let ids: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, kind FROM org_evaluations ORDER BY id")
                        .fetch_all(&app.pool)
                        .await
                        .unwrap();
                assert_eq!(ids.len(), 2);
                for (id, kind) in ids {
                    let page = browser.get(&format!("/evaluations/{id}")).await;
                    assert_eq!(page.status, StatusCode::OK, "{role} evaluation {id}");
                    if role == "office" && kind == "city" {
                        let ranking = browser.get(&format!("/evaluations/{id}/ranking")).await;
                        assert_eq!(ranking.status, StatusCode::OK);
                    }
                }
            }
        }
    }

    // The 调度 register: every kind but 其他, decisions made tasks (on indicators and
    // programmes) and milestones.
    let (kinds, executive, on_indicators, on_programmes, milestones): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT (SELECT count(DISTINCT kind) FROM meetings), \
                    (SELECT count(*) FROM meetings WHERE kind = 'executive'), \
                    (SELECT count(*) FROM meeting_decisions d JOIN tasks t ON t.id = d.task_id WHERE t.indicator_id IS NOT NULL), \
                    (SELECT count(*) FROM meeting_decisions d JOIN tasks t ON t.id = d.task_id WHERE t.programme_id IS NOT NULL), \
                    (SELECT count(*) FROM meeting_decisions WHERE milestone_id IS NOT NULL)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((kinds, executive), (5, 2));
    assert!(on_indicators > 3 && on_programmes > 0 && milestones > 0);

    let again = demo::fill(&app.pool, &storage, Scale::Small, false).await;
    let message = format!("{:#}", again.expect_err("a used database is refused"));
    assert!(message.contains("--force"), "{message}");
}
