//! The office and the assessors at their desks (1366×768): the office approves one
//! submission and returns another from its review queue; an assessor marks evidence,
//! deducts and reads the round's total; the administrator's two-level menu fits.

use serde_json::json;
use shian::accounts::Role;

use super::{Chrome, Screen, journey, status, until};
use crate::scoring::{create_round, panel};
use crate::support::{TestApp, pdf};

/// The total the round's result page shows.
async fn total(chrome: &Chrome, round: i64) -> f64 {
    chrome.open(&format!("/rounds/{round}")).await;
    let text = chrome
        .find(".verdict-score .stat-value")
        .await
        .text()
        .await
        .unwrap();
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("a number as the total: {text}"))
}

#[tokio::test]
async fn the_office_approves_one_submission_and_returns_another() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.task_id(1, "市食安办").await,
        app.task_id(3, "市食安办").await,
    );
    let mut clerk = app
        .signed_in("clerk-office", Role::Department, Some("市食安办"))
        .await;
    for task in [a, b] {
        clerk
            .upload_documents(task, vec![("材料.pdf", pdf(30_000, task as u8))])
            .await;
        clerk
            .post(&format!("/tasks/{task}/submit"), &[("comment", "")])
            .await;
        assert_eq!(status(&app, task).await, "submitted");
    }
    app.create_user("office-web", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let chrome = Chrome::start(&app.base, Screen::Desktop).await;
    journey(&chrome, "office-desktop", async {
        chrome.sign_in("office-web", "Passw0rd!").await;
        chrome.open("/review").await;
        chrome.click(&format!("main a[href=\"/tasks/{a}\"]")).await;
        chrome
            .click(&format!(
                "form[action=\"/tasks/{a}/review\"] button[value=approve]"
            ))
            .await;
        until("approved", || async { status(&app, a).await == "approved" }).await;

        chrome.open("/review").await;
        chrome.click(&format!("main a[href=\"/tasks/{b}\"]")).await;
        chrome
            .fill(
                &format!("form[action=\"/tasks/{b}/review\"] textarea[name=comment]"),
                "请补充会议签到表",
            )
            .await;
        chrome
            .click(&format!(
                "form[action=\"/tasks/{b}/review\"] button[value=return]"
            ))
            .await;
        until("returned", || async { status(&app, b).await == "returned" }).await;
        let comment: String = sqlx::query_scalar(
            "SELECT comment FROM task_events WHERE task_id = $1 AND action = 'returned'",
        )
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(comment, "请补充会议签到表");
        assert_eq!(chrome.overflow().await, 0);
    })
    .await;
}

