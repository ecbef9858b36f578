//! The deadline-day scenario (issue 12): at city scale, all at once, clerks uploading
//! 5 MB files in a loop, assessors opening items and marking evidence, the office on
//! its dashboard and review queue, clerks on slow lines uploading at 256 kbit/s, and a
//! bounded stream of wrong passwords. It reports latency per kind of request, errors,
//! the server's memory growth, the aggregate upload throughput against the disk's
//! fsynced writes, and whether every acknowledged upload is intact afterwards: its
//! record (the evidence export's SHA-256) and its bytes on disk (hashed again).
//!
//! Every simulated person sends its own `X-Forwarded-For` address (the server runs
//! with `SHIAN_TRUST_PROXY=true`, as behind the office's proxy), so the sign-in throttle
//! sees the wrong passwords come from their own addresses and not from everybody's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::pages::{Target, Who, run_load};
use crate::server::{Server, csrf_token};
use crate::storage::{dd, server_files_dir};

/// How many of each, as the issue sets them.
pub struct Mix {
    pub clerks: usize,
    pub files_per_clerk: usize,
    pub file_bytes: usize,
    pub assessors: usize,
    pub office: usize,
    pub slow_clerks: usize,
    /// Bytes per second of a slow line (256 kbit/s).
    pub slow_rate: usize,
    pub wrong_passwords_per_second: u32,
    pub seconds: f64,
}

impl Mix {
    pub fn issue(seconds: f64) -> Mix {
        Mix {
            clerks: 100,
            files_per_clerk: 4,
            file_bytes: 5 * 1024 * 1024,
            assessors: 30,
            office: 40,
            slow_clerks: 20,
            slow_rate: 256 * 1000 / 8,
            wrong_passwords_per_second: 5,
            seconds,
        }
    }

    /// A slow upload that finishes well inside the run (at most 1 MiB).
    fn slow_bytes(&self) -> usize {
        ((self.seconds * 0.6) as usize * self.slow_rate).clamp(64 * 1024, 1024 * 1024)
    }
}

/// Latencies, statuses and errors of one kind of request.
#[derive(Default)]
struct Kind {
    latencies_ms: Vec<f64>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    first_error: Option<String>,
    bytes: u64,
}

#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<BTreeMap<&'static str, Kind>>>);

impl Recorder {
    fn ok(&self, kind: &'static str, status: u16, took: Duration, bytes: u64) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all.entry(kind).or_default();
        entry.latencies_ms.push(took.as_secs_f64() * 1000.0);
        *entry.statuses.entry(status).or_default() += 1;
        entry.bytes += bytes;
    }

    fn error(&self, kind: &'static str, status: Option<u16>, what: String) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all.entry(kind).or_default();
        entry.errors += 1;
        if let Some(status) = status {
            *entry.statuses.entry(status).or_default() += 1;
        }
        entry.first_error.get_or_insert(what);
    }
}

/// A signed-in person with an address of their own.
async fn person(
    base: &str,
    username: &str,
    password: &str,
    address: &str,
) -> anyhow::Result<reqwest::Client> {
    let client = client_from(address)?;
    crate::server::login(&client, base, username, password).await?;
    Ok(client)
}

fn client_from(address: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse()?);
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(600))
        .build()?)
}

/// Loopback-range addresses, one per simulated person (never sent to: only named in
/// a header).
fn address(group: u8, i: usize) -> String {
    format!("127.{group}.{}.{}", (i / 250) % 250, 1 + i % 250)
}

/// Deterministic incompressible content of a PDF-looking file.
fn content(seed: u64, size: usize) -> Vec<u8> {
    let mut data = b"%PDF-1.7\n".to_vec();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    data.reserve(size);
    while data.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(size);
    data
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An editable task of the signed-in clerk (not started, in progress or returned).
async fn editable_task(client: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<i64> {
    let list: Value = client
        .get(format!("{base}/api/v1/tasks"))
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<i64> = list["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            matches!(
                t["status"].as_str(),
                Some("not_started" | "in_progress" | "returned")
            )
        })
        .filter_map(|t| t["id"].as_i64())
        .collect();
    anyhow::ensure!(!ids.is_empty(), "the clerk has no editable task");
    Ok(ids[n % ids.len()])
}

