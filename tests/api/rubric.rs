//! Rubric fidelity in the database and in the browser pages.

use reqwest::StatusCode;
use shian::accounts::Role;
use shian::rubric::data::BUNDLED_2021;
use shian::rubric::import::{self, Outcome};

use crate::support::TestApp;

#[tokio::test]
async fn the_database_holds_the_whole_2021_table() {
    let app = TestApp::spawn().await;
    let (parts, points, indicators, tasks): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM rubric_parts), (SELECT count(*) FROM rubric_points), \
                (SELECT count(*) FROM indicators), (SELECT count(*) FROM indicator_tasks)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((parts, points, indicators), (6, 36, 94));
    assert!(tasks >= 94);

    let sums: Vec<(String, Option<i32>, i64)> = sqlx::query_as(
        "SELECT p.title, p.points, coalesce(sum(pt.points) FILTER (WHERE pt.category <> 'optional'), 0) \
         FROM rubric_parts p LEFT JOIN rubric_points pt ON pt.part_id = p.id GROUP BY p.id ORDER BY p.seq",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let expected = [
        ("基础工作", Some(30), 30),
        ("能力建设", Some(15), 15),
        ("生产经营状况", Some(15), 15),
        ("食品安全状况", Some(20), 20),
        ("示范引领", Some(40), 25), // 必选项 25 + up to 15 of the 自选项
        ("否决项", None, 0),
    ];
    for ((title, points, sum), (e_title, e_points, e_sum)) in sums.iter().zip(expected) {
        assert_eq!((title.as_str(), *points, *sum), (e_title, e_points, e_sum));
    }

    let (content, methods, lead): (String, Vec<String>, String) = sqlx::query_as(
        "SELECT i.content, i.methods, o.name FROM indicators i \
         JOIN indicator_organisations io ON io.indicator_id = i.id AND io.role = 'lead' \
         JOIN organisations o ON o.body_id = io.body_id WHERE i.number = 85",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        content,
        "学校食堂“互联网+明厨亮灶”覆盖率达到100%，接受社会监督。"
    );
    assert_eq!(methods, ["国务院食品安全办组织验收组评审"]);
    assert_eq!(lead, "市教育局");

    let counties: i64 =
        sqlx::query_scalar("SELECT count(*) FROM organisations WHERE kind = 'county'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(counties, 11, "default counties seeded");
}

#[tokio::test]
async fn importing_is_idempotent_and_keeps_ids_and_renamed_organisations() {
    let app = TestApp::spawn().await;
    assert_eq!(
        import::import(&app.pool, BUNDLED_2021).await.unwrap(),
        Outcome::Unchanged {
            edition: "2021".into()
        }
    );
    let id_before: i64 = sqlx::query_scalar("SELECT id FROM indicators WHERE number = 46")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // An administrator renames a department; a changed file is imported again.
    sqlx::query(
        "UPDATE organisations SET name = '市市场监督管理局（新）' WHERE name = '市市场监管局'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let changed = BUNDLED_2021.replacen(
        "年均食品安全抽检量达到4批次/千人",
        "年均食品安全抽检量达到5批次/千人",
        1,
    );
    assert_eq!(
        import::import(&app.pool, &changed).await.unwrap(),
        Outcome::Imported {
            edition: "2021".into(),
            indicators: 94
        }
    );
    let (id_after, content): (i64, String) =
        sqlx::query_as("SELECT id, content FROM indicators WHERE number = 46")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(id_before, id_after, "ids are stable across imports");
    assert!(content.contains("5批次/千人"));
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM organisations WHERE name LIKE '市市场监%'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        names,
        ["市市场监督管理局（新）"],
        "the old name is not brought back"
    );
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM indicators")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(total, 94);

    let broken = BUNDLED_2021.replacen("number = 46", "number = 460", 1);
    assert!(matches!(
        import::import(&app.pool, &broken).await,
        Err(import::ImportError::Invalid(_))
    ));
}

