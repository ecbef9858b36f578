//! Responses are compressed for browsers that ask (issue 17, part 5): pages and JSON by
//! gzip or brotli, evidence downloads never.

use std::io::Read;

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn pages_and_json_are_compressed_and_files_go_out_as_they_are() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let plain = office.get("/rubric").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get("content-encoding").is_none(), "not asked");

    let gzip = office
        .client
        .get(format!("{}/rubric", office.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let bytes = gzip.bytes().await.unwrap();
    let mut html = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains("基础工作"), "the page itself");
    assert!(
        bytes.len() * 3 < html.len(),
        "{} of {}",
        bytes.len(),
        html.len()
    );

    let br = office
        .client
        .get(format!("{}/api/v1/rubric", office.base))
        .header("accept-encoding", "br;q=1.0, gzip;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(br.headers()["content-encoding"], "br", "brotli preferred");

    // An evidence file is downloaded byte for byte, even when compression is offered.
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         WHERE o.name = '市食安办' ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let text = "工作台账\n".repeat(500).into_bytes();
    office
        .upload_documents(task, vec![("台账.txt", text.clone())])
        .await;
    let version: i64 = sqlx::query_scalar("SELECT max(id) FROM evidence_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let file = office
        .client
        .get(format!("{}/files/{version}", office.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.headers().get("content-encoding").is_none());
    assert_eq!(file.bytes().await.unwrap().to_vec(), text);
}
