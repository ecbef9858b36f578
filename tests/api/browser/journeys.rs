//! The clerk's journey on a phone: upload two files through the real file input with the
//! progress bar showing, submit, read the office's return comment first, upload a new
//! version and resubmit.

use reqwest::StatusCode;
use serde_json::json;
use shian::accounts::Role;

use super::{Chrome, Screen, journey, status, until};
use crate::support::{TestApp, pdf};

async fn evidence_count(app: &TestApp, task: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM evidence WHERE task_id = $1 AND deleted_at IS NULL")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_clerk_on_a_phone_uploads_reads_the_return_first_and_resubmits() {
    let app = TestApp::spawn().await;
    app.create_user("clerk-jd", Role::Department, Some("江达县"), "Passw0rd!")
        .await;
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         WHERE o.name = '江达县' AND t.indicator_id IS NOT NULL ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let files = tempfile::tempdir().unwrap();
    let path = |name: &str, seed: u8| {
        let p = files.path().join(name);
        std::fs::write(&p, pdf(64 * 1024, seed)).unwrap();
        p.display().to_string()
    };
    let (first, second, fixed) = (
        path("工作方案.pdf", 1),
        path("会议纪要.pdf", 2),
        path("工作方案（修改稿）.pdf", 3),
    );

    let chrome = Chrome::start(&app.base, Screen::Phone).await;
    journey(&chrome, "clerk-phone", async {
        chrome.sign_in("clerk-jd", "Passw0rd!").await;
        chrome.open("/tasks").await;
        assert_eq!(chrome.overflow().await, 0, "我的任务 fits the phone");
        let shown = chrome
            .script(
                "return getComputedStyle(document.querySelector('.task-cards tbody tr')).display;",
                vec![],
            )
            .await;
        assert_eq!(shown, json!("grid"), "tasks are cards on a phone");

        // Two files through the real file input; the progress bar shows while sending.
        chrome.open(&format!("/tasks/{task}")).await;
        let input = chrome
            .find("form.upload-form input[type=file][name=files]:not(.camera-input)")
            .await;
        input
            .send_keys(&format!("{first}\n{second}"))
            .await
            .unwrap();
        chrome
            .fill("form.upload-form input[name=year]", "2025")
            .await;
        // Each chosen file gets its own 类别; the second is a photo.
        let per_file = chrome
            .script(
                "const kinds = document.querySelectorAll('form.upload-form select[name=file_kind]');
                 kinds[1].value = 'photo';
                 kinds[1].dispatchEvent(new Event('change'));
                 return [kinds.length, document.querySelector('fieldset.file-kinds').hidden];",
                vec![],
            )
            .await;
        assert_eq!(per_file, json!([2, false]), "a 类别 for each chosen file");
        let bar_hidden = chrome
            .script(
                "const form = document.querySelector('form.upload-form');
                 form.requestSubmit();
                 return form.querySelector('.upload-progress').hidden;",
                vec![],
            )
            .await;
        assert_eq!(bar_hidden, json!(false), "the progress bar shows");
        until("both files stored", || async {
            evidence_count(&app, task).await == 2
        })
        .await;
        until("the page after the upload", || async {
            chrome
                .script(
                    "return document.querySelectorAll('.evidence-list > li').length;",
                    vec![],
                )
                .await
                == json!(2)
        })
        .await;
        let confirmation = chrome
            .script(
                "const flash = document.querySelector('.flash-success');
                 return flash ? flash.textContent : '';",
                vec![],
            )
            .await;
        assert!(
            confirmation
                .as_str()
                .unwrap_or("")
                .contains("已上传 2 个文件"),
            "the upload is confirmed on the page: {confirmation}"
        );
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM evidence WHERE task_id = $1 ORDER BY id")
                .bind(task)
                .fetch_all(&app.pool)
                .await
                .unwrap();
        assert_eq!(kinds, ["document", "photo"], "each file keeps its 类别");
        chrome
            .click(&format!(
                "form[action=\"/tasks/{task}/submit\"] button[type=submit]"
            ))
            .await;
        until("submitted", || async {
            status(&app, task).await == "submitted"
        })
        .await;

        // The office returns it with a comment.
        let mut office = app
            .signed_in("office-b", Role::Office, Some("市食安办"))
            .await;
        office.get(&format!("/tasks/{task}")).await;
        let page = office
            .post(
                &format!("/tasks/{task}/review"),
                &[
                    ("decision", "return"),
                    ("comment", "会议纪要缺少签发页，请补充后重新报送"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);

        // The clerk reads why first, above the upload form.
        chrome.open(&format!("/tasks/{task}")).await;
        let comment = chrome.find(".return-note .return-comment").await;
        assert_eq!(
            comment.text().await.unwrap(),
            "会议纪要缺少签发页，请补充后重新报送"
        );
        let note = chrome.top_of(".return-note").await;
        let form = chrome.top_of("form.upload-form").await;
        assert!(
            note < form,
            "the comment ({note}) comes before the form ({form})"
        );
        assert!(note < 844.0, "and is on the first screen ({note})");
        assert_eq!(chrome.overflow().await, 0);

        // A new version of the first file (its row's own picker submits at once), then
        // the task goes back.
        let picker = chrome.find(".evidence-list input.auto-submit").await;
        picker.send_keys(&fixed).await.unwrap();
        until("the new version", || async {
            let versions: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM evidence_versions v JOIN evidence e ON e.id = v.evidence_id \
                 WHERE e.task_id = $1",
            )
            .bind(task)
            .fetch_one(&app.pool)
            .await
            .unwrap();
            versions == 3
        })
        .await;
        chrome.find(".evidence-list").await;
        chrome
            .click(&format!(
                "form[action=\"/tasks/{task}/submit\"] button[type=submit]"
            ))
            .await;
        until("resubmitted", || async {
            status(&app, task).await == "submitted"
        })
        .await;
    })
    .await;
}