/// What an acknowledged upload should have stored.
struct Sent {
    title: String,
    sha256: String,
}

async fn upload(
    client: &reqwest::Client,
    base: &str,
    task: i64,
    title: &str,
    body: reqwest::Body,
    size: u64,
) -> anyhow::Result<(u16, Duration)> {
    let page = client
        .get(format!("{base}/tasks/{task}"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf_token(&page).ok_or_else(|| anyhow::anyhow!("no CSRF token"))?;
    let part = reqwest::multipart::Part::stream_with_length(body, size)
        .file_name(format!("{title}.pdf"))
        .mime_str("application/pdf")?;
    let form = reqwest::multipart::Form::new()
        .text("title", title.to_string())
        .text("kind", "document")
        .part("files", part);
    let begun = Instant::now();
    let response = client
        .post(format!("{base}/tasks/{task}/evidence?csrf_token={token}"))
        .multipart(form)
        .send()
        .await?;
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    Ok((status, begun.elapsed()))
}

/// A request body that trickles out at `rate` bytes per second.
fn paced(data: Vec<u8>, rate: usize) -> reqwest::Body {
    let step = (rate / 4).max(1);
    let chunks: Vec<bytes::Bytes> = data
        .chunks(step)
        .map(bytes::Bytes::copy_from_slice)
        .collect();
    let stream = futures_util::stream::unfold(chunks.into_iter(), |mut rest| async move {
        let next = rest.next()?;
        tokio::time::sleep(Duration::from_millis(250)).await;
        Some((Ok::<_, std::io::Error>(next), rest))
    });
    reqwest::Body::wrap_stream(stream)
}

/// GETs `path` and records it under `kind`; the body is returned for parsing.
async fn get(
    recorder: &Recorder,
    client: &reqwest::Client,
    base: &str,
    kind: &'static str,
    path: &str,
) -> Option<String> {
    let begun = Instant::now();
    match client.get(format!("{base}{path}")).send().await {
        Ok(r) if r.status().is_success() => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            recorder.ok(kind, status, begun.elapsed(), body.len() as u64);
            Some(body)
        }
        Ok(r) => {
            let status = r.status().as_u16();
            recorder.error(kind, Some(status), format!("{path} answered {status}"));
            None
        }
        Err(e) => {
            recorder.error(kind, None, e.to_string());
            None
        }
    }
}

pub async fn run(dir: &Path, port: u16, mix: &Mix) -> anyhow::Result<Value> {
    let server = Server::start_with(dir, port, &[("SHIAN_TRUST_PROXY", "true")])?;
    let base = server.base.clone();

    // The floor of this run, measured before the load: 16 clients on /readyz.
    let floor_target = Target {
        name: "/readyz (floor)",
        path: "/readyz".into(),
        who: Who::Nobody,
    };
    let floor = run_load(&base, &floor_target, 16, 3.0).await?;

    // The disk's fsynced write throughput, on the disk that holds the files.
    let probe = server_files_dir(dir).join("dd-deadline-probe");
    let disk_write = dd(&[
        "if=/dev/zero",
        &format!("of={}", probe.display()),
        "bs=1M",
        "count=1024",
        "conv=fsync",
    ])?;
    let _ = std::fs::remove_file(&probe);

    // Everyone signs in before the clock starts (sign-ins are measured elsewhere).
    let office_probe = person(&base, "office1", "Demo-Office-2025", &address(2, 0)).await?;
    let (round, _) = crate::pages::ids(&office_probe, &base).await?;
    let mut clerks = Vec::new();
    for i in 0..mix.clerks {
        let name = crate::server::clerk_name_of(&base, i, 4).await?;
        let client = person(&base, &name, "Demo-Clerk-2025", &address(1, i)).await?;
        let task = editable_task(&client, &base, i).await?;
        clerks.push((i, client, task));
    }
    let mut slow = Vec::new();
    for i in 0..mix.slow_clerks {
        // The fifth clerk of each organisation: none of the fast ones.
        let name = crate::server::clerk_name_fifth(&base, i).await?;
        let client = person(&base, &name, "Demo-Clerk-2025", &address(3, i)).await?;
        let task = editable_task(&client, &base, i).await?;
        slow.push((i, client, task));
    }
    let mut assessors = Vec::new();
    for i in 0..mix.assessors {
        let name = format!("expert-{}-{}", 1 + i % 15, 1 + i / 15 % 4);
        let client = person(&base, &name, "Demo-Expert-2025", &address(4, i)).await?;
        let worklist = client
            .get(format!("{base}/rounds/{round}/work"))
            .send()
            .await?
            .text()
            .await?;
        let prefix = format!("href=\"/rounds/{round}/items/");
        let keys: Vec<String> = worklist
            .split(prefix.as_str())
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_string))
            .collect();
        anyhow::ensure!(!keys.is_empty(), "{name} has no items in round {round}");
        assessors.push((i, client, keys));
    }
    let mut office = Vec::new();
    for i in 0..mix.office {
        let name = format!("office{}", 1 + i % 10);
        office.push(person(&base, &name, "Demo-Office-2025", &address(2, 1 + i)).await?);
    }

    let recorder = Recorder::default();
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let run_started = SystemTime::now();
    let rss_before = server.memory_window();
    let begun = Instant::now();
    let deadline = begun + Duration::from_secs_f64(mix.seconds);
    let mut jobs = Vec::new();

    for (i, client, task) in clerks {
        let (recorder, sent, base) = (recorder.clone(), sent.clone(), base.clone());
        let (count, size) = (mix.files_per_clerk, mix.file_bytes);
        jobs.push(tokio::spawn(async move {
            for k in 0..count {
                if Instant::now() >= deadline {
                    break;
                }
                let title = format!("deadline-{i}-{k}");
                let data = content((i * 1000 + k) as u64 + 1, size);
                let sha256 = sha256_hex(&data);
                let body = reqwest::Body::from(data);
                match upload(&client, &base, task, &title, body, size as u64).await {
                    Ok((303, took)) => {
                        recorder.ok("upload 5 MB", 303, took, size as u64);
                        sent.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(Sent { title, sha256 });
                    }
                    Ok((status, _)) => recorder.error(
                        "upload 5 MB",
                        Some(status),
                        format!("upload answered {status}"),
                    ),
                    Err(e) => recorder.error("upload 5 MB", None, e.to_string()),
                }
                get(
                    &recorder,
                    &client,
                    &base,
                    "clerk task page",
                    &format!("/tasks/{task}"),
                )
                .await;
            }
        }));
    }
    let slow_bytes = mix.slow_bytes();
    for (i, client, task) in slow {
        let (recorder, sent, base) = (recorder.clone(), sent.clone(), base.clone());
        let rate = mix.slow_rate;
        jobs.push(tokio::spawn(async move {
            let title = format!("deadline-slow-{i}");
            let data = content(1_000_000 + i as u64, slow_bytes);
            let sha256 = sha256_hex(&data);
            let body = paced(data, rate);
            match upload(&client, &base, task, &title, body, slow_bytes as u64).await {
                Ok((303, took)) => {
                    recorder.ok("slow upload (256 kbit/s)", 303, took, slow_bytes as u64);
                    sent.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Sent { title, sha256 });
                }
                Ok((status, _)) => recorder.error(
                    "slow upload (256 kbit/s)",
                    Some(status),
                    format!("slow upload answered {status}"),
                ),
                Err(e) => recorder.error("slow upload (256 kbit/s)", None, e.to_string()),
            }
        }));
    }
    for (i, client, keys) in assessors {
        let (recorder, base) = (recorder.clone(), base.clone());
        jobs.push(tokio::spawn(async move {
            let mut n = i;
            while Instant::now() < deadline {
                n += 1;
                let key = &keys[n % keys.len()];
                let path = format!("/rounds/{round}/items/{key}");
                let Some(page) = get(&recorder, &client, &base, "assessor item page", &path).await
                else {
                    continue;
                };
                let prefix = format!("action=\"/rounds/{round}/evidence/");
                let marks: Vec<&str> = page
                    .split(prefix.as_str())
                    .skip(1)
                    .filter_map(|rest| rest.split('/').next())
                    .collect();
                let (Some(token), false) = (csrf_token(&page), marks.is_empty()) else {
                    continue;
                };
                let evidence = marks[n % marks.len()];
                let sufficient = if n.is_multiple_of(3) { "no" } else { "yes" };
                let begun = Instant::now();
                let result = client
                    .post(format!("{base}/rounds/{round}/evidence/{evidence}/mark"))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("sufficient", sufficient),
                        ("remark", "截止日演练"),
                        ("back", ""),
                    ])
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status().as_u16() == 303 => {
                        recorder.ok("assessor mark (POST)", 303, begun.elapsed(), 0)
                    }
                    Ok(r) => {
                        let status = r.status().as_u16();
                        recorder.error(
                            "assessor mark (POST)",
                            Some(status),
                            format!("mark answered {status}"),
                        )
                    }
                    Err(e) => recorder.error("assessor mark (POST)", None, e.to_string()),
                }
            }
        }));
    }
    for (i, client) in office.into_iter().enumerate() {
        let (recorder, base) = (recorder.clone(), base.clone());
        jobs.push(tokio::spawn(async move {
            let mut n = i;
            while Instant::now() < deadline {
                n += 1;
                if n.is_multiple_of(2) {
                    get(&recorder, &client, &base, "office dashboard", "/").await;
                } else {
                    get(&recorder, &client, &base, "review queue", "/review").await;
                }
            }
        }));
    }
    // The floor under load: one client on /readyz throughout.
    {
        let (recorder, base) = (recorder.clone(), base.clone());
        let client = reqwest::Client::new();
        jobs.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                get(&recorder, &client, &base, "/readyz (under load)", "/readyz").await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    // Wrong passwords: a bounded stream against real accounts from four addresses.
    {
        let (recorder, base) = (recorder.clone(), base.clone());
        let every = Duration::from_secs_f64(1.0 / f64::from(mix.wrong_passwords_per_second));
        jobs.push(tokio::spawn(async move {
            let mut n = 0usize;
            let mut tick = tokio::time::interval(every);
            while Instant::now() < deadline {
                tick.tick().await;
                n += 1;
                let Ok(client) = client_from(&address(9, n % 4)) else {
                    continue;
                };
                let user = if n.is_multiple_of(5) {
                    "admin".to_string()
                } else {
                    format!("office{}", 1 + n % 10)
                };
                let Ok(page) = client.get(format!("{base}/login")).send().await else {
                    recorder.error("wrong password", None, "login page unreachable".into());
                    continue;
                };
                let token = csrf_token(&page.text().await.unwrap_or_default()).unwrap_or_default();
                let begun = Instant::now();
                let result = client
                    .post(format!("{base}/login"))
                    .form(&[
                        ("username", user.as_str()),
                        ("password", "Wrong-Guess-123"),
                        ("csrf_token", token.as_str()),
                    ])
                    .send()
                    .await;
                match result {
                    // Refused as expected: a wrong password, or throttled.
                    Ok(r) if matches!(r.status().as_u16(), 401 | 429) => {
                        recorder.ok("wrong password", r.status().as_u16(), begun.elapsed(), 0)
                    }
                    Ok(r) => {
                        let status = r.status().as_u16();
                        recorder.error(
                            "wrong password",
                            Some(status),
                            format!("a wrong password answered {status}"),
                        )
                    }
                    Err(e) => recorder.error("wrong password", None, e.to_string()),
                }
            }
        }));
    }
    for job in jobs {
        job.await?;
    }
    let wall = begun.elapsed().as_secs_f64();
    let (rss_after, peak) = server.memory();

    let sent = std::mem::take(&mut *sent.lock().unwrap_or_else(|e| e.into_inner()));
    let integrity = check_integrity(&base, dir, &sent, run_started).await?;
    drop(server);

    let kinds = std::mem::take(&mut *recorder.0.lock().unwrap_or_else(|e| e.into_inner()));
    let mut out = serde_json::Map::new();
    for (name, mut kind) in kinds {
        kind.latencies_ms.sort_by(f64::total_cmp);
        let pct = |p: f64| -> f64 {
            let all = &kind.latencies_ms;
            if all.is_empty() {
                return 0.0;
            }
            let i = ((p / 100.0) * (all.len() - 1) as f64).round() as usize;
            (all[i] * 100.0).round() / 100.0
        };
        out.insert(
            name.to_string(),
            json!({
                "requests": kind.latencies_ms.len(), "errors": kind.errors,
                "first_error": kind.first_error, "statuses": kind.statuses,
                "p50_ms": pct(50.0), "p95_ms": pct(95.0), "p99_ms": pct(99.0),
                "rps": ((kind.latencies_ms.len() as f64 / wall) * 10.0).round() / 10.0,
                "bytes": kind.bytes,
            }),
        );
    }
    let uploaded = out
        .get("upload 5 MB")
        .and_then(|k| k["bytes"].as_u64())
        .unwrap_or(0);
    Ok(json!({
        "mix": {
            "clerks": mix.clerks, "files_per_clerk": mix.files_per_clerk,
            "file_mb": mix.file_bytes / (1024 * 1024), "assessors": mix.assessors,
            "office": mix.office, "slow_clerks": mix.slow_clerks,
            "slow_kbit_s": mix.slow_rate * 8 / 1000, "slow_file_kib": slow_bytes / 1024,
            "wrong_passwords_per_second": mix.wrong_passwords_per_second,
            "seconds": mix.seconds,
        },
        "wall_seconds": (wall * 10.0).round() / 10.0,
        "floor": floor,
        "disk_write_mb_s": disk_write,
        "upload_mb_s": ((uploaded as f64 / 1e6 / wall) * 10.0).round() / 10.0,
        "server_rss_before_kib": rss_before,
        "server_rss_after_kib": rss_after,
        "server_peak_kib": peak,
        "kinds": Value::Object(out),
        "integrity": integrity,
    }))
}

