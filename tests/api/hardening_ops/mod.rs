//! Operations hardening: socket database URLs, database outages, the embedded cluster's
//! watchdog, backup and restore, and a first start in a private folder.

mod backup;
mod first_start;
mod outage;

use std::time::Duration;

use reqwest::StatusCode;
use shian::accounts::Role;

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

pub(super) async fn wait_until_ready(base: &str, within: Duration) -> bool {
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
