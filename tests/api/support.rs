//! Test harness: a real PostgreSQL (the one in DATABASE_URL, or a throwaway cluster this
//! test binary starts from the system binaries and stops when it exits), a migrated
//! template database built once, a fresh database per test, and the real server bound
//! to a free port.

use std::sync::Mutex;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use shian::accounts::{self, NewUser, Role};
use shian::app::Application;
use shian::config::Config;
use shian::db::embedded::{Durability, EmbeddedPostgres};
use shian::orgs;
use sqlx::PgPool;
use tokio::sync::OnceCell;

/// The server URL of the admin database (`postgres`), set up once per test binary.
static ADMIN_URL: OnceCell<String> = OnceCell::const_new();
/// The throwaway cluster, when this binary started one; stopped at exit.
static CLUSTER: Mutex<Option<(EmbeddedPostgres, tempfile::TempDir)>> = Mutex::new(None);

extern "C" fn stop_cluster_at_exit() {
    let taken = CLUSTER.lock().ok().and_then(|mut guard| guard.take());
    if let Some((mut cluster, dir)) = taken {
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            runtime.block_on(cluster.stop());
        }
        drop(dir);
    }
}

async fn admin_url() -> &'static str {
    ADMIN_URL
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("DATABASE_URL") {
                return url;
            }
            let dir = tempfile::Builder::new()
                .prefix("shian-test-pg-")
                .tempdir()
                .expect("temporary folder");
            // The postgres account (used when running as root) must be able to enter it.
            std::fs::set_permissions(
                dir.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            )
            .expect("chmod temporary folder");
            let mut cluster = EmbeddedPostgres::new(dir.path(), Durability::Throwaway)
                .expect("PostgreSQL binaries");
            cluster
                .ensure_running()
                .await
                .expect("start throwaway PostgreSQL");
            let url = cluster.url("postgres");
            *CLUSTER.lock().expect("cluster lock") = Some((cluster, dir));
            // SAFETY: registering a plain extern "C" function with no captured state.
            unsafe {
                libc::atexit(stop_cluster_at_exit);
            }
            url
        })
        .await
}

