//! Monthly reports: due on the 25th, lateness recorded once.

use reqwest::StatusCode;
use reqwest::multipart::Form;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn late_reports_are_recorded_and_corrections_do_not_erase_it() {
    let app = TestApp::spawn().await;
    // A campaign that started months ago, so earlier months are overdue.
    app.campaign_started_months_ago(3).await;
    let mut clerk = app
        .signed_in("clerk", Role::Department, Some("市农业农村局"))
        .await;
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;

    let page = clerk.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts(".reports > li").len(), 4);
    let overdue_month: String = sqlx::query_scalar(
        "SELECT to_char(date_trunc('month', now()) - interval '2 months', 'YYYY-MM')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let form = Form::new()
        .text("period", overdue_month.clone())
        .text("body", "本月完成抽检 120 批次。")
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 report".to_vec()).file_name("月报.pdf"),
        );
    let page = clerk.post_multipart("/reports", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (late, first): (i32, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT late_days, first_submitted_at FROM monthly_reports")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        late >= 28,
        "two months back is a month or more late: {late}"
    );
    assert!(
        clerk
            .get("/reports")
            .await
            .contains(&format!("逾期 {late} 天"))
    );

    // A correction changes the text only.
    let form = Form::new()
        .text("period", overdue_month.clone())
        .text("body", "更正：完成抽检 126 批次。");
    assert_eq!(
        clerk.post_multipart("/reports", form).await.status,
        StatusCode::SEE_OTHER
    );
    let (late_again, first_again, body): (i32, chrono::DateTime<chrono::Utc>, String) =
        sqlx::query_as("SELECT late_days, first_submitted_at, body FROM monthly_reports")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((late_again, first_again), (late, first));
    assert_eq!(body, "更正：完成抽检 126 批次。");

    // Refusals keep the text.
    let form = Form::new()
        .text("period", "1999-01")
        .text("body", "我写的内容");
    let page = clerk.post_multipart("/reports", form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择有效的月份"));
    assert!(page.contains("我写的内容"));

    // The office sees everyone, the missing ones first.
    let page = office.get("/reports").await;
    assert!(page.contains("未报送"));
    assert!(page.contains("市农业农村局"));
    let first_row = page
        .texts("tbody tr td:first-child")
        .first()
        .cloned()
        .unwrap();
    assert_ne!(
        first_row, "市农业农村局",
        "the organisation that reported is not among the worst"
    );
    let file: i64 = sqlx::query_scalar("SELECT file_id FROM monthly_report_files")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        office.get(&format!("/reports/files/{file}")).await.status,
        StatusCode::OK
    );
    let mut other = app
        .signed_in("other", Role::Department, Some("卡若区"))
        .await;
    assert_eq!(
        other.get(&format!("/reports/files/{file}")).await.status,
        StatusCode::FORBIDDEN
    );
    let form = Form::new().text("period", overdue_month).text("body", "x");
    assert_eq!(
        office.post_multipart("/reports", form).await.status,
        StatusCode::FORBIDDEN,
        "reports come from clerks"
    );
}
