//! Integration tests: the inspection plan imported from an .xlsx (all or nothing, rows
//! cited by number), and who may change the plan at all (refusals audited).

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use shian::accounts::Role;

use crate::inspection_plan::{
    assessors, audit_count, count_points, group, open_round, point, user,
};
use crate::support::Browser;

/// 序号, unit, kind, mode, date, group of a saved point.
type SavedPoint = (
    i32,
    String,
    String,
    String,
    Option<chrono::NaiveDate>,
    Option<i64>,
);

/// An .xlsx with the office's headers (and a 序号 column), `rows` under them.
fn workbook(headers: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let (r, col) = (r as u32 + 1, col as u16);
            // "=46365" is a date cell (Excel's serial number of 2026-12-09).
            if let Some(serial) = cell.strip_prefix('=') {
                sheet
                    .write_number_with_format(r, col, serial.parse::<f64>().unwrap(), &date)
                    .unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r, col, *cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

const HEADERS: [&str; 10] = [
    "序号",
    "县（区）",
    "乡镇（街道）",
    "单位名称",
    "地址",
    "业态",
    "检查方式",
    "检查日期",
    "检查组",
    "检查人员",
];

async fn upload(
    browser: &mut Browser,
    round: i64,
    name: &str,
    bytes: Vec<u8>,
) -> crate::support::Page {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    browser
        .post_multipart(&format!("/rounds/{round}/inspections/import"), form)
        .await
}

#[tokio::test]
async fn a_spreadsheet_is_imported_all_or_nothing() {
    let (mut p, round) = open_round("2026年省级初评").await;
    let rows = vec![
        vec![
            "1",
            "城关区",
            "东街街道",
            "一中食堂",
            "东街1号",
            "学校食堂",
            "明查",
            "2026-12-08",
            "第一评审组",
            "expert_a 姓名",
        ],
        vec![
            "2",
            "城关区",
            "西街街道",
            "西街超市",
            "",
            "大型商超",
            "暗访",
            "=46365",
            "",
            "",
        ],
        vec![
            "3",
            "河西县",
            "河西镇",
            "河西餐馆",
            "",
            "餐饮服务单位",
            "明查",
            "2026年12月10日",
            "第二评审组",
            "expert_b 姓名",
        ],
    ];
    // A bad row 3 and row 5 (the header is row 1): nothing is added.
    let mut bad = rows.clone();
    bad[1][6] = "抽查";
    bad.push(vec![
        "4",
        "河西县",
        "河西镇",
        "",
        "",
        "小餐饮",
        "明查",
        "",
        "",
        "",
    ]);
    let page = upload(&mut p.a, round, "计划.xlsx", workbook(&HEADERS, &bad)).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.contains("第 3 行：方式“抽查”不是明查或暗访"),
        "{}",
        page.body
    );
    assert!(page.contains("第 5 行：缺少单位名称"));
    assert!(!page.contains("第 2 行"));
    assert_eq!(count_points(&p.app, round).await, 0);
    assert_eq!(
        audit_count(&p.app, "inspection.plan.import.refused").await,
        1
    );

    // Not an .xlsx; a sheet without a required column.
    let page = upload(
        &mut p.a,
        round,
        "计划.csv",
        "县区,单位名称\n城关区,甲\n".into(),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("这不是 .xlsx 文件"), "{}", page.body);
    let page = upload(&mut p.a, round, "计划.xlsx", workbook(&HEADERS[..5], &[])).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("表头缺少“业态”列"), "{}", page.body);
    // Past the 5 MB the plan is read within, the upload is refused as too large.
    let big = vec![b'P'; shian::inspections::plan::xlsx::MAX_BYTES + 10];
    let page = upload(&mut p.a, round, "大计划.xlsx", big).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.body);
    assert_eq!(count_points(&p.app, round).await, 0);

    let page = upload(&mut p.a, round, "计划.xlsx", workbook(&HEADERS, &rows)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let saved: Vec<SavedPoint> = sqlx::query_as(
        "SELECT seq, unit_name, kind_code, mode, planned_on, group_id FROM inspection_points \
         WHERE round_id = $1 ORDER BY seq",
    )
    .bind(round)
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d);
    assert_eq!(
        saved,
        vec![
            (
                1,
                "一中食堂".into(),
                "school-canteen".into(),
                "open".into(),
                day(8),
                Some(group(&p.app, "第一评审组").await)
            ),
            (
                2,
                "西街超市".into(),
                "supermarket".into(),
                "unannounced".into(),
                day(9),
                None
            ),
            (
                3,
                "河西餐馆".into(),
                "catering".into(),
                "open".into(),
                day(10),
                Some(group(&p.app, "第二评审组").await)
            ),
        ]
    );
    let first = point(&p.app, round, "一中食堂").await;
    assert_eq!(
        assessors(&p.app, first).await,
        vec![user(&p.app, "expert_a").await]
    );
    assert!(
        p.a.get(&format!("/rounds/{round}/inspections"))
            .await
            .contains("已保存 3 个点位")
    );
    assert_eq!(audit_count(&p.app, "inspection.plan.import").await, 1);
}

