//! Item 8: a password change (or reset) ends the user's other sessions.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

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