/// A URL for another database on the same server.
fn database_url(admin_url: &str, database: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("valid DATABASE_URL");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// Builds (once per schema + rubric version) a database with migrations, the rubric and
/// the default counties, and copies it for each test.
pub async fn fresh_database() -> String {
    let admin_url = admin_url().await;
    let admin = shian::db::connect(admin_url, 2)
        .await
        .expect("connect to admin database");
    let fingerprint = {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for migration in shian::db::MIGRATOR.iter() {
            hasher.update(&migration.checksum);
        }
        hasher.update(shian::rubric::data::BUNDLED_2021.as_bytes());
        hasher.update(shian::config::DEFAULT_COUNTIES.join(",").as_bytes());
        let digest = hasher.finalize();
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let template = format!("shian_template_{fingerprint}");
    let mut lock = admin.acquire().await.expect("connection");
    sqlx::query("SELECT pg_advisory_lock(727172)")
        .execute(&mut *lock)
        .await
        .expect("lock");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut *lock)
            .await
            .expect("query");
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {template}"))
            .execute(&mut *lock)
            .await
            .expect("create template");
        let pool = shian::db::connect(&database_url(admin_url, &template), 2)
            .await
            .expect("connect template");
        shian::db::migrate(&pool).await.expect("migrate template");
        let config = Config::for_tests(String::new(), std::env::temp_dir());
        shian::app::prepare(&pool, &config)
            .await
            .expect("prepare template");
        pool.close().await;
    }
    let name = format!("shian_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut *lock)
        .await
        .expect("create test database");
    sqlx::query("SELECT pg_advisory_unlock(727172)")
        .execute(&mut *lock)
        .await
        .expect("unlock");
    drop(lock);
    admin.close().await;
    database_url(admin_url, &name)
}

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Spawns with settings changed by `adjust` (e.g. a small upload limit).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::spawn_on(fresh_database().await, adjust).await
    }

    /// A second server process of the same installation: the same database, its own
    /// port and data folder (as two instances behind one load balancer).
    pub async fn spawn_sibling(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::spawn_on(self.database_url.clone(), adjust).await
    }

    async fn spawn_on(database_url: String, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("data folder");
        let mut config = Config::for_tests(database_url.clone(), data_dir.path().to_path_buf());
        // The search indexer extracts text in a child `shian extract-text`: the real
        // binary, not this test binary.
        config.extract_program = Some(env!("CARGO_BIN_EXE_shian").into());
        adjust(&mut config);
        let application = Application::build(config)
            .await
            .expect("application builds");
        let base = format!("http://{}", application.local_addr());
        let pool = application.pool();
        tokio::spawn(application.run_until(std::future::pending()));
        TestApp {
            base,
            pool,
            database_url,
            data_dir,
        }
    }

    /// Every file under the data folder's `files/` (stored and temporary).
    pub fn stored_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        walk(&path, out)
                    } else {
                        out.push(path)
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.data_dir.path().join("files"), &mut out);
        out
    }

    /// The id of the task of `org` (by name) for indicator `number` (the first, by id).
    pub async fn task_id(&self, number: i32, org: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT t.id FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
             JOIN organisations o ON o.id = t.organisation_id WHERE i.number = $1 AND o.name = $2 ORDER BY t.id LIMIT 1",
        )
        .bind(number)
        .bind(org)
        .fetch_one(&self.pool)
        .await
        .expect("task exists")
    }

    /// Moves the campaign's start `months` months back (to the first of that month), so
    /// that the months between are past and their reports overdue.
    pub async fn campaign_started_months_ago(&self, months: i32) {
        sqlx::query(
            "UPDATE campaigns SET starts_on = (date_trunc('month', now()) - make_interval(months => $1))::date",
        )
        .bind(months)
        .execute(&self.pool)
        .await
        .unwrap();
    }

    /// Creates an account directly in the database; `org` is an organisation name.
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        org: Option<&str>,
        password: &str,
    ) -> i64 {
        let organisation_id = match org {
            Some(name) => Some(
                orgs::find_by_name_or_alias(&self.pool, name)
                    .await
                    .expect("query")
                    .unwrap_or_else(|| panic!("no organisation {name}"))
                    .id,
            ),
            None => None,
        };
        accounts::insert(
            &self.pool,
            &NewUser {
                username: username.into(),
                display_name: format!("{username} 姓名"),
                role,
                organisation_id,
                password_hash: accounts::password::hash(password.into())
                    .await
                    .expect("hash"),
                must_change_password: false,
                email: None,
            },
        )
        .await
        .expect("insert user")
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            csrf: None,
        }
    }

    /// A browser whose requests come from `address` (as a trusted proxy reports it in
    /// `X-Forwarded-For`; the server must run with `trust_proxy`).
    pub fn browser_from(&self, address: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", address.parse().expect("address"));
        Browser {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .expect("client"),
            csrf: None,
        }
    }

    /// A browser signed in as a new user of `role` (password `Passw0rd!`). A role that
    /// must use a second factor enrols one on the way, through the real pages.
    pub async fn signed_in(&self, username: &str, role: Role, org: Option<&str>) -> Browser {
        self.create_user(username, role, org, "Passw0rd!").await;
        let mut browser = self.browser();
        let response = browser.login(username, "Passw0rd!").await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{username} signs in"
        );
        if response.location() == Some("/account/2fa") {
            browser.enrol_two_factor().await;
        }
        browser
    }

    /// A current code of `username`'s authenticator, computed with totp-rs from the
    /// stored secret: the earliest step the server still accepts and has not seen used
    /// (waiting for the next step when the window is used up).
    pub async fn totp_code(&self, username: &str) -> String {
        let (secret, last_step): (String, Option<i64>) = sqlx::query_as(
            "SELECT totp_secret, totp_last_step FROM users WHERE username = $1 AND totp_secret IS NOT NULL",
        )
        .bind(username)
        .fetch_one(&self.pool)
        .await
        .expect("user with a second factor");
        loop {
            let now = unix_now();
            let current = (now / 30) as i64;
            let step = (current - 1).max(last_step.map_or(i64::MIN, |s| s + 1));
            if step <= current + 1 {
                return totp_at(&secret, step as u64 * 30);
            }
            tokio::time::sleep(std::time::Duration::from_secs(30 - now % 30)).await;
        }
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_events ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .expect("audit query")
    }
}

