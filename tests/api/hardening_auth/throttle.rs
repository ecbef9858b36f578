//! Item 3: throttling by (user, address) pair with ceilings, shared by every process.

use reqwest::StatusCode;
use shian::accounts::Role;

use super::{attempt, behind_proxy, count};
use crate::support::TestApp;

#[tokio::test]
async fn hardening_auth_guesses_from_one_address_do_not_stop_the_owner_elsewhere() {
    let app = TestApp::spawn_with(behind_proxy).await;
    app.create_user("director", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let mut attacker = app.browser_from("203.0.113.9");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            attempt(&mut attacker, "director", "guess-1234")
                .await
                .status,
        );
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        5,
        "five guesses are checked: {statuses:?}"
    );
    let throttled = attempt(&mut attacker, "director", "Passw0rd!").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 600, "Retry-After {retry}");
    assert!(
        throttled.contains("登录尝试过于频繁"),
        "a localised message with the wait"
    );
    assert!(throttled.contains("分钟"));

    // The owner, from the office, is not held back by the attacker's guesses.
    let mut owner = app.browser_from("198.51.100.20");
    let page = attempt(&mut owner, "director", "Passw0rd!").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(owner.get("/").await.status, StatusCode::OK);

    let (summary, address): (serde_json::Value, Option<String>) = sqlx::query_as(
        "SELECT summary, client_addr FROM audit_events WHERE action = 'login.throttled' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(summary["username"], "director");
    assert_eq!(summary["reason"], "pair");
    assert_eq!(summary["address"], "203.0.113.9");
    assert_eq!(address.as_deref(), Some("203.0.113.9"));
    assert_eq!(
        count(&app, "login.throttled").await,
        8,
        "every refusal is audited"
    );
    assert_eq!(count(&app, "login.failed").await, 5);
}

#[tokio::test]
async fn hardening_auth_concurrent_guesses_are_checked_no_more_than_the_limit() {
    let app = TestApp::spawn_with(behind_proxy).await;
    app.create_user("chief", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let mut browsers = Vec::new();
    for _ in 0..64 {
        let mut browser = app.browser_from("203.0.113.50");
        browser.token().await;
        browsers.push(browser);
    }
    let guesses = browsers.into_iter().map(|mut browser| {
        tokio::spawn(async move { attempt(&mut browser, "chief", "guess-1234").await.status })
    });
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 59), "{statuses:?}");
    // The argon2 checks actually done: one failed-login row each.
    assert_eq!(count(&app, "login.failed").await, 5);
    assert_eq!(count(&app, "login.throttled").await, 59);
}

#[tokio::test]
async fn hardening_auth_a_busy_nat_address_does_not_stop_its_known_users() {
    let app = TestApp::spawn_with(|config| {
        behind_proxy(config);
        config.login_address_failures_per_minute = 10;
    })
    .await;
    let nat = "192.0.2.1";
    app.create_user("colleague", Role::Department, Some("卡若区"), "Passw0rd!")
        .await;
    app.create_user("newcomer", Role::Department, Some("卡若区"), "Passw0rd!")
        .await;
    // The colleague has signed in from the office before.
    let mut earlier = app.browser_from(nat);
    assert_eq!(
        attempt(&mut earlier, "colleague", "Passw0rd!").await.status,
        StatusCode::SEE_OTHER
    );

    // Someone behind the same NAT address guesses at many accounts.
    let mut guesser = app.browser_from(nat);
    for n in 0..10 {
        let page = attempt(&mut guesser, &format!("clerk{n}"), "guess-1234").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = attempt(&mut guesser, "clerk99", "guess-1234").await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address ceiling"
    );

    // A user known at this address signs in regardless.
    let mut colleague = app.browser_from(nat);
    assert_eq!(
        attempt(&mut colleague, "colleague", "Passw0rd!")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(colleague.get("/").await.status, StatusCode::OK);
    // What the design allows: a user new to this busy address waits for the rest of the
    // minute (never longer), and is not held back anywhere else.
    let mut newcomer = app.browser_from(nat);
    let page = attempt(&mut newcomer, "newcomer", "Passw0rd!").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry <= 60, "Retry-After {retry}");
    let mut elsewhere = app.browser_from("198.51.100.7");
    assert_eq!(
        attempt(&mut elsewhere, "newcomer", "Passw0rd!")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let reason: serde_json::Value = sqlx::query_scalar(
        "SELECT summary -> 'reason' FROM audit_events WHERE action = 'login.throttled' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reason, "address");
}

#[tokio::test]
async fn hardening_auth_a_spray_across_users_and_addresses_is_slowed() {
    let app = TestApp::spawn_with(|config| {
        behind_proxy(config);
        config.login_global_failures_per_minute = 20;
    })
    .await;
    let users: Vec<String> = (0..10).map(|n| format!("staff{n}")).collect();
    for user in &users {
        app.create_user(user, Role::Viewer, None, "Right-Pass-2026")
            .await;
    }
    // 200 guesses: every one of 20 addresses tries every one of 10 users once, so the
    // per-pair delay never applies; only the ceilings can slow this.
    let mut refused = 0;
    for a in 0..20 {
        let mut browser = app.browser_from(&format!("203.0.113.{}", 100 + a));
        for user in &users {
            let status = attempt(&mut browser, user, "guess-1234").await.status;
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            } else {
                assert_eq!(status, StatusCode::UNAUTHORIZED);
            }
        }
    }
    let checked = count(&app, "login.failed").await;
    // The first 20 failures, then one first try per fresh address.
    assert!(checked <= 40, "{checked} guesses were checked");
    assert_eq!(checked + refused, 200);
    assert_eq!(count(&app, "login.throttled").await, refused);
    // The spray does not keep a user with the right password out from a clean address.
    let mut owner = app.browser_from("198.51.100.30");
    assert_eq!(
        attempt(&mut owner, "staff3", "Right-Pass-2026")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn hardening_auth_two_servers_share_the_throttle() {
    let first = TestApp::spawn_with(behind_proxy).await;
    let second = first.spawn_sibling(behind_proxy).await;
    first
        .create_user("shared", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let mut on_first = first.browser_from("203.0.113.77");
    let mut on_second = second.browser_from("203.0.113.77");
    for _ in 0..3 {
        assert_eq!(
            attempt(&mut on_first, "shared", "guess-1234").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    for _ in 0..2 {
        assert_eq!(
            attempt(&mut on_second, "shared", "guess-1234").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&mut on_first, "shared", "guess-1234").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt(&mut on_second, "shared", "Passw0rd!").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
