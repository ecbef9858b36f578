//! Operations hardening: socket database URLs, database outages, the embedded cluster's
//! watchdog, backup and restore, and a first start in a private folder.

use std::time::Duration;

use reqwest::StatusCode;
use shian::accounts::Role;
use shian::app::Application;
use shian::config::Config;
use shian::db::embedded::{Durability, EmbeddedPostgres};

use crate::support::TestApp;

/// The `host` (socket folder) parameter of a harness database URL.
fn socket_dir_of(url: &str) -> String {
    let parsed = url::Url::parse(url).expect("harness URL");
    parsed
        .query_pairs()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.into_owned())
        .expect("the harness reaches PostgreSQL over a socket (?host=)")
}

fn database_of(url: &str) -> String {
    url::Url::parse(url)
        .expect("URL")
        .path()
        .trim_start_matches('/')
        .to_string()
}

async fn wait_until_ready(base: &str, within: Duration) -> bool {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == StatusCode::OK
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test]
async fn hardening_ops_host_less_socket_urls_start_the_server() {
    for form in ["empty-host", "percent-encoded", "postgresql-scheme"] {
        let app = TestApp::spawn_with(|config| {
            let url = config.database_url.clone().expect("harness URL");
            let dir = socket_dir_of(&url);
            let database = database_of(&url);
            let encoded: String = url::form_urlencoded::byte_serialize(dir.as_bytes()).collect();
            config.database_url = Some(match form {
                "empty-host" => format!("postgres://postgres@/{database}?host={dir}"),
                "percent-encoded" => format!("postgres://postgres@{encoded}/{database}"),
                _ => format!("postgresql://postgres@/{database}?host={encoded}"),
            });
        })
        .await;
        let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK, "{form}");
        let mut browser = app.signed_in("socket.admin", Role::Admin, None).await;
        assert_eq!(
            browser.get("/admin/users").await.status,
            StatusCode::OK,
            "{form}"
        );
    }
}

/// A server on a throwaway cluster of its own, which the test may stop and start.
struct OwnCluster {
    cluster: EmbeddedPostgres,
    app: TestApp,
    _cluster_dir: tempfile::TempDir,
}