/// Every acknowledged upload has its record (title → SHA-256 in the evidence export)
/// and its bytes on disk (a file written during the run with that SHA-256).
async fn check_integrity(
    base: &str,
    dir: &Path,
    sent: &[Sent],
    since: SystemTime,
) -> anyhow::Result<Value> {
    let office = crate::server::signed_in(base, "office1", "Demo-Office-2025").await?;
    let csv = office
        .get(format!("{base}/exports/evidence.csv"))
        .send()
        .await?
        .bytes()
        .await?;
    let mut recorded: HashMap<String, String> = HashMap::new();
    let mut reader =
        csv::Reader::from_reader(csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&csv));
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(title_at), Some(sha_at)) = (column("标题"), column("SHA-256")) else {
        anyhow::bail!("the evidence export has no 标题/SHA-256 columns");
    };
    for row in reader.records() {
        let row = row?;
        let title = row.get(title_at).unwrap_or("").trim_start_matches('\'');
        if title.starts_with("deadline-") {
            recorded.insert(title.to_string(), row.get(sha_at).unwrap_or("").to_string());
        }
    }
    // Files written since the run began, hashed again from the disk.
    let mut on_disk = HashSet::new();
    let mut stack = vec![server_files_dir(dir)];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)?.flatten() {
            let path = entry.path();
            let meta = entry.metadata()?;
            if meta.is_dir() {
                stack.push(path);
            } else if meta.modified().is_ok_and(|m| m >= since) {
                let bytes = tokio::fs::read(&path).await?;
                on_disk.insert(sha256_hex(&bytes));
            }
        }
    }
    let missing_record = sent
        .iter()
        .filter(|s| recorded.get(&s.title) != Some(&s.sha256))
        .count();
    let missing_bytes = sent.iter().filter(|s| !on_disk.contains(&s.sha256)).count();
    Ok(json!({
        "acknowledged": sent.len(),
        "record_missing_or_wrong": missing_record,
        "bytes_missing_or_corrupt": missing_bytes,
        "intact": missing_record == 0 && missing_bytes == 0,
    }))
}