#[tokio::test]
async fn an_assessor_marks_evidence_deducts_and_reads_the_total() {
    let mut p = panel().await;
    let mut clerk = p
        .app
        .signed_in("clerk-round", Role::Department, Some("市食安办"))
        .await;
    let task = p.app.task_id(1, "市食安办").await;
    clerk
        .upload_documents(task, vec![("会议纪要.pdf", pdf(20_000, 7))])
        .await;
    let round = create_round(&mut p.admin, "provincial", "2026年省级初评").await;
    p.assign(round).await;
    p.open(round).await;
    let evidence: i64 = sqlx::query_scalar("SELECT id FROM evidence WHERE task_id = $1")
        .bind(task)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();

    let chrome = Chrome::start(&p.app.base, Screen::Desktop).await;
    journey(&chrome, "assessor-desktop", async {
        chrome.sign_in("expert_a", "Passw0rd!").await;
        let before = total(&chrome, round).await;
        chrome.open(&format!("/rounds/{round}/work")).await;
        chrome
            .click(&format!("main a[href=\"/rounds/{round}/items/p1\"]"))
            .await;
        let form = format!("form[action=\"/rounds/{round}/evidence/{evidence}/mark\"]");
        chrome
            .fill(&format!("{form} input[name=remark]"), "缺少2025年度纪要")
            .await;
        chrome.click(&format!("{form} button[value=no]")).await;
        until("the mark", || async {
            let marked: Option<bool> = sqlx::query_scalar(
                "SELECT sufficient FROM evidence_marks WHERE evidence_id = $1",
            )
            .bind(evidence)
            .fetch_optional(&p.app.pool)
            .await
            .ok()
            .flatten();
            marked == Some(false)
        })
        .await;

        let deduct = format!("form[action=\"/rounds/{round}/items/p1/deductions\"]");
        chrome.fill(&format!("{deduct} input[name=points]"), "0.5").await;
        chrome
            .fill(&format!("{deduct} textarea[name=reason]"), "缺少2025年度会议纪要")
            .await;
        chrome.click(&format!("{deduct} button[type=submit]")).await;
        until("the deduction", || async {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM score_deductions WHERE round_id = $1 AND withdrawn_at IS NULL",
            )
            .bind(round)
            .fetch_one(&p.app.pool)
            .await
            .unwrap_or(0);
            n == 1
        })
        .await;

        let after = total(&chrome, round).await;
        assert!(
            (before - after - 0.5).abs() < 1e-9,
            "the total falls by the deduction: {before} → {after}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_administrators_menu_fits_an_office_screen() {
    let app = TestApp::spawn().await;
    // Enrols the second factor through the pages, then signs in in the browser with it.
    app.signed_in("admin-web", Role::Admin, None).await;
    let code = app.totp_code("admin-web").await;
    let chrome = Chrome::start(&app.base, Screen::Desktop).await;
    journey(&chrome, "admin-menu", async {
        chrome.sign_in_with_code("admin-web", "Passw0rd!", &code).await;
        chrome.open("/admin/audit").await;
        // Every entry of the top row keeps its words on one line and the row stays one row.
        let rows = chrome
            .script(
                "const items = Array.from(document.querySelectorAll('#nav > a, #nav > details > summary'));
                 const tops = new Set(items.map(function (e) { return Math.round(e.getBoundingClientRect().top); }));
                 const tall = items.filter(function (e) { return e.getBoundingClientRect().height > 48; }).length;
                 return [items.length, tops.size, tall];",
                vec![],
            )
            .await;
        assert_eq!(rows[1], json!(1), "the menu is one row: {rows}");
        assert_eq!(rows[2], json!(0), "no entry wraps: {rows}");
        assert!(rows[0].as_i64().unwrap() <= 8, "a short top row: {rows}");
        // The administration group opens and leads to its pages.
        chrome.click("#nav details.nav-group.active > summary").await;
        chrome.click("#nav a[href=\"/admin/orgs\"]").await;
        assert_eq!(chrome.path().await, "/admin/orgs");
        assert_eq!(chrome.overflow().await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_leaders_summary_prints_on_one_page() {
    let app = TestApp::spawn().await;
    app.create_user("leader-web", Role::Viewer, None, "Passw0rd!")
        .await;
    let chrome = Chrome::start(&app.base, Screen::Desktop).await;
    journey(&chrome, "leader-print", async {
        chrome.sign_in("leader-web", "Passw0rd!").await;
        chrome.open("/").await;
        chrome.find(".leader-summary").await;
        assert_eq!(chrome.printed_pages().await, 1, "one A4 page");
    })
    .await;
}

#[tokio::test]
async fn the_wall_screen_fits_and_follows_an_approval_without_reloading() {
    let app = TestApp::spawn().await;
    let task = app.task_id(1, "市食安办").await;
    let mut clerk = app
        .signed_in("clerk-screen", Role::Department, Some("市食安办"))
        .await;
    clerk
        .upload_documents(task, vec![("材料.pdf", pdf(10_000, 3))])
        .await;
    clerk
        .post(&format!("/tasks/{task}/submit"), &[("comment", "")])
        .await;
    app.create_user("office-screen", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let chrome = Chrome::start(&app.base, Screen::Wall).await;
    journey(&chrome, "wall-screen", async {
        chrome.sign_in("office-screen", "Passw0rd!").await;
        chrome.open("/screen?every=5").await;
        let before = chrome
            .find("[data-key=approved]")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(chrome.overflow().await, 0, "no sideways scrolling");
        let fits = chrome
            .script(
                "return document.documentElement.scrollHeight <= window.innerHeight + 1;",
                vec![],
            )
            .await;
        assert_eq!(fits, json!(true), "the whole screen fits 1920×1080");
        chrome.script("window.stillThisPage = true;", vec![]).await;

        // The office approves elsewhere; the screen shows it at its next refresh.
        let mut office = app
            .signed_in("office-other", Role::Office, Some("市食安办"))
            .await;
        office.get(&format!("/tasks/{task}")).await;
        office
            .post(
                &format!("/tasks/{task}/review"),
                &[("decision", "approve"), ("comment", "")],
            )
            .await;
        until("the screen's new figure", || async {
            chrome
                .script(
                    "return document.querySelector('[data-key=approved]').textContent;",
                    vec![],
                )
                .await
                != json!(before)
        })
        .await;
        let after = chrome
            .find("[data-key=approved]")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            after.parse::<i64>().unwrap(),
            before.parse::<i64>().unwrap() + 1
        );
        assert_eq!(
            chrome
                .script("return window.stillThisPage === true;", vec![])
                .await,
            json!(true),
            "refreshed in place, not reloaded"
        );
    })
    .await;
}
