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

mod integrity;
mod report;
mod requests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::pages::{Target, Who, run_load};
use crate::server::{Server, csrf_token};
use crate::storage::dd;
use integrity::check_integrity;
pub use report::render;
use requests::{
    Sent, address, client_from, content, editable_task, get, paced, person, sha256_hex, upload,
};

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
    let probe = dir.join("files").join("dd-deadline-probe");
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
    // Clerks of organisations that still have editable tasks (in the demo some have
    // finished everything); past the first four clerks of each such organisation an
    // account signs in again from another browser, as colleagues sharing one do.
    let mut accounts = std::collections::HashSet::new();
    let mut candidate = 0;
    while clerks.len() < mix.clerks && candidate < 50 * mix.clerks {
        let name = crate::server::clerk_name_of(&base, candidate, 4).await?;
        candidate += 1;
        let i = clerks.len();
        let client = person(&base, &name, "Demo-Clerk-2025", &address(1, i)).await?;
        if let Some(task) = editable_task(&client, &base, i).await? {
            accounts.insert(name);
            clerks.push((i, client, task));
        }
    }
    anyhow::ensure!(!clerks.is_empty(), "no clerk has an editable task");
    let mut slow = Vec::new();
    let mut candidate = 0;
    while slow.len() < mix.slow_clerks && candidate < 50 * mix.slow_clerks {
        // The fifth clerk of each organisation: none of the fast ones.
        let name = crate::server::clerk_name_fifth(&base, candidate).await?;
        candidate += 1;
        let i = slow.len();
        let client = person(&base, &name, "Demo-Clerk-2025", &address(3, i)).await?;
        if let Some(task) = editable_task(&client, &base, i).await? {
            accounts.insert(name);
            slow.push((i, client, task));
        }
    }
    let (clerk_sessions, slow_sessions) = (clerks.len(), slow.len());
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
                // Each mark form: the evidence in its action and the indicator it marks
                // for (a file serving two indicators of an item is marked for each).
                let prefix = format!("action=\"/rounds/{round}/evidence/");
                let marks: Vec<(&str, &str)> = page
                    .split(prefix.as_str())
                    .skip(1)
                    .filter_map(|rest| {
                        let evidence = rest.split('/').next()?;
                        let indicator = rest
                            .split("name=\"indicator\" value=\"")
                            .nth(1)?
                            .split('"')
                            .next()?;
                        Some((evidence, indicator))
                    })
                    .collect();
                let (Some(token), false) = (csrf_token(&page), marks.is_empty()) else {
                    continue;
                };
                let (evidence, indicator) = marks[n % marks.len()];
                let sufficient = if n.is_multiple_of(3) { "no" } else { "yes" };
                let begun = Instant::now();
                let result = client
                    .post(format!("{base}/rounds/{round}/evidence/{evidence}/mark"))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("indicator", indicator),
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
            "clerk_accounts": accounts.len(),
            "clerks": clerk_sessions, "files_per_clerk": mix.files_per_clerk,
            "file_mb": mix.file_bytes / (1024 * 1024), "assessors": mix.assessors,
            "office": mix.office, "slow_clerks": slow_sessions,
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
