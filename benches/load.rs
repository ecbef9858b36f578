//! The benchmark (`scripts/bench`, or `cargo bench --bench load`): builds demo data,
//! starts the release server as its own process on loopback, and measures it with a
//! load generator in this process — latency percentiles and requests/s per page at 1,
//! 16 and 64 concurrent clients, each page also as a ratio to the `/readyz` floor; 1 GB
//! upload and download against the disk's own throughput measured with dd in the same
//! run; the whole-campaign ZIP export; the server's memory; and how latency grows from
//! small to city to province scale. Results go to `benches/results/latest.{md,json}`.
//!
//! Options (after `--`): `--quick` (shorter runs, no province scale, 256 MB file),
//! `--no-province`, `--seconds N` (per measurement, default 4), `--only NAME` (just the
//! pages whose name contains NAME, beside the floor; nothing is saved).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

const SHIAN: &str = env!("CARGO_BIN_EXE_shian");
const CONCURRENCY: [usize; 3] = [1, 16, 64];

struct Options {
    seconds: f64,
    /// Measure only the pages whose name contains this (e.g. `--only login`).
    only: Option<String>,
    province: bool,
    file_mb: u64,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 1.5 } else { 4.0 });
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    Options {
        seconds,
        only,
        province: !quick && !args.iter().any(|a| a == "--no-province"),
        file_mb: if quick { 256 } else { 1024 },
    }
}

fn main() -> anyhow::Result<()> {
    let options = options();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/bench-data");
    std::fs::create_dir_all(&work)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let mut results = json!({ "machine": machine(), "options": {
        "seconds_per_measurement": options.seconds, "file_mb": options.file_mb } });

    // City scale: every page, every concurrency, storage and the export.
    let city = prepare(&work, "city")?;
    let server = Server::start(&city, 18180)?;
    let city_results = runtime.block_on(measure_pages(&server, &options, true))?;
    results["city"] = city_results;
    if options.only.is_some() {
        // A look at a few pages: printed above, the saved results left as they are.
        return Ok(());
    }
    results["storage"] = runtime.block_on(measure_storage(&server, &work, &options))?;
    results["export"] = runtime.block_on(measure_export(&server, &work))?;
    drop(server);

    // How cost grows with data: the dashboard and the indicator page at each scale.
    let mut growth = BTreeMap::new();
    let mut scales = vec!["small"];
    if options.province {
        scales.push("province");
    }
    for scale in scales {
        let dir = prepare(&work, scale)?;
        let server = Server::start(&dir, 18181)?;
        growth.insert(
            scale.to_string(),
            runtime.block_on(measure_pages(&server, &options, false))?,
        );
    }
    growth.insert("city".to_string(), results["city"].clone());
    results["scales"] = json!({
        "small": scale_summary(&work, "small"),
        "city": scale_summary(&work, "city"),
        "province": scale_summary(&work, "province"),
    });
    results["growth"] = serde_json::to_value(growth)?;
    results["total_seconds"] = json!(started.elapsed().as_secs_f64().round());

    let out = root.join("benches/results");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    let markdown = render_markdown(&results);
    std::fs::write(out.join("latest.md"), &markdown)?;
    println!("{markdown}");
    Ok(())
}

