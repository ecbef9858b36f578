//! Tasks, evidence and the review loop, against real PostgreSQL and a real folder.

use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;

use crate::support::{TestApp, file, pdf};

#[tokio::test]
async fn tasks_are_generated_from_the_rubric_for_every_named_body_and_county() {
    let app = TestApp::spawn().await;
    let (tasks, indicators, counties): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT indicator_id), count(DISTINCT organisation_id) FILTER (WHERE relation = 'county') FROM tasks",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(indicators, 94, "every indicator has tasks");
    assert_eq!(counties, 11, "各县（区） reaches every county");
    assert!(tasks > 900, "{tasks}");
    // Indicator 29, task 1 names 市市场监管局 (the lead); task 4 goes to every county.
    let lead: String = sqlx::query_scalar(
        "SELECT t.relation FROM tasks t JOIN indicators i ON i.id = t.indicator_id JOIN organisations o ON o.id = t.organisation_id \
         WHERE i.number = 29 AND o.name = '市市场监管局' ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(lead, "lead");
    // 市林草局 leads 28 though no numbered task names it: it still gets a task.
    assert!(app.task_id(28, "市林草局").await > 0);

    let campaign: i64 = sqlx::query_scalar("SELECT id FROM campaigns")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        shian::tasks::generate(&app.pool, campaign).await.unwrap(),
        0,
        "re-running adds nothing"
    );
    sqlx::query("INSERT INTO organisations (name, kind) VALUES ('新区', 'county')")
        .execute(&app.pool)
        .await
        .unwrap();
    let added = shian::tasks::generate(&app.pool, campaign).await.unwrap();
    let per_county: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id WHERE o.name = '卡若区'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        added as i64, per_county,
        "a new county gets the same tasks as the others"
    );
}

