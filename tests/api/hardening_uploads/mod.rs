//! Issue 12, items 1, 2, 7, 9, 10 and 12: slow and stalled uploads, half-sent request
//! heads, bounded memory for oversize form fields, a full disk, shutdown with a stalled
//! download, orphan files after a crash, and misleading file names.

use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::CookieStore;
use reqwest::multipart::Form;
use shian::accounts::Role;
use shian::app::Application;
use shian::config::Config;
use shian::storage::{Storage, check, pending};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Browser, TestApp, file, pdf};

/// A signed-in clerk of 卡若区 whose cookies can also be sent over a raw connection.
struct Clerk {
    app: TestApp,
    browser: Browser,
    jar: Arc<reqwest::cookie::Jar>,
    task: i64,
}

async fn clerk(adjust: impl FnOnce(&mut Config)) -> Clerk {
    clerk_of(TestApp::spawn_with(adjust).await).await
}

async fn clerk_of(app: TestApp) -> Clerk {
    app.create_user("clerk", Role::Department, Some("卡若区"), "Passw0rd!")
        .await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut browser = Browser {
        base: app.base.clone(),
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        csrf: None,
    };
    let signed_in = browser.login("clerk", "Passw0rd!").await;
    assert_eq!(signed_in.status, reqwest::StatusCode::SEE_OTHER);
    let task = app.task_id(1, "卡若区").await;
    browser.get(&format!("/tasks/{task}")).await;
    Clerk {
        app,
        browser,
        jar,
        task,
    }
}

impl Clerk {
    fn cookie(&self) -> String {
        let url = url::Url::parse(&self.app.base).unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    fn addr(&self) -> String {
        self.app.base.trim_start_matches("http://").to_string()
    }

    /// The head of a multipart upload to the task, `length` bytes of body following.
    async fn upload_head(&mut self, length: usize, extra_headers: &str) -> String {
        let token = self.browser.token().await;
        format!(
            "POST /tasks/{}/evidence?csrf_token={token} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\
             Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\
             Connection: close\r\n{extra_headers}\r\n",
            self.task,
            self.addr(),
            self.cookie()
        )
    }

    async fn evidence_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM evidence WHERE task_id = $1")
            .bind(self.task)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

const BOUNDARY: &str = "----shian-hardening-boundary";

fn part_head(name: &str, file_name: Option<&str>) -> Vec<u8> {
    let disposition = match file_name {
        Some(f) => {
            format!("form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/pdf")
        }
        None => format!("form-data; name=\"{name}\""),
    };
    format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").into_bytes()
}

fn closing() -> Vec<u8> {
    format!("\r\n--{BOUNDARY}--\r\n").into_bytes()
}

/// Reads a whole response (the request asked the server to close afterwards): status
/// line and body.
async fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

mod disk;
mod memory;
mod slow;
