//! The `shian` binary's commands, run as a separate process against a test database.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::support::TestApp;

pub(crate) fn shian(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shian"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run shian");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("shian finishes")
}

#[tokio::test]
async fn user_add_makes_an_admin_who_can_sign_in() {
    let app = TestApp::spawn().await;
    let url = app.database_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        shian(
            &url,
            &[
                "user",
                "add",
                "--username",
                "root.admin",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "Str0ng-Pass\n",
        )
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created admin account"));

    let mut browser = app.browser();
    assert_eq!(
        browser.login("root.admin", "Str0ng-Pass").await.location(),
        Some("/account/2fa"),
        "an administrator enrols a second factor first"
    );
    browser.enrol_two_factor().await;
    assert_eq!(browser.get("/admin/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn user_add_explains_what_is_wrong() {
    let app = TestApp::spawn().await;
    let url = app.database_url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        [
            shian(
                &url,
                &[
                    "user",
                    "add",
                    "--username",
                    "c1",
                    "--role",
                    "department",
                    "--password-stdin",
                ],
                "Str0ng-Pass",
            ),
            shian(
                &url,
                &[
                    "user",
                    "add",
                    "--username",
                    "c2",
                    "--role",
                    "department",
                    "--org",
                    "市不存在局",
                    "--password-stdin",
                ],
                "Str0ng-Pass",
            ),
            shian(
                &url,
                &[
                    "user",
                    "add",
                    "--username",
                    "c3",
                    "--role",
                    "king",
                    "--password-stdin",
                ],
                "Str0ng-Pass",
            ),
            shian(
                &url,
                &[
                    "user",
                    "add",
                    "--username",
                    "c4",
                    "--role",
                    "viewer",
                    "--password-stdin",
                ],
                "weak",
            ),
        ]
    })
    .await
    .unwrap();
    let messages: Vec<String> = outputs
        .iter()
        .map(|o| {
            assert!(!o.status.success());
            String::from_utf8_lossy(&o.stderr).to_string()
        })
        .collect();
    assert!(messages[0].contains("needs --org"), "{}", messages[0]);
    assert!(
        messages[1].contains("no organisation named"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("unknown role"), "{}", messages[2]);
    assert!(messages[3].contains("password refused"), "{}", messages[3]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn rubric_check_validates_a_file_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, shian::rubric::data::BUNDLED_2021).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        shian::rubric::data::BUNDLED_2021.replacen("max_points = 15", "max_points = 16", 1),
    )
    .unwrap();
    let run = |path: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_shian"))
            .args(["rubric", "check"])
            .arg(path)
            .output()
            .unwrap()
    };
    let ok = run(&good);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("94 indicators"));
    let refused = run(&bad);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("part 2 scores 16"));
    let unknown = dir.path().join("unknown-indicator.toml");
    std::fs::write(
        &unknown,
        shian::rubric::data::BUNDLED_2021.replacen(
            "code = \"school-canteen-01\"\ntext = \"落实校长（园长）负责制和学校相关负责人陪餐制，陪餐记录齐全\"\nindicators = [26]",
            "code = \"school-canteen-01\"\ntext = \"落实校长（园长）负责制和学校相关负责人陪餐制，陪餐记录齐全\"\nindicators = [26, 99]",
            1,
        ),
    )
    .unwrap();
    let refused = run(&unknown);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("check school-canteen-01 cites unknown indicator 99")
    );
}
