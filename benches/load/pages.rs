//! Page latency: each page under 1, 16 and 64 concurrent clients.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{Server, clerk_name, fresh_client, login, signed_in};
use crate::{CONCURRENCY, Options};

/// Ids the pages need: the open provincial round, a bulletin, an indicator item.
pub async fn ids(client: &reqwest::Client, base: &str) -> anyhow::Result<(i64, i64)> {
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

/// A submitted inspection point of the open round with findings (its record page is the
/// heaviest: checklist, findings, photos), as the lead sees the plan.
pub async fn recorded_point(
    client: &reqwest::Client,
    base: &str,
    round: i64,
) -> anyhow::Result<i64> {
    let plan: Value = client
        .get(format!("{base}/api/v1/rounds/{round}/inspections"))
        .send()
        .await?
        .json()
        .await?;
    plan["points"]
        .as_array()
        .and_then(|p| {
            p.iter()
                .find(|p| p["findings_count"].as_i64().unwrap_or(0) > 0)
                .and_then(|p| p["id"].as_i64())
        })
        .ok_or_else(|| anyhow::anyhow!("no inspection point with findings in the demo data"))
}

/// The demo's 自查自评 and 市级考评 (ids from the API, as the office sees them).
pub async fn evaluation_ids(client: &reqwest::Client, base: &str) -> anyhow::Result<(i64, i64)> {
    let orgs: Value = client
        .get(format!("{base}/api/v1/organisations"))
        .send()
        .await?
        .json()
        .await?;
    let org = orgs["organisations"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "department"))
        .and_then(|o| o["id"].as_i64())
        .ok_or_else(|| anyhow::anyhow!("no department in the demo data"))?;
    let list: Value = client
        .get(format!("{base}/api/v1/organisations/{org}/evaluations"))
        .send()
        .await?
        .json()
        .await?;
    let find = |kind: &str| {
        list["evaluations"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["kind"] == kind))
            .and_then(|e| e["evaluation_id"].as_i64())
            .ok_or_else(|| anyhow::anyhow!("no {kind} evaluation in the demo data"))
    };
    Ok((find("self")?, find("city")?))
}

#[derive(Clone, Copy)]
pub enum Who {
    Nobody,
    Office,
    Clerk,
    Assessor,
    /// The demo round's lead assessor (expert-1-1, the first of the first group).
    Lead,
    Login,
    /// A signed-out visitor of the public pages (its session made before the clock).
    Public,
    Admin,
}

pub struct Target {
    pub name: &'static str,
    pub path: String,
    pub who: Who,
}

