//! Starting the release server on demo data, and signing in as the demo's users.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::SHIAN;

/// A data folder with demo data of `scale`, made once and kept for later runs.
pub fn prepare(work: &Path, scale: &str) -> anyhow::Result<PathBuf> {
    let dir = work.join(scale);
    let marker = dir.join("demo-done");
    if marker.exists() {
        index_for_search(&dir, scale)?;
        return Ok(dir);
    }
    if dir.exists() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir)?;
    open_up(work)?;
    eprintln!("bench: generating {scale} demo data in {}", dir.display());
    let begun = Instant::now();
    let output = Command::new(SHIAN)
        .args(["demo", "--scale", scale])
        .env("SHIAN_DATA_DIR", &dir)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(output.status.success(), "shian demo --scale {scale} failed");
    // The marker keeps the demo's summary ("demo data ready in … s: … evidence records …").
    let summary = String::from_utf8_lossy(&output.stdout)
        .lines()
        .find(|l| l.starts_with("demo data ready"))
        .unwrap_or_default()
        .to_string();
    eprintln!(
        "bench: {scale} data made in {:.0} s",
        begun.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, summary)?;
    index_for_search(&dir, scale)?;
    Ok(dir)
}

/// Extracts and indexes every file of the demo data before any server starts (so no
/// page is measured while the indexer works), timed by `shian search reindex --wait`;
/// its report is kept in `search-index.txt` (the indexing throughput of the results).
fn index_for_search(dir: &Path, scale: &str) -> anyhow::Result<()> {
    let done = dir.join("search-index.txt");
    if done.exists() {
        return Ok(());
    }
    eprintln!("bench: indexing the {scale} files for full-text search");
    let output = Command::new(SHIAN)
        .args(["search", "reindex", "--wait"])
        .env("SHIAN_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "shian search reindex --wait failed"
    );
    let report = String::from_utf8_lossy(&output.stdout).to_string();
    eprint!("{report}");
    std::fs::write(&done, report)?;
    Ok(())
}

/// The indexing report of a scale's data (empty when it was not indexed).
pub fn search_index_summary(work: &Path, scale: &str) -> String {
    std::fs::read_to_string(work.join(scale).join("search-index.txt"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// What a scale's demo data holds, as the demo command summed it up.
pub fn scale_summary(work: &Path, scale: &str) -> String {
    std::fs::read_to_string(work.join(scale).join("demo-done"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The embedded cluster runs as the postgres account when we are root; it must be able
/// to reach its folder.
pub fn open_up(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut p = Some(path);
    while let Some(dir) = p {
        if dir.as_os_str().is_empty() || dir == Path::new("/") {
            break;
        }
        let mut perms = std::fs::metadata(dir)?.permissions();
        perms.set_mode(perms.mode() | 0o011);
        let _ = std::fs::set_permissions(dir, perms);
        p = dir.parent();
    }
    Ok(())
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(dir: &Path, port: u16) -> anyhow::Result<Server> {
        Server::start_with(dir, port, &[])
    }

    /// Starts the server with extra settings (environment variables).
    pub fn start_with(dir: &Path, port: u16, settings: &[(&str, &str)]) -> anyhow::Result<Server> {
        let child = Command::new(SHIAN)
            .arg("serve")
            .env("SHIAN_DATA_DIR", dir)
            .env("SHIAN_ADDR", format!("127.0.0.1:{port}"))
            .env("SHIAN_MAX_UPLOAD_MB", "2048")
            .env("SHIAN_DB_POOL", "32")
            // The administrator's pages are measured, not the second sign-in step (which
            // the tests cover): the benchmark's administrator signs in with a password.
            .env("SHIAN_TWO_FACTOR_ROLES", "none")
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if http_ok(&format!("{}/readyz", server.base)) {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        anyhow::bail!("the server did not become ready")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (current RSS, peak RSS) of the server process in KiB.
    pub fn memory(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Starts a memory measurement: resets the process's peak RSS (VmHWM), so the next
    /// [`Server::memory`] peak belongs to what runs in between and not to an earlier
    /// load, and returns the RSS now (KiB).
    pub fn memory_window(&self) -> u64 {
        // Writing 5 to clear_refs resets the peak (Linux 4.0 on; needs the same user).
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
        self.memory().0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM: the server stops its embedded cluster on the way out.
        let _ = Command::new("kill").arg(self.pid().to_string()).status();
        let _ = self.child.wait();
    }
}

/// A plain blocking GET that says whether the answer was 200 (for waiting on start-up).
pub fn http_ok(url: &str) -> bool {
    use std::io::{Read, Write};
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

pub fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// A signed-in client (its own cookie jar, so its own session).
pub async fn signed_in(
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4)
        .build()?;
    login(&client, base, username, password).await?;
    Ok(client)
}

pub async fn login(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<Duration> {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let token = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("no CSRF token on the login page"))?
        .to_string();
    let begun = Instant::now();
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", &token),
        ])
        .send()
        .await?;
    let took = begun.elapsed();
    anyhow::ensure!(
        response.status() == reqwest::StatusCode::SEE_OTHER,
        "login as {username} answered {}",
        response.status()
    );
    Ok(took)
}

/// The CSRF token of a page's forms.
pub fn csrf_token(page: &str) -> Option<String> {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}

/// Clerk accounts of the demo (clerk-<org id>-<n>), spread over organisations.
pub async fn clerk_name(base: &str, i: usize) -> anyhow::Result<String> {
    clerk_name_of(base, i, 5).await
}

/// The `i`-th clerk when only the first `per_org` clerks of each organisation are used.
pub async fn clerk_name_of(base: &str, i: usize, per_org: usize) -> anyhow::Result<String> {
    let orgs = organisations(base).await?;
    let org = orgs.get(i % orgs.len().max(1)).copied().unwrap_or(1);
    Ok(format!(
        "clerk-{org}-{}",
        1 + (i / orgs.len().max(1)) % per_org
    ))
}

/// The fifth clerk of the `i`-th organisation (one no [`clerk_name_of`] with
/// `per_org = 4` hands out).
pub async fn clerk_name_fifth(base: &str, i: usize) -> anyhow::Result<String> {
    let orgs = organisations(base).await?;
    let org = orgs.get(i % orgs.len().max(1)).copied().unwrap_or(1);
    Ok(format!("clerk-{org}-5"))
}

/// Departments and counties of the demo, by id.
async fn organisations(base: &str) -> anyhow::Result<&'static Vec<i64>> {
    static ORGS: tokio::sync::OnceCell<Vec<i64>> = tokio::sync::OnceCell::const_new();
    let orgs = ORGS
        .get_or_try_init(|| async {
            let client = signed_in(base, "office1", "Demo-Office-2025").await?;
            let list: Value = client
                .get(format!("{base}/api/v1/organisations"))
                .send()
                .await?
                .json()
                .await?;
            let ids: Vec<i64> = list["organisations"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|o| o["kind"] == "department" || o["kind"] == "county")
                        .filter_map(|o| o["id"].as_i64())
                        .collect()
                })
                .unwrap_or_default();
            anyhow::Ok(ids)
        })
        .await?;
    Ok(orgs)
}
