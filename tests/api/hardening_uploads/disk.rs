//! A full disk, orphan files after a crash, and misleading file names.

use super::*;

/// A tmpfs of 1 MB mounted over the data folder's files, unmounted when dropped.
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(dir: &std::path::Path) -> Option<TinyDisk> {
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(dir)
            .status()
            .ok()?
            .success();
        if !mounted {
            return None;
        }
        std::fs::create_dir_all(dir.join("tmp")).ok()?;
        Some(TinyDisk(dir.to_path_buf()))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn hardening_uploads_full_disk_answers_507_and_tells_the_office_once() {
    let mut clerk = clerk(|_| {}).await;
    let office = clerk
        .app
        .create_user("office", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let files = clerk.app.data_dir.path().join("files");
    let Some(_disk) = TinyDisk::mount(&files) else {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (needs root); the full-disk test did not run"
        );
        return;
    };
    let form = Form::new()
        .text("title", "全年台账")
        .part("files", file("台账.pdf", pdf(3 * 1024 * 1024, 5)));
    let page = clerk
        .browser
        .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::INSUFFICIENT_STORAGE);
    assert!(
        page.contains("服务器存储空间已满，已通知管理员"),
        "{}",
        page.body
    );

    // Again from the progress bar: a JSON message, and no second notification.
    let token = clerk.browser.token().await;
    let response = clerk
        .browser
        .client
        .post(format!(
            "{}/tasks/{}/evidence?csrf_token={token}",
            clerk.app.base, clerk.task
        ))
        .header("X-Requested-With", "XMLHttpRequest")
        .multipart(Form::new().part("files", file("台账2.pdf", pdf(3 * 1024 * 1024, 6))))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::INSUFFICIENT_STORAGE);
    let json: serde_json::Value = response.json().await.unwrap();
    assert!(
        json["message"].as_str().unwrap().contains("存储空间已满"),
        "{json}"
    );

    let notices: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'storage_full'",
    )
    .bind(office)
    .fetch_one(&clerk.app.pool)
    .await
    .unwrap();
    assert_eq!(notices, 1, "the office is told once per incident");
    assert_eq!(clerk.evidence_count().await, 0);
    assert!(
        clerk.app.stored_files().is_empty(),
        "nothing half-written: {:?}",
        clerk.app.stored_files()
    );
    let office_page = {
        let mut browser = clerk.app.browser();
        browser.login("office", "Passw0rd!").await;
        browser.get("/notifications").await
    };
    assert!(
        office_page.contains("服务器存储空间已满"),
        "{}",
        office_page.body
    );
}

fn quarantine_of(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.path().join("quarantine")
}

