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
//! pages whose name contains NAME, or any of `A|B|C`, beside the floor; nothing is saved), `--deadline`
//! (only the deadline-day scenario: see `deadline.rs`; saved to `deadline-day.{md,json}`).

mod deadline;
mod pages;
mod report;
mod server;
mod storage;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::json;

use pages::measure_pages;
use report::{machine, render_markdown};
use server::{Server, prepare, scale_summary, search_index_summary};
use storage::{measure_export, measure_storage};

const SHIAN: &str = env!("CARGO_BIN_EXE_shian");
const CONCURRENCY: [usize; 3] = [1, 16, 64];

struct Options {
    seconds: f64,
    /// Measure only the pages whose name contains this (e.g. `--only login`).
    only: Option<String>,
    province: bool,
    file_mb: u64,
    /// Run only the deadline-day scenario (`--deadline`).
    deadline_only: bool,
    /// Seconds of deadline-day load.
    deadline_seconds: f64,
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
        deadline_only: args.iter().any(|a| a == "--deadline"),
        deadline_seconds: if quick { 20.0 } else { 60.0 },
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

    let city = prepare(&work, "city")?;
    if options.deadline_only {
        return deadline_day(&runtime, &root, &work, &options);
    }
    // City scale: every page, every concurrency, storage and the export.
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
    deadline_day(&runtime, &root, &work, &options)?;

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
    results["search_index"] = json!({
        "small": search_index_summary(&work, "small"),
        "city": search_index_summary(&work, "city"),
        "province": search_index_summary(&work, "province"),
    });
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

/// The deadline-day scenario on the city data, saved to `benches/results/deadline-day.*`.
/// Its uploads stay in the city data, so the data is marked to be made afresh next time
/// (every run measures the same demo data).
fn deadline_day(
    runtime: &tokio::runtime::Runtime,
    root: &std::path::Path,
    work: &std::path::Path,
    options: &Options,
) -> anyhow::Result<()> {
    let city = prepare(work, "city")?;
    let mix = deadline::Mix::issue(options.deadline_seconds);
    let measured = runtime.block_on(deadline::run(&city, 18182, &mix));
    let _ = std::fs::remove_file(city.join("demo-done"));
    let mut results = measured?;
    results["machine"] = machine();
    let out = root.join("benches/results");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("deadline-day.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    let markdown = format!(
        "# Shian benchmark: deadline day\n\nMachine: {} CPUs ({}); the load generator runs on the same \
         machine as the server and its database. Made by `scripts/bench --deadline`.\n\n{}",
        results["machine"]["cpus"],
        results["machine"]["cpu"].as_str().unwrap_or(""),
        deadline::render(&results)
    );
    std::fs::write(out.join("deadline-day.md"), &markdown)?;
    println!("{markdown}");
    Ok(())
}
