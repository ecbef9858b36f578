//! The three journeys in a real browser (issue 17, part 6): Debian's Chromium driven
//! through its ChromeDriver by WebDriver (fantoccini), against the real server of a
//! [`TestApp`](crate::support::TestApp). Pages are checked with axe-core (installed from
//! the npm registry into `tests/browser/node_modules` by `.ci/run`) and for sideways
//! scrolling at phone width. A failed journey leaves a screenshot of the page it was on
//! in `target/browser-failures/`.

mod journeys;
mod office;
mod pages;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// What the browser's window is like.
#[derive(Debug, Clone, Copy)]
pub enum Screen {
    /// A phone held upright (390×844, touch), as county clerks use it.
    Phone,
    /// An office desktop at the common 1366×768.
    Desktop,
    /// A command centre's wall screen, 1920×1080.
    Wall,
}

fn program(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// A ChromeDriver process and a browser session through it; both end when dropped.
pub struct Chrome {
    pub client: Client,
    driver: Child,
    base: String,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        // ChromeDriver and the Chromium it started share a process group of their own:
        // killing the group, not only ChromeDriver, leaves no browser behind (a killed
        // ChromeDriver never closes its sessions, and their renderers would linger).
        let group = self.driver.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group; it touches no
        // memory of ours.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

impl Chrome {
    /// Starts ChromeDriver on a free port and opens a headless Chromium of `screen` size.
    pub async fn start(base: &str, screen: Screen) -> Chrome {
        let chromium = program("SHIAN_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("SHIAN_CHROMEDRIVER", "/usr/bin/chromedriver");
        assert!(
            chromium.exists() && chromedriver.exists(),
            "the browser tests need Chromium and ChromeDriver ({} and {}): \
             apt-get install chromium chromium-driver fonts-noto-cjk (.ci/run does)",
            chromium.display(),
            chromedriver.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--lang=zh-CN",
        ];
        let mut options =
            json!({ "binary": chromium, "prefs": {"intl.accept_languages": "zh-CN"} });
        match screen {
            Screen::Phone => {
                options["mobileEmulation"] = json!({
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2.0, "touch": true },
                    "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0 Mobile Safari/537.36"
                });
            }
            Screen::Desktop => args.push("--window-size=1366,768"),
            Screen::Wall => args.push("--window-size=1920,1080"),
        }
        options["args"] = json!(args);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        // ChromeDriver takes a moment to listen, and Chromium longer to start on a busy CI
        // machine (every test runs at once): up to 30 s.
        let mut last_error = String::new();
        for _ in 0..300 {
            let connected = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match connected {
                Ok(client) => {
                    return Chrome {
                        client,
                        driver,
                        base: base.to_string(),
                    };
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no browser session through chromedriver: {last_error}");
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// Signs in through the login form (a clerk: no second factor).
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.open("/login").await;
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", password).await;
        self.click("main form[action=\"/login\"] button[type=submit]")
            .await;
        for _ in 0..100 {
            if self.path().await != "/login" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{username} did not get past the login page");
    }

    /// Signs in with the password, then the authenticator's `code` when asked for one.
    pub async fn sign_in_with_code(&self, username: &str, password: &str, code: &str) {
        self.open("/login").await;
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", password).await;
        self.click("main form[action=\"/login\"] button[type=submit]")
            .await;
        self.fill("input[name=code]", code).await;
        self.click("main form[action=\"/login/2fa\"] button[type=submit]")
            .await;
        for _ in 0..100 {
            if !self.path().await.starts_with("/login") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{username} did not get past the second step");
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("url")
            .path()
            .to_string()
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.ok();
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn script(&self, source: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(source, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{source}"))
    }

    /// How much wider than the window the page is (0 when it does not scroll sideways).
    pub async fn overflow(&self) -> i64 {
        self.script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .as_i64()
        .unwrap_or(0)
    }

    /// The top of the first element matching `css`, in page pixels.
    pub async fn top_of(&self, css: &str) -> f64 {
        self.find(css).await;
        self.script(
            "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY;",
            vec![json!(css)],
        )
        .await
        .as_f64()
        .expect("a position")
    }

    /// The serious and critical accessibility violations axe-core finds on this page.
    pub async fn axe_violations(&self) -> Vec<String> {
        self.script(&axe_source(), vec![]).await;
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
                   done(r.violations
                     .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                     .map(function (v) {
                       return v.id + ' (' + v.impact + '): ' + v.nodes.length + ' × ' +
                         v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(' | ');
                     }));
                 }, function (e) { done(['axe failed: ' + e]); });",
                vec![],
            )
            .await
            .expect("axe run");
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many A4 pages the current page prints on (Chromium's own print to PDF).
    pub async fn printed_pages(&self) -> usize {
        let pdf = self
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .expect("print to PDF");
        // Each page object is "/Type /Page" (the tree's root is "/Type /Pages").
        let text = String::from_utf8_lossy(&pdf);
        text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
    }

    /// Keeps a screenshot of the page under `target/browser-failures/{name}.png`.
    pub async fn keep_screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-failures");
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }
}

/// axe-core's script, from the npm package `.ci/run` installs.
fn axe_source() -> String {
    let path = std::env::var_os("SHIAN_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/browser/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "axe-core is missing at {}: npm ci --prefix tests/browser (.ci/run does)",
            path.display()
        )
    })
}

/// Runs a journey; when it fails, keeps a screenshot of where the browser was.
pub async fn journey<F>(chrome: &Chrome, name: &str, steps: F)
where
    F: std::future::Future<Output = ()>,
{
    use futures_util::FutureExt;
    let outcome = std::panic::AssertUnwindSafe(steps).catch_unwind().await;
    if let Err(panic) = outcome {
        chrome.keep_screenshot(name).await;
        std::panic::resume_unwind(panic);
    }
}

/// A task's status, read from the database.
pub async fn status(app: &crate::support::TestApp, task: i64) -> String {
    sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Waits (up to 20 s) until `check` holds: what the browser does takes its time.
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
