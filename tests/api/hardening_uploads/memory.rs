//! Bounded memory for oversize form fields, part headers and unknown field names.

use super::*;

/// The resident memory of this process (the test server runs in it), in bytes.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS")
}

/// Sends an upload of `start`, then `filler` bytes of `y`, then `end`, while sampling
/// this process's memory; returns the answer and the peak growth of resident memory.
async fn send_measuring(
    clerk: &mut Clerk,
    start: Vec<u8>,
    filler: usize,
    end: Vec<u8>,
) -> (String, u64) {
    let head = clerk
        .upload_head(start.len() + filler + end.len(), "")
        .await;
    let stream = TcpStream::connect(clerk.addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();

    let baseline = resident_bytes();
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = tokio::spawn({
        let sampling = sampling.clone();
        async move {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::SeqCst) {
                peak = peak.max(resident_bytes());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        }
    });
    let sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        writer.write_all(&start).await?;
        let chunk = vec![b'y'; 64 * 1024];
        for _ in 0..filler / chunk.len() {
            writer.write_all(&chunk).await?;
        }
        writer.write_all(&end).await
    });
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(120), reader.read_to_end(&mut raw)).await;
    sender.abort();
    sampling.store(false, std::sync::atomic::Ordering::SeqCst);
    let peak = sampler.await.unwrap();
    (
        String::from_utf8_lossy(&raw).into_owned(),
        peak.saturating_sub(baseline),
    )
}

#[tokio::test]
async fn hardening_uploads_oversize_text_field_is_refused_without_holding_it() {
    let mut clerk = clerk(|_| {}).await;
    let (text, growth) = send_measuring(
        &mut clerk,
        part_head("description", None),
        200 * 1024 * 1024,
        closing(),
    )
    .await;
    println!(
        "RSS growth while sending a 200 MB field: {} MB",
        growth >> 20
    );
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("文字内容过长"), "{text}");
    assert!(
        growth < 64 * 1024 * 1024,
        "memory grew by {} MB while refusing the field",
        growth >> 20
    );
    assert_eq!(clerk.evidence_count().await, 0);
}

#[tokio::test]
async fn hardening_uploads_endless_part_header_is_refused_without_holding_it() {
    let mut clerk = clerk(|_| {}).await;
    // A field name that never ends: multer would buffer the part's headers whole.
    let start = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").into_bytes();
    let (text, growth) = send_measuring(
        &mut clerk,
        start,
        100 * 1024 * 1024,
        b"\"\r\n\r\nv".to_vec(),
    )
    .await;
    println!(
        "RSS growth while sending a 100 MB field name: {} MB",
        growth >> 20
    );
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("提交的内容过大"), "{text}");
    assert!(
        growth < 64 * 1024 * 1024,
        "memory grew by {} MB while refusing the header",
        growth >> 20
    );
}

#[tokio::test]
async fn hardening_uploads_unknown_field_names_are_capped() {
    let mut clerk = clerk(|_| {}).await;
    let form = Form::new()
        .text("x".repeat(200), "v")
        .part("files", file("a.pdf", pdf(20_000, 1)));
    let page = clerk
        .browser
        .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(clerk.evidence_count().await, 0);
}