async fn upload(clerk: &mut Clerk, name: &str, seed: u8) -> String {
    let form = Form::new().part("files", file(name, pdf(50_000, seed)));
    let page = clerk
        .browser
        .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::SEE_OTHER, "{}", page.body);
    sqlx::query_scalar("SELECT storage_key FROM stored_files ORDER BY id DESC LIMIT 1")
        .fetch_one(&clerk.app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn hardening_uploads_storage_check_finds_orphans_missing_and_corrupt_files() {
    let mut clerk = clerk(|_| {}).await;
    let healthy = upload(&mut clerk, "一.pdf", 1).await;
    let storage = Storage::inspect(clerk.app.data_dir.path().join("files"));
    let quarantine = quarantine_of(&clerk.app);

    let report = check::run(&clerk.app.pool, &storage, &quarantine, false)
        .await
        .unwrap();
    assert_eq!(report.problems(), 0, "{report}");
    assert_eq!(report.checked, 1);
    let marks: i64 = sqlx::query_scalar("SELECT count(*) FROM pending_files")
        .fetch_one(&clerk.app.pool)
        .await
        .unwrap();
    assert_eq!(marks, 0, "recording an upload clears its pending mark");

    let deleted = upload(&mut clerk, "二.pdf", 2).await;
    let corrupted = upload(&mut clerk, "三.pdf", 3).await;
    std::fs::remove_file(storage.path(&deleted)).unwrap();
    let mut bytes = std::fs::read(storage.path(&corrupted)).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(storage.path(&corrupted), bytes).unwrap();
    let orphan = "ab/cd/abcd0000000000000000000000000000";
    std::fs::create_dir_all(storage.path("ab/cd")).unwrap();
    std::fs::write(storage.path(orphan), b"%PDF-1.7 nobody recorded me").unwrap();

    let report = check::run(&clerk.app.pool, &storage, &quarantine, false)
        .await
        .unwrap();
    assert_eq!(report.orphans, vec![orphan.to_string()], "{report}");
    assert_eq!(report.missing.len(), 1, "{report}");
    assert_eq!(report.missing[0].key, deleted);
    assert_eq!(report.mismatched.len(), 1, "{report}");
    assert_eq!(report.mismatched[0].key, corrupted);
    assert_eq!(report.problems(), 3);

    // The command line says the same, and fails while problems remain.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_shian"))
        .args(["storage", "check", "--repair"])
        .env("DATABASE_URL", &clerk.app.database_url)
        .env("SHIAN_DATA_DIR", clerk.app.data_dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(
        stdout.contains(&format!("orphan file (no row): {orphan}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("missing file: {deleted}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("checksum mismatch: {corrupted}")),
        "{stdout}"
    );
    assert!(!storage.path(orphan).exists(), "--repair moved the orphan");
    assert!(
        quarantine.join(orphan).exists(),
        "into the quarantine folder"
    );
    assert!(
        storage.path(&healthy).exists(),
        "recorded files are never moved"
    );
    assert!(
        storage.path(&corrupted).exists(),
        "recorded files are never moved"
    );

    let report = check::run(&clerk.app.pool, &storage, &quarantine, false)
        .await
        .unwrap();
    assert!(report.orphans.is_empty(), "{report}");
}

#[tokio::test]
async fn hardening_uploads_crash_window_files_are_swept() {
    let clerk = clerk(|_| {}).await;
    let storage = Storage::inspect(clerk.app.data_dir.path().join("files"));
    let abandoned = "ee/ff/eeff0000000000000000000000000001";
    let in_flight = "ee/ff/eeff0000000000000000000000000002";
    std::fs::create_dir_all(storage.path("ee/ff")).unwrap();
    for key in [abandoned, in_flight] {
        std::fs::write(storage.path(key), b"%PDF-1.7 crash window").unwrap();
    }
    // What a kill -9 between the rename and the commit leaves: a mark, a file, no row.
    sqlx::query(
        "INSERT INTO pending_files (storage_key, marked_at) VALUES \
         ($1, now() - interval '2 hours'), ($2, now())",
    )
    .bind(abandoned)
    .bind(in_flight)
    .execute(&clerk.app.pool)
    .await
    .unwrap();

    let report = check::run(&clerk.app.pool, &storage, &quarantine_of(&clerk.app), false)
        .await
        .unwrap();
    assert_eq!(report.orphans, vec![abandoned.to_string()]);
    assert_eq!(report.in_progress, vec![in_flight.to_string()]);

    let removed = pending::sweep(&clerk.app.pool, &storage, pending::ABANDONED_AFTER)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(!storage.path(abandoned).exists());
    assert!(
        storage.path(in_flight).exists(),
        "a recent upload is left alone"
    );
    let marks: Vec<String> = sqlx::query_scalar("SELECT storage_key FROM pending_files")
        .fetch_all(&clerk.app.pool)
        .await
        .unwrap();
    assert_eq!(marks, vec![in_flight.to_string()]);
}

#[tokio::test]
async fn hardening_uploads_misleading_names_and_binary_text_are_refused() {
    let mut clerk = clerk(|_| {}).await;
    for name in [
        "报告\u{202E}fdp.exe.pdf",
        "零宽\u{200B}字符.pdf",
        "\u{2066}隔离.pdf",
    ] {
        let form = Form::new()
            .text("title", "我填写的标题")
            .part("files", file(name, pdf(20_000, 1)));
        let page = clerk
            .browser
            .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
            .await;
        assert_eq!(
            page.status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}"
        );
        assert!(page.contains("不可见的控制字符"), "{name:?}: {}", page.body);
        assert_eq!(page.input_value("title").as_deref(), Some("我填写的标题"));
    }

    // Plain text for the first 8 KB that are sniffed, a NUL byte far beyond.
    let mut csv = "序号,单位,完成率\n".repeat(2000).into_bytes();
    csv[30_000] = 0;
    let form = Form::new().part("files", file("台账.csv", csv));
    let page = clerk
        .browser
        .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("内容含有二进制数据"), "{}", page.body);
    assert_eq!(clerk.evidence_count().await, 0);
    assert!(clerk.app.stored_files().is_empty());

    let clean = "序号,单位,完成率\n".repeat(2000).into_bytes();
    let form = Form::new().part("files", file("台账.csv", clean));
    let page = clerk
        .browser
        .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::SEE_OTHER, "{}", page.body);
}