#[tokio::test]
async fn the_tree_shows_every_indicator_with_points_methods_and_organisations() {
    let app = TestApp::spawn().await;
    let mut browser = app.signed_in("viewer", Role::Viewer, None).await;
    let page = browser.get("/rubric").await;
    assert_eq!(page.status, StatusCode::OK);
    let numbers = page.texts(".indicator-number");
    assert_eq!(numbers.len(), 94);
    assert_eq!(numbers.first().map(String::as_str), Some("(1)"));
    assert_eq!(numbers.last().map(String::as_str), Some("(94)"));
    assert_eq!(page.texts(".part-heading").len(), 6);
    assert_eq!(page.texts(".point-heading").len(), 36);
    assert!(page.texts(".part-heading")[0].contains("30 分"));
    assert!(page.contains("机制创新"));
    assert!(page.contains("必选项，任选2项"));
    assert!(page.contains("委托第三方机构开展测评"));
}

#[tokio::test]
async fn filters_and_search_narrow_the_tree() {
    let app = TestApp::spawn().await;
    let mut browser = app.signed_in("viewer", Role::Viewer, None).await;

    let page = browser.get("/rubric?part=6").await;
    assert_eq!(
        page.texts(".indicator-number"),
        ["(90)", "(91)", "(92)", "(93)", "(94)"]
    );

    let page = browser.get("/rubric?q=46").await;
    assert_eq!(
        page.texts(".indicator-number"),
        ["(46)"],
        "a number finds its indicator"
    );

    let page = browser
        .get("/rubric?q=%E6%98%8E%E5%8E%A8%E4%BA%AE%E7%81%B6")
        .await; // 明厨亮灶
    assert_eq!(page.texts(".indicator-number"), ["(85)"]);
    assert!(page.contains("共找到 1 项指标"));

    let method = "查看全国12315平台";
    let page = browser
        .get(&format!("/rubric?method={}", urlencode(method)))
        .await;
    assert_eq!(page.texts(".indicator-number"), ["(40)"]);

    let sci: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '市科技局'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = browser.get(&format!("/rubric?org={sci}")).await;
    assert_eq!(page.texts(".indicator-number"), ["(52)", "(53)", "(86)"]);
    assert!(
        page.texts(".badge-lead").len() == 3,
        "市科技局 leads all three"
    );

    let county: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = '卡若区'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = browser.get(&format!("/rubric?org={county}")).await;
    let count = page.texts(".indicator-number").len();
    assert!(count > 60, "各县（区） share most indicators, got {count}");

    let page = browser
        .get("/rubric?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D")
        .await; // 不存在的词
    assert!(page.texts(".indicator-number").is_empty());
    assert!(page.contains("没有符合条件的指标"));
    let page = browser.get("/rubric?q=100%25_").await;
    assert_eq!(page.status, StatusCode::OK, "LIKE wildcards are escaped");
}

#[tokio::test]
async fn an_indicator_page_shows_content_methods_organisations_and_tasks() {
    let app = TestApp::spawn().await;
    let mut browser = app.signed_in("viewer", Role::Viewer, None).await;
    let page = browser.get("/rubric/indicators/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("落实《地方党政领导干部食品安全责任制规定》要求"));
    assert_eq!(page.texts(".chip.method"), ["资料审查", "党政领导访谈"]);
    assert_eq!(page.texts(".org.lead"), ["市食安办"]);
    let orgs = page.texts(".pairs .org");
    assert!(orgs.contains(&"市委巡察办".to_string()));
    assert!(
        orgs.contains(&"卡若区".to_string()),
        "各县（区） expands to the counties"
    );
    assert!(page.texts(".tasks > li").len() >= 2);
    assert!(page.contains("1. 党政同责"));
    assert!(page.contains("rel=\"next\""));
    assert!(!page.contains("rel=\"prev\""));

    let page = browser.get("/rubric/indicators/94").await;
    assert!(page.contains("否决项"));
    assert!(page.contains("食品评价性抽检合格率未达到 98%。"));
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