#[tokio::test]
async fn the_whole_loop_upload_submit_return_fix_resubmit_approve() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(29, "卡若区").await;

    // The office sets a due date.
    office.get(&format!("/tasks/{task}")).await;
    let page = office
        .post(
            &format!("/tasks/{task}/manage"),
            &[("action", "due"), ("due_on", "2026-12-25")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // The clerk finds it under "my tasks" and uploads three files at once.
    let page = clerk.get("/tasks").await;
    assert!(page.contains(&format!("/tasks/{task}")));
    assert!(
        !page.contains("市市场监管局"),
        "a clerk sees only its own organisation's tasks"
    );
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(page.contains("上传资料"));
    let big = pdf(3 * 1024 * 1024 + 17, 7);
    let form = Form::new()
        .text("title", "")
        .text("kind", "ledger")
        .text("year", "2025")
        .text("description", "全年抽检台账")
        .part("files", file("2025年抽检台账.pdf", big.clone()))
        .part(
            "files",
            file("现场照片.png", b"\x89PNG\r\n\x1a\n-fake-png-body".to_vec()),
        )
        .part(
            "files",
            file("说明.txt", "抽检计划完成率100%。".as_bytes().to_vec()),
        );
    let page = clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(page.contains("已上传 3 个文件"));
    assert_eq!(page.texts(".evidence-list > li").len(), 3);

    // Submit; the office returns it with a comment.
    let page = clerk
        .post(&format!("/tasks/{task}/submit"), &[("comment", "请审核")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let queue = office.get("/review").await;
    assert!(queue.contains(&format!("/tasks/{task}")));
    office.get(&format!("/tasks/{task}")).await;
    let page = office
        .post(
            &format!("/tasks/{task}/review"),
            &[("decision", "return"), ("comment", "")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "returning needs a comment"
    );
    let page = office
        .post(
            &format!("/tasks/{task}/review"),
            &[("decision", "return"), ("comment", "缺少第四季度数据")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // The clerk is told, sees the comment, and uploads a new version of the ledger.
    let page = clerk.get("/notifications").await;
    assert!(page.contains("缺少第四季度数据"));
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert_eq!(
        page.texts(".return-note .return-comment"),
        vec!["缺少第四季度数据"],
        "the comment is the page's return note"
    );
    let note_at = page.body.find("return-note").unwrap();
    let form_at = page.body.find("upload-form").unwrap();
    assert!(
        note_at < form_at,
        "the office's comment comes before the upload form"
    );
    let ledger: i64 = sqlx::query_scalar(
        "SELECT id FROM evidence WHERE task_id = $1 AND title = '2025年抽检台账'",
    )
    .bind(task)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let fixed = pdf(2 * 1024 * 1024, 9);
    let form = Form::new().part(
        "file",
        file("2025年抽检台账（含四季度）.pdf", fixed.clone()),
    );
    let page = clerk
        .post_multipart(&format!("/evidence/{ledger}/replace"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = clerk
        .post(&format!("/tasks/{task}/submit"), &[("comment", "已补充")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    office.get(&format!("/tasks/{task}")).await;
    let page = office
        .post(
            &format!("/tasks/{task}/review"),
            &[("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // The history shows every step, in order.
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM task_events WHERE task_id = $1 ORDER BY id")
            .bind(task)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "assigned",
            "due_changed",
            "uploaded",
            "submitted",
            "returned",
            "replaced",
            "resubmitted",
            "approved"
        ]
    );
    let page = clerk.get(&format!("/tasks/{task}")).await;
    for label in [
        "分派任务",
        "上传资料",
        "提交审核",
        "退回整改",
        "更新资料版本",
        "整改后重新提交",
        "审核通过",
    ] {
        assert!(page.contains(label), "history shows {label}");
    }
    assert!(
        !page.contains("upload-form"),
        "an approved task takes no more uploads"
    );

    // Both versions download byte-identical, with their Chinese names.
    let versions: Vec<(i64, i32)> = sqlx::query_as(
        "SELECT id, version FROM evidence_versions WHERE evidence_id = $1 ORDER BY version",
    )
    .bind(ledger)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for ((version_id, _), expected) in versions.iter().zip([&big, &fixed]) {
        let response = clerk
            .client
            .get(format!("{}/files/{version_id}", clerk.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.contains("filename*=UTF-8''2025%E5%B9%B4"),
            "{disposition}"
        );
        assert_eq!(&response.bytes().await.unwrap()[..], &expected[..]);
    }
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(
        page.contains(&format!("/files/{}", versions[0].0)),
        "the earlier version stays linked"
    );
    assert!(page.contains("历史版本（1）"));
    let preview = office
        .client
        .get(format!("{}/files/{}?inline=1", office.base, versions[1].0))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.headers()["content-type"], "application/pdf");
    assert!(
        preview.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );

    let counts = office.get("/review").await;
    assert!(counts.contains("卡若区"));
    let (returned, resubmitted): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE action = 'returned'), count(*) FILTER (WHERE action = 'resubmitted') FROM task_events",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((returned, resubmitted), (1, 1));
}

#[tokio::test]
async fn bad_uploads_are_refused_clearly_and_leave_nothing_behind() {
    let app = TestApp::spawn_with(|config| config.max_upload_bytes = 1024 * 1024).await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(1, "卡若区").await;
    clerk.get(&format!("/tasks/{task}")).await;

    let form = Form::new()
        .text("title", "我填写的标题")
        .part("files", file("大文件.pdf", pdf(2 * 1024 * 1024, 1)));
    let page = clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("文件“大文件.pdf”超过 1.0 MB 的上限"),
        "{}",
        page.body
    );
    assert_eq!(
        page.input_value("title").as_deref(),
        Some("我填写的标题"),
        "typed fields are kept"
    );

    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
    exe.resize(50_000, 0x90);
    let form = Form::new()
        .part("files", file("正常.pdf", pdf(10_000, 2)))
        .part("files", file("工作总结.pdf", exe));
    let page = clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("文件“工作总结.pdf”的类型不允许上传"));

    let form = Form::new().part("files", file("../../etc/cron.d/x.pdf", pdf(1000, 3)));
    let page = clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("包含路径"));

    // An upload whose connection breaks off half-way.
    let token = clerk.token().await;
    let boundary = "XyZbOuNdArY";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let mut chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(head.into_bytes()), Ok(pdf(300_000, 4))];
    chunks.push(Err(std::io::Error::other("cable pulled")));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let result = clerk
        .client
        .post(format!(
            "{}/tasks/{task}/evidence?csrf_token={token}",
            clerk.base
        ))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await;
    assert!(result.is_err() || result.unwrap().status().is_client_error());

    // Give the server a moment to notice the broken connection.
    for _ in 0..50 {
        if app.stored_files().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        app.stored_files().is_empty(),
        "no stray file: {:?}",
        app.stored_files()
    );
    let (evidence, files): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM evidence), (SELECT count(*) FROM stored_files)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((evidence, files), (0, 0), "no record");
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "not_started");
    let page = clerk.post(&format!("/tasks/{task}/submit"), &[]).await;
    assert!(page.contains("请先上传至少一份佐证资料"));
}

#[tokio::test]
async fn each_role_may_do_only_its_part() {
    let app = TestApp::spawn().await;
    let mut own = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let mut other = app
        .signed_in("jiangda", Role::Department, Some("江达县"))
        .await;
    let mut assessor = app.signed_in("expert", Role::Assessor, None).await;
    let mut viewer = app.signed_in("leader", Role::Viewer, None).await;
    let task = app.task_id(1, "卡若区").await;

    own.get(&format!("/tasks/{task}")).await;
    let form = Form::new().part("files", file("纪要.pdf", pdf(5000, 5)));
    assert_eq!(
        own.post_multipart(&format!("/tasks/{task}/evidence"), form)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let version: i64 = sqlx::query_scalar("SELECT id FROM evidence_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let evidence: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // Another county's clerk can neither see nor touch it.
    assert_eq!(
        other.get(&format!("/tasks/{task}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other.get(&format!("/files/{version}")).await.status,
        StatusCode::FORBIDDEN
    );
    let form = Form::new().part("files", file("x.pdf", pdf(5000, 6)));
    assert_eq!(
        other
            .post_multipart(&format!("/tasks/{task}/evidence"), form)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other
            .post(&format!("/evidence/{evidence}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other
            .post(&format!("/tasks/{task}/submit"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Assessors and viewers read, and nothing else.
    for browser in [&mut assessor, &mut viewer] {
        let page = browser.get(&format!("/tasks/{task}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.contains("upload-form"));
        assert_eq!(
            browser.get(&format!("/files/{version}")).await.status,
            StatusCode::OK
        );
        let form = Form::new().part("files", file("x.pdf", pdf(5000, 6)));
        assert_eq!(
            browser
                .post_multipart(&format!("/tasks/{task}/evidence"), form)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            browser
                .post(&format!("/tasks/{task}/submit"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            browser
                .post(&format!("/tasks/{task}/review"), &[("decision", "approve")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(browser.get("/review").await.status, StatusCode::FORBIDDEN);
    }
    // A clerk cannot review or manage, not even its own task.
    own.post(&format!("/tasks/{task}/submit"), &[]).await;
    assert_eq!(
        own.post(&format!("/tasks/{task}/review"), &[("decision", "approve")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        own.post(
            &format!("/tasks/{task}/manage"),
            &[("action", "due"), ("due_on", "2030-01-01")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // While under review the evidence is frozen.
    let form = Form::new().part("files", file("late.pdf", pdf(5000, 8)));
    assert_eq!(
        own.post_multipart(&format!("/tasks/{task}/evidence"), form)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "submitted");
}

#[tokio::test]
async fn deleting_is_soft_and_only_for_the_uploader_before_review() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    let mut colleague = app
        .signed_in("clerk2", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(2, "卡若区").await;
    clerk.get(&format!("/tasks/{task}")).await;
    let form = Form::new().part("files", file("错误文件.pdf", pdf(5000, 5)));
    clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    let evidence: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    colleague.get(&format!("/tasks/{task}")).await;
    assert_eq!(
        colleague
            .post(&format!("/evidence/{evidence}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        clerk
            .post(&format!("/evidence/{evidence}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(
        page.contains("已删除"),
        "a deleted file stays visible in the history"
    );
    assert!(page.contains("删除资料"));
    let deleted: bool =
        sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM evidence WHERE id = $1")
            .bind(evidence)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(deleted);
    assert_eq!(app.stored_files().len(), 1, "the bytes are kept");
}

#[tokio::test]
async fn notifications_are_mailed_when_mail_is_configured() {
    let mail_dir = tempfile::tempdir().unwrap();
    let dir = mail_dir.path().to_path_buf();
    let app = TestApp::spawn_with(|config| config.mail_dir = Some(dir)).await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    sqlx::query("UPDATE users SET email = 'clerk@karuo.example' WHERE username = 'clerk'")
        .execute(&app.pool)
        .await
        .unwrap();
    let task = app.task_id(3, "卡若区").await;
    clerk.get(&format!("/tasks/{task}")).await;
    let form = Form::new().part("files", file("表彰文件.pdf", pdf(4000, 1)));
    clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    clerk.post(&format!("/tasks/{task}/submit"), &[]).await;
    office.get(&format!("/tasks/{task}")).await;
    office
        .post(
            &format!("/tasks/{task}/review"),
            &[("decision", "return"), ("comment", "缺少表彰名单")],
        )
        .await;

    // The background sender and this direct call share the outbox; whichever runs first sends.
    let config = shian::config::Config {
        mail_dir: Some(mail_dir.path().to_path_buf()),
        ..shian::config::Config::for_tests(
            app.database_url.clone(),
            app.data_dir.path().to_path_buf(),
        )
    };
    let outbox = shian::mail::Outbox::from_config(&config)
        .unwrap()
        .expect("mail configured");
    outbox.send_pending(&app.pool).await.unwrap();
    let mails: Vec<_> = std::fs::read_dir(mail_dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(mails.len(), 1, "one notification, one e-mail");
    let text = std::fs::read_to_string(mails[0].path()).unwrap();
    assert!(text.contains("To: clerk@karuo.example"), "{text}");
    let emailed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE emailed_at IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(emailed, 1);
    assert_eq!(
        outbox.send_pending(&app.pool).await.unwrap(),
        0,
        "nothing is sent twice"
    );
}

#[tokio::test]
async fn my_tasks_list_overdue_then_returned_first_and_approved_last() {
    let app = TestApp::spawn().await;
    let first = app.task_id(1, "卡若区").await;
    let second = app.task_id(2, "卡若区").await;
    let third = app.task_id(3, "卡若区").await;
    sqlx::query("UPDATE tasks SET status = 'approved' WHERE id = $1")
        .bind(first)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE tasks SET status = 'returned' WHERE id = $1")
        .bind(second)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE tasks SET due_on = '2020-01-01' WHERE id = $1")
        .bind(third)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    let page = clerk.get("/tasks").await;
    let links: Vec<String> = scraper::Html::parse_document(&page.body)
        .select(&scraper::Selector::parse("tbody td:nth-child(2) > a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(links[0], format!("/tasks/{third}"), "overdue first");
    assert_eq!(links[1], format!("/tasks/{second}"), "then returned");
    assert!(page.contains("逾期"));
    // A county has more tasks than a page holds: the approved one ends the last page.
    let own: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id WHERE o.name = '卡若区'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let size = shian::web::task_query::PAGE_SIZE;
    let last_page = clerk
        .get(&format!("/tasks?page={}", (own + size - 1) / size))
        .await;
    let links: Vec<String> = scraper::Html::parse_document(&last_page.body)
        .select(&scraper::Selector::parse("tbody td:nth-child(2) > a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(
        links.last().unwrap(),
        &format!("/tasks/{first}"),
        "approved last"
    );
    let page = clerk.get("/tasks?overdue=1").await;
    assert_eq!(page.texts("tbody tr").len(), 1);

    // The office's list of all tasks comes in pages.
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let size = shian::web::task_query::PAGE_SIZE;
    let page = office.get("/tasks").await;
    assert_eq!(page.texts("tbody tr").len() as i64, size);
    assert!(page.contains(&format!("共 {total} 项任务")));
    let last = (total + size - 1) / size;
    let page = office.get(&format!("/tasks?page={last}")).await;
    assert_eq!(
        page.texts("tbody tr").len() as i64,
        total - (last - 1) * size
    );
    // Every page together lists every task once, in the list's order.
    let mut seen = std::collections::HashSet::new();
    for n in 1..=last {
        let page = office.get(&format!("/tasks?page={n}")).await;
        for link in page.attrs("tbody tr a.card-link", "href") {
            assert!(seen.insert(link.clone()), "{link} on two pages");
        }
    }
    assert_eq!(seen.len() as i64, total, "every task on some page");
}

#[tokio::test]
async fn the_office_sets_due_dates_for_a_whole_filter_at_once() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let county: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '江达县'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let org = county.to_string();
    let page = office.get(&format!("/tasks?org={org}")).await;
    assert!(page.contains("批量设置截止日期"));
    let page = office
        .post(
            "/tasks/due",
            &[
                ("org", &org),
                ("status", ""),
                ("indicator", ""),
                ("overdue", ""),
                ("due_on", "2026-12-25"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (set, others): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE organisation_id = $1 AND due_on = '2026-12-25'), \
                count(*) FILTER (WHERE organisation_id <> $1 AND due_on IS NOT NULL) FROM tasks",
    )
    .bind(county)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let of_county: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tasks WHERE organisation_id = $1")
            .bind(county)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((set, others), (of_county, 0), "exactly the filtered tasks");
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM task_events WHERE action = 'due_changed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(events, of_county, "each change is in its task's history");
    assert!(
        office
            .get(&format!("/tasks?org={org}"))
            .await
            .contains(&format!("已为 {of_county} 项任务设置截止日期"))
    );

    // An empty date clears nothing: it is refused, said so, and audited.
    let filter = [
        ("org", org.as_str()),
        ("status", ""),
        ("indicator", ""),
        ("overdue", ""),
    ];
    let mut empty = filter.to_vec();
    empty.extend([("mode", "set"), ("due_on", "")]);
    let page = office.post("/tasks/due", &empty).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE due_on = '2026-12-25'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(still, of_county, "nothing was cleared");
    let page = office.get(&format!("/tasks?org={org}")).await;
    assert!(page.contains("请选择截止日期"), "{}", page.body);
    // Clearing by name needs the count; a wrong one is refused too.
    let mut wrong = filter.to_vec();
    wrong.extend([("mode", "clear"), ("confirm_count", "1")]);
    office.post("/tasks/due", &wrong).await;
    let page = office.get(&format!("/tasks?org={org}")).await;
    assert!(
        page.contains(&format!("任务数 {of_county} 以确认")),
        "{}",
        page.body
    );
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'task.due_bulk_refused'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 2);
    let count = of_county.to_string();
    let mut clear = filter.to_vec();
    clear.extend([("mode", "clear"), ("confirm_count", count.as_str())]);
    office.post("/tasks/due", &clear).await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE due_on IS NOT NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "cleared once asked for by name and counted");
    let page = office.get(&format!("/tasks?org={org}")).await;
    assert!(page.contains(&format!("已清除 {of_county} 项任务的截止日期")));

    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("江达县"))
        .await;
    clerk.get("/tasks").await;
    let page = clerk.post("/tasks/due", &[("due_on", "2030-01-01")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_upload_confirms_its_files_by_name_keeps_each_files_kind_and_counts_them_on_the_task() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(29, "卡若区").await;
    clerk.get(&format!("/tasks/{task}")).await;

    // The page's progress-bar upload: a 类别 for each file, a JSON answer naming them.
    let token = clerk.token().await;
    let form = Form::new()
        .text("title", "")
        .text("kind", "document")
        .text("year", "2025")
        .part("files", file("抽检台账.pdf", pdf(40_000, 3)))
        .part(
            "files",
            file("现场照片.png", b"\x89PNG\r\n\x1a\n-photo".to_vec()),
        )
        .text("file_kind", "ledger")
        .text("file_kind", "photo");
    let response = clerk
        .client
        .post(format!(
            "{}/tasks/{task}/evidence?csrf_token={token}",
            clerk.base
        ))
        .header("X-Requested-With", "XMLHttpRequest")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["location"], format!("/tasks/{task}#evidence"));
    assert_eq!(
        answer["message"],
        "已上传 2 个文件：抽检台账.pdf、现场照片.png。"
    );
    // The confirmation waits for the page the script goes to.
    let page = clerk.get(&format!("/tasks/{task}")).await;
    assert!(
        page.contains("已上传 2 个文件：抽检台账.pdf、现场照片.png。"),
        "the page shows the confirmation"
    );
    let kinds: Vec<(String, String)> =
        sqlx::query_as("SELECT title, kind FROM evidence WHERE task_id = $1 ORDER BY title")
            .bind(task)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            ("抽检台账".to_string(), "ledger".to_string()),
            ("现场照片".to_string(), "photo".to_string())
        ]
    );

    // A 类别 that does not exist refuses the upload and stores nothing.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM stored_files")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let form = Form::new()
        .text("kind", "document")
        .part("files", file("另一份.pdf", pdf(10_000, 4)))
        .text("file_kind", "nonsense");
    let page = clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择有效的资料类别"), "{}", page.body);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM stored_files")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before, after, "no file kept from a refused upload");

    // The task's file count follows uploads, deletions and links (kept by triggers).
    let count = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i32>("SELECT evidence_count FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(count(app.pool.clone()).await, 2);
    let photo: i64 =
        sqlx::query_scalar("SELECT id FROM evidence WHERE task_id = $1 AND kind = 'photo'")
            .bind(task)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    clerk.get(&format!("/tasks/{task}")).await;
    let page = clerk.post(&format!("/evidence/{photo}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        count(app.pool.clone()).await,
        1,
        "a deleted file is not counted"
    );
    let other = app.task_id(30, "卡若区").await;
    let ledger: i64 =
        sqlx::query_scalar("SELECT id FROM evidence WHERE task_id = $1 AND kind = 'ledger'")
            .bind(task)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    clerk.get(&format!("/tasks/{other}")).await;
    let page = clerk
        .post(
            &format!("/tasks/{other}/links"),
            &[("evidence", &ledger.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let linked: i32 = sqlx::query_scalar("SELECT evidence_count FROM tasks WHERE id = $1")
        .bind(other)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(linked, 1, "a linked file counts on the task it serves");
    let recount: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t WHERE evidence_count <> (SELECT count(*) FROM evidence_uses eu \
         JOIN evidence e ON e.id = eu.evidence_id WHERE eu.task_id = t.id AND e.deleted_at IS NULL)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(recount, 0, "every task's count matches its live files");
}

#[tokio::test]
async fn a_new_version_shows_its_own_date_and_uploader() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(29, "卡若区").await;
    clerk
        .upload_documents(task, vec![("年度计划.pdf", pdf(20_000, 1))])
        .await;
    let evidence: i64 = sqlx::query_scalar("SELECT id FROM evidence WHERE task_id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // The first upload was made on 1 March; the new version today.
    sqlx::query("UPDATE evidence SET created_at = '2026-03-01 02:00:00+00' WHERE id = $1")
        .bind(evidence)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE evidence_versions SET created_at = '2026-03-01 02:00:00+00' WHERE evidence_id = $1",
    )
    .bind(evidence)
    .execute(&app.pool)
    .await
    .unwrap();
    clerk.get(&format!("/tasks/{task}")).await;
    let form = Form::new().part("file", file("年度计划（修订）.pdf", pdf(21_000, 2)));
    let page = clerk
        .post_multipart(&format!("/evidence/{evidence}/replace"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = clerk.get(&format!("/tasks/{task}")).await;
    let line = page.texts(".evidence-list > li .evidence-main > .muted.small");
    let line = line.first().expect("the file's line");
    let today = shian::i18n::chinese_date(
        chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive(),
    );
    assert!(line.contains(&today), "the new version's date: {line}");
    assert!(
        line.contains("首次上传于2026年3月1日"),
        "the first upload's day: {line}"
    );
}
