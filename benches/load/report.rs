//! The results as Markdown, with each target judged from the figures.

use serde_json::{Value, json};

use crate::CONCURRENCY;

pub fn machine() -> Value {
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

pub fn render_markdown(results: &Value) -> String {
    let mut md = String::from("# Shian benchmark results\n\n");
    md.push_str(&format!(
        "Machine: {} CPUs ({}). Each figure is one run of `scripts/bench`; the machine is shared and noisy, so \
         compare ratios to the `/readyz` floor rather than absolute numbers.\n\n",
        results["machine"]["cpus"], results["machine"]["cpu"].as_str().unwrap_or("")
    ));
    let city = &results["city"];
    md.push_str("## Pages at city scale\n\n| page | clients | p50 ms | p95 ms | p99 ms | req/s | p95 ÷ floor | errors | HTML KB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
                    "| {name} | {clients} | {} | {} | {} | {} | {:.1}× | {} | {} |\n",
                    s["p50_ms"],
                    s["p95_ms"],
                    s["p99_ms"],
                    s["rps"],
                    ratio,
                    s["errors"],
                    s["body_kb"]
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

    // The issue's targets, judged from the figures above (16 clients, city scale).
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
        // The heaviest response of any page (HTML or JSON, before compression).
        let heaviest = pages
            .iter()
            .filter(|(name, _)| name.as_str() != "server_memory_kib")
            .map(|(name, by)| (name.clone(), f(&by["16"]["body_kb"])))
            .filter(|(name, _)| !name.contains("(."))
            .fold((String::new(), 0.0), |a, b| if b.1 > a.1 { b } else { a });
        targets.push((
            "every page's HTML under 200 KB (uncompressed)".into(),
            format!("heaviest: {} at {} KB", heaviest.0, heaviest.1),
            heaviest.1 < 200.0,
        ));
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
    md.push_str(&why_pages_miss(city));
    if let Some(index) = results["search_index"].as_object() {
        md.push_str("\n## Full-text indexing\n\nEach scale's files extracted (each in a child process) and indexed by `shian search reindex --wait` on the demo data, before any server starts:\n\n");
        for (scale, report) in index {
            if let Some(text) = report.as_str().filter(|t| !t.is_empty()) {
                md.push_str(&format!("**{scale}**\n\n```\n{text}\n```\n\n"));
            }
        }
    }
    md.push_str("\n## How latency grows with data (16 clients, p95 ms)\n\n");
    let table_head = "| scale | city dashboard | indicator page | search 抽检 | audit log | audit log, one action | audit log, one user | floor |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
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
                    "| {scale} | {} | {} | {} | {} | {} | {} | {} |\n",
                    g["city dashboard"]["16"]["p95_ms"],
                    g["indicator page with evidence"]["16"]["p95_ms"],
                    g["search 抽检, a common word (office)"]["16"]["p95_ms"],
                    g["admin: audit log"]["16"]["p95_ms"],
                    g["admin: audit log, one action"]["16"]["p95_ms"],
                    g["admin: audit log, one user"]["16"]["p95_ms"],
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

/// What makes a page cost what it does, for the pages whose cost alone (one client) is
/// well above the floor's. Only what the page is known to do.
fn page_cost(name: &str) -> &'static str {
    match name {
        "login" => {
            "argon2id hashing of the password, on purpose: a stolen table of hashes must stay slow to try"
        }
        n if n.starts_with("search") || n.starts_with("JSON search") => {
            "full-text search over the city's 28,883 evidence records: matches are computed once per change of the data; each page still cuts 20 passages from the files' text and marks the words"
        }
        "task list (office)" => {
            "100 of 1,690 tasks, ordered by urgency over all of them, with each task's light, 督办 state and file count"
        }
        "review queue (office)" => {
            "100 submissions with each unit's returns and resubmissions counted from the task history"
        }
        "rubric tree" => {
            "the whole rubric: 94 indicators with their 评价内容, methods and responsible units (80 KB of HTML)"
        }
        "evidence library (office)" | "evidence lapsing (office)" => {
            "50 records of 28,883, each with its latest version and the indicators it serves"
        }
        "indicator page with member expansion" => {
            "an indicator of the rubric with its 责任 cells read and each member unit's task"
        }
        n if n.starts_with("item") || n.starts_with("indicator page") => {
            "an indicator's evidence from every unit, with each file's marks and the round's findings"
        }
        n if n.starts_with("admin:") => {
            "every account, organisation or audit row of the page with its names joined in"
        }
        _ => "",
    }
}

/// Why pages miss the 5×-floor target, from the figures: the target set against a
/// floor that does no work at all.
fn why_pages_miss(city: &Value) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let floor16 = f(&city["/readyz (floor)"]["16"]["p95_ms"]).max(0.001);
    let floor1 = f(&city["/readyz (floor)"]["1"]["p50_ms"]).max(0.001);
    let mut rows = Vec::new();
    if let Some(pages) = city.as_object() {
        for (name, by) in pages {
            if name == "server_memory_kib" || name.starts_with("/readyz") {
                continue;
            }
            let p95 = f(&by["16"]["p95_ms"]);
            if p95 <= 5.0 * floor16 {
                continue;
            }
            let alone = f(&by["1"]["p50_ms"]);
            rows.push((name.clone(), alone, p95, p95 / alone.max(0.001)));
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut md = format!(
        "\n## Why pages miss 5× the floor\n\n\
         The floor, `/readyz`, answers from memory: {floor1:.2} ms alone, {floor16:.2} ms p95 at 16 clients, which is \
         loopback HTTP and 16 clients queuing for 2 cores. 5× that is {:.1} ms. Every other page reads PostgreSQL \
         (each statement a round trip through the socket, planned and executed by a server sharing the same 2 \
         cores with the load generator) and renders HTML. On this machine a page's 16-client p95 is about 8–12× \
         what it costs alone (16 requests in flight on 2 cores), so the 5× target asks a page to cost well under a \
         millisecond alone; pages that read figures computed once per change of the data (the dashboards, the 大屏, \
         JSON progress, the exports) do, pages that run their own queries on every request do not. The pages \
         below meet the 50 ms target except where the table says so; the column \"alone\" is what one request costs \
         with no other load.\n\n\
         | page | alone (c=1 p50 ms) | c=16 p95 ms | p95 ÷ alone | under 50 ms | what it does |\n|---|---:|---:|---:|---|---|\n",
        5.0 * floor16
    );
    for (name, alone, p95, ratio) in rows {
        md.push_str(&format!(
            "| {name} | {alone} | {p95} | {ratio:.1}× | {} | {} |\n",
            if p95 < 50.0 { "yes" } else { "**no**" },
            page_cost(&name)
        ));
    }
    md
}
