//! 公示 end to end: the office drafts from a locked round, edits and publishes; the
//! public reads it signed out and objects (anonymous, wrong attachment, over the limit
//! and forged submissions refused); the office handles objections; the submitter follows
//! them with the code; after the period the notice records the outcome.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use shian::accounts::Role;
use shian::scoring::rounds::{self, NewRound, RoundKind};
use shian::scoring::{Decision, Outcome};

use crate::support::{Browser, Page, TestApp, file, pdf};

/// Every browser of a test comes from 127.0.0.1: the per-address limit is lifted except
/// where it is the subject.
async fn spawn() -> TestApp {
    TestApp::spawn_with(|c| c.objection_limit_per_hour = 1000).await
}

/// A locked provincial round of the current campaign: 91.25 of 100, passed.
async fn locked_round(app: &TestApp) -> i64 {
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let rubric = shian::rubric::data::RubricFile::parse(shian::rubric::data::BUNDLED_2021).unwrap();
    let scope = shian::scoring::Scope::usual_for(&rubric, "provincial");
    let id = rounds::create(
        &app.pool,
        campaign.id,
        &NewRound {
            kind: RoundKind::Provincial,
            name: "2026年省级初评",
            starts_on: None,
            ends_on: None,
            scope: &scope,
        },
    )
    .await
    .unwrap();
    assert!(rounds::open(&app.pool, id).await.unwrap());
    let outcome = Outcome {
        scope: vec![],
        points: vec![],
        parts: vec![],
        total: Decimal::new(9125, 2),
        max_total: Decimal::new(100, 0),
        thresholds: vec![],
        vetoes: vec![],
        derived_vetoes: vec![],
        problems: vec![],
        decision: Decision::AllRulesMet,
        min_total: None,
    };
    assert!(rounds::lock(&app.pool, id, &outcome).await.unwrap());
    id
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// Drafts and publishes a notice whose period starts `offset` days from today.
async fn published(app: &TestApp, office: &mut Browser, offset: i64) -> i64 {
    let round = locked_round(app).await;
    let start = (today() + chrono::Duration::days(offset)).to_string();
    office.get("/office/publicity").await;
    let page = office
        .post(
            "/office/publicity",
            &[("round", &round.to_string()), ("starts_on", &start)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id: i64 = page
        .location()
        .unwrap()
        .trim_start_matches("/office/publicity/")
        .parse()
        .unwrap();
    let draft = office.get(&format!("/office/publicity/{id}")).await;
    let field = |name: &str| draft.input_value(name).unwrap_or_default();
    let saved = office
        .post(
            &format!("/office/publicity/{id}"),
            &[
                ("title", &field("title")),
                ("body", &field("body")),
                ("issuer", &field("issuer")),
                (
                    "contact",
                    "联系电话：0895-4812345\n联系邮箱：csab@example.gov.cn",
                ),
                ("starts_on", &field("starts_on")),
                ("ends_on", &field("ends_on")),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let done = office
        .post(&format!("/office/publicity/{id}/publish"), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    id
}

fn objection(name: &str, contact: &str, text: &str) -> Form {
    Form::new()
        .text("real_name", name.to_string())
        .text("contact", contact.to_string())
        .text("body", text.to_string())
}

/// The code on the receipt page the objection redirected to.
async fn receipt_code(public: &mut Browser, page: &Page) -> String {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/publicity/objections/receipt"));
    let receipt = public.get("/publicity/objections/receipt").await;
    assert!(receipt.contains("异议已收到"));
    receipt.texts("#objection-code").pop().expect("a code")
}

async fn status_text(public: &mut Browser, code: &str) -> Page {
    public.get("/publicity/objections/status").await;
    public
        .post("/publicity/objections/status", &[("code", code)])
        .await
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn objection_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM publicity_objections")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn handle(office: &mut Browser, objection: i64, action: &str, text: &str) -> Page {
    office
        .post(
            &format!("/office/publicity/objections/{objection}/handle"),
            &[("action", action), ("text", text)],
        )
        .await
}

#[tokio::test]
async fn publicity_from_draft_to_handled_objections_signed_out() {
    let app = spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let round = locked_round(&app).await;
    let list = office.get("/office/publicity").await;
    assert!(list.contains("2026年省级初评"), "locked rounds are offered");

    // The draft is generated from the round and editable; a backwards period is refused
    // with the form as typed.
    let page = office
        .post(
            "/office/publicity",
            &[
                ("round", &round.to_string()),
                ("starts_on", &today().to_string()),
            ],
        )
        .await;
    let id: i64 = page
        .location()
        .unwrap()
        .trim_start_matches("/office/publicity/")
        .parse()
        .unwrap();
    let draft = office.get(&format!("/office/publicity/{id}")).await;
    let title = draft.input_value("title").unwrap();
    assert_eq!(
        title,
        "关于昌都市创建国家食品安全示范城市省级初评情况的公示"
    );
    let body = draft.input_value("body").unwrap();
    assert!(
        body.contains(
            "昌都市（2026年省级初评）得分91.25分（满分100分），达到国家食品安全示范城市标准"
        ),
        "{body}"
    );
    assert_eq!(
        draft.input_value("ends_on").unwrap(),
        (today() + chrono::Duration::days(14)).to_string()
    );
    let anonymous_draft = app.browser().get(&format!("/publicity/{id}")).await;
    assert_eq!(
        anonymous_draft.status,
        StatusCode::NOT_FOUND,
        "drafts are not public"
    );
    let refused = office
        .post(
            &format!("/office/publicity/{id}"),
            &[
                ("title", "改过的标题"),
                ("body", &body),
                ("issuer", "昌都市食品安全委员会"),
                ("contact", "联系电话：0895-4812345"),
                ("starts_on", "2026-12-20"),
                ("ends_on", "2026-12-05"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("公示结束日期不能早于开始日期"));
    assert_eq!(refused.input_value("title").as_deref(), Some("改过的标题"));
    // Publishing without contact details is refused too.
    let refused = office
        .post(&format!("/office/publicity/{id}/publish"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.contains("发布前请填写联系方式"));
    let saved = office
        .post(
            &format!("/office/publicity/{id}"),
            &[
                ("title", &title),
                ("body", &body),
                ("issuer", "昌都市食品安全委员会"),
                ("contact", "联系电话：0895-4812345"),
                ("starts_on", &today().to_string()),
                ("ends_on", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let done = office
        .post(&format!("/office/publicity/{id}/publish"), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    // Signed out: the list, the notice with its state and the dates the Chinese way.
    let mut public = app.browser();
    let list = public.get("/publicity").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains(&title));
    let notice = public.get(&format!("/publicity/{id}")).await;
    assert_eq!(notice.status, StatusCode::OK);
    assert!(notice.contains("公示中"));
    let start = today();
    assert!(notice.contains(&format!(
        "公示时间：{}年{}月{}日至",
        chrono::Datelike::year(&start),
        chrono::Datelike::month(&start),
        chrono::Datelike::day(&start)
    )));
    assert!(notice.contains("print-button"), "printable");

    // Anonymous: refused, the text kept.
    let path = format!("/publicity/{id}/objections");
    let page = public
        .post_multipart(&path, objection("", "13800000000", "得分与实际不符"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写真实姓名"));
    assert!(page.contains("得分与实际不符"));
    let page = public
        .post_multipart(&path, objection("张三", " ", "得分与实际不符"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写有效联系方式"));
    assert_eq!(page.input_value("real_name").as_deref(), Some("张三"));
    // An attachment that is neither a document nor an image: refused, nothing kept.
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest of an archive".to_vec();
    let page = public
        .post_multipart(
            &path,
            objection("张三", "13800000000", "附压缩包").part("file", file("材料.zip", zip)),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("证明材料只接受文档或图片"));
    assert!(page.contains("附压缩包"));
    let page = public
        .post_multipart(
            &path,
            objection("张三", "13800000000", "假图片").part(
                "file",
                file("照片.jpg", b"MZ\x90\x00 not an image".to_vec()),
            ),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("假图片"));
    assert!(
        app.stored_files().is_empty(),
        "no file left behind: {:?}",
        app.stored_files()
    );
    assert_eq!(audited(&app, "publicity.objection_refused").await, 4);

    // Received with a PDF; the code shows the state.
    let page = public
        .post_multipart(
            &path,
            objection("张三", "13800000000", "食品抽检数据有误")
                .part("file", file("证明.pdf", pdf(4096, 1))),
        )
        .await;
    let code = receipt_code(&mut public, &page).await;
    assert!(code.len() >= 16, "{code}");
    let again = public.get("/publicity/objections/receipt").await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "the code is shown once"
    );
    let status = status_text(&mut public, &code).await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.texts(".objection-state"), vec!["待处理"]);
    let unknown = status_text(&mut public, "AAAA-BBBB-CCCC-DDDD").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.contains("未找到"));
    let mut other = app.browser();
    let page = other
        .post_multipart(&path, objection("李四", "lisi@example.com", "另一条异议"))
        .await;
    let second_code = receipt_code(&mut other, &page).await;

    // The office handles them: each step recorded, told to the submitter.
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM publicity_objections WHERE notice_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let office_page = office.get(&format!("/office/publicity/{id}")).await;
    assert!(office_page.contains("张三") && office_page.contains("证明.pdf"));
    let file = office
        .get(&format!("/office/publicity/objections/{}/file", ids[0]))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let refused = handle(&mut office, ids[0], "resolve", "已核实").await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(audited(&app, "publicity.objection_handle_refused").await, 1);
    assert_eq!(
        handle(&mut office, ids[0], "accept", "").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        status_text(&mut public, &code)
            .await
            .texts(".objection-state"),
        vec!["已受理，正在核实"]
    );
    handle(&mut office, ids[0], "resolve", "经核实，抽检数据已更正。").await;
    let status = status_text(&mut public, &code.to_lowercase()).await;
    assert_eq!(status.texts(".objection-state"), vec!["已办结"]);
    assert!(status.contains("经核实，抽检数据已更正。"));
    assert_eq!(
        handle(&mut office, ids[1], "reject", "").await.status,
        StatusCode::SEE_OTHER
    );
    handle(&mut office, ids[1], "reject", "异议内容与公示无关。").await;
    let status = status_text(&mut other, &second_code).await;
    assert_eq!(status.texts(".objection-state"), vec!["不予受理"]);
    assert!(status.contains("异议内容与公示无关。"));
    let steps: i64 = sqlx::query_scalar("SELECT count(*) FROM publicity_objection_events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(steps, 5, "two received, accepted, resolved, not accepted");

    // The API answers signed out.
    let api: serde_json::Value = reqwest::get(format!("{}/api/v1/publicity", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &api["publicity"][0];
    assert_eq!(first["title"], title.as_str());
    assert_eq!(first["state"], "open");
    assert_eq!(first["objections"]["total"], 2);
    assert_eq!(first["objections"]["resolved"], 1);
    assert_eq!(first["objections"]["not_accepted"], 1);
    assert!(!api.to_string().contains("张三"), "no names in the API");

    // After the period: the count and outcomes, and no more objections.
    sqlx::query("UPDATE publicity_notices SET starts_on = starts_on - 30, ends_on = ends_on - 30")
        .execute(&app.pool)
        .await
        .unwrap();
    let notice = public.get(&format!("/publicity/{id}")).await;
    assert!(notice.contains("已期满"));
    assert!(notice.contains(
        "公示期满，公示期内共收到异议2件，其中待处理0件、正在核实0件、不予受理1件、已办结1件。"
    ));
    let late = public
        .post_multipart(&path, objection("王五", "13900000000", "晚了"))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.contains("当前不在公示期内"));
    for action in [
        "publicity.draft",
        "publicity.edit",
        "publicity.edit_refused",
        "publicity.publish",
        "publicity.publish_refused",
        "publicity.objection_received",
        "publicity.objection_handle",
        "file.download",
    ] {
        assert!(audited(&app, action).await > 0, "{action} audited");
    }
}

#[tokio::test]
async fn an_ended_notice_without_objections_says_so_and_a_future_one_waits() {
    let app = spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let ended = published(&app, &mut office, -20).await;
    let future = published(&app, &mut office, 3).await;
    let mut public = app.browser();
    let page = public.get(&format!("/publicity/{ended}")).await;
    assert!(page.contains("已期满"));
    assert!(page.contains("公示期满，无异议。"));
    let page = public.get(&format!("/publicity/{future}")).await;
    assert!(page.contains("未开始"));
    assert!(!page.contains("公示期满"));
    let page = public
        .post_multipart(
            &format!("/publicity/{future}/objections"),
            objection("张三", "13800000000", "提前"),
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    // Published notices are frozen.
    let page = office
        .post(
            &format!("/office/publicity/{ended}"),
            &[
                ("title", "改"),
                ("issuer", "某"),
                ("starts_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("公示已发布，不能再修改"));
}

#[tokio::test]
async fn objections_over_the_limit_are_refused_and_audited() {
    let app = TestApp::spawn_with(|c| c.objection_limit_per_hour = 2).await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let id = published(&app, &mut office, 0).await;
    let path = format!("/publicity/{id}/objections");
    let mut public = app.browser();
    public.get(&format!("/publicity/{id}")).await;
    // A refused attempt counts too: the limit bounds work, not successes.
    let page = public.post_multipart(&path, objection("", "", "x")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = public
        .post_multipart(&path, objection("张三", "13800000000", "第一条"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = public
        .post_multipart(&path, objection("张三", "13800000000", "第二条"))
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("提交过于频繁"));
    let wait: u64 = page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 3000 && wait <= 3600, "{wait}");
    assert_eq!(audited(&app, "publicity.objection_throttled").await, 1);
    assert_eq!(objection_count(&app).await, 1);
}

#[tokio::test]
async fn forged_objections_are_refused() {
    let app = spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let id = published(&app, &mut office, 0).await;
    let url = format!("{}/publicity/{id}/objections", app.base);
    let mut public = app.browser();
    public.get(&format!("/publicity/{id}")).await;
    // No token.
    let response = public
        .client
        .post(&url)
        .multipart(objection("张三", "13800000000", "无令牌"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Another site's page posting with a stolen token.
    let token = public.token().await;
    let response = public
        .client
        .post(format!("{url}?csrf_token={token}"))
        .header("origin", "http://evil.example")
        .multipart(objection("张三", "13800000000", "跨站"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Another browser's token does not fit this session.
    let mut other = app.browser();
    other.get("/publicity").await;
    let response = other
        .client
        .post(format!("{url}?csrf_token={token}"))
        .multipart(
            objection("张三", "13800000000", "别人的令牌")
                .part("file", Part::bytes(pdf(100, 2)).file_name("a.pdf")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT summary->>'reason' FROM audit_events WHERE action = 'access.refused' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(reasons, ["csrf_token", "csrf_origin", "csrf_token"]);
    assert_eq!(objection_count(&app).await, 0);
}

#[tokio::test]
async fn only_the_office_drafts_publishes_and_handles() {
    let app = spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let id = published(&app, &mut office, 0).await;
    let mut public = app.browser();
    public.get(&format!("/publicity/{id}")).await;
    let page = public
        .post_multipart(
            &format!("/publicity/{id}/objections"),
            objection("张三", "13800000000", "异议"),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let objection: i64 = sqlx::query_scalar("SELECT id FROM publicity_objections")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let round = locked_round(&app).await.to_string();
    for (name, role, org) in [
        ("clerk", Role::Department, Some("市农业农村局")),
        ("assessor", Role::Assessor, None),
        ("viewer", Role::Viewer, None),
    ] {
        let mut browser = app.signed_in(name, role, org).await;
        for path in [
            format!("/office/publicity/{id}"),
            format!("/office/publicity/objections/{objection}/file"),
        ] {
            assert_eq!(
                browser.get(&path).await.status,
                StatusCode::FORBIDDEN,
                "{name} GET {path}"
            );
        }
        let posts: [(String, Vec<(&str, &str)>); 4] = [
            (
                "/office/publicity".into(),
                vec![("round", &round), ("starts_on", "2026-12-01")],
            ),
            (format!("/office/publicity/{id}"), vec![("title", "x")]),
            (format!("/office/publicity/{id}/publish"), vec![]),
            (
                format!("/office/publicity/objections/{objection}/handle"),
                vec![("action", "reject"), ("text", "no")],
            ),
        ];
        for (path, fields) in posts {
            let page = browser.post(&path, &fields).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{name} POST {path}");
        }
    }
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' AND object_id LIKE '/office/%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 3 * 6);
    let (state, notices): (String, i64) = sqlx::query_as(
        "SELECT (SELECT state FROM publicity_objections), (SELECT count(*) FROM publicity_notices)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((state.as_str(), notices), ("received", 1));
}

#[tokio::test]
async fn an_objection_attachment_over_its_own_smaller_limit_is_refused() {
    let app = TestApp::spawn_with(|c| {
        c.objection_limit_per_hour = 1000;
        c.objection_attachment_bytes = 64 * 1024;
    })
    .await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let id = published(&app, &mut office, 0).await;
    let path = format!("/publicity/{id}/objections");
    let mut public = app.browser();
    let form = public.get(&format!("/publicity/{id}")).await;
    assert!(
        form.contains("64 KB"),
        "the form states the limit: {}",
        form.body
    );
    let page = public
        .post_multipart(
            &path,
            objection("张三", "13800000000", "附大文件")
                .part("file", file("证明.pdf", pdf(200 * 1024, 1))),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.contains("附大文件"), "what was typed stays");
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    assert_eq!(objection_count(&app).await, 0);
    // Within the limit it is received.
    let page = public
        .post_multipart(
            &path,
            objection("张三", "13800000000", "附小文件")
                .part("file", file("证明.pdf", pdf(16 * 1024, 1))),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(objection_count(&app).await, 1);
}

#[tokio::test]
async fn a_round_a_published_notice_shows_is_never_reopened_or_deleted() {
    let app = spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let notice = published(&app, &mut office, 0).await;
    let round: i64 =
        sqlx::query_scalar("SELECT round_id FROM publicity_rounds WHERE notice_id = $1")
            .bind(notice)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/").await;
    let page = admin
        .post(
            &format!("/admin/rounds/{round}/reopen"),
            &[("reason", "想再改一次")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("公示"), "{}", page.body);
    let page = admin
        .post(&format!("/admin/rounds/{round}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("已列入公示"), "{}", page.body);
    let state: String = sqlx::query_scalar("SELECT state FROM assessment_rounds WHERE id = $1")
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "locked");
    // The public page still shows the round's frozen result.
    let page = app.browser().get(&format!("/publicity/{notice}")).await;
    assert!(page.contains("91.25"), "{}", page.body);
}
