//! A city-wide target (indicator 46: 抽检 4 批次/千人 over five departments) is one city
//! rate with each department's share, never a department's 未达标 on its own (issue 16 §9).

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn indicator_46_is_one_city_rate_with_each_departments_share() {
    let app = TestApp::spawn().await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    office.get("/targets").await;
    // Three departments sample for the same 780,000 residents: 600 + 900 + 1,620 = 3,120
    // batches, 4.00 per thousand for the city, though none reaches 4 alone.
    for (name, batches) in [
        ("市市场监管局", "1620"),
        ("市农业农村局", "900"),
        ("市卫生健康委", "600"),
    ] {
        let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_one(&app.pool)
            .await
            .unwrap_or_else(|_| panic!("{name}"));
        let page = office
            .post(
                "/targets",
                &[
                    ("target", "46-batches"),
                    ("organisation_id", &org.to_string()),
                    ("year", "2025"),
                    ("numerator", batches),
                    ("denominator", "780000"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}: {}", page.body);
    }
    let page = office.get("/targets").await;
    let city = page.texts("#t-46-batches table.city-rates tbody tr");
    assert_eq!(city.len(), 1, "{city:?}");
    assert!(
        city[0].contains("全市（3 个单位报送）")
            && city[0].contains("4 批次/千人")
            && city[0].contains("达标")
            && !city[0].contains("未达标"),
        "{city:?}"
    );
    let rows = page.texts("#t-46-batches table:not(.city-rates) tbody tr");
    assert_eq!(rows.len(), 3);
    let agriculture = rows
        .iter()
        .find(|r| r.contains("市农业农村局"))
        .expect("its row");
    // 900 / 780,000 × 1000 = 1.15 per thousand: its share of the city, not 未达标.
    assert!(
        agriculture.contains("1.15 批次/千人")
            && agriculture.contains("占全市 28.8%")
            && !agriculture.contains("未达标"),
        "{agriculture}"
    );
    // A department's clerk sees the city's rate and its own line only.
    let mut clerk = app
        .signed_in("nyj", Role::Department, Some("市农业农村局"))
        .await;
    let page = clerk.get("/targets").await;
    let rows = page.texts("#t-46-batches table:not(.city-rates) tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(page.texts("#t-46-batches table.city-rates tbody tr")[0].contains("4 批次/千人"));
    // A target judged per organisation says nothing of the city.
    let per_org = page.texts("#t-75-pass");
    assert!(
        per_org.len() == 1 && !per_org[0].contains("全市指标"),
        "{per_org:?}"
    );
}