/// A response with its body read.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The text of every element matching a CSS selector.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let document = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(selector).expect("valid selector");
        document
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect()
    }

    /// Attribute `name` of every element matching a CSS selector.
    pub fn attrs(&self, selector: &str, name: &str) -> Vec<String> {
        let document = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(selector).expect("valid selector");
        document
            .select(&selector)
            .filter_map(|e| e.value().attr(name).map(str::to_string))
            .collect()
    }

    /// The value attribute of the input with this name.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let document = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(&format!("[name=\"{name}\"]")).expect("selector");
        document.select(&selector).next().and_then(|e| {
            e.value()
                .attr("value")
                .map(str::to_string)
                .or_else(|| Some(e.text().collect()))
        })
    }
}

/// A cookie-keeping client that remembers the CSRF token of the last page it saw.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub csrf: Option<String>,
}

impl Browser {
    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        let page = Page {
            status,
            headers,
            body,
        };
        if let Some(token) = page.input_value("csrf_token") {
            self.csrf = Some(token);
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    pub async fn get_with(&mut self, path: &str, header: (&str, &str)) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header.0, header.1)
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    /// Makes sure a CSRF token is known (by loading a page that has one).
    pub async fn token(&mut self) -> String {
        if self.csrf.is_none() {
            self.get("/login").await;
        }
        self.csrf.clone().expect("a page with a CSRF token")
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }

    /// Uploads files to a task as documents of 2025, as one batch from its page (which
    /// carries the session's current form token); the upload must succeed.
    pub async fn upload_documents(&mut self, task: i64, files: Vec<(&str, Vec<u8>)>) {
        self.get(&format!("/tasks/{task}")).await;
        let mut form = reqwest::multipart::Form::new()
            .text("title", "")
            .text("kind", "document")
            .text("year", "2025")
            .text("description", "");
        for (name, bytes) in files {
            form = form.part("files", file(name, bytes));
        }
        let page = self
            .post_multipart(&format!("/tasks/{task}/evidence"), form)
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }

    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Page {
        let token = self.token().await;
        let response = self
            .client
            .post(format!("{}{path}?csrf_token={token}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("POST multipart");
        self.read(response).await
    }

    /// Enrols a second factor on the enrolment page (the secret read from the page, the
    /// code computed from it); returns the secret and the recovery codes shown once.
    pub async fn enrol_two_factor(&mut self) -> (String, Vec<String>) {
        let page = self.get("/account/2fa").await;
        assert_eq!(page.status, StatusCode::OK, "enrolment page");
        let secret: String = page
            .texts("#totp-secret")
            .pop()
            .expect("the secret in text")
            .split_whitespace()
            .collect();
        let done = self
            .post("/account/2fa", &[("code", &current_code(&secret))])
            .await;
        assert_eq!(done.status, StatusCode::OK, "enrolment confirmed");
        let codes = done.texts(".recovery-codes code");
        assert_eq!(codes.len(), 10, "ten recovery codes");
        (secret, codes)
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at unix time `time`.
pub fn totp_at(secret: &str, time: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("totp")
        .generate(time)
        .to_string()
}

/// A code for `secret` that the server accepts now (one step back leaves the current
/// and next step for later sign-ins of the same user).
pub fn current_code(secret: &str) -> String {
    totp_at(secret, unix_now() - 30)
}

/// A PDF-looking file of `size` bytes whose content depends on `seed`.
pub fn pdf(size: usize, seed: u8) -> Vec<u8> {
    let mut data = b"%PDF-1.7\n".to_vec();
    data.extend((0..size.saturating_sub(9)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    data
}

pub fn file(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
}

/// The text of a .docx file's body (its runs' text, in order).
pub fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8");
    let mut text = String::new();
    // `<w:t>` and `<w:t xml:space="preserve">`, not `<w:tbl>`, `<w:tc>` and the like.
    for piece in xml.split("<w:t").skip(1) {
        if !(piece.starts_with('>') || piece.starts_with(' ')) {
            continue;
        }
        if let Some(start) = piece.find('>') {
            let rest = &piece[start + 1..];
            if let Some(end) = rest.find("</w:t>") {
                text.push_str(&rest[..end]);
            }
        }
    }
    text
}
