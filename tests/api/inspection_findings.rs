//! Integration tests: inspection records, findings and photos (issue 14) — an assessor
//! records two inspections (draft saved as typed, versions, refusals), photos one by one
//! (a non-photo refused and nothing kept, HEIC with a preview), and the group decides the
//! findings on the item page: one accepted (the total changes, the deduction cites the
//! finding and its photos), one set aside with a reason; both in the item's history.
//! 暗访 findings stay out of the city's sight.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use shian::accounts::Role;

use crate::inspections::TEN_POINTS;
use crate::scoring::{Panel, create_round, panel};
use crate::support::{Browser, Page, TestApp};

/// A PNG made by the demo's generator (passes the upload checks).
fn png() -> Vec<u8> {
    let mut noise = shian::demo::files::Noise::new(7);
    shian::demo::files::png(32, 24, &mut noise)
}

fn jpeg() -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    bytes.extend((0..4000).map(|i| (i % 251) as u8));
    bytes
}

/// The first bytes of an iPhone photo: an ISO-BMFF `ftyp` box of brand heic.
fn heic() -> Vec<u8> {
    let mut bytes = vec![0x00, 0x00, 0x00, 0x18];
    bytes.extend_from_slice(b"ftypheic");
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(b"mif1heic");
    bytes.extend((0..6000).map(|i| (i % 253) as u8));
    bytes
}