/// A search page's path for `q`.
fn search_path(path: &str, q: &str) -> String {
    format!(
        "{path}?q={}",
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// Measures every page (or, with `all = false`, the dashboard, the indicator page and a
/// search for a common word).
pub async fn measure_pages(server: &Server, options: &Options, all: bool) -> anyhow::Result<Value> {
    let base = server.base.clone();
    let probe = signed_in(&base, "office1", "Demo-Office-2025").await?;
    let (round, bulletin) = ids(&probe, &base).await?;
    // Demo data kept from before the evaluations existed has none: those rows are skipped
    // (remove target/bench-data to regenerate).
    let evaluations = match evaluation_ids(&probe, &base).await {
        Ok(ids) => Some(ids),
        Err(err) => {
            eprintln!("bench: evaluation pages skipped: {err}");
            None
        }
    };
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
        // At every scale too: how search grows with the records a campaign holds.
        Target {
            name: "search 抽检, a common word (office)",
            path: search_path("/search", "抽检"),
            who: Who::Office,
        },
        // And the audit trail, which at province scale holds 4 million events.
        Target {
            name: "admin: audit log",
            path: "/admin/audit".into(),
            who: Who::Admin,
        },
        Target {
            name: "admin: audit log, one action",
            path: "/admin/audit?action=task.approve".into(),
            who: Who::Admin,
        },
        Target {
            name: "admin: audit log, one user",
            path: "/admin/audit?user=office1".into(),
            who: Who::Admin,
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
                // The item with the most files (690 at city scale), as the lead who
                // marks them: the first page of 50 with every filter's counts.
                name: "item with 690 files (lead)",
                path: format!("/rounds/{round}/items/p1"),
                who: Who::Lead,
            },
            Target {
                name: "item evidence, filtered page 2",
                path: format!("/rounds/{round}/items/p12?kind=document&page=2"),
                who: Who::Office,
            },
            Target {
                name: "evidence library (office)",
                path: "/review/evidence".into(),
                who: Who::Office,
            },
            Target {
                name: "evidence lapsing (office)",
                path: "/review/evidence?lapsing=1".into(),
                who: Who::Office,
            },
            Target {
                name: "own task list (clerk)",
                path: "/tasks".into(),
                who: Who::Clerk,
            },
            Target {
                name: "item page with findings (lead)",
                path: format!("/rounds/{round}/items/p22"),
                who: Who::Lead,
            },
            Target {
                name: "leader interviews (lead)",
                path: format!("/rounds/{round}/interviews"),
                who: Who::Lead,
            },
            Target {
                name: "score sheet (.xlsx)",
                path: format!("/rounds/{round}/sheet.xlsx"),
                who: Who::Office,
            },
            Target {
                name: "evaluation report",
                path: format!("/rounds/{round}/report"),
                who: Who::Office,
            },
            Target {
                name: "bulletin",
                path: format!("/bulletins/{bulletin}"),
                who: Who::Office,
            },
            Target {
                name: "public 公示 list",
                path: "/publicity".into(),
                who: Who::Public,
            },
            Target {
                name: "JSON progress",
                path: "/api/v1/progress".into(),
                who: Who::Office,
            },
            Target {
                name: "search 明厨亮灶 (office)",
                path: search_path("/search", "明厨亮灶"),
                who: Who::Office,
            },
            Target {
                name: "search a company name (office)",
                path: search_path("/search", "雪域乳业"),
                who: Who::Office,
            },
            Target {
                name: "search a 文号 (office)",
                path: search_path("/search", "卡市监〔2025〕12号"),
                who: Who::Office,
            },
            Target {
                name: "search 抽检 (clerk)",
                path: search_path("/search", "抽检"),
                who: Who::Clerk,
            },
            Target {
                name: "JSON search 食品安全示范",
                path: search_path("/api/v1/search", "食品安全示范"),
                who: Who::Office,
            },
            // The main pages every day's work goes through (issue 17, part 5).
            Target {
                name: "task list (office)",
                path: "/tasks".into(),
                who: Who::Office,
            },
            Target {
                name: "review queue (office)",
                path: "/review".into(),
                who: Who::Office,
            },
            Target {
                name: "rubric tree",
                path: "/rubric".into(),
                who: Who::Office,
            },
            Target {
                name: "monthly reports (office)",
                path: "/reports".into(),
                who: Who::Office,
            },
            Target {
                name: "own monthly reports (clerk)",
                path: "/reports".into(),
                who: Who::Clerk,
            },
            Target {
                name: "bulletin list",
                path: "/bulletins".into(),
                who: Who::Clerk,
            },
            Target {
                name: "targets",
                path: "/targets".into(),
                who: Who::Office,
            },
            Target {
                name: "rounds list",
                path: "/rounds".into(),
                who: Who::Office,
            },
            Target {
                name: "notifications (clerk)",
                path: "/notifications".into(),
                who: Who::Clerk,
            },
            Target {
                name: "exports page (office)",
                path: "/exports".into(),
                who: Who::Office,
            },
            Target {
                name: "task list (.csv)",
                path: "/exports/tasks.csv".into(),
                who: Who::Office,
            },
            Target {
                name: "分解表 (.xlsx)",
                path: "/exports/tasks.xlsx".into(),
                who: Who::Office,
            },
            Target {
                name: "大屏 (office)",
                path: "/screen".into(),
                who: Who::Office,
            },
            Target {
                // What the wall screen fetches every minute.
                name: "大屏 refresh",
                path: "/screen?fragment=1".into(),
                who: Who::Office,
            },
            Target {
                name: "94-indicator heat map (office)",
                path: "/office/matrix".into(),
                who: Who::Office,
            },
            Target {
                name: "admin: users",
                path: "/admin/users".into(),
                who: Who::Admin,
            },
            Target {
                name: "admin: organisations",
                path: "/admin/orgs".into(),
                who: Who::Admin,
            },
            Target {
                name: "admin: rubric edition",
                path: "/admin/campaign/edition".into(),
                who: Who::Admin,
            },
            Target {
                name: "evaluation report (.docx)",
                path: format!("/rounds/{round}/report.docx"),
                who: Who::Office,
            },
            Target {
                name: "own problem list (clerk)",
                path: "/problems".into(),
                who: Who::Clerk,
            },
            Target {
                name: "problem list (office)",
                path: "/problems".into(),
                who: Who::Office,
            },
            Target {
                // The 调度 register: this month's and year's counts per kind and the
                // latest meetings with their decisions' outcomes.
                name: "meeting register (office)",
                path: "/meetings".into(),
                who: Who::Office,
            },
            Target {
                // 督查督办: every unit's lights counted over all tasks, and the orders.
                name: "supervision lights and orders (office)",
                path: "/supervision".into(),
                who: Who::Office,
            },
            Target {
                name: "own 督办单 and light (clerk)",
                path: "/supervision".into(),
                who: Who::Clerk,
            },
            Target {
                name: "programmes of the plan",
                path: "/programmes".into(),
                who: Who::Office,
            },
            Target {
                // 源头治理提升工程: its text, units and every county's task.
                name: "one programme with its tasks",
                path: "/programmes/1".into(),
                who: Who::Office,
            },
            Target {
                // 28 (其他有关成员单位): the clause and the members it reaches.
                name: "indicator page with member expansion",
                path: "/rubric/indicators/28".into(),
                who: Who::Office,
            },
        ]);
    }
    // Demo data kept from before the inspections existed has no points: skipped.
    let lead = signed_in(&base, "expert-1-1", "Demo-Expert-2025").await?;
    match recorded_point(&lead, &base, round).await {
        Ok(point) if all => targets.push(Target {
            name: "inspection record page (lead)",
            path: format!("/rounds/{round}/inspections/{point}"),
            who: Who::Lead,
        }),
        Ok(_) => {}
        Err(err) => eprintln!("bench: inspection record page skipped: {err}"),
    }
    if let (true, Some((self_check, city))) = (all, evaluations) {
        targets.extend([
            Target {
                name: "evaluations list (office)",
                path: "/evaluations".into(),
                who: Who::Office,
            },
            Target {
                name: "own 自查自评 page (clerk)",
                path: format!("/evaluations/{self_check}"),
                who: Who::Clerk,
            },
            Target {
                name: "自查自评 overview (office)",
                path: format!("/evaluations/{self_check}"),
                who: Who::Office,
            },
            Target {
                name: "市级考评 ranking",
                path: format!("/evaluations/{city}/ranking"),
                who: Who::Office,
            },
        ]);
    }
    if let Some(only) = &options.only {
        // Several names may be given, separated by "|".
        targets.retain(|t| {
            only.split('|').any(|name| t.name.contains(name)) || matches!(t.who, Who::Nobody)
        });
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

pub async fn run_load(
    base: &str,
    target: &Target,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<Value> {
    // Sessions are made before the clock starts (logins are measured on their own).
    let mut sessions = Vec::new();
    for i in 0..clients {
        let client = match target.who {
            Who::Nobody | Who::Login | Who::Public => reqwest::Client::builder()
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
            Who::Lead => signed_in(base, "expert-1-1", "Demo-Expert-2025").await?,
            Who::Admin => signed_in(base, "admin", "Demo-Admin-2025").await?,
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
            let mut body_bytes = 0usize;
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
                                // The page as the browser receives it (the client
                                // asks for no compression: this is the HTML's size).
                                body_bytes = r.bytes().await.map(|b| b.len()).unwrap_or(0);
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
            (latencies, errors, first_error, body_bytes)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    let mut body_bytes = 0;
    for task in tasks {
        let (l, e, first, bytes) = task.await?;
        body_bytes = body_bytes.max(bytes);
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
        "body_kb": ((body_bytes as f64 / 1024.0) * 10.0).round() / 10.0,
    }))
}
