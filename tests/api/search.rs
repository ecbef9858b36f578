//! Full-text search inside evidence files: real uploads through the upload form, the
//! background worker extracting their text in its child process, and searches with the
//! visibility of the pages.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use shian::accounts::Role;
use shian::demo::files::{Noise, docx, scanned_pdf, text_pdf};

use crate::support::{Browser, TestApp};

/// A word that is in no title, file name or rubric text: only inside the files.
const WORD: &str = "明厨亮灶示范点";
const LATIN: &str = "zhuanxiangjiancha";

fn encoded(q: &str) -> String {
    percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn api(browser: &mut Browser, q: &str) -> (StatusCode, Value) {
    let page = browser
        .get(&format!("/api/v1/search?q={}", encoded(q)))
        .await;
    let json = serde_json::from_str(&page.body).unwrap_or(Value::Null);
    (page.status, json)
}

/// Polls the API until `done` holds for the answer, or fails after a deadline.
async fn wait_for(browser: &mut Browser, q: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (status, json) = api(browser, q).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        if done(&json) {
            return json;
        }
        assert!(
            Instant::now() < deadline,
            "the indexer did not finish in time: {json}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn states(json: &Value) -> Vec<String> {
    json["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| h["text_state"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// What the search page's own box holds (the header has a box too).
fn typed(page: &crate::support::Page) -> Option<String> {
    let document = scraper::Html::parse_document(&page.body);
    let selector = scraper::Selector::parse(".search-form input[name=\"q\"]").unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_string))
}

#[tokio::test]
async fn words_inside_pdfs_and_word_files_are_found_by_those_who_may_read_them() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut owner = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let mut other = app
        .signed_in("jiangda", Role::Department, Some("江达县"))
        .await;
    let task = app.task_id(29, "卡若区").await;
    let line = format!("{LATIN} 2025年{WORD}建设情况通报");
    // The scan and the broken PDF go first: the worker must go on past them.
    owner
        .upload_documents(
            task,
            vec![
                ("扫描件.pdf", scanned_pdf(&mut Noise::new(5))),
                (
                    "损坏文件.pdf",
                    b"%PDF-1.7\n1 0 obj << /Type /Catalog garbage \xff\xfe".to_vec(),
                ),
                (
                    "情况通报.pdf",
                    text_pdf(&["Shian test", &line, "以上情况特此通报。"]),
                ),
                (
                    "会议纪要.docx",
                    docx(&[
                        "会议纪要",
                        &format!("会议研究了{WORD}的推进工作（{LATIN}）。"),
                        "卡市监〔2025〕12号",
                    ]),
                ),
            ],
        )
        .await;

    // The office finds both files by the word only they contain, once the worker is done.
    let json = wait_for(&mut office, WORD, |j| {
        j["total"] == 2 && states(j).iter().all(|s| s == "done")
    })
    .await;
    let titles: Vec<&str> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"情况通报") && titles.contains(&"会议纪要"),
        "{titles:?}"
    );
    for hit in json["hits"].as_array().unwrap() {
        let passage = hit["passage"]["text"].as_str().unwrap();
        let [start, end] =
            [0, 1].map(|i| hit["passage"]["matches"][0][i].as_u64().unwrap() as usize);
        let marked: String = passage.chars().skip(start).take(end - start).collect();
        assert!(
            WORD.starts_with(&marked) && marked.chars().count() >= 4,
            "{passage} {marked}"
        );
        assert!(
            hit["indicators"]
                .as_array()
                .unwrap()
                .contains(&Value::from(29))
        );
    }
    // The Latin word, the document number and the organisation's name find them too.
    let (_, json) = api(&mut office, LATIN).await;
    assert_eq!(json["total"], 2, "{json}");
    let (_, json) = api(&mut office, "卡市监〔2025〕12号").await;
    assert_eq!(json["total"], 1, "{json}");
    let (_, json) = api(&mut office, &format!("卡若区 {WORD}")).await;
    assert_eq!(
        json["total"], 2,
        "organisation name and text together: {json}"
    );

    // The page: both hits, the match marked, each opening the file's preview at it.
    let page = office.get(&format!("/search?q={}", encoded(WORD))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts(".search-hit").len(), 2, "{}", page.body);
    assert!(
        page.contains(&format!("<mark>{WORD}</mark>")),
        "{}",
        page.body
    );
    assert!(page.contains(&format!("/preview?q={}#m1", encoded(WORD))));
    assert!(page.contains("共找到 2 份资料"));

    // A clerk of another organisation finds neither, on the page or through the API.
    let page = other.get(&format!("/search?q={}", encoded(WORD))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts(".search-hit").is_empty());
    assert!(!page.contains("情况通报"));
    let (_, json) = api(&mut other, WORD).await;
    assert_eq!(json["total"], 0, "{json}");
    // The owning organisation's clerk finds both.
    let (_, json) = api(&mut owner, WORD).await;
    assert_eq!(json["total"], 2, "{json}");

    // The scan is marked 无文字层, the broken file 无法提取文字 (found by their titles).
    let page = office
        .get(&format!("/search?q={}", encoded("扫描件")))
        .await;
    assert!(page.contains("无文字层"), "{}", page.body);
    let page = office
        .get(&format!("/search?q={}", encoded("损坏文件")))
        .await;
    assert!(page.contains("无法提取文字"), "{}", page.body);
    let failed: Vec<(String, i32)> =
        sqlx::query_as("SELECT state, attempts FROM evidence_text ORDER BY file_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        failed.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        ["no_text", "failed", "done", "done"]
    );

    // A deleted record is no longer found.
    let evidence: i64 = sqlx::query_scalar("SELECT id FROM evidence WHERE title = '会议纪要'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    owner.get(&format!("/tasks/{task}")).await;
    let page = owner
        .post(&format!("/evidence/{evidence}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (_, json) = api(&mut office, WORD).await;
    assert_eq!(json["total"], 1, "{json}");
    assert_eq!(json["hits"][0]["title"], "情况通报");

    // Searches are recorded like previews.
    let searches: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'search.query'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(searches >= 8, "{searches}");
}

#[tokio::test]
async fn any_query_is_answered_or_refused_cleanly() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    // Nothing typed: the box alone.
    let page = office.get("/search").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("name=\"q\""));
    // 10,000 characters: refused, worded, what was typed kept. (Latin letters: a URL of
    // 10,000 percent-encoded Han characters is longer than HTTP clients send.)
    let long = "abc食品".repeat(2_000);
    let page = office.get(&format!("/search?q={}", encoded(&long))).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("检索词过长"),
        "{}",
        page.body.chars().take(500).collect::<String>()
    );
    assert_eq!(typed(&page).map(|v| v.chars().count()), Some(10_000));
    let (status, json) = api(&mut office, &long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["error"], "search-refused-long");
    // Operators and quotes only: nothing to search for.
    let page = office
        .get(&format!("/search?q={}", encoded("'\"&|!():*")))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("没有可检索的文字"));
    assert_eq!(typed(&page).as_deref(), Some("'\"&|!():*"));
    // Twenty-one words.
    let many: Vec<String> = (0..21).map(|i| format!("w{i}")).collect();
    let page = office
        .get(&format!("/search?q={}", encoded(&many.join(" "))))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("检索词过多"));
    // Markup, SQL, tsquery syntax, emoji, odd filters: answered, escaped, never a 500.
    for q in [
        "<script>alert(1)</script>",
        "x'); DROP TABLE evidence; --",
        "a & b | !c:* (d)",
        "抽检 🍜 '明厨亮灶'",
        "O'Brien \\ 食品\\安全",
    ] {
        let page = office
            .get(&format!(
                "/search?q={}&part=abc&org=-1&kind=%27&year=99999&page=999999999999",
                encoded(q)
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{q}: {}", page.body);
        assert!(!page.contains("<script>alert"), "escaped");
        let (status, json) = api(&mut office, q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {json}");
        assert_eq!(json["total"], 0);
    }
    let (status, json) = api(&mut office, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["error"], "search-refused-empty");
}

#[tokio::test]
async fn claims_of_a_dead_worker_are_taken_again_and_give_up_after_three_attempts() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut clerk = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let task = app.task_id(29, "卡若区").await;
    clerk
        .upload_documents(
            task,
            vec![
                ("甲.txt", format!("第一份 {LATIN}").into_bytes()),
                ("乙.txt", format!("第二份 {LATIN}").into_bytes()),
            ],
        )
        .await;
    wait_for(&mut office, LATIN, |j| {
        j["total"] == 2 && states(j).iter().all(|s| s == "done")
    })
    .await;
    // As if a worker had died holding both an hour ago: one on its first attempt, one
    // on its third. The first is extracted again; the second gives up.
    sqlx::query(
        "UPDATE evidence_text SET state = 'queued', claimed_at = now() - interval '1 hour', \
         attempts = CASE WHEN file_id = (SELECT min(file_id) FROM evidence_text) THEN 1 ELSE 3 END",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows: Vec<(String, i32, Option<String>)> =
            sqlx::query_as("SELECT state, attempts, error FROM evidence_text ORDER BY file_id")
                .fetch_all(&app.pool)
                .await
                .unwrap();
        if rows.iter().all(|(s, _, _)| s != "queued") {
            assert_eq!(rows[0].0, "done");
            assert_eq!(rows[0].1, 2);
            assert_eq!(rows[1].0, "failed");
            assert!(
                rows[1].2.as_deref().unwrap_or("").contains("3 attempts"),
                "{rows:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "claims were not retried: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // `shian search reindex` queues everything again; the failed file gets its chance.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_shian"))
        .args(["search", "reindex"])
        .env("DATABASE_URL", &app.database_url)
        .env("SHIAN_DATA_DIR", app.data_dir.path())
        .output()
        .expect("run shian");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("queued 2 files"));
    wait_for(&mut office, LATIN, |j| {
        j["total"] == 2 && states(j).iter().all(|s| s == "done")
    })
    .await;
}
