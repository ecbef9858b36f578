//! Whether every acknowledged upload survived the load intact.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::SystemTime;

use serde_json::{Value, json};

use super::Sent;
use super::requests::sha256_hex;

/// Every acknowledged upload has its record (title → SHA-256 in the evidence export)
/// and its bytes on disk (a file written during the run with that SHA-256).
pub async fn check_integrity(
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
    // The data folder's stored files (its tmp/ holds only uploads in progress).
    let mut stack = vec![dir.join("files")];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)?.flatten() {
            let path = entry.path();
            let meta = entry.metadata()?;
            if meta.is_dir() {
                if entry.file_name() != "tmp" {
                    stack.push(path);
                }
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
