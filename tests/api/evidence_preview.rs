//! Evidence previews (issue 15, part 4): Office files, CSV, text and archives previewed
//! on the server, escaped, behind the download's access check and audit; corrupt files
//! worded, never a 500.

use std::io::{Cursor, Write};

use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;

use crate::support::{Browser, Page, TestApp, file, pdf};

const SCRIPT: &str = "<script>alert(1)</script>";

fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("检查台账").unwrap();
    sheet.write_string(0, 0, "单位").unwrap();
    sheet.write_string(0, 1, "备注").unwrap();
    sheet.write_string(1, 0, "卡若区").unwrap();
    sheet.write_string(1, 1, SCRIPT).unwrap();
    let second = book.add_worksheet().set_name("汇总").unwrap();
    second.write_string(0, 0, "第二页的内容").unwrap();
    book.save_to_buffer().unwrap()
}

fn docx() -> Vec<u8> {
    let ns = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {ns}><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>关于推进明厨亮灶的通知</w:t></w:r></w:p>
<w:p><w:r><w:t>各县区要落实明厨亮灶工程，&lt;script&gt;alert(1)&lt;/script&gt;。</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>单位</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>完成率</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
</w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(document.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn archive() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.add_directory("会议纪要/", options).unwrap();
    zip.start_file("会议纪要/第一次.txt", options).unwrap();
    zip.write_all("纪要".as_bytes()).unwrap();
    zip.start_file(format!("会议纪要/{SCRIPT}.txt"), options)
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// Opens a preview page (an OK page in which nothing from the file is unescaped).
async fn show(browser: &mut Browser, count: &mut usize, path: String) -> Page {
    *count += 1;
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    assert!(!page.contains(SCRIPT), "{path}: file content is escaped");
    page
}

/// Uploads one file as its own piece of evidence; returns its version id.
async fn upload(
    app: &TestApp,
    browser: &mut Browser,
    task: i64,
    name: &str,
    bytes: Vec<u8>,
) -> i64 {
    browser.get(&format!("/tasks/{task}")).await;
    let form = Form::new()
        .text("title", format!("资料 {name}"))
        .text("kind", "document")
        .part("files", file(name, bytes));
    let page = browser
        .post_multipart(&format!("/tasks/{task}/evidence"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}: {}", page.body);
    sqlx::query_scalar(
        "SELECT v.id FROM evidence_versions v JOIN stored_files f ON f.id = v.file_id \
         WHERE f.original_name = $1",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .expect("the uploaded version")
}

#[tokio::test]
async fn office_files_text_and_archives_preview_escaped_for_those_who_may_download() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("karuo", Role::Department, Some("卡若区"))
        .await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let mut other = app
        .signed_in("jiangda", Role::Department, Some("江达县"))
        .await;
    let task = app.task_id(29, "卡若区").await;
    let (gbk_csv, _, _) = encoding_rs::GBK.encode("序号,单位\r\n1,卡若区\r\n2,<b>江达县</b>\r\n");
    let mut corrupt = b"PK\x03\x04".to_vec();
    corrupt.extend(vec![7u8; 2_000]);
    let files = [
        ("台账.xlsx", xlsx()),
        ("通知.docx", docx()),
        ("名单.csv", gbk_csv.into_owned()),
        ("纪要.txt", "第一行\n明厨亮灶\n".as_bytes().to_vec()),
        ("材料.zip", archive()),
        ("材料.7z", include_bytes!("../fixtures/preview.7z").to_vec()),
        (
            "材料.rar",
            include_bytes!("../fixtures/preview.rar").to_vec(),
        ),
        ("损坏.xlsx", corrupt),
        ("报告.pdf", pdf(3_000, 1)),
    ];
    let mut versions = Vec::new();
    for (name, bytes) in files {
        versions.push(upload(&app, &mut clerk, task, name, bytes).await);
    }
    let [xlsx, docx, csv, txt, zip, seven, rar, broken, pdf_version] = versions[..] else {
        unreachable!()
    };

    // The task page links every one of them to its preview.
    let page = clerk.get(&format!("/tasks/{task}")).await;
    for v in &versions {
        assert!(page.contains(&format!("/files/{v}/preview")), "link to {v}");
    }

    let mut previews = 0;
    let page = show(&mut office, &mut previews, format!("/files/{xlsx}/preview")).await;
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        page.body
    );
    assert!(page.contains("卡若区"));
    assert!(
        page.contains(&format!("/files/{xlsx}/preview?sheet=1")),
        "sheet tabs"
    );
    assert!(
        page.contains(&format!("/files/{xlsx}\" download")),
        "a download link"
    );
    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{xlsx}/preview?sheet=1"),
    )
    .await;
    assert!(page.contains("第二页的内容"));

    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{docx}/preview?q=明厨亮灶"),
    )
    .await;
    assert!(
        page.contains(
            "<h2 class=\"doc-heading\">关于推进<mark id=\"m1\">明厨亮灶</mark>的通知</h2>"
        )
    );
    assert!(page.contains("<mark id=\"m2\">明厨亮灶</mark>工程，&#60;script&#62;"));
    assert!(page.contains("<td>完成率</td>"));

    let page = show(&mut office, &mut previews, format!("/files/{csv}/preview")).await;
    assert!(page.contains("<td>卡若区</td>"), "GBK decoded");
    assert!(page.contains("&#60;b&#62;江达县&#60;/b&#62;"));

    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{txt}/preview?q=%3Cmark%3E"),
    )
    .await;
    assert!(page.contains("明厨亮灶"));
    assert!(!page.contains("<mark id"), "a query is text too");

    let page = show(&mut office, &mut previews, format!("/files/{zip}/preview")).await;
    assert!(page.contains("会议纪要/第一次.txt"));
    assert!(page.contains("会议纪要/&#60;script&#62;alert(1)&#60;/script&#62;.txt"));
    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{seven}/preview"),
    )
    .await;
    assert!(page.contains("会议材料/纪要.txt"));
    assert!(page.contains("会议材料/&#60;b&#62;粗体.txt"));
    let page = show(&mut office, &mut previews, format!("/files/{rar}/preview")).await;
    assert!(page.contains("检查资料/整改报告.txt"));
    assert!(page.contains("检查资料/&#60;script&#62;.txt"));

    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{broken}/preview"),
    )
    .await;
    assert!(page.contains("文件已损坏或格式无法识别"), "{}", page.body);
    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{pdf_version}/preview"),
    )
    .await;
    assert!(page.contains(&format!("src=\"/files/{pdf_version}?inline=1\"")));

    // The body alone, for an item page's panel.
    let page = show(
        &mut office,
        &mut previews,
        format!("/files/{docx}/preview?fragment=1"),
    )
    .await;
    assert!(page.contains("preview-body") && !page.contains("<html"));

    // Every preview is in the trail with what it showed.
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT object_id, summary->>'outcome' FROM audit_events \
         WHERE action = 'file.preview' AND summary->>'page' = 'true' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited.len(), previews);
    assert!(audited.contains(&(broken.to_string(), "corrupt".to_string())));
    assert!(audited.contains(&(rar.to_string(), "shown".to_string())));

    // Its own clerk previews it; another county's gets the download's refusal, audited.
    assert_eq!(
        clerk.get(&format!("/files/{docx}/preview")).await.status,
        StatusCode::OK
    );
    let refused = other.get(&format!("/files/{docx}/preview")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.contains("无权访问") && !refused.contains("明厨亮灶"));
    assert_eq!(
        other.get(&format!("/files/{docx}")).await.status,
        StatusCode::FORBIDDEN
    );
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.object_id, a.summary->>'reason' FROM audit_events a JOIN users u ON u.id = a.actor_id \
         WHERE a.action = 'access.refused' AND u.username = 'jiangda' ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (format!("/files/{docx}/preview"), "policy".to_string()),
            (format!("/files/{docx}"), "policy".to_string()),
        ]
    );
}
