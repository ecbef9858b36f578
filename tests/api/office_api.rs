//! The JSON API of the office's machinery (issue 16 §10): organisations with membership
//! and start date, tasks with their programme and expansion rule, programmes, 督办单 with
//! their steps, targets with the city-wide rate.

use reqwest::StatusCode;
use serde_json::Value;
use shian::accounts::Role;

use crate::support::TestApp;

async fn json(browser: &mut crate::support::Browser, path: &str) -> Value {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    serde_json::from_str(&page.body).expect("json")
}

#[tokio::test]
async fn the_api_reads_membership_programmes_supervision_and_city_rates() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    let orgs = json(&mut office, "/api/v1/organisations").await;
    let ecology = orgs["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "市生态环境局")
        .expect("the plan's unit");
    assert_eq!(ecology["member"], true);
    assert!(ecology.get("joined_on").is_some());

    // Programme work, and the rule a task came from.
    let tasks = json(&mut office, "/api/v1/tasks?programme=all").await;
    let rows = tasks["tasks"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|t| t["programme_id"].is_i64() && t["indicator_number"].is_null())
    );
    let others = json(&mut office, "/api/v1/tasks?indicator=28").await;
    assert!(
        others["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["expansion"] == "other_members"),
        "{others}"
    );
    let programmes = json(&mut office, "/api/v1/programmes").await;
    let list = programmes["programmes"].as_array().unwrap();
    assert_eq!(list.len(), 24);
    assert_eq!(list[0]["title"], "源头治理提升工程");
    assert!(
        list[0]["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["role"] == "lead")
    );

    // A 督办单 with its steps; a clerk sees only its own organisation's.
    let task = app.task_id(7, "市农业农村局").await;
    let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '市农业农村局'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let deadline = (chrono::Utc::now().date_naive() + chrono::Duration::days(5)).to_string();
    office.get("/office/supervision/new").await;
    let page = office
        .post(
            "/office/supervision",
            &[
                ("organisation_id", &org.to_string()),
                ("task_id", &task.to_string()),
                ("matter", "配套制度逾期"),
                ("demand", "限期报送"),
                ("deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let orders = json(&mut office, "/api/v1/supervision").await;
    let order = &orders["orders"][0];
    assert!(order["number"].as_str().unwrap().starts_with("督办〔"));
    assert_eq!(
        order["steps"].as_array().unwrap().len(),
        2,
        "drafted and issued"
    );
    let mut other = app
        .signed_in("other", Role::Department, Some("市公安局"))
        .await;
    let theirs = json(&mut other, "/api/v1/supervision").await;
    assert!(theirs["orders"].as_array().unwrap().is_empty());
    assert_eq!(theirs["lights"].as_array().unwrap().len(), 1);

    // 46: two departments' batches over the city's residents make one rate.
    sqlx::query(
        "INSERT INTO target_values (campaign_id, target_code, organisation_id, year, numerator, denominator) \
         SELECT c.id, '46-batches', o.id, 2026, n, 700 FROM campaigns c, organisations o \
         JOIN (VALUES ('市市场监管局', 2100), ('市农业农村局', 700)) v(name, n) ON v.name = o.name",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let targets = json(&mut office, "/api/v1/targets").await;
    let batches = targets["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "46-batches")
        .expect("46's target");
    assert_eq!(batches["city"][0]["year"], 2026);
    assert_eq!(batches["city"][0]["met"], true, "{batches}");
    let shares: Vec<String> = batches["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["share_of_city_percent"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(
        shares.contains(&"75".to_string()) && shares.contains(&"25".to_string()),
        "{shares:?}"
    );
}
