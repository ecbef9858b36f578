//! The scenario's results as Markdown, with its targets judged.

use serde_json::Value;

/// The scenario's section of the results, with its targets judged.
pub fn render(results: &Value) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let m = &results["mix"];
    let mut md = format!(
        "## Deadline day (city scale, all at once)\n\n{} clerks each uploading up to {} files of {} MB, \
         {} assessors opening items and marking evidence, {} office users on the dashboard and review \
         queue, {} clerks uploading {} KiB at {} kbit/s, {} wrong passwords a second from four addresses; \
         {} s of load ({} s wall clock). The clerks are {} accounts of organisations that still have \
         editable tasks, some signed in from two browsers. Each person sends its own address (`SHIAN_TRUST_PROXY`).\n\n\
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
        m["clerk_accounts"],
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
