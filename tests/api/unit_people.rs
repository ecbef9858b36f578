//! People inside an organisation (issue 16 §8): the lead clerk names a colleague 经办人,
//! who sees the task under 我的任务 and is told; with 单位审核 on, the unit head approves
//! a clerk's submission before the office sees it, or returns it.

use reqwest::StatusCode;
use shian::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn a_colleague_handles_the_task_and_the_head_reviews_it_first() {
    let app = TestApp::spawn().await;
    let task = app.task_id(7, "市商务局").await;
    let mut lead = app
        .signed_in("swlead", Role::Department, Some("市商务局"))
        .await;
    let mut colleague = app
        .signed_in("swclerk", Role::Department, Some("市商务局"))
        .await;
    let mut head = app
        .signed_in("swhead", Role::Department, Some("市商务局"))
        .await;
    let head_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'swhead'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    shian::accounts::set_unit_head(&app.pool, head_id, true)
        .await
        .unwrap();
    sqlx::query("UPDATE organisations SET unit_review = true WHERE name = '市商务局'")
        .execute(&app.pool)
        .await
        .unwrap();
    let colleague_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'swclerk'")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // The lead names the colleague; someone of another unit cannot be named.
    lead.get(&format!("/tasks/{task}")).await;
    let outsider: i64 = app
        .create_user("outsider", Role::Department, Some("市公安局"), "Passw0rd!x")
        .await;
    let page = lead
        .post(
            &format!("/tasks/{task}/assignee"),
            &[("assignee_id", &outsider.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("经办人须为本单位在用的填报账号"));
    let page = lead
        .post(
            &format!("/tasks/{task}/assignee"),
            &[("assignee_id", &colleague_id.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // The colleague is told and finds it under 我的任务 (only the tasks it handles).
    let notices = colleague.get("/notifications").await;
    assert!(
        notices.contains("您被指定为指标（7）任务的经办人"),
        "{}",
        notices.body
    );
    let mine = colleague.get("/tasks?assignee=me").await;
    assert!(mine.contains(&format!("/tasks/{task}")));
    assert!(mine.contains("经办人：swclerk 姓名"), "{}", mine.body);
    assert!(
        mine.contains("共 1 项") || mine.texts("tbody tr").len() == 1,
        "{}",
        mine.body
    );

    // Uploads and submits: the head reviews first; the office does not see it yet.
    colleague
        .upload_documents(
            task,
            vec![("制度.txt", "商务领域食品安全管理制度".as_bytes().to_vec())],
        )
        .await;
    let page = colleague
        .post(&format!("/tasks/{task}/submit"), &[("comment", "请审核")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "unit_review");
    let mut office = app
        .signed_in("office", Role::Office, Some("市食安办"))
        .await;
    assert!(
        !office
            .get("/review")
            .await
            .contains(&format!("/tasks/{task}"))
    );
    assert!(
        head.get("/notifications")
            .await
            .contains("请审核后报送市食安办")
    );

    // A clerk who is not the head cannot approve it.
    colleague.get(&format!("/tasks/{task}")).await;
    let page = colleague
        .post(
            &format!("/tasks/{task}/unit-review"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The head returns it (a comment is needed), the clerk resubmits, the head approves.
    head.get(&format!("/tasks/{task}")).await;
    let page = head
        .post(
            &format!("/tasks/{task}/unit-review"),
            &[("decision", "return"), ("comment", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = head
        .post(
            &format!("/tasks/{task}/unit-review"),
            &[("decision", "return"), ("comment", "请补充印发文件")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        colleague
            .get("/notifications")
            .await
            .contains("被单位负责人退回：请补充印发文件")
    );
    colleague.get(&format!("/tasks/{task}")).await;
    colleague
        .post(&format!("/tasks/{task}/submit"), &[("comment", "已补充")])
        .await;
    head.get(&format!("/tasks/{task}")).await;
    let page = head
        .post(
            &format!("/tasks/{task}/unit-review"),
            &[("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        office
            .get("/review")
            .await
            .contains(&format!("/tasks/{task}"))
    );

    // The history keeps every step, and the office sees who handles it.
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM task_events WHERE task_id = $1 ORDER BY id")
            .bind(task)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let wanted = [
        "assignee_changed",
        "submitted_to_unit",
        "unit_returned",
        "submitted_to_unit",
        "unit_approved",
    ];
    let mut rest = actions.iter();
    for action in wanted {
        assert!(rest.any(|a| a == action), "{action} in {actions:?}");
    }
    let page = office.get(&format!("/tasks/{task}")).await;
    assert!(
        page.contains("经办人：<strong>swclerk 姓名</strong>"),
        "{}",
        page.body
    );
}
