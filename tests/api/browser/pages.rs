//! The main pages on a phone: none scrolls sideways at 390 px, and axe-core finds no
//! serious or critical violation on any.

use shian::accounts::Role;

use super::{Chrome, Screen, journey};
use crate::support::TestApp;

#[tokio::test]
async fn main_pages_fit_a_phone_and_pass_axe() {
    let app = TestApp::spawn().await;
    app.create_user("clerk-pages", Role::Department, Some("江达县"), "Passw0rd!")
        .await;
    let (task, programme): (i64, i64) = sqlx::query_as(
        "SELECT t.id, (SELECT min(id) FROM programmes) FROM tasks t \
         JOIN organisations o ON o.id = t.organisation_id WHERE o.name = '江达县' ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let pages = [
        "/".to_string(),
        "/tasks".into(),
        format!("/tasks/{task}"),
        "/reports".into(),
        "/bulletins".into(),
        "/problems".into(),
        "/meetings".into(),
        "/programmes".into(),
        format!("/programmes/{programme}"),
        "/supervision".into(),
        "/rubric".into(),
        "/rubric/indicators/28".into(),
        "/targets".into(),
        "/evaluations".into(),
        "/notifications".into(),
        "/account".into(),
        "/search?q=%E5%8F%B0%E8%B4%A6".into(),
        "/publicity".into(),
    ];
    let chrome = Chrome::start(&app.base, Screen::Phone).await;
    journey(&chrome, "pages-phone", async {
        chrome.sign_in("clerk-pages", "Passw0rd!").await;
        let mut failures = Vec::new();
        for path in &pages {
            chrome.open(path).await;
            let overflow = chrome.overflow().await;
            if overflow > 0 {
                failures.push(format!("{path} scrolls sideways by {overflow} px"));
            }
            for violation in chrome.axe_violations().await {
                failures.push(format!("{path}: {violation}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}