/// A data folder with demo data of `scale`, made once and kept for later runs.
fn prepare(work: &Path, scale: &str) -> anyhow::Result<PathBuf> {
    let dir = work.join(scale);
    let marker = dir.join("demo-done");
    if marker.exists() {
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
    Ok(dir)
}

/// What a scale's demo data holds, as the demo command summed it up.
fn scale_summary(work: &Path, scale: &str) -> String {
    std::fs::read_to_string(work.join(scale).join("demo-done"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The embedded cluster runs as the postgres account when we are root; it must be able
/// to reach its folder.
fn open_up(path: &Path) -> anyhow::Result<()> {
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

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path, port: u16) -> anyhow::Result<Server> {
        let child = Command::new(SHIAN)
            .arg("serve")
            .env("SHIAN_DATA_DIR", dir)
            .env("SHIAN_ADDR", format!("127.0.0.1:{port}"))
            .env("SHIAN_MAX_UPLOAD_MB", "2048")
            .env("SHIAN_DB_POOL", "32")
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
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

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (current RSS, peak RSS) of the server process in KiB.
    fn memory(&self) -> (u64, u64) {
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
    fn memory_window(&self) -> u64 {
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
fn http_ok(url: &str) -> bool {
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

fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// A signed-in client (its own cookie jar, so its own session).
async fn signed_in(base: &str, username: &str, password: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4)
        .build()?;
    login(&client, base, username, password).await?;
    Ok(client)
}

async fn login(
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

/// Ids the pages need: the open provincial round, a bulletin, an indicator item.
async fn ids(client: &reqwest::Client, base: &str) -> anyhow::Result<(i64, i64)> {
    let rounds: Value = client
        .get(format!("{base}/api/v1/rounds"))
        .send()
        .await?
        .json()
        .await?;
    let round = rounds["rounds"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["state"] == "open"))
        .and_then(|r| r["id"].as_i64())
        .ok_or_else(|| anyhow::anyhow!("no open round in the demo data"))?;
    let page = client
        .get(format!("{base}/bulletins"))
        .send()
        .await?
        .text()
        .await?;
    let bulletin = page
        .split("href=\"/bulletins/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no bulletin in the demo data"))?;
    Ok((round, bulletin))
}

#[derive(Clone, Copy)]
enum Who {
    Nobody,
    Office,
    Clerk,
    Assessor,
    Login,
}

struct Target {
    name: &'static str,
    path: String,
    who: Who,
}

/// Measures every page (or, with `all = false`, the dashboard and the indicator page).
async fn measure_pages(server: &Server, options: &Options, all: bool) -> anyhow::Result<Value> {
    let base = server.base.clone();
    let probe = signed_in(&base, "office1", "Demo-Office-2025").await?;
    let (round, bulletin) = ids(&probe, &base).await?;
    let mut targets = vec![
        Target {
            name: "/readyz (floor)",
            path: "/readyz".into(),
            who: Who::Nobody,
        },
        Target {
            name: "city dashboard",
            path: "/".into(),
            who: Who::Office,
        },
        Target {
            name: "indicator page with evidence",
            path: format!("/rounds/{round}/items/p12"),
            who: Who::Office,
        },
    ];
    if all {
        targets.extend([
            Target {
                name: "login",
                path: "/login".into(),
                who: Who::Login,
            },
            Target {
                name: "organisation dashboard",
                path: "/".into(),
                who: Who::Clerk,
            },
            Target {
                name: "assessor worklist",
                path: format!("/rounds/{round}/work"),
                who: Who::Assessor,
            },
            Target {
                name: "score sheet (.xlsx)",
                path: format!("/rounds/{round}/sheet.xlsx"),
                who: Who::Office,
            },
            Target {
                name: "bulletin",
                path: format!("/bulletins/{bulletin}"),
                who: Who::Office,
            },
            Target {
                name: "JSON progress",
                path: "/api/v1/progress".into(),
                who: Who::Office,
            },
        ]);
    }
    if let Some(only) = &options.only {
        targets.retain(|t| t.name.contains(only.as_str()) || matches!(t.who, Who::Nobody));
    }
    let mut out = serde_json::Map::new();
    for target in &targets {
        let mut by_clients = serde_json::Map::new();
        for clients in CONCURRENCY {
            let stats = run_load(&base, target, clients, options.seconds).await?;
            eprintln!(
                "bench: {:<30} c={clients:<3} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  {:>8.1} req/s",
                target.name,
                stats["p50_ms"].as_f64().unwrap_or(0.0),
                stats["p95_ms"].as_f64().unwrap_or(0.0),
                stats["p99_ms"].as_f64().unwrap_or(0.0),
                stats["rps"].as_f64().unwrap_or(0.0)
            );
            by_clients.insert(clients.to_string(), stats);
        }
        out.insert(target.name.to_string(), Value::Object(by_clients));
    }
    let (rss, peak) = server.memory();
    out.insert(
        "server_memory_kib".into(),
        json!({ "rss": rss, "peak": peak }),
    );
    Ok(Value::Object(out))
}

async fn run_load(
    base: &str,
    target: &Target,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<Value> {
    // Sessions are made before the clock starts (logins are measured on their own).
    let mut sessions = Vec::new();
    for i in 0..clients {
        let client = match target.who {
            Who::Nobody | Who::Login => reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            Who::Office => {
                signed_in(base, &format!("office{}", 1 + i % 10), "Demo-Office-2025").await?
            }
            Who::Clerk => signed_in(base, &clerk_name(base, i).await?, "Demo-Clerk-2025").await?,
            Who::Assessor => {
                signed_in(base, &format!("expert-1-{}", 1 + i % 4), "Demo-Expert-2025").await?
            }
        };
        sessions.push(client);
    }
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let begun = Instant::now();
    let mut tasks = Vec::new();
    for (i, client) in sessions.into_iter().enumerate() {
        let url = format!("{base}{}", target.path);
        let who = target.who;
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut first_error = None;
            while Instant::now() < deadline {
                let result = match who {
                    // Each login is a new browser: a signed-in session would be
                    // sent from the login page to the dashboard.
                    Who::Login => login(
                        &fresh_client(),
                        &base,
                        &format!("office{}", 1 + i % 10),
                        "Demo-Office-2025",
                    )
                    .await
                    .map_err(|e| e.to_string()),
                    _ => {
                        let t = Instant::now();
                        match client.get(&url).send().await {
                            Ok(r) if r.status().is_success() => {
                                let _ = r.bytes().await;
                                Ok(t.elapsed())
                            }
                            Ok(r) => Err(format!("{url} answered {}", r.status())),
                            Err(e) => Err(e.to_string()),
                        }
                    }
                };
                match result {
                    Ok(d) => latencies.push(d.as_secs_f64() * 1000.0),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let (l, e, first) = task.await?;
        all.extend(l);
        errors += e;
        first_error = first_error.or(first);
    }
    if let Some(e) = &first_error {
        eprintln!(
            "bench: {} c={clients}: {errors} errors, the first: {e}",
            target.name
        );
    }
    let elapsed = begun.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * (all.len() - 1) as f64).round() as usize;
        (all[i] * 100.0).round() / 100.0
    };
    Ok(json!({
        "requests": all.len(), "errors": errors, "first_error": first_error,
        "rps": ((all.len() as f64 / elapsed) * 10.0).round() / 10.0,
        "p50_ms": pct(50.0), "p95_ms": pct(95.0), "p99_ms": pct(99.0),
    }))
}

/// Clerk accounts of the demo (clerk-<org id>-<n>), spread over organisations.
async fn clerk_name(base: &str, i: usize) -> anyhow::Result<String> {
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
    let org = orgs.get(i % orgs.len().max(1)).copied().unwrap_or(1);
    Ok(format!("clerk-{org}-{}", 1 + (i / orgs.len().max(1)) % 5))
}

/// dd's throughput in MB/s, parsed from its summary line.
fn dd(args: &[&str]) -> anyhow::Result<f64> {
    let output = Command::new("dd").args(args).output()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let line = text.lines().last().unwrap_or_default();
    // "... copied, 1.234 s, 870 MB/s"
    let mut parts = line.rsplit(", ");
    let rate = parts.next().unwrap_or_default();
    let (value, unit) = rate.split_once(' ').unwrap_or(("0", "MB/s"));
    let value: f64 = value.replace(',', ".").parse().unwrap_or(0.0);
    Ok(match unit {
        "GB/s" => value * 1000.0,
        "kB/s" => value / 1000.0,
        _ => value,
    })
}

async fn measure_storage(server: &Server, work: &Path, options: &Options) -> anyhow::Result<Value> {
    let mb = options.file_mb;
    let file = work.join("big-upload.pdf");
    // The upload's source: a PDF header and incompressible bytes.
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        out.write_all(b"%PDF-1.7\n")?;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mb {
            for chunk in block.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
            }
            out.write_all(&block)?;
        }
    }
    let disk_file = server_files_dir(work).join("dd-probe");
    let count = mb.to_string();
    let disk_write = dd(&[
        "if=/dev/zero",
        &format!("of={}", disk_file.display()),
        "bs=1M",
        &format!("count={count}"),
        "conv=fsync",
    ])?;
    // Reads are measured from the disk, not from the page cache the write just filled.
    forget_cached(&disk_file);
    let disk_read = dd(&[
        &format!("if={}", disk_file.display()),
        "of=/dev/null",
        "bs=1M",
    ])?;
    let _ = std::fs::remove_file(&disk_file);

    let base = &server.base;
    let clerk = signed_in(base, &clerk_name(base, 0).await?, "Demo-Clerk-2025").await?;
    let page = clerk
        .get(format!("{base}/tasks"))
        .send()
        .await?
        .text()
        .await?;
    let task: i64 = page
        .split("href=\"/tasks/")
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .next()
        .ok_or_else(|| anyhow::anyhow!("the clerk has no task"))?;
    let task_page = clerk
        .get(format!("{base}/tasks/{task}"))
        .send()
        .await?
        .text()
        .await?;
    let token = task_page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    let size = std::fs::metadata(&file)?.len();
    let rss_before_upload = server.memory_window();
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
        tokio::fs::File::open(&file).await?,
        256 * 1024,
    ));
    let part = reqwest::multipart::Part::stream_with_length(body, size)
        .file_name("基准测试大文件.pdf")
        .mime_str("application/pdf")?;
    let form = reqwest::multipart::Form::new()
        .text("title", "基准测试大文件")
        .text("kind", "document")
        .part("files", part);
    let begun = Instant::now();
    let response = clerk
        .post(format!("{base}/tasks/{task}/evidence?csrf_token={token}"))
        .multipart(form)
        .send()
        .await?;
    let upload_secs = begun.elapsed().as_secs_f64();
    anyhow::ensure!(
        response.status() == reqwest::StatusCode::SEE_OTHER,
        "upload answered {}",
        response.status()
    );
    let (_, peak_after_upload) = server.memory();
    let task_page = clerk
        .get(format!("{base}/tasks/{task}"))
        .send()
        .await?
        .text()
        .await?;
    let version: i64 = task_page
        .split("href=\"/files/")
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .next()
        .ok_or_else(|| anyhow::anyhow!("no download link after the upload"))?;
    forget_cached(&server_files_dir(work));
    let rss_before_download = server.memory_window();
    let begun = Instant::now();
    let mut stream = clerk
        .get(format!("{base}/files/{version}"))
        .send()
        .await?
        .bytes_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        received += chunk?.len() as u64;
    }
    let download_secs = begun.elapsed().as_secs_f64();
    let (_, peak_after_download) = server.memory();
    let _ = std::fs::remove_file(&file);
    // Deleted again, so every run's export measures the same demo data. (Deleting keeps
    // the file on disk, as it does for any evidence.)
    let evidence: Option<i64> = task_page
        .split(&format!("href=\"/files/{version}\""))
        .nth(1)
        .and_then(|row| row.split("action=\"/evidence/").nth(1))
        .and_then(|rest| rest.split('/').next()?.parse().ok());
    if let Some(evidence) = evidence {
        let deleted = clerk
            .post(format!("{base}/evidence/{evidence}/delete"))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await?;
        anyhow::ensure!(
            deleted.status() == reqwest::StatusCode::SEE_OTHER,
            "deleting the benchmark's upload answered {}",
            deleted.status()
        );
    }
    let mbs = |secs: f64| ((size as f64 / 1e6 / secs) * 10.0).round() / 10.0;
    Ok(json!({
        "file_mb": mb,
        "disk_write_mb_s": disk_write, "disk_read_mb_s": disk_read,
        "upload_mb_s": mbs(upload_secs), "download_mb_s": mbs(download_secs),
        "downloaded_bytes": received, "uploaded_bytes": size,
        "server_rss_before_upload_kib": rss_before_upload,
        "server_peak_during_upload_kib": peak_after_upload,
        "server_rss_before_download_kib": rss_before_download,
        "server_peak_during_download_kib": peak_after_download,
    }))
}

/// Drops a file's (or a folder's files') pages from the page cache, so the next read
/// comes from the disk; POSIX_FADV_DONTNEED needs no privileges.
fn forget_cached(path: &Path) {
    use std::os::fd::AsRawFd;
    if path.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            forget_cached(&entry.path());
        }
    } else if let Ok(file) = std::fs::File::open(path) {
        // SAFETY: a valid open descriptor; the call only advises the kernel.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

fn server_files_dir(work: &Path) -> PathBuf {
    work.join("city").join("files")
}

async fn measure_export(server: &Server, work: &Path) -> anyhow::Result<Value> {
    forget_cached(&server_files_dir(work));
    let base = &server.base;
    let office = signed_in(base, "office1", "Demo-Office-2025").await?;
    let rss_before = server.memory_window();
    let begun = Instant::now();
    let response = office
        .get(format!("{base}/exports/evidence.zip"))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "export answered {}",
        response.status()
    );
    let mut stream = response.bytes_stream();
    let mut bytes = 0u64;
    while let Some(chunk) = stream.next().await {
        bytes += chunk?.len() as u64;
    }
    let secs = begun.elapsed().as_secs_f64();
    let (_, peak) = server.memory();
    Ok(json!({
        "bytes": bytes, "seconds": (secs * 100.0).round() / 100.0,
        "mb_s": ((bytes as f64 / 1e6 / secs) * 10.0).round() / 10.0,
        "server_rss_before_kib": rss_before, "server_peak_kib": peak,
    }))
}

fn machine() -> Value {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    json!({ "cpus": cpus, "cpu": model })
}

fn render_markdown(results: &Value) -> String {
    let mut md = String::from("# Shian benchmark results\n\n");
    md.push_str(&format!(
        "Machine: {} CPUs ({}). Each figure is one run of `scripts/bench`; the machine is shared and noisy, so \
         compare ratios to the `/readyz` floor rather than absolute numbers.\n\n",
        results["machine"]["cpus"], results["machine"]["cpu"].as_str().unwrap_or("")
    ));
    let city = &results["city"];
    md.push_str("## Pages at city scale\n\n| page | clients | p50 ms | p95 ms | p99 ms | req/s | p95 ÷ floor | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    if let Some(pages) = city.as_object() {
        for (name, by) in pages {
            if name == "server_memory_kib" {
                continue;
            }
            for clients in CONCURRENCY {
                let s = &by[clients.to_string()];
                let floor = city["/readyz (floor)"][clients.to_string()]["p95_ms"]
                    .as_f64()
                    .unwrap_or(0.0);
                let ratio = s["p95_ms"].as_f64().unwrap_or(0.0) / floor.max(0.001);
                md.push_str(&format!(
                    "| {name} | {clients} | {} | {} | {} | {} | {:.1}× | {} |\n",
                    s["p50_ms"], s["p95_ms"], s["p99_ms"], s["rps"], ratio, s["errors"]
                ));
            }
        }
    }
    let st = &results["storage"];
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let share = |part: &Value, whole: &Value| 100.0 * f(part) / f(whole).max(0.001);
    // Growth of the server's memory during one measurement, in MiB.
    let growth = |peak: &Value, before: &Value| {
        (peak.as_u64().unwrap_or(0) as f64 - before.as_u64().unwrap_or(0) as f64) / 1024.0
    };
    let upload_growth = growth(
        &st["server_peak_during_upload_kib"],
        &st["server_rss_before_upload_kib"],
    );
    let download_growth = growth(
        &st["server_peak_during_download_kib"],
        &st["server_rss_before_download_kib"],
    );
    md.push_str(&format!(
        "\n## Storage ({} MB file)\n\nDisk figures are dd's in the same run: writes with fsync, reads after the file's pages \
         were dropped from the page cache (the download's file too).\n\n\
         | measure | MB/s | share of disk | server memory growth |\n|---|---:|---:|---:|\n\
         | disk write (dd, fsync) | {} | | |\n| upload through Shian | {} | {:.0}% | {:.0} MiB |\n\
         | disk read (dd) | {} | | |\n| download through Shian | {} | {:.0}% | {:.0} MiB |\n",
        st["file_mb"],
        st["disk_write_mb_s"],
        st["upload_mb_s"],
        share(&st["upload_mb_s"], &st["disk_write_mb_s"]),
        upload_growth,
        st["disk_read_mb_s"],
        st["download_mb_s"],
        share(&st["download_mb_s"], &st["disk_read_mb_s"]),
        download_growth,
    ));
    let ex = &results["export"];
    let export_growth = growth(&ex["server_peak_kib"], &ex["server_rss_before_kib"]);
    md.push_str(&format!(
        "\n## Whole-campaign ZIP export\n\n{} MB in {} s = {} MB/s, {:.0}% of the disk's read throughput; \
         server memory grew by {:.0} MiB (from {} MiB).\n",
        ex["bytes"].as_u64().unwrap_or(0) / 1_000_000,
        ex["seconds"],
        ex["mb_s"],
        share(&ex["mb_s"], &st["disk_read_mb_s"]),
        export_growth,
        ex["server_rss_before_kib"].as_u64().unwrap_or(0) / 1024,
    ));

    // The targets, judged from the figures above (16 clients, city scale).
    let mut targets = Vec::new();
    let floor = f(&city["/readyz (floor)"]["16"]["p95_ms"]).max(0.001);
    if let Some(pages) = city.as_object() {
        for (name, by) in pages {
            if name == "server_memory_kib" || name.starts_with("/readyz") {
                continue;
            }
            let p95 = f(&by["16"]["p95_ms"]);
            targets.push((
                format!("{name}: p95 within 5× the floor and under 50 ms"),
                format!("{p95} ms, {:.1}×", p95 / floor),
                p95 <= 5.0 * floor && p95 < 50.0,
            ));
        }
    }
    let dashboard_rps = f(&city["city dashboard"]["16"]["rps"]);
    targets.push((
        "city dashboard at ≥ 500 requests/s".into(),
        format!("{dashboard_rps} req/s"),
        dashboard_rps >= 500.0,
    ));
    for (what, part, whole, grew) in [
        ("upload", "upload_mb_s", "disk_write_mb_s", upload_growth),
        (
            "download",
            "download_mb_s",
            "disk_read_mb_s",
            download_growth,
        ),
    ] {
        let pct = share(&st[part], &st[whole]);
        targets.push((
            format!("{what} at ≥ 70% of the disk, memory growth < 64 MiB"),
            format!("{pct:.0}%, {grew:.0} MiB"),
            pct >= 70.0 && grew < 64.0,
        ));
    }
    let export_pct = share(&ex["mb_s"], &st["disk_read_mb_s"]);
    targets.push((
        "ZIP export at ≥ 50% of disk reads, bounded memory (< 64 MiB growth)".into(),
        format!("{export_pct:.0}%, {export_growth:.0} MiB"),
        export_pct >= 50.0 && export_growth < 64.0,
    ));
    md.push_str("\n## Targets\n\n| target | measured | held |\n|---|---|---|\n");
    for (target, measured, held) in targets {
        md.push_str(&format!(
            "| {target} | {measured} | {} |\n",
            if held { "yes" } else { "**no**" }
        ));
    }
    md.push_str("\n## How latency grows with data (16 clients, p95 ms)\n\n");
    let table_head = "| scale | city dashboard | indicator page | floor |\n|---|---:|---:|---:|\n";
    if let Some(growth) = results["growth"].as_object() {
        for scale in ["small", "city", "province"] {
            if let Some(summary) = results["scales"][scale].as_str().filter(|s| !s.is_empty()) {
                md.push_str(&format!("- {scale}: {summary}\n"));
            }
        }
        md.push('\n');
        md.push_str(table_head);
        for scale in ["small", "city", "province"] {
            if let Some(g) = growth.get(scale) {
                md.push_str(&format!(
                    "| {scale} | {} | {} | {} |\n",
                    g["city dashboard"]["16"]["p95_ms"],
                    g["indicator page with evidence"]["16"]["p95_ms"],
                    g["/readyz (floor)"]["16"]["p95_ms"]
                ));
            }
        }
    }
    md.push_str(&format!(
        "\nTotal run time: {} s.\n",
        results["total_seconds"]
    ));
    md
}
