//! Sign-in hardening (issue 12, items 3, 8 and 15): throttling that cannot be used to
//! lock people out and holds under concurrency and across server processes; a password
//! change that ends the user's other sessions; two-factor sign-in.

use reqwest::StatusCode;
use shian::accounts::Role;
use shian::config::Config;

use crate::support::{Browser, TestApp};

/// Addresses come from a trusted proxy's `X-Forwarded-For`; the first wait is long so
/// that no assertion depends on how fast the test runs.
fn behind_proxy(config: &mut Config) {
    config.trust_proxy = true;
    config.login_first_delay_secs = 600;
}

async fn count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn attempt(browser: &mut Browser, username: &str, password: &str) -> crate::support::Page {
    browser
        .post("/login", &[("username", username), ("password", password)])
        .await
}

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

#[tokio::test]
async fn hardening_auth_a_password_change_ends_the_users_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("roaming", Role::Viewer, None, "Passw0rd!")
        .await;
    let mut laptop = app.browser();
    let mut phone = app.browser();
    assert_eq!(
        laptop.login("roaming", "Passw0rd!").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        phone.login("roaming", "Passw0rd!").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(phone.get("/").await.status, StatusCode::OK);

    laptop.get("/account/password").await;
    let page = laptop
        .post(
            "/account/password",
            &[
                ("current", "Passw0rd!"),
                ("new", "Better-2026"),
                ("confirm", "Better-2026"),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/"));
    let home = laptop.get("/").await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "the changing browser stays signed in"
    );
    assert!(
        home.contains("其他浏览器和设备上的登录已全部退出"),
        "and is told so"
    );
    assert_eq!(laptop.get("/rubric").await.status, StatusCode::OK);

    let page = phone.get("/rubric").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.location().unwrap().starts_with("/login"),
        "{:?}",
        page.location()
    );
    assert_eq!(
        phone.get("/").await.status,
        StatusCode::SEE_OTHER,
        "for good"
    );
    assert_eq!(
        phone.login("roaming", "Better-2026").await.location(),
        Some("/")
    );
    assert_eq!(phone.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn hardening_auth_an_admin_reset_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("boss", Role::Admin, None).await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    let clerk_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'clerk'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    admin.get(&format!("/admin/users/{clerk_id}")).await;
    let page = admin
        .post(&format!("/admin/users/{clerk_id}/password"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = clerk.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        Some("/login"),
        "signed out, not just sent to change the password"
    );
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK);
}

/// Enrols `username` (not required by role) through the account pages.
async fn enrolled(app: &TestApp, username: &str) -> (Browser, Vec<String>) {
    let mut browser = app.signed_in(username, Role::Viewer, None).await;
    let account = browser.get("/account").await;
    assert!(account.contains("两步验证"));
    let (secret, codes) = browser.enrol_two_factor().await;
    let again = browser.get("/account/2fa").await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(!again.contains(&secret), "the secret is never shown again");
    assert!(again.texts("#totp-secret").is_empty());
    assert!(!again.contains(&codes[0]), "nor the recovery codes");
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT code_hash FROM two_factor_recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.username = $1")
            .bind(username)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(
        stored
            .iter()
            .all(|h| h.len() == 32 && !codes.iter().any(|c| c.as_bytes() == h.as_slice())),
        "stored hashed"
    );
    browser.post("/logout", &[]).await;
    (browser, codes)
}

#[tokio::test]
async fn hardening_auth_sign_in_needs_the_code_and_a_code_signs_in_once() {
    let app = TestApp::spawn().await;
    let (_, _) = enrolled(&app, "careful").await;
    let mut browser = app.browser();
    let page = browser.login("careful", "Passw0rd!").await;
    assert_eq!(page.location(), Some("/login/2fa"));
    // A correct password alone opens nothing.
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/account").await.location(),
        Some("/login?next=%2Faccount")
    );
    let step = browser.get("/login/2fa").await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.contains("动态码"));
    let wrong = browser.post("/login/2fa", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.contains("动态码不正确"));
    let code = app.totp_code("careful").await;
    let page = browser.post("/login/2fa", &[("code", &code)]).await;
    assert_eq!(page.location(), Some("/"));
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    // The same code cannot sign in a second browser.
    let mut other = app.browser();
    assert_eq!(
        other.login("careful", "Passw0rd!").await.location(),
        Some("/login/2fa")
    );
    other.get("/login/2fa").await;
    let replay = other.post("/login/2fa", &[("code", &code)]).await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "no replay within the step"
    );
    assert_eq!(count(&app, "login.2fa.failed").await, 2);
    let summary: serde_json::Value = sqlx::query_scalar(
        "SELECT summary FROM audit_events WHERE action = 'login' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(summary["second_factor"], "totp");
}

#[tokio::test]
async fn hardening_auth_wrong_codes_are_throttled() {
    let app = TestApp::spawn_with(|config| config.login_first_delay_secs = 600).await;
    enrolled(&app, "target").await;
    let mut browser = app.browser();
    browser.login("target", "Passw0rd!").await;
    browser.get("/login/2fa").await;
    for n in 0..5 {
        let page = browser
            .post("/login/2fa", &[("code", &format!("00000{n}"))])
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let code = app.totp_code("target").await;
    let page = browser.post("/login/2fa", &[("code", &code)]).await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert!(page.headers.contains_key("retry-after"));
    assert!(page.contains("登录尝试过于频繁"));
    assert_eq!(count(&app, "login.2fa.throttled").await, 1);
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn hardening_auth_a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    let (_, codes) = enrolled(&app, "lostphone").await;
    let mut browser = app.browser();
    browser.login("lostphone", "Passw0rd!").await;
    browser.get("/login/2fa").await;
    // Typed loosely: upper case, spaces instead of dashes.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let page = browser.post("/login/2fa", &[("code", &typed)]).await;
    assert_eq!(page.location(), Some("/"));
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("剩余 9 个"));

    let mut again = app.browser();
    again.login("lostphone", "Passw0rd!").await;
    again.get("/login/2fa").await;
    let page = again.post("/login/2fa", &[("code", &codes[3])]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "used up");
    let page = again.post("/login/2fa", &[("code", &codes[4])]).await;
    assert_eq!(page.location(), Some("/"), "another one still works");
}