async fn point_id(app: &TestApp, round: i64, seq: i32) -> i64 {
    sqlx::query_scalar("SELECT id FROM inspection_points WHERE round_id = $1 AND seq = $2")
        .bind(round)
        .bind(seq)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// A save as the page's script makes it: JSON in, JSON out.
async fn autosave(
    browser: &mut Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let token = browser.token().await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", &token));
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .header("Accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// A photo as the page's script sends it (one per request, marked as XHR).
async fn send_photo(
    browser: &mut Browser,
    path: &str,
    form: Form,
) -> (StatusCode, serde_json::Value) {
    let token = browser.token().await;
    let response = browser
        .client
        .post(format!("{}{path}?csrf_token={token}", browser.base))
        .header("X-Requested-With", "XMLHttpRequest")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn answers_all(page: &Page, answer: &str) -> Vec<(String, String)> {
    let document = scraper::Html::parse_document(&page.body);
    let selector =
        scraper::Selector::parse("fieldset.check-item input[type=radio][value=pass]").unwrap();
    document
        .select(&selector)
        .map(|e| {
            (
                e.value().attr("name").unwrap().to_string(),
                answer.to_string(),
            )
        })
        .collect()
}

/// Submits the record at `base` with every item answered `answer` (the first one
/// `first` when given), based on `version`, with these notes; the answer page.
async fn submit_record(
    browser: &mut Browser,
    base: &str,
    answer: &str,
    first: Option<&str>,
    version: &str,
    notes: &str,
) -> Page {
    let page = browser.get(base).await;
    let mut fields: Vec<(String, String)> = answers_all(&page, answer);
    if let (Some(first), Some(field)) = (first, fields.first_mut()) {
        field.1 = first.to_string();
    }
    fields.push(("version".into(), version.into()));
    fields.push(("notes".into(), notes.into()));
    fields.push(("action".into(), "submit".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    browser.post(&format!("{base}/record"), &refs).await
}

fn total(page: &Page) -> String {
    page.texts(".verdict-score .stat-value")
        .first()
        .cloned()
        .expect("a total")
}

/// A provincial round, open, whose lead is expert_a and whose item p20 (indicators 58–69)
/// is group A's, with the ten points of [`TEN_POINTS`] planned.
async fn round_with_plan() -> (Panel, i64) {
    let mut p = panel().await;
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    let group_a = group_id(&p.app, "第一评审组").await.to_string();
    let lead: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'expert_a'")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/assignments"),
            &[
                ("lead_assessor_id", lead.to_string().as_str()),
                ("p20", &group_a),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    p.open(round).await;
    let page =
        p.a.post(
            &format!("/rounds/{round}/inspections/paste"),
            &[("text", TEN_POINTS)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    (p, round)
}

async fn group_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_inspections_recorded_and_their_findings_decided_on_the_item_page() {
    let (mut p, round) = round_with_plan().await;
    let canteen = point_id(&p.app, round, 1).await; // 明查 学校食堂
    let eatery = point_id(&p.app, round, 7).await; // 暗访 小餐饮
    let base = format!("/rounds/{round}/inspections/{canteen}");

    // The record page: the kind's checklist, 合格/不合格/不适用, the camera input.
    let page = p.a.get(&base).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("城关第一中学食堂"));
    assert!(
        page.contains("陪餐记录齐全"),
        "the school canteen checklist"
    );
    assert!(page.contains("capture=\"environment\""));
    assert!(page.contains("accept=\"image/*"));
    let all_pass = answers_all(&page, "pass");
    assert!(all_pass.len() >= 5, "{}", all_pass.len());

    // A draft as typed: saved with its version; a stale tab is refused, nothing lost.
    let first = all_pass[0].0.clone();
    let (status, body) = autosave(
        &mut p.a,
        &format!("{base}/record"),
        &[
            ("version", "0"),
            (first.as_str(), "fail"),
            ("notes", "后厨地面有积水"),
            ("minutes", "35"),
            ("latitude", "29.65"),
            ("longitude", "91.13"),
            ("accuracy", "12"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 1);
    assert!(body["message"].as_str().unwrap().contains("草稿已保存"));
    let (status, body) = autosave(
        &mut p.a,
        &format!("{base}/record"),
        &[("version", "0"), ("notes", "旧标签页的内容")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("刷新"));
    let notes: String =
        sqlx::query_scalar("SELECT notes FROM inspection_records WHERE point_id = $1")
            .bind(canteen)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(notes, "后厨地面有积水");

    // Submitting with items unanswered is refused, naming them, keeping what was typed.
    let page =
        p.a.post(
            &format!("{base}/record"),
            &[
                ("version", "1"),
                (first.as_str(), "fail"),
                ("notes", "补充：消毒柜未运行"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("尚未填写"));
    assert!(page.contains("补充：消毒柜未运行"), "the notes are kept");
    assert!(!page.texts("fieldset.check-item.missing").is_empty());

    // A finding with a proposed deduction on indicator 65, and its photos.
    let page =
        p.a.post(
            &format!("{base}/findings"),
            &[
                ("description", "餐用具清洗消毒不到位，消毒柜未运行"),
                ("indicator", "65"),
                ("seriousness", "major"),
                ("points", "0.5"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // Too many points for the item: refused, what was typed kept.
    let page =
        p.a.post(
            &format!("{base}/findings"),
            &[
                ("description", "留样不足"),
                ("indicator", "65"),
                ("points", "99"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("留样不足"));
    let finding_one: i64 =
        sqlx::query_scalar("SELECT id FROM inspection_findings WHERE point_id = $1")
            .bind(canteen)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();

    let files_before = p.app.stored_files().len();
    let rows_before = count(&p.app, "SELECT count(*) FROM stored_files").await;
    // Not a photo: refused with a clear message, nothing kept on disk or in the database.
    let form = Form::new().text("finding", finding_one.to_string()).part(
        "photo",
        Part::bytes(crate::support::pdf(3000, 1)).file_name("现场.jpg"),
    );
    let (status, body) = send_photo(&mut p.a, &format!("{base}/photos"), form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("不是照片"),
        "{body}"
    );
    assert_eq!(p.app.stored_files().len(), files_before);
    assert_eq!(
        count(&p.app, "SELECT count(*) FROM stored_files").await,
        rows_before
    );
    assert_eq!(
        count(&p.app, "SELECT count(*) FROM inspection_photos").await,
        0
    );
    // A PNG for the finding, and an iPhone HEIC with the preview the browser drew.
    let form = Form::new()
        .text("finding", finding_one.to_string())
        .text("taken_at", "2026-12-08T02:30:00Z")
        .part("photo", Part::bytes(png()).file_name("消毒柜.png"));
    let (status, body) = send_photo(&mut p.a, &format!("{base}/photos"), form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let photo_url = body["preview_url"].as_str().unwrap().to_string();
    // A JPEG needs no preview: one sent along is not kept.
    let on_disk = p.app.stored_files().len();
    let form = Form::new()
        .part("photo", Part::bytes(jpeg()).file_name("门头.jpg"))
        .part("preview", Part::bytes(jpeg()).file_name("preview.jpg"));
    let (status, body) = send_photo(&mut p.a, &format!("{base}/photos"), form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        p.app.stored_files().len(),
        on_disk + 1,
        "only the photo is kept"
    );
    let form = Form::new()
        .part("photo", Part::bytes(heic()).file_name("IMG_0001.HEIC"))
        .part("preview", Part::bytes(jpeg()).file_name("preview.jpg"));
    let (status, body) = send_photo(&mut p.a, &format!("{base}/photos"), form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let heic_id = body["id"].as_i64().unwrap();
    let original =
        p.a.client
            .get(format!("{}{base}/photos/{heic_id}", p.a.base))
            .send()
            .await
            .unwrap();
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(
        original.bytes().await.unwrap().to_vec(),
        heic(),
        "stored as sent"
    );
    let preview =
        p.a.client
            .get(format!("{}{base}/photos/{heic_id}/preview", p.a.base))
            .send()
            .await
            .unwrap();
    assert_eq!(preview.headers()["content-type"], "image/jpeg");

    // Everything answered: submitted, and no longer changed.
    let page = submit_record(
        &mut p.a,
        &base,
        "pass",
        Some("fail"),
        "1",
        "后厨地面有积水，消毒柜未运行",
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = p.a.get(&base).await;
    assert!(page.contains("检查记录已提交"));
    assert!(
        !page.contains(&format!("{base}/findings\"")),
        "no more findings once submitted"
    );
    let (status, _) = autosave(
        &mut p.a,
        &format!("{base}/record"),
        &[("version", "2"), ("notes", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The second inspection (暗访): a finding proposing 1 point on indicator 58.
    let base7 = format!("/rounds/{round}/inspections/{eatery}");
    let page =
        p.a.post(
            &format!("{base7}/findings"),
            &[
                ("description", "从业人员未持健康证明上岗"),
                ("indicator", "58"),
                ("points", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = submit_record(&mut p.a, &base7, "na", None, "0", "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let finding_two: i64 =
        sqlx::query_scalar("SELECT id FROM inspection_findings WHERE point_id = $1")
            .bind(eatery)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();

    // Once the point names its group, an assessor of another group may not touch its
    // record; the refusal is audited.
    sqlx::query("UPDATE inspection_points SET group_id = $2 WHERE id = $1")
        .bind(canteen)
        .bind(group_id(&p.app, "第一评审组").await)
        .execute(&p.app.pool)
        .await
        .unwrap();
    let (status, _) = autosave(&mut p.b, &format!("{base}/record"), &[("version", "2")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &p.app,
            "SELECT count(*) FROM audit_events WHERE action = 'inspection.record.refused'"
        )
        .await,
        1
    );

    // The item page shows both findings beside the evidence, with their photos.
    let item = format!("/rounds/{round}/items/p20");
    let before = total(&p.a.get(&format!("/rounds/{round}")).await);
    let page = p.a.get(&item).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("餐用具清洗消毒不到位"));
    assert!(page.contains("从业人员未持健康证明上岗"));
    assert!(page.contains(&photo_url), "the finding's photo");

    // Accept the first: the total drops, the deduction cites the finding and its photo.
    let page =
        p.a.post(
            &format!("/rounds/{round}/findings/{finding_one}/accept"),
            &[("points", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let after = total(&p.a.get(&format!("/rounds/{round}")).await);
    assert_ne!(before, after, "the total changes");
    let (reason, points): (String, rust_decimal::Decimal) = sqlx::query_as(
        "SELECT d.reason, d.points FROM score_deductions d JOIN inspection_findings f ON f.deduction_id = d.id \
         WHERE f.id = $1 AND f.decision = 'accepted'",
    )
    .bind(finding_one)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(points, rust_decimal::Decimal::new(5, 1));
    assert!(reason.contains("城关第一中学食堂"), "{reason}");
    assert!(reason.contains("餐用具清洗消毒不到位"), "{reason}");
    assert!(reason.contains("现场照片1张"), "{reason}");
    assert!(reason.contains(&format!("#{finding_one}")), "{reason}");
    // Accepting twice is refused.
    let page =
        p.a.post(
            &format!("/rounds/{round}/findings/{finding_one}/accept"),
            &[("points", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);

    // Set the second aside: the reason is required.
    let aside = format!("/rounds/{round}/findings/{finding_two}/set-aside");
    let page = p.a.post(&aside, &[("reason", " ")]).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let page =
        p.a.post(&aside, &[("reason", "该店已办理健康证明，现场未出示")])
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = p.a.get(&item).await;
    assert!(
        page.contains("来自现场检查"),
        "the deduction links its finding"
    );
    let history = page.texts(".item-history li").join("\n");
    assert!(history.contains("采纳现场检查问题"), "{history}");
    assert!(
        history.contains("该店已办理健康证明，现场未出示"),
        "{history}"
    );

    // Group B may not decide group A's item; refused and audited as a score refusal.
    let page =
        p.b.post(
            &format!("/rounds/{round}/findings/{finding_two}/accept"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);

    // The city's office sees the 明查 finding, never the 暗访 one, its point or photos.
    let mut office = p
        .app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    office.get("/").await;
    let page = office.get(&item).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("餐用具清洗消毒不到位"));
    assert!(
        !page.contains("从业人员未持健康证明上岗"),
        "暗访 finding hidden"
    );
    assert!(!page.contains("暗访甲小吃店"));
    assert_eq!(office.get(&base7).await.status, StatusCode::NOT_FOUND);
    assert_eq!(office.get(&base).await.status, StatusCode::OK);
    // A department sees no record at all.
    let mut clerk = p
        .app
        .signed_in("clerk1", Role::Department, Some("市市场监管局"))
        .await;
    clerk.get("/").await;
    assert_eq!(clerk.get(&base).await.status, StatusCode::FORBIDDEN);

    // Withdrawing the accepted deduction puts the finding back to be decided.
    let deduction: i64 =
        sqlx::query_scalar("SELECT deduction_id FROM inspection_findings WHERE id = $1")
            .bind(finding_one)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    let page =
        p.a.post(
            &format!("/rounds/{round}/deductions/{deduction}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let decision: String =
        sqlx::query_scalar("SELECT decision FROM inspection_findings WHERE id = $1")
            .bind(finding_one)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(decision, "pending");
    assert_eq!(total(&p.a.get(&format!("/rounds/{round}")).await), before);
}

/// Every cell of an .xlsx as text, joined.
fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let mut text = String::new();
    for name in book.sheet_names() {
        if let Ok(range) = book.worksheet_range(&name) {
            for row in range.rows() {
                for cell in row {
                    text.push_str(&cell.to_string());
                    text.push('\t');
                }
            }
        }
    }
    text
}

async fn raw(browser: &Browser, path: &str) -> (StatusCode, Vec<u8>) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn unannounced_findings_stay_out_of_the_citys_sight_until_published() {
    let (mut p, round) = round_with_plan().await;
    let eatery = point_id(&p.app, round, 7).await; // 暗访甲小吃店, 南街3号
    let karuo: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '卡若区'")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE inspection_points SET county_id = $2 WHERE id = $1")
        .bind(eatery)
        .bind(karuo)
        .execute(&p.app.pool)
        .await
        .unwrap();
    let base = format!("/rounds/{round}/inspections/{eatery}");
    let page =
        p.a.post(
            &format!("{base}/findings"),
            &[
                ("description", "后厨无防蝇设施"),
                ("indicator", "65"),
                ("points", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let form = Form::new().part("photo", Part::bytes(png()).file_name("后厨.png"));
    let (status, photo) = send_photo(&mut p.a, &format!("{base}/photos"), form).await;
    assert_eq!(status, StatusCode::OK, "{photo}");
    let page = submit_record(&mut p.a, &base, "pass", None, "0", "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let finding: i64 = sqlx::query_scalar("SELECT id FROM inspection_findings WHERE point_id = $1")
        .bind(eatery)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    let page =
        p.a.post(&format!("/rounds/{round}/findings/{finding}/accept"), &[])
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let photo_path = format!("{base}/photos/{}", photo["id"]);

    let secrets = ["暗访甲小吃店", "南街3号", "南街街道", "后厨无防蝇设施"];
    let leaks = |what: &str, text: &str| {
        for secret in &secrets[..3] {
            assert!(!text.contains(secret), "{what} shows {secret}");
        }
    };

    // A department: none of its pages, exports or API answers show the 暗访 point.
    let mut clerk = p
        .app
        .signed_in("clerk-kr", Role::Department, Some("卡若区"))
        .await;
    clerk.get("/").await;
    for path in [
        "/",
        "/tasks",
        "/problems",
        "/api/v1/problems",
        "/problems/ledger.csv",
        "/notifications",
        "/rounds",
        &format!("/rounds/{round}"),
        &format!("/rounds/{round}/inspections"),
        &format!("/api/v1/rounds/{round}/inspections"),
        &base,
        &photo_path,
    ] {
        let (_, body) = raw(&clerk, path).await;
        leaks(path, &String::from_utf8_lossy(&body));
        for secret in secrets {
            assert!(
                !String::from_utf8_lossy(&body).contains(secret),
                "{path} shows {secret}"
            );
        }
    }
    let (_, ledger) = raw(&clerk, "/problems/ledger.xlsx").await;
    leaks("ledger.xlsx", &xlsx_text(&ledger));
    for path in [&base, &photo_path] {
        assert_eq!(raw(&clerk, path).await.0, StatusCode::FORBIDDEN, "{path}");
    }

    // The city's office and leaders: the plan, the item, history, report and score sheet
    // show no place of a 暗访 point; its record and photos are "not found".
    let mut office = p
        .app
        .signed_in("office-x", Role::Office, Some("市食安办"))
        .await;
    office.get("/").await;
    for path in [
        "/",
        "/problems",
        "/api/v1/problems",
        &format!("/rounds/{round}"),
        &format!("/rounds/{round}/inspections"),
        &format!("/api/v1/rounds/{round}/inspections"),
        &format!("/rounds/{round}/items/p20"),
        &format!("/rounds/{round}/history"),
        &format!("/rounds/{round}/report"),
    ] {
        let (_, body) = raw(&office, path).await;
        leaks(path, &String::from_utf8_lossy(&body));
    }
    let report = office.get(&format!("/rounds/{round}/report")).await;
    assert!(
        !report.contains("暗访1"),
        "the report counts no 暗访 point for the city yet"
    );
    let report = p.a.get(&format!("/rounds/{round}/report")).await;
    assert!(
        report.contains("暗访1区"),
        "the assessors' report counts it"
    );
    let (status, sheet) = raw(&office, &format!("/rounds/{round}/sheet.xlsx")).await;
    if status == StatusCode::OK {
        leaks("sheet.xlsx", &xlsx_text(&sheet));
    }
    for path in [&base, &photo_path] {
        assert_eq!(raw(&office, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // Nor can the office turn the round's findings into problems before publication.
    let campaign = shian::campaigns::current(&p.app.pool)
        .await
        .unwrap()
        .unwrap();
    let deadline = (campaign.today() + chrono::Duration::days(30)).to_string();
    let page = office
        .post(
            "/problems/from-round",
            &[("round_id", &round.to_string()), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);

    // Published in a 公示: the city sees the point, and the finding becomes the county's
    // problem (the county of the point), citing the inspection.
    sqlx::query(
        "WITH n AS (INSERT INTO publicity_notices (campaign_id, title, body, issuer, contact, starts_on, ends_on, \
                    state, published_at) \
                    SELECT id, '公示', '正文', '省食安办', '电话', current_date, current_date + 15, 'published', now() \
                    FROM campaigns LIMIT 1 RETURNING id) \
         INSERT INTO publicity_rounds (notice_id, round_id) SELECT id, $1 FROM n",
    )
    .bind(round)
    .execute(&p.app.pool)
    .await
    .unwrap();
    let page = office.get(&format!("/rounds/{round}/inspections")).await;
    assert!(
        page.contains("暗访甲小吃店"),
        "published: the city sees 暗访 points"
    );
    assert_eq!(raw(&office, &base).await.0, StatusCode::OK);
    let page = office
        .post(
            "/problems/from-round",
            &[("round_id", &round.to_string()), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (source, org, label, linked): (String, i64, String, Option<i64>) = sqlx::query_as(
        "SELECT source, organisation_id, source_label, finding_id FROM problems WHERE round_id = $1",
    )
    .bind(round)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(source, "inspection");
    assert_eq!(org, karuo, "the county of the point");
    assert!(label.contains("现场检查"), "{label}");
    assert_eq!(linked, Some(finding));
    let home = clerk.get("/").await;
    assert!(
        home.contains("后厨无防蝇设施"),
        "the county sees its problem"
    );
}
