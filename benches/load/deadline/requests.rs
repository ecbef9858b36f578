//! The people of the scenario and their requests: signed-in clients with addresses of
//! their own, generated files, uploads (fast and paced) and recorded page loads.

use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Recorder;
use crate::server::csrf_token;

/// A signed-in person with an address of their own.
pub async fn person(
    base: &str,
    username: &str,
    password: &str,
    address: &str,
) -> anyhow::Result<reqwest::Client> {
    let client = client_from(address)?;
    crate::server::login(&client, base, username, password).await?;
    Ok(client)
}

pub fn client_from(address: &str) -> anyhow::Result<reqwest::Client> {
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
pub fn address(group: u8, i: usize) -> String {
    format!("127.{group}.{}.{}", (i / 250) % 250, 1 + i % 250)
}

/// Deterministic incompressible content of a PDF-looking file.
pub fn content(seed: u64, size: usize) -> Vec<u8> {
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

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An editable task of the signed-in clerk (in progress, returned or not started), if
/// its organisation has one left.
pub async fn editable_task(
    client: &reqwest::Client,
    base: &str,
    n: usize,
) -> anyhow::Result<Option<i64>> {
    for status in ["in_progress", "returned", "not_started"] {
        let list: Value = client
            .get(format!("{base}/api/v1/tasks?status={status}"))
            .send()
            .await?
            .json()
            .await?;
        let ids: Vec<i64> = list["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["id"].as_i64())
            .collect();
        if !ids.is_empty() {
            return Ok(Some(ids[n % ids.len()]));
        }
    }
    Ok(None)
}

/// What an acknowledged upload should have stored.
pub struct Sent {
    pub title: String,
    pub sha256: String,
}

pub async fn upload(
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
pub fn paced(data: Vec<u8>, rate: usize) -> reqwest::Body {
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
pub async fn get(
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
