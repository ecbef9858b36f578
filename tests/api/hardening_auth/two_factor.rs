//! Item 15: two-factor sign-in (TOTP).

use reqwest::StatusCode;
use shian::accounts::Role;

use super::count;
use crate::support::{Browser, TestApp};

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
