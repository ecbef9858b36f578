//! `shian backup` / `shian restore` round trips, refusals and damage.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

fn run_shian(
    args: &[&str],
    envs: &[(&str, &str)],
    cwd: Option<&std::path::Path>,
) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_shian"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SHIAN_DATA_DIR")
        .env("RUST_LOG", "warn");
    for (key, value) in envs {
        command.env(key, value);
    }
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    command.output().expect("run shian")
}

fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

async fn empty_database(app: &TestApp) -> String {
    let name = format!("shian_restore_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&app.pool)
        .await
        .unwrap();
    with_database(&app.database_url, &name)
}

/// Row count of every table outside PostgreSQL's own schemas.
async fn row_counts(pool: &sqlx::PgPool) -> std::collections::BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables \
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.insert(table, count);
    }
    counts
}

/// Every stored file row's file exists under `files_dir` with the recorded checksum.
async fn files_match_rows(pool: &sqlx::PgPool, files_dir: &std::path::Path) -> usize {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT storage_key, sha256 FROM stored_files ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    for (key, sha256) in &rows {
        let (actual, _) = shian::backup::manifest::checksum(&files_dir.join(key))
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(&actual, sha256, "{key}");
    }
    rows.len()
}

async fn upload(clerk: &mut crate::support::Browser, task: i64, seed: u8) -> StatusCode {
    let form = reqwest::multipart::Form::new()
        .text("title", format!("台账{seed}"))
        .text("kind", "ledger")
        .part(
            "files",
            crate::support::file(
                &format!("台账{seed}.pdf"),
                crate::support::pdf(300_000 + seed as usize, seed),
            ),
        );
    clerk
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await
        .status
}

#[tokio::test]
async fn hardening_ops_backup_and_restore_round_trip() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("backup.clerk", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(1, "卡若区").await;
    clerk.get(&format!("/tasks/{task}")).await;
    for seed in 0..5 {
        assert_eq!(upload(&mut clerk, task, seed).await, StatusCode::SEE_OTHER);
    }
    let data_dir = app.data_dir.path().display().to_string();
    let backups = tempfile::tempdir().unwrap();

    // A backup while uploads go on: whatever it holds is consistent.
    let busy = backups.path().join("busy");
    let uploading = {
        let mut clerk = app
            .signed_in("backup.clerk2", Role::Department, Some("卡若区"))
            .await;
        clerk.get(&format!("/tasks/{task}")).await;
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let job = tokio::spawn(async move {
            let mut seed = 100u8;
            while stopped.try_recv().is_err() {
                assert_eq!(upload(&mut clerk, task, seed).await, StatusCode::SEE_OTHER);
                seed = seed.wrapping_add(1);
            }
        });
        (stop, job)
    };
    let output = {
        let (url, dir, to) = (app.database_url.clone(), data_dir.clone(), busy.clone());
        tokio::task::spawn_blocking(move || {
            run_shian(
                &["backup", "--to", to.to_str().unwrap()],
                &[("DATABASE_URL", &url), ("SHIAN_DATA_DIR", &dir)],
                None,
            )
        })
        .await
        .unwrap()
    };
    uploading.0.send(()).unwrap();
    uploading.1.await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let restored_busy = empty_database(&app).await;
    let busy_dir = tempfile::tempdir().unwrap();
    let output = run_shian(
        &["restore", "--from", busy.to_str().unwrap()],
        &[
            ("DATABASE_URL", &restored_busy),
            ("SHIAN_DATA_DIR", busy_dir.path().to_str().unwrap()),
        ],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pool = shian::db::connect(&restored_busy, 2).await.unwrap();
    assert!(files_match_rows(&pool, &busy_dir.path().join("files")).await >= 5);
    pool.close().await;

    // A quiet backup restores to identical rows and files.
    let quiet = backups.path().join("quiet");
    let output = run_shian(
        &["backup", "--to", quiet.to_str().unwrap()],
        &[
            ("DATABASE_URL", &app.database_url),
            ("SHIAN_DATA_DIR", &data_dir),
        ],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let original_counts = row_counts(&app.pool).await;
    let original_files = files_match_rows(&app.pool, &app.data_dir.path().join("files")).await;
    let restored = empty_database(&app).await;
    let restored_dir = tempfile::tempdir().unwrap();
    let output = run_shian(
        &["restore", "--from", quiet.to_str().unwrap()],
        &[
            ("DATABASE_URL", &restored),
            ("SHIAN_DATA_DIR", restored_dir.path().to_str().unwrap()),
        ],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pool = shian::db::connect(&restored, 2).await.unwrap();
    assert_eq!(row_counts(&pool).await, original_counts);
    assert_eq!(
        files_match_rows(&pool, &restored_dir.path().join("files")).await,
        original_files
    );
    pool.close().await;

    // A backup folder that is not empty is refused.
    let output = run_shian(
        &["backup", "--to", quiet.to_str().unwrap()],
        &[
            ("DATABASE_URL", &app.database_url),
            ("SHIAN_DATA_DIR", &data_dir),
        ],
        None,
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not empty"));

    // Restoring over data is refused: files already there, or tables already there.
    let output = run_shian(
        &["restore", "--from", quiet.to_str().unwrap()],
        &[
            ("DATABASE_URL", &restored),
            ("SHIAN_DATA_DIR", restored_dir.path().to_str().unwrap()),
        ],
        None,
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already holds files"));
    let fresh_dir = tempfile::tempdir().unwrap();
    let output = run_shian(
        &["restore", "--from", quiet.to_str().unwrap()],
        &[
            ("DATABASE_URL", &restored),
            ("SHIAN_DATA_DIR", fresh_dir.path().to_str().unwrap()),
        ],
        None,
    );
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("already holds"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // A damaged file is found before anything is written, and named.
    let manifest = shian::backup::manifest::Manifest::read(&quiet)
        .await
        .unwrap();
    let victim = &manifest.files[2].path;
    let victim_path = quiet.join("files").join(victim);
    let mut bytes = std::fs::read(&victim_path).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&victim_path, bytes).unwrap();
    let untouched = empty_database(&app).await;
    let untouched_dir = tempfile::tempdir().unwrap();
    let output = run_shian(
        &["restore", "--from", quiet.to_str().unwrap()],
        &[
            ("DATABASE_URL", &untouched),
            ("SHIAN_DATA_DIR", untouched_dir.path().to_str().unwrap()),
        ],
        None,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(victim.as_str()) && stderr.contains("damaged"),
        "{stderr}"
    );
    let pool = shian::db::connect(&untouched, 2).await.unwrap();
    assert!(row_counts(&pool).await.is_empty(), "nothing was restored");
    pool.close().await;
}
