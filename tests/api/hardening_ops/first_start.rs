//! A first start as root from a 0700 folder.

use std::time::Duration;

use super::wait_until_ready;

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
