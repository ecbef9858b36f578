//! Slow and stalled uploads, half-sent request heads, and a shutdown with a stalled download.

use super::*;

#[tokio::test]
async fn hardening_uploads_slow_upload_outlasting_the_request_timeout_is_kept() {
    let mut clerk = clerk(|config| {
        config.upload_idle = Duration::from_secs(2);
        config.request_timeout = Duration::from_secs(1);
    })
    .await;
    let data = pdf(600 * 1024, 3);
    let mut body = part_head("title", None);
    body.extend_from_slice("慢速线路上传".as_bytes());
    body.extend_from_slice(b"\r\n");
    body.extend(part_head("files", Some("slow.pdf")));
    body.extend_from_slice(&data);
    body.extend(closing());
    let head = clerk.upload_head(body.len(), "").await;
    let mut stream = TcpStream::connect(clerk.addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // Six pieces, 0.7 s apart: about 4 s in all, four times the total limit of other
    // requests, but never idle for as long as the 2 s idle limit.
    for piece in body.chunks(body.len().div_ceil(6)) {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let (status, body) = read_response(&mut stream).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(clerk.evidence_count().await, 1);
    let sha: String = sqlx::query_scalar(
        "SELECT f.sha256 FROM stored_files f JOIN evidence_versions v ON v.file_id = f.id \
         JOIN evidence e ON e.id = v.evidence_id WHERE e.task_id = $1",
    )
    .bind(clerk.task)
    .fetch_one(&clerk.app.pool)
    .await
    .unwrap();
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, expected, "the slow file arrived whole");
}

#[tokio::test]
async fn hardening_uploads_stalled_upload_is_refused_clearly_and_leaves_nothing() {
    let mut clerk = clerk(|config| config.upload_idle = Duration::from_secs(2)).await;
    let data = pdf(300 * 1024, 4);
    let mut body = part_head("files", Some("stalled.pdf"));
    body.extend_from_slice(&data);
    body.extend(closing());
    for progress_bar in [false, true] {
        let extra = if progress_bar {
            "X-Requested-With: XMLHttpRequest\r\n"
        } else {
            ""
        };
        let head = clerk.upload_head(body.len(), extra).await;
        let mut stream = TcpStream::connect(clerk.addr()).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        // Half the file, then nothing: the server must give up by itself.
        stream.write_all(&body[..body.len() / 2]).await.unwrap();
        let answered = tokio::time::timeout(Duration::from_secs(30), read_response(&mut stream))
            .await
            .expect("the server answers a stalled upload by itself");
        let (status, text) = answered;
        assert_eq!(status, 408, "{text}");
        if progress_bar {
            let json: serde_json::Value =
                serde_json::from_str(text.trim()).expect("a JSON message for the progress bar");
            assert_eq!(json["error"], "error-upload-stalled");
            assert!(
                json["message"]
                    .as_str()
                    .unwrap()
                    .contains("长时间没有收到数据"),
                "{json}"
            );
        } else {
            assert!(text.contains("长时间没有收到数据"), "{text}");
            assert!(text.contains("<html"), "a full page");
        }
    }
    assert_eq!(clerk.evidence_count().await, 0);
    assert!(
        clerk.app.stored_files().is_empty(),
        "{:?}",
        clerk.app.stored_files()
    );
}

#[tokio::test]
async fn hardening_uploads_half_sent_request_head_is_closed() {
    let app =
        TestApp::spawn_with(|config| config.header_read_timeout = Duration::from_secs(1)).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nUser-Agent: half")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the server closes a connection whose head never completes"
    );
    // A complete head on a new connection is still served.
    let page = reqwest::get(format!("{}/login", app.base)).await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn hardening_uploads_shutdown_is_bounded_by_the_grace_period() {
    let database_url = crate::support::fresh_database().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_tests(database_url.clone(), data_dir.path().to_path_buf());
    config.shutdown_grace = Duration::from_secs(1);
    let application = Application::build(config).await.unwrap();
    let base = format!("http://{}", application.local_addr());
    let pool = application.pool();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    let app = TestApp {
        base,
        pool,
        database_url,
        data_dir,
    };
    let mut clerk = clerk_of(app).await;
    let form = Form::new().part("files", file("大文件.pdf", pdf(48 * 1024 * 1024, 7)));
    let page = clerk
        .browser
        .post_multipart(&format!("/tasks/{}/evidence", clerk.task), form)
        .await;
    assert_eq!(page.status, reqwest::StatusCode::SEE_OTHER, "{}", page.body);
    let version: i64 =
        sqlx::query_scalar("SELECT id FROM evidence_versions ORDER BY id DESC LIMIT 1")
            .fetch_one(&clerk.app.pool)
            .await
            .unwrap();

    // A download whose client reads a little and then stops reading.
    let mut stream = TcpStream::connect(clerk.addr()).await.unwrap();
    let request = format!(
        "GET /files/{version} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\r\n",
        clerk.addr(),
        clerk.cookie()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut first = vec![0u8; 4096];
    let read = stream.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));

    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(1 + 15), server).await;
    assert!(
        finished.is_ok(),
        "run_until returns within the grace period (plus a margin) despite the stalled download"
    );
    finished.unwrap().unwrap().unwrap();
    drop(stream);
}