#[tokio::test]
async fn only_the_lead_or_the_administrator_changes_the_plan() {
    let (mut p, round) = open_round("2026年省级初评").await;
    let plan = format!("/rounds/{round}/inspections");
    let page =
        p.a.post(
            &format!("{plan}/paste"),
            &[("text", "城关区\t\t甲食堂\t\t学校食堂\t明查\t")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let first = point(&p.app, round, "甲食堂").await;
    let mut clerk = p
        .app
        .signed_in("clerk1", Role::Department, Some("市农业农村局"))
        .await;
    let mut office = p
        .app
        .signed_in("office1", Role::Office, Some("市食安办"))
        .await;
    let mut viewer = p.app.signed_in("leader1", Role::Viewer, None).await;
    for browser in [&mut clerk, &mut office, &mut viewer] {
        browser.get("/").await;
    }
    let edit = format!("{plan}/points/{first}/edit");
    let posts = [
        edit.clone(),
        format!("{plan}/points/{first}/delete"),
        format!("{plan}/draw"),
        format!("{plan}/draw/confirm"),
    ];
    let fields = [
        ("county", "城关区"),
        ("unit", "改名"),
        ("kind", "catering"),
        ("mode", "open"),
        ("text", "城关区\t\t乙\t\t学校食堂\t明查\t"),
        ("candidates", "城关区\t\t乙\t\t学校食堂\t明查\t"),
        ("quotas", "学校食堂 1"),
    ];
    for (who, browser) in [
        ("clerk", &mut clerk),
        ("office", &mut office),
        ("assessor", &mut p.b),
        ("viewer", &mut viewer),
    ] {
        let page = browser.get(&edit).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} GET {edit}");
        for path in &posts {
            let page = browser.post(path, &fields).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} POST {path}");
        }
        let xlsx = workbook(
            &HEADERS,
            &[vec!["1", "城关区", "", "乙", "", "学校食堂", "明查"]],
        );
        let page = upload(browser, round, "计划.xlsx", xlsx).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} import");
    }
    // The clerk is refused by the path rule, the others by the planning policy: each
    // refusal once in the trail.
    let policy: Vec<String> = sqlx::query_scalar(
        "SELECT summary->>'why' FROM audit_events WHERE action = 'inspection.plan.refused' ORDER BY id",
    )
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(policy, vec!["not_lead"; 3 * 6]);
    let clerk_id = user(&p.app, "clerk1").await;
    let by_path: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.refused' AND actor_id = $1 \
         AND summary->>'reason' = 'role'",
    )
    .bind(clerk_id)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(by_path, 6);
    let unit: String = sqlx::query_scalar("SELECT unit_name FROM inspection_points WHERE id = $1")
        .bind(first)
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    assert_eq!(unit, "甲食堂");
    assert_eq!(count_points(&p.app, round).await, 1);

    // The administrator may, and nobody once the round is locked.
    let page = p.admin.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = p
        .admin
        .post(
            &format!("/admin/rounds/{round}/lock"),
            &[("reason", "现场检查结束，其余项目不再评分")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = p
        .admin
        .post(&format!("{plan}/points/{first}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("本轮已锁定"));
    assert_eq!(count_points(&p.app, round).await, 1);
}
