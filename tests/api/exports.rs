//! Exports: the responsibility table, the CSV lists and the streamed evidence archive
//! agree with the database and hold every file byte for byte.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;

use crate::support::{Browser, TestApp, file, pdf};

/// A download's status, headers and raw bytes.
pub(crate) async fn download(
    browser: &Browser,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .expect("GET");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, headers, bytes)
}

/// The UTF-8 file name a download offers (`filename*=UTF-8''…`).
fn file_name(headers: &reqwest::header::HeaderMap) -> String {
    let value = headers["content-disposition"]
        .to_str()
        .expect("ASCII header");
    let encoded = value
        .split_once("filename*=UTF-8''")
        .expect("a UTF-8 file name")
        .1;
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .expect("UTF-8")
        .into_owned()
}

/// Every entry of a ZIP archive, in order, with its bytes.
pub(crate) fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip archive");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("entry");
            assert_eq!(
                entry.compression(),
                zip::CompressionMethod::Stored,
                "files are stored, not compressed"
            );
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("entry bytes");
            (entry.name().expect("UTF-8 name").to_string(), data)
        })
        .collect()
}

/// The first sheet of a workbook as rows of cell texts.
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let range = workbook
        .worksheet_range_at(0)
        .expect("a first sheet")
        .expect("readable sheet");
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// Records of a CSV export, after checking its byte order mark.
fn csv_records(bytes: &[u8]) -> Vec<csv::StringRecord> {
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV starts with a UTF-8 BOM"
    );
    csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(|r| r.expect("valid CSV record"))
        .collect()
}

async fn evidence_id(app: &TestApp, task: i64, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM evidence WHERE task_id = $1 AND title = $2")
        .bind(task)
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .expect("evidence exists")
}