/// The scenario's section of the results, with its targets judged.
pub fn render(results: &Value) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let m = &results["mix"];
    let mut md = format!(
        "## Deadline day (city scale, all at once)\n\n{} clerks each uploading up to {} files of {} MB, \
         {} assessors opening items and marking evidence, {} office users on the dashboard and review \
         queue, {} clerks uploading {} KiB at {} kbit/s, {} wrong passwords a second from four addresses; \
         {} s of load ({} s wall clock). Each person sends its own address (`SHIAN_TRUST_PROXY`).\n\n\
         | request | requests | p50 ms | p95 ms | p99 ms | req/s | statuses | errors |\n|---|---:|---:|---:|---:|---:|---|---:|\n",
        m["clerks"],
        m["files_per_clerk"],
        m["file_mb"],
        m["assessors"],
        m["office"],
        m["slow_clerks"],
        m["slow_file_kib"],
        m["slow_kbit_s"],
        m["wrong_passwords_per_second"],
        m["seconds"],
        results["wall_seconds"],
    );
    let floor = f(&results["floor"]["p95_ms"]).max(0.001);
    md.push_str(&format!(
        "| /readyz floor before the load (16 clients) | {} | {} | {} | {} | {} | | {} |\n",
        results["floor"]["requests"],
        results["floor"]["p50_ms"],
        results["floor"]["p95_ms"],
        results["floor"]["p99_ms"],
        results["floor"]["rps"],
        results["floor"]["errors"]
    ));
    let mut unexpected_errors = 0;
    let mut page_targets = Vec::new();
    if let Some(kinds) = results["kinds"].as_object() {
        for (name, k) in kinds {
            let statuses = k["statuses"]
                .as_object()
                .map(|s| {
                    s.iter()
                        .map(|(code, n)| format!("{code}×{n}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            md.push_str(&format!(
                "| {name} | {} | {} | {} | {} | {} | {statuses} | {} |\n",
                k["requests"], k["p50_ms"], k["p95_ms"], k["p99_ms"], k["rps"], k["errors"]
            ));
            unexpected_errors += k["errors"].as_u64().unwrap_or(0);
            let is_page = !name.contains("upload")
                && name != "wrong password"
                && !name.starts_with("/readyz");
            if is_page {
                let p95 = f(&k["p95_ms"]);
                page_targets.push((
                    format!("{name}: p95 < 50 ms and ≤ 10× the floor"),
                    format!("{p95} ms, {:.1}×", p95 / floor),
                    p95 < 50.0 && p95 <= 10.0 * floor,
                ));
            }
        }
    }
    let growth_mib =
        (f(&results["server_peak_kib"]) - f(&results["server_rss_before_kib"])) / 1024.0;
    let share = 100.0 * f(&results["upload_mb_s"]) / f(&results["disk_write_mb_s"]).max(0.001);
    let integrity = &results["integrity"];
    let mut targets = page_targets;
    targets.push((
        "no errors (401/429 expected only for wrong passwords)".into(),
        format!("{unexpected_errors} unexpected"),
        unexpected_errors == 0,
    ));
    targets.push((
        "uploads ≥ 50% of the disk's fsynced writes, in aggregate".into(),
        format!(
            "{} MB/s of {} MB/s = {share:.0}%",
            results["upload_mb_s"], results["disk_write_mb_s"]
        ),
        share >= 50.0,
    ));
    targets.push((
        "server memory growth < 256 MB".into(),
        format!(
            "{growth_mib:.0} MiB (from {} MiB to a peak of {} MiB)",
            results["server_rss_before_kib"].as_u64().unwrap_or(0) / 1024,
            results["server_peak_kib"].as_u64().unwrap_or(0) / 1024
        ),
        growth_mib < 256.0,
    ));
    targets.push((
        "every acknowledged upload intact (record and bytes, SHA-256)".into(),
        format!(
            "{} acknowledged, {} records missing or wrong, {} files missing or corrupt",
            integrity["acknowledged"],
            integrity["record_missing_or_wrong"],
            integrity["bytes_missing_or_corrupt"]
        ),
        integrity["intact"].as_bool().unwrap_or(false),
    ));
    md.push_str("\n| target | measured | held |\n|---|---|---|\n");
    for (target, measured, held) in targets {
        md.push_str(&format!(
            "| {target} | {measured} | {} |\n",
            if held { "yes" } else { "**no**" }
        ));
    }
    md
}