async fn spawn_on_own_cluster() -> OwnCluster {
    let cluster_dir = tempfile::Builder::new()
        .prefix("shian-outage-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        cluster_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut cluster = EmbeddedPostgres::new(cluster_dir.path(), Durability::Throwaway).unwrap();
    cluster.ensure_running().await.unwrap();
    let database_url = cluster.url("postgres");
    let data_dir = tempfile::tempdir().unwrap();
    let config = Config::for_tests(database_url.clone(), data_dir.path().to_path_buf());
    let application = Application::build(config)
        .await
        .expect("application builds");
    let base = format!("http://{}", application.local_addr());
    let pool = application.pool();
    tokio::spawn(application.run_until(std::future::pending()));
    OwnCluster {
        cluster,
        app: TestApp {
            base,
            pool,
            database_url,
            data_dir,
        },
        _cluster_dir: cluster_dir,
    }
}

#[tokio::test]
async fn hardening_ops_database_outage_answers_503_pages_and_recovers() {
    let mut own = spawn_on_own_cluster().await;
    let mut clerk = own.app.signed_in("outage.office", Role::Office, None).await;
    assert_eq!(clerk.get("/").await.status, StatusCode::OK);

    own.cluster.stop().await;

    // A signed-in page: the user cannot even be looked up.
    let page = clerk.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(
        page.contains("暂时无法连接数据库，请稍后再试"),
        "{}",
        page.body
    );
    assert!(page.headers.contains_key("retry-after"));
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // The login page of a new visitor (the session layer fails to save its session),
    // in the browser's language.
    let mut visitor = own.app.browser();
    let login = visitor
        .get_with("/login", ("accept-language", "en-GB,en;q=0.8"))
        .await;
    assert_eq!(
        login.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        login.body
    );
    assert!(
        login.contains("The database cannot be reached"),
        "{}",
        login.body
    );
    assert!(login.headers.contains_key("retry-after"));
    let login = own.app.browser().get("/login").await;
    assert_eq!(login.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(login.contains("暂时无法连接数据库"), "{}", login.body);

    // Signing in.
    let post = clerk
        .post(
            "/login",
            &[("username", "outage.office"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(
        post.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        post.body
    );

    // The JSON API answers JSON.
    let api = clerk.get("/api/v1/progress").await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    assert!(api.headers.contains_key("retry-after"));
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("JSON body");
    assert_eq!(json["error"], "error-database-unavailable");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("暂时无法连接数据库")
    );

    let ready = reqwest::get(format!("{}/readyz", own.app.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    own.cluster.ensure_running().await.unwrap();
    assert!(wait_until_ready(&own.app.base, Duration::from_secs(30)).await);
    assert_eq!(clerk.get("/").await.status, StatusCode::OK);
    assert_eq!(clerk.get("/api/v1/progress").await.status, StatusCode::OK);
    own.cluster.stop().await;
}

/// A server running its own embedded cluster under `data_dir`, stopped (cluster too)
/// when `stop` is sent.
struct EmbeddedServer {
    app: TestApp,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn spawn_embedded() -> EmbeddedServer {
    let data_dir = tempfile::Builder::new()
        .prefix("shian-embedded-")
        .tempdir()
        .unwrap();
    // Reachable by the postgres account the cluster runs as under root.
    std::fs::set_permissions(
        data_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut config = Config::for_tests(String::new(), data_dir.path().to_path_buf());
    config.database_url = None;
    let application = Application::build(config)
        .await
        .expect("application builds");
    let base = format!("http://{}", application.local_addr());
    let pool = application.pool();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(application.run_until(async {
        let _ = stopped.await;
    }));
    EmbeddedServer {
        app: TestApp {
            base,
            pool,
            database_url: String::new(),
            data_dir,
        },
        stop,
        served,
    }
}

fn postmaster_pid(data_dir: &std::path::Path) -> Option<i32> {
    let text = std::fs::read_to_string(data_dir.join("pg/data/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

#[tokio::test]
async fn hardening_ops_watchdog_restarts_a_killed_embedded_postmaster() {
    let server = spawn_embedded().await;
    let mut admin = server
        .app
        .signed_in("watchdog.admin", Role::Admin, None)
        .await;
    let killed = postmaster_pid(server.app.data_dir.path()).expect("postmaster.pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(killed),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // Back by itself: a new postmaster, and the server ready again.
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let mut restarted = None;
    while tokio::time::Instant::now() < deadline {
        if let Some(pid) = postmaster_pid(server.app.data_dir.path())
            && pid != killed
            && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
            && client
                .get(format!("{}/readyz", server.app.base))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            restarted = Some(pid);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(restarted.is_some(), "the watchdog brings the cluster back");
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK);

    server.stop.send(()).unwrap();
    server.served.await.unwrap().unwrap();
    assert!(
        postmaster_pid(server.app.data_dir.path()).is_none(),
        "the cluster stops with the server"
    );
}

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

#[tokio::test]
async fn hardening_ops_first_start_from_a_private_folder_as_root() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: only running as root makes the cluster run as postgres");
        return;
    }
    let home = tempfile::Builder::new()
        .prefix("shian-home-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let fallback = tempfile::Builder::new()
        .prefix("shian-pg-fallback-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        fallback.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(fallback.path().join("server.log")).unwrap();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_shian"))
        .arg("serve")
        .current_dir(home.path())
        .env_remove("DATABASE_URL")
        .env_remove("SHIAN_DATA_DIR")
        .env("SHIAN_ADDR", format!("127.0.0.1:{port}"))
        .env("SHIAN_PG_FALLBACK_DIR", fallback.path())
        .env("RUST_LOG", "shian=info")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let ready = wait_until_ready(&base, Duration::from_secs(120)).await;
    let log_text =
        || std::fs::read_to_string(fallback.path().join("server.log")).unwrap_or_default();
    if !ready {
        let _ = server.kill();
        panic!("server did not become ready:\n{}", log_text());
    }
    let clusters: Vec<std::path::PathBuf> = std::fs::read_dir(fallback.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("data/PG_VERSION").exists())
        .collect();
    assert_eq!(clusters.len(), 1, "{}", log_text());
    let recorded =
        std::fs::read_to_string(home.path().join("shian-data/pg/cluster-location")).unwrap();
    assert_eq!(std::path::PathBuf::from(recorded.trim()), clusters[0]);
    assert!(clusters[0].join("data/postmaster.pid").exists());

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{}", log_text());
    assert!(
        !clusters[0].join("data/postmaster.pid").exists(),
        "the cluster stopped with the server"
    );
}