#[tokio::test]
async fn hardening_auth_a_remembered_browser_skips_the_step_until_the_password_changes() {
    let app = TestApp::spawn().await;
    enrolled(&app, "regular").await;
    let mut browser = app.browser();
    browser.login("regular", "Passw0rd!").await;
    let page = browser.get("/login/2fa").await;
    assert!(page.contains("30 天内不再询问"));
    let code = app.totp_code("regular").await;
    let page = browser
        .post("/login/2fa", &[("code", &code), ("remember", "1")])
        .await;
    assert_eq!(page.location(), Some("/"));
    let cookie = page.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=2592000"),
        "{cookie}"
    );
    browser.post("/logout", &[]).await;

    assert_eq!(
        browser.login("regular", "Passw0rd!").await.location(),
        Some("/"),
        "skipped"
    );
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    // Another browser is still asked.
    assert_eq!(
        app.browser().login("regular", "Passw0rd!").await.location(),
        Some("/login/2fa")
    );

    browser.get("/account/password").await;
    browser
        .post(
            "/account/password",
            &[
                ("current", "Passw0rd!"),
                ("new", "Better-2026"),
                ("confirm", "Better-2026"),
            ],
        )
        .await;
    browser.post("/logout", &[]).await;
    assert_eq!(
        browser.login("regular", "Better-2026").await.location(),
        Some("/login/2fa"),
        "a password change forgets remembered browsers"
    );
}

#[tokio::test]
async fn hardening_auth_an_admin_reset_of_the_second_factor_is_audited() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("boss", Role::Admin, None).await;
    enrolled(&app, "phoneless").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'phoneless'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut user = app.browser();
    user.login("phoneless", "Passw0rd!").await;
    user.get("/login/2fa").await;
    let code = app.totp_code("phoneless").await;
    user.post("/login/2fa", &[("code", &code)]).await;
    assert_eq!(user.get("/").await.status, StatusCode::OK);

    let page = admin.get(&format!("/admin/users/{id}")).await;
    assert!(page.contains("重置两步验证"));
    let page = admin
        .post(&format!("/admin/users/{id}/2fa/reset"), &[])
        .await;
    assert_eq!(page.location(), Some(format!("/admin/users/{id}").as_str()));
    let (actor, summary): (Option<i64>, serde_json::Value) = sqlx::query_as(
        "SELECT actor_id, summary FROM audit_events WHERE action = 'user.2fa.reset'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(actor.is_some());
    assert_eq!(summary["username"], "phoneless");
    assert_eq!(
        user.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the user's sessions end"
    );
    assert_eq!(
        user.login("phoneless", "Passw0rd!").await.location(),
        Some("/"),
        "password only now"
    );
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM two_factor_recovery_codes WHERE user_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn hardening_auth_an_admin_without_a_second_factor_must_enrol_first() {
    let app = TestApp::spawn().await;
    let admin_id = app
        .create_user("newadmin", Role::Admin, None, "Passw0rd!")
        .await;
    let mut browser = app.browser();
    assert_eq!(
        browser.login("newadmin", "Passw0rd!").await.location(),
        Some("/account/2fa")
    );
    for path in ["/", "/admin/users", "/rubric", "/account"] {
        assert_eq!(
            browser.get(path).await.location(),
            Some("/account/2fa"),
            "{path}"
        );
    }
    let page = browser.get("/account/2fa").await;
    assert!(page.contains("必须开启两步验证"));
    assert!(page.contains("data:image/png;base64,"), "a QR code");
    // A wrong code is refused and what was shown stays the same.
    let secret = page.texts("#totp-secret").pop().unwrap();
    let wrong = browser.post("/account/2fa", &[("code", "123")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.texts("#totp-secret").pop(), Some(secret));
    browser.enrol_two_factor().await;
    assert_eq!(browser.get("/admin/users").await.status, StatusCode::OK);
    assert_eq!(count(&app, "user.2fa.enable").await, 1);

    // API tokens are unaffected: a token of an admin without a second factor works.
    let other = app
        .create_user("scripted", Role::Admin, None, "Passw0rd!")
        .await;
    let (_, token) = shian::accounts::tokens::create(&app.pool, other, "script")
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/rubric", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let _ = admin_id;

    // Office users only when configured so.
    let mut plain = app
        .signed_in("officer", Role::Office, Some("市食安办"))
        .await;
    assert_eq!(
        plain.get("/tasks").await.status,
        StatusCode::OK,
        "not required by default"
    );
    let strict = TestApp::spawn_with(|config| {
        config.two_factor_roles = vec![Role::Admin, Role::Office];
    })
    .await;
    strict
        .create_user("officer", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let mut officer = strict.browser();
    assert_eq!(
        officer.login("officer", "Passw0rd!").await.location(),
        Some("/account/2fa")
    );
    assert_eq!(officer.get("/tasks").await.location(), Some("/account/2fa"));
}
