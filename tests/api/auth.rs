//! Signing in and out, CSRF, forced password change, disabled accounts, language.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn login_and_logout() {
    let app = TestApp::spawn().await;
    app.create_user(
        "zhang.san",
        Role::Department,
        Some("市农业农村局"),
        "Passw0rd!",
    )
    .await;
    let mut browser = app.browser();
    let anonymous_cookie = browser
        .get("/login")
        .await
        .headers
        .get("set-cookie")
        .cloned();
    let page = browser
        .post(
            "/login",
            &[("username", "Zhang.San"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "usernames are case-insensitive"
    );
    assert_eq!(page.location(), Some("/"));
    let session_cookie = page.headers.get("set-cookie").cloned();
    assert!(
        session_cookie.is_some() && session_cookie != anonymous_cookie,
        "session id changes at login"
    );
    let cookie = session_cookie.unwrap();
    let cookie = cookie.to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.contains("市农业农村局的职责"),
        "the clerk sees its organisation's duties"
    );

    let page = browser.post("/logout", &[]).await;
    assert_eq!(page.location(), Some("/login"));
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        app.audit_actions()
            .await
            .ends_with(&["login".into(), "logout".into()])
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_refusal_and_keep_the_username() {
    let app = TestApp::spawn().await;
    app.create_user("li.si", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let mut browser = app.browser();
    browser.get("/login").await;
    let wrong = browser
        .post(
            "/login",
            &[("username", "li.si"), ("password", "nope-nope-1")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.contains("用户名或密码错误"));
    assert_eq!(
        wrong.input_value("username").as_deref(),
        Some("li.si"),
        "what was typed is kept"
    );
    let unknown = browser
        .post(
            "/login",
            &[("username", "nobody"), ("password", "nope-nope-1")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.texts(".flash-error"), unknown.texts(".flash-error"));
    let empty = browser
        .post("/login", &[("username", ""), ("password", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        browser.get("/").await.status == StatusCode::SEE_OTHER,
        "still signed out"
    );
    let failures: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'login.failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_loses_its_session() {
    let app = TestApp::spawn().await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("卡若区"))
        .await;
    assert_eq!(clerk.get("/").await.status, StatusCode::OK);
    sqlx::query("UPDATE users SET active = false WHERE username = 'clerk'")
        .execute(&app.pool)
        .await
        .unwrap();
    let page = clerk.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the open session ends at once"
    );
    let page = clerk.login("clerk", "Passw0rd!").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("该账号已停用"));
}

#[tokio::test]
async fn form_posts_without_a_valid_csrf_token_change_nothing() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin", Role::Admin, None).await;
    admin.get("/admin/users/new").await;
    let fields = [
        ("username", "forged"),
        ("display_name", "伪造"),
        ("role", "viewer"),
    ];

    let page = admin.post_raw("/admin/users", &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "missing token");
    assert!(page.contains("表单已过期"));
    let mut with_wrong = fields.to_vec();
    with_wrong.push(("csrf_token", "0000"));
    assert_eq!(
        admin.post_raw("/admin/users", &with_wrong).await.status,
        StatusCode::FORBIDDEN
    );

    // The right token from a foreign origin is refused too.
    let token = admin.token().await;
    let mut with_token = fields.to_vec();
    with_token.push(("csrf_token", &token));
    let response = admin
        .client
        .post(format!("{}/admin/users", admin.base))
        .header("origin", "http://evil.example")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = admin
        .client
        .post(format!("{}/admin/users", admin.base))
        .header("sec-fetch-site", "cross-site")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Login itself is protected against forged sign-ins.
    let mut stranger = app.browser();
    let page = stranger
        .post_raw(
            "/login",
            &[("username", "admin"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE username = 'forged'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    // With the token, from our own page, it works.
    assert_eq!(
        admin.post("/admin/users", &fields).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn first_login_forces_a_password_change() {
    let app = TestApp::spawn().await;
    app.create_user("newbie", Role::Viewer, None, "Temp-1234")
        .await;
    sqlx::query("UPDATE users SET must_change_password = true WHERE username = 'newbie'")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut browser = app.browser();
    let page = browser.login("newbie", "Temp-1234").await;
    assert_eq!(page.location(), Some("/account/password"));
    let page = browser.get("/rubric").await;
    assert_eq!(
        page.location(),
        Some("/account/password"),
        "every page leads to the change first"
    );
    let page = browser.get("/account/password").await;
    assert!(page.contains("请先设置您自己的密码"));

    let page = browser
        .post(
            "/account/password",
            &[
                ("current", "Temp-1234"),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("密码至少需要 8 位"));
    let page = browser
        .post(
            "/account/password",
            &[
                ("current", "wrong-123"),
                ("new", "Better-2026"),
                ("confirm", "Better-2026"),
            ],
        )
        .await;
    assert!(page.contains("当前密码不正确"));
    let page = browser
        .post(
            "/account/password",
            &[
                ("current", "Temp-1234"),
                ("new", "Better-2026"),
                ("confirm", "Better-2025"),
            ],
        )
        .await;
    assert!(page.contains("两次输入的新密码不一致"));
    let page = browser
        .post(
            "/account/password",
            &[
                ("current", "Temp-1234"),
                ("new", "Better-2026"),
                ("confirm", "Better-2026"),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/"));
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.contains("密码已修改"),
        "a one-time confirmation is shown"
    );
    assert!(
        !browser.get("/").await.contains("密码已修改"),
        "and only once"
    );

    let mut again = app.browser();
    assert_eq!(
        again.login("newbie", "Temp-1234").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.login("newbie", "Better-2026").await.location(),
        Some("/")
    );
}

#[tokio::test]
async fn login_returns_to_the_page_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    app.create_user("wang", Role::Viewer, None, "Passw0rd!")
        .await;
    let mut browser = app.browser();
    let page = browser.get("/rubric/indicators/46?x=1").await;
    assert_eq!(
        page.location(),
        Some("/login?next=%2Frubric%2Findicators%2F46%3Fx%3D1")
    );
    browser.get(page.location().unwrap()).await;
    let page = browser
        .post(
            "/login",
            &[
                ("username", "wang"),
                ("password", "Passw0rd!"),
                ("next", "/rubric/indicators/46?x=1"),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/rubric/indicators/46?x=1"));

    let mut other = app.browser();
    other.get("/login").await;
    let page = other
        .post(
            "/login",
            &[
                ("username", "wang"),
                ("password", "Passw0rd!"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/"));
}

#[tokio::test]
async fn english_is_available_per_browser_and_per_user() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    let page = browser
        .get_with("/login", ("accept-language", "en-US,en;q=0.9"))
        .await;
    assert!(page.contains("Sign in"));
    assert!(page.body.contains("<html lang=\"en\">"));
    let page = browser.get("/login").await;
    assert!(page.contains("登录"), "Chinese by default");

    let mut user = app.signed_in("eng", Role::Office, Some("市食安办")).await;
    user.get("/").await;
    let page = user
        .post("/lang", &[("lang", "en"), ("back", "/rubric/indicators/1")])
        .await;
    assert_eq!(page.location(), Some("/rubric/indicators/1"));
    let page = user.get("/rubric/indicators/1").await;
    assert!(page.contains("Evaluation methods"), "UI in English");
    assert!(page.contains("党政领导访谈"), "rubric text stays Chinese");
    let locale: Option<String> =
        sqlx::query_scalar("SELECT locale FROM users WHERE username = 'eng'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        locale.as_deref(),
        Some("en"),
        "the choice is kept on the account"
    );
    let page = user
        .post(
            "/lang",
            &[("lang", "zh-CN"), ("back", "https://evil.example")],
        )
        .await;
    assert_eq!(page.location(), Some("/"));
}

#[tokio::test]
async fn repeated_failures_are_throttled() {
    // A long first delay, so the refusal does not depend on how fast the test runs.
    let app = TestApp::spawn_with(|config| config.login_first_delay_secs = 600).await;
    app.create_user("target", Role::Office, Some("市食安办"), "Passw0rd!")
        .await;
    let mut attacker = app.browser();
    attacker.get("/login").await;
    for _ in 0..5 {
        let page = attacker
            .post(
                "/login",
                &[("username", "target"), ("password", "guess-1234")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = attacker
        .post(
            "/login",
            &[("username", "target"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits, from the guessing address"
    );
    assert!(page.contains("登录尝试过于频繁"));
    assert_eq!(page.input_value("username").as_deref(), Some("target"));
}