#[tokio::test]
async fn exports_agree_with_the_database_and_the_archive_holds_every_file() {
    let app = TestApp::spawn().await;
    let mut karuo = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let mut market = app
        .signed_in("market", Role::Department, Some("市市场监管局"))
        .await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;

    // Two organisations, indicators 1, 29 and the veto indicator 90 (which has no point).
    let karuo_29 = app.task_id(29, "卡若区").await;
    let karuo_1 = app.task_id(1, "卡若区").await;
    let karuo_90 = app.task_id(90, "卡若区").await;
    let market_29 = app.task_id(29, "市市场监管局").await;
    let ledger = pdf(1_200_000, 1);
    karuo
        .upload_documents(
            karuo_29,
            vec![
                ("抽检台账.pdf", ledger.clone()),
                ("报告:终稿.pdf", pdf(5_000, 2)),
                ("作废.pdf", pdf(4_000, 3)),
            ],
        )
        .await;
    karuo
        .upload_documents(karuo_1, vec![("会议纪要.pdf", pdf(30_000, 4))])
        .await;
    karuo
        .upload_documents(karuo_90, vec![("领导批示.pdf", pdf(20_000, 5))])
        .await;
    market
        .upload_documents(market_29, vec![("监管通报.pdf", pdf(700_000, 6))])
        .await;
    let page = market
        .post(&format!("/tasks/{market_29}/submit"), &[("comment", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // A deleted file stays out; a replaced one is exported in its latest version.
    let void = evidence_id(&app, karuo_29, "作废").await;
    karuo.get(&format!("/tasks/{karuo_29}")).await;
    let page = karuo.post(&format!("/evidence/{void}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let minutes = evidence_id(&app, karuo_1, "会议纪要").await;
    let minutes_v2 = pdf(40_000, 7);
    karuo.get(&format!("/tasks/{karuo_1}")).await;
    let page = karuo
        .post_multipart(
            &format!("/evidence/{minutes}/replace"),
            Form::new().part("file", file("会议纪要（定稿）.pdf", minutes_v2.clone())),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let tasks_in_db: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE removed_at IS NULL AND indicator_id IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let evidence_in_db: i64 =
        sqlx::query_scalar("SELECT count(*) FROM evidence WHERE deleted_at IS NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(evidence_in_db, 5);

    // The page shows what the archive would hold.
    let page = office.get("/exports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("指标任务责任分解表"));
    assert!(page.contains("5 个文件"), "{}", page.body);
    let page = office.get("/exports?indicator=29").await;
    assert!(page.contains("指标 29"));
    assert!(page.contains("3 个文件"));
    assert!(page.contains("/exports/evidence.zip?indicator=29"));

    // The responsibility table, laid out like the plan's annex: a title with the city's
    // name, the date, the header; one row per task under a heading row per part, 序号 and
    // the indicator's cells merged over its tasks (a reader sees them in the first row).
    let (status, headers, bytes) = download(&office, "/exports/tasks.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file_name(&headers), "昌都市-指标任务责任分解表.xlsx");
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0][0],
        "昌都市创建国家食品安全示范城市指标任务责任分解表"
    );
    assert!(rows[1][0].starts_with("制表日期："), "{:?}", rows[1]);
    assert_eq!(
        rows[2],
        [
            "序号",
            "评价要点",
            "评价内容",
            "评价方式",
            "责任部门",
            "基本任务",
            "责任单位",
            "状态",
            "截止日期",
            "佐证数"
        ]
    );
    let task_rows: Vec<&Vec<String>> = rows[3..].iter().filter(|r| !r[6].is_empty()).collect();
    assert_eq!(task_rows.len() as i64, tasks_in_db);
    assert_eq!(
        rows.len() - 3 - task_rows.len(),
        6,
        "one heading row per part"
    );
    assert_eq!(rows[3][0], "一、基础工作");
    // Each task row under the indicator whose merged 序号 it sits below.
    let mut indicator = String::new();
    let mut numbered: Vec<(String, &Vec<String>)> = Vec::new();
    for row in &rows[3..] {
        if row[6].is_empty() {
            continue; // a part's heading
        }
        if !row[0].is_empty() {
            indicator = row[0].clone();
            assert!(row[2].starts_with(&format!("{indicator}. ")), "{row:?}");
        }
        numbered.push((indicator.clone(), row));
    }
    // The market regulator holds several tasks under 29; the one with evidence was submitted.
    let market_rows: Vec<_> = numbered
        .iter()
        .filter(|(n, r)| r[6] == "市市场监管局" && n == "29")
        .map(|(_, r)| r)
        .collect();
    assert!(!market_rows.is_empty());
    let with_evidence: Vec<_> = market_rows.iter().filter(|r| r[9] == "1").collect();
    assert_eq!(with_evidence.len(), 1);
    assert_eq!(with_evidence[0][7], "已提交");
    let evidence_total: f64 = task_rows.iter().map(|r| r[9].parse::<f64>().unwrap()).sum();
    assert_eq!(evidence_total as i64, evidence_in_db);

    // The programmes' work sits beside it on a second sheet, one row per task.
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("xlsx");
    let programme_sheet = workbook
        .worksheet_range("工程与行动任务")
        .expect("the programme sheet");
    let programme_tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE removed_at IS NULL AND programme_id IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(programme_tasks > 24);
    assert_eq!(
        programme_sheet.rows().count() as i64 - 2,
        programme_tasks,
        "a title, the header, a row per task"
    );

    // CSV lists count what the database counts.
    let (status, _, bytes) = download(&office, "/exports/tasks.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv_records(&bytes).len() as i64, tasks_in_db);
    let (_, _, bytes) = download(&office, "/exports/evidence.csv").await;
    let evidence = csv_records(&bytes);
    assert_eq!(evidence.len() as i64, evidence_in_db);
    assert!(evidence.iter().all(|r| &r[9] != "作废.pdf"));
    assert!(
        evidence
            .iter()
            .any(|r| &r[9] == "会议纪要（定稿）.pdf" && &r[12] == "2")
    );

    // The whole campaign's archive: the index first, then every file under its folders.
    let (status, headers, bytes) = download(&office, "/exports/evidence.zip").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(file_name(&headers), "佐证资料-全部.zip");
    assert!(
        headers.get("content-length").is_none(),
        "the archive is streamed as it is built, not assembled first"
    );
    let entries = unzip(&bytes);
    assert_eq!(entries[0].0, "索引.xlsx");
    let index = sheet_rows(&entries[0].1);
    assert_eq!(index.len(), 1 + 5, "the index lists every file");
    let files: BTreeMap<String, Vec<u8>> = entries[1..].iter().cloned().collect();
    assert_eq!(files.len(), 5);
    for path in files.keys() {
        assert!(
            index.iter().any(|row| &row[0] == path),
            "{path} is in the index"
        );
    }
    let ledger_id = evidence_id(&app, karuo_29, "抽检台账").await;
    let report_id = evidence_id(&app, karuo_29, "报告:终稿").await;
    let veto_id = evidence_id(&app, karuo_90, "领导批示").await;
    let market_id = evidence_id(&app, market_29, "监管通报").await;
    // Where 29 sits in the rubric, from the database.
    let (part, point): (String, String) = sqlx::query_as(
        "SELECT p.numeral || '、' || p.title, pt.seq || '. ' || pt.title FROM indicators i \
         JOIN rubric_parts p ON p.id = i.part_id JOIN rubric_points pt ON pt.id = i.point_id WHERE i.number = 29",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let expected = [
        (
            format!("{part}/{point}/29/卡若区/{ledger_id}-抽检台账.pdf"),
            ledger.clone(),
        ),
        (
            format!("{part}/{point}/29/卡若区/{report_id}-报告_终稿.pdf"),
            pdf(5_000, 2),
        ),
        (
            format!("{part}/{point}/29/市市场监管局/{market_id}-监管通报.pdf"),
            pdf(700_000, 6),
        ),
        (
            format!("一、基础工作/1. 党政同责/1/卡若区/{minutes}-会议纪要（定稿）.pdf"),
            minutes_v2.clone(),
        ),
        (
            format!("六、否决项/90/卡若区/{veto_id}-领导批示.pdf"),
            pdf(20_000, 5),
        ),
    ];
    for (path, bytes) in &expected {
        let got = files
            .get(path)
            .unwrap_or_else(|| panic!("{path} in {:?}", files.keys()));
        assert!(got == bytes, "{path} is byte-identical");
    }

    // Filtered archives hold only their scope.
    let (status, headers, bytes) = download(&office, "/exports/evidence.zip?indicator=29").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file_name(&headers), "佐证资料-指标29.zip");
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 1 + 3);
    assert_eq!(entries[0].0, "索引.xlsx");
    assert!(entries[1..].iter().all(|(path, _)| path.contains("/29/")));
    let (_, _, bytes) = download(&office, "/exports/evidence.zip?part=6").await;
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "索引.xlsx".to_string(),
            format!("六、否决项/90/卡若区/{veto_id}-领导批示.pdf")
        ]
    );

    let audit = app.audit_actions().await;
    for action in [
        "export.tasks_xlsx",
        "export.tasks_csv",
        "export.evidence_csv",
        "export.zip",
    ] {
        assert!(audit.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn departments_cannot_export_and_bad_scopes_are_explained() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    for path in ["/exports", "/exports/evidence.zip", "/exports/tasks.xlsx"] {
        let page = clerk.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        !clerk.get("/").await.contains("href=\"/exports\""),
        "no nav link"
    );

    let mut viewer = app.signed_in("viewer", Role::Viewer, None).await;
    assert!(viewer.get("/").await.contains("href=\"/exports\""));
    for (path, message) in [
        ("/exports/evidence.zip?part=x", "没有这个部分"),
        ("/exports/evidence.zip?part=99", "没有这个部分"),
        ("/exports?part=x", "没有这个部分"),
        ("/exports/evidence.zip?indicator=abc", "没有这个指标"),
        ("/exports/evidence.csv?indicator=999", "没有这个指标"),
        (
            "/exports/evidence.zip?part=1&indicator=29",
            "只选择一个部分或一个指标",
        ),
    ] {
        let page = viewer.get(path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(page.contains(message), "{path}: {}", page.body);
    }
    // An empty scope is a valid, empty archive (just the index).
    let (status, _, bytes) = download(&viewer, "/exports/evidence.zip").await;
    assert_eq!(status, StatusCode::OK);
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 1);
    assert_eq!(sheet_rows(&entries[0].1).len(), 1, "only the heading row");
}

#[tokio::test]
async fn the_whole_campaigns_exports_hold_the_programmes_evidence_too() {
    let app = TestApp::spawn().await;
    let mut farm = app
        .signed_in("farm", Role::Department, Some("市农业农村局"))
        .await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    // 工程1 (源头治理提升工程) is led by 市农业农村局; its evidence belongs to no indicator.
    let (task, title): (i64, String) = sqlx::query_as(
        "SELECT t.id, p.title FROM programmes p JOIN tasks t ON t.programme_id = p.id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE p.kind = 'project' AND p.number = 1 AND o.name = '市农业农村局'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let bytes = pdf(9_000, 8);
    farm.upload_documents(task, vec![("源头治理台账.pdf", bytes.clone())])
        .await;
    let indicator_task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         JOIN indicators i ON i.id = t.indicator_id JOIN rubric_parts p ON p.id = i.part_id \
         WHERE o.name = '市农业农村局' AND p.seq = 1 ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    farm.upload_documents(indicator_task, vec![("抽检计划.pdf", pdf(8_000, 9))])
        .await;

    // The list names the programme where an indicator's evidence names its part.
    let (_, _, csv) = download(&office, "/exports/evidence.csv").await;
    let rows = csv_records(&csv);
    assert_eq!(rows.len(), 2, "both files");
    let row = rows
        .iter()
        .find(|r| &r[9] == "源头治理台账.pdf")
        .expect("the programme's file is listed");
    assert_eq!(&row[2], "治理提升工程");
    assert_eq!(&row[3], title.as_str());
    assert_eq!(&row[4], "工程1");
    assert_eq!(&row[5], "市农业农村局");

    // The archive files it under the programme, byte for byte, after the rubric's parts.
    let (_, _, zip) = download(&office, "/exports/evidence.zip").await;
    let entries = unzip(&zip);
    let paths: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
    let at = paths
        .iter()
        .position(|p| p.starts_with(&format!("治理提升工程/工程1 {title}/市农业农村局/")))
        .unwrap_or_else(|| panic!("under its programme: {paths:?}"));
    assert_eq!(entries[at].1, bytes);
    assert!(
        paths.iter().position(|p| p.starts_with("一、")).unwrap() < at,
        "the rubric's parts come first"
    );
    let index = sheet_rows(&entries[0].1);
    assert!(
        index.iter().any(|r| r[0] == paths[at] && r[3] == "工程1"),
        "the index names the programme: {index:?}"
    );

    // A part's export is the rubric's alone; the page counts the programmes apart.
    let (_, _, part) = download(&office, "/exports/evidence.csv?part=1").await;
    assert!(
        csv_records(&part)
            .iter()
            .all(|r| &r[9] != "源头治理台账.pdf")
    );
    let page = office.get("/exports").await;
    assert!(page.contains("治理提升工程、专项整治行动"), "{}", page.body);
    assert!(page.contains("2 个文件"), "the whole archive counts both");
}
