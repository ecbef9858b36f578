//! A database outage answers 503 pages; the embedded cluster's watchdog.

use std::time::Duration;

use reqwest::StatusCode;
use shian::accounts::Role;
use shian::app::Application;
use shian::config::Config;
use shian::db::embedded::{Durability, EmbeddedPostgres};

use super::wait_until_ready;
use crate::support::TestApp;

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

    // The throwaway cluster commits asynchronously and `stop` is an immediate (crash)
    // shutdown: make the new session durable first, or recovery may drop it.
    sqlx::query("CHECKPOINT")
        .execute(&own.app.pool)
        .await
        .unwrap();
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
