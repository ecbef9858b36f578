//! The read-only JSON API: tokens, the figures agreeing with the dashboard, and the
//! same visibility rules as the pages.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::{Browser, TestApp};

/// Makes a token on the account page and returns it.
async fn token(browser: &mut Browser, name: &str) -> String {
    browser.get("/account").await;
    let page = browser.post("/account/tokens", &[("name", name)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.texts("pre.token")
        .first()
        .cloned()
        .expect("the token is shown once")
}

async fn api(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("GET");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn tokens_read_the_same_figures_the_pages_show() {
    let app = TestApp::spawn().await;
    sqlx::query(
        "UPDATE tasks SET status = 'approved' WHERE indicator_id IN \
         (SELECT id FROM indicators WHERE point_id = (SELECT id FROM rubric_points WHERE seq = 1))",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (total, approved): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'approved') FROM tasks WHERE removed_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let (status, body) = api(&app, "/api/v1/progress", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "error-unauthorized");

    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let secret = token(&mut office, "大屏").await;
    assert!(secret.starts_with("shian_"));
    let (status, body) = api(&app, "/api/v1/progress", Some(&secret)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tasks"]["total"], total);
    assert_eq!(body["tasks"]["approved"], approved);
    let dashboard = office.get("/").await;
    let shown = dashboard.texts(".stats .stat-value");
    assert_eq!(
        shown[1],
        format!("{approved} / {total}"),
        "page and API agree"
    );
    assert_eq!(
        format!("{:.1}%", body["weighted_percent"].as_f64().unwrap()),
        shown[0]
    );

    let (_, rubric) = api(&app, "/api/v1/rubric", Some(&secret)).await;
    assert_eq!(rubric["parts"].as_array().unwrap().len(), 6);
    let (_, orgs) = api(&app, "/api/v1/organisations", Some(&secret)).await;
    assert!(orgs["organisations"].as_array().unwrap().len() > 30);
    let (_, rounds) = api(&app, "/api/v1/rounds", Some(&secret)).await;
    assert_eq!(rounds["rounds"].as_array().unwrap().len(), 0);
    sqlx::query(
        "INSERT INTO assessment_rounds (campaign_id, kind, name, state) SELECT id, 'self', '自评', 'open' FROM campaigns",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, rounds) = api(&app, "/api/v1/rounds", Some(&secret)).await;
    assert_eq!(rounds["rounds"][0]["kind"], "self");
    assert_eq!(rounds["rounds"][0]["state"], "open");
    // Nothing deducted yet: parts 一–三 stand at their 60 points; nothing measured or awarded.
    assert_eq!(
        rounds["rounds"][0]["total"], "60",
        "scores are decimal strings"
    );

    // A clerk's token sees its own tasks only, and no scores.
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    let clerk_secret = token(&mut clerk, "脚本").await;
    let (_, tasks) = api(&app, "/api/v1/tasks?org=1", Some(&clerk_secret)).await;
    let own: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         WHERE o.name = '市农业农村局' AND t.removed_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(tasks["total"], own);
    assert!(
        tasks["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["organisation_name"] == "市农业农村局")
    );
    let (status, _) = api(&app, "/api/v1/rounds", Some(&clerk_secret)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A revoked token no longer works; a token opens only the API.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = '脚本'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = clerk
        .post(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (status, _) = api(&app, "/api/v1/tasks", Some(&clerk_secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/tasks", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "pages need a session");
}
