//! The demo's organisation evaluations: a 自查自评 whose deadline passed three weeks ago,
//! which most organisations submitted (a few late, one not at all), and a finalised 市级考评
//! of every department and county with a few deductions, one of them turned into returned
//! work. Entries are set-based SQL; choices follow stable hashes, so the data is the same
//! on every run.

use chrono::Duration;
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::campaigns::Campaign;
use crate::org_evaluations::city::{self, Method};
use crate::org_evaluations::{self as evals, Deduction, NewEvaluation, State};

/// (organisation, points, reason, method); the first is about an indicator of the
/// organisation's own tasks and becomes rectification work, the others are general.
const DEDUCTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "市市场监管局",
        "3",
        "汇报材料中抽检数据与台账不一致",
        "report",
    ),
    (
        "市农业农村局",
        "2",
        "农产品质量安全追溯台账不完整",
        "records",
    ),
    ("市教育局", "2", "个别学校食堂未落实校长陪餐制度", "site"),
    (
        "卡若区",
        "4",
        "暗访发现农贸市场个别摊位未公示经营信息",
        "unannounced",
    ),
    ("江达县", "1.5", "群众对食品安全工作知晓率偏低", "survey"),
];

pub async fn fill(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let office: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'office1'")
        .fetch_one(db)
        .await?;
    let today = campaign.today();
    self_check(db, campaign, office, today).await?;
    city_evaluation(db, campaign, office).await
}

async fn self_check(
    db: &PgPool,
    campaign: &Campaign,
    office: i64,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let deadline = today - Duration::days(21);
    let new = NewEvaluation::parse("self", "创建工作自查自评", &deadline.to_string())
        .map_err(|_| anyhow::anyhow!("demo self-evaluation refused"))?;
    let id = evals::create(db, campaign.id, &new, office).await?;
    // Every own indicator scored: most without deduction, one in eight with 0.5–2 points.
    sqlx::query(
        "INSERT INTO org_self_entries (evaluation_id, organisation_id, indicator_id, points, reason, entered_by) \
         SELECT m.evaluation_id, m.organisation_id, t.indicator_id, \
                CASE WHEN h % 8 = 0 THEN 0.5 + (h % 4) * 0.5 ELSE 0 END, \
                CASE WHEN h % 8 = 0 THEN (ARRAY['佐证资料不够完整','部分工作台账未及时更新','宣传覆盖面不足','整改落实尚未闭环'])[1 + h % 4] ELSE '' END, \
                (SELECT min(u.id) FROM users u WHERE u.organisation_id = m.organisation_id) \
         FROM org_evaluation_members m \
         JOIN (SELECT DISTINCT organisation_id, indicator_id FROM tasks WHERE campaign_id = $2 AND removed_at IS NULL AND indicator_id IS NOT NULL) t \
              ON t.organisation_id = m.organisation_id \
         CROSS JOIN LATERAL (SELECT abs(hashtext(m.organisation_id::text || '-' || t.indicator_id)) AS h) x \
         WHERE m.evaluation_id = $1",
    )
    .bind(id)
    .bind(campaign.id)
    .execute(db)
    .await?;
    // Who submitted when: the last county not at all; every fifth organisation 1–6 days
    // late; the rest in the week before the deadline.
    let members: Vec<(i64, String)> = sqlx::query_as(
        "SELECT o.id, o.name FROM org_evaluation_members m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.evaluation_id = $1 \
         ORDER BY array_position(ARRAY['department','county'], o.kind), o.sort_order, o.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let last = members.len().saturating_sub(1);
    for (index, (org, name)) in members.iter().enumerate() {
        if index == last {
            continue;
        }
        let days_late = if index % 5 == 2 {
            1 + (index % 6) as i64
        } else {
            0
        };
        let on = if days_late > 0 {
            deadline + Duration::days(days_late)
        } else {
            deadline - Duration::days(1 + (index % 7) as i64)
        };
        let mut figures = evals::self_check::figures(db, campaign, *org).await?;
        figures.as_of = on;
        let report = format!(
            "{name}对照《国家食品安全示范城市评价细则》，逐项梳理本单位承担的创建任务，\
             查阅资料、实地核查，形成本报告。\n\
             一、主要工作：健全创建工作机制，明确分管领导和具体责任人，按月报送工作进展。\n\
             二、存在问题：部分佐证资料归档不够及时，基层宣传覆盖面有待提高。\n\
             三、整改措施：建立问题清单，明确整改时限，逐项销号。"
        );
        sqlx::query(
            "UPDATE org_evaluation_members SET report = $3, figures = $4, \
                 submitted_at = ($5::date + time '16:30') AT TIME ZONE 'Asia/Shanghai', \
                 submitted_by = (SELECT min(u.id) FROM users u WHERE u.organisation_id = $2), \
                 days_late = $6 \
             WHERE evaluation_id = $1 AND organisation_id = $2 \
               AND EXISTS (SELECT 1 FROM users u WHERE u.organisation_id = $2)",
        )
        .bind(id)
        .bind(org)
        .bind(&report)
        .bind(sqlx::types::Json(&figures))
        .bind(on)
        .bind(days_late as i32)
        .execute(db)
        .await?;
    }
    Ok(())
}

async fn city_evaluation(db: &PgPool, campaign: &Campaign, office: i64) -> anyhow::Result<()> {
    let new = NewEvaluation::parse("city", "创建工作市级考评验收", "")
        .map_err(|_| anyhow::anyhow!("demo city evaluation refused"))?;
    let id = evals::create(db, campaign.id, &new, office).await?;
    let draft = evals::find(db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo evaluation vanished"))?;
    evals::advance(db, &draft, State::Open, office)
        .await?
        .map_err(|r| anyhow::anyhow!("demo evaluation not opened: {}", r.as_str()))?;
    let open = evals::find(db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo evaluation vanished"))?;
    let mut rectify = None;
    for (index, (name, points, reason, method)) in DEDUCTIONS.iter().enumerate() {
        let Some(org) = crate::orgs::find_by_name_or_alias(db, name).await? else {
            continue;
        };
        // The first deduction is about the organisation's first own indicator.
        let indicator = if index == 0 {
            evals::own_indicators(db, campaign.id, org.id)
                .await?
                .first()
                .map(|(id, _, _)| *id)
        } else {
            None
        };
        let deduction = Deduction::parse(points, reason)
            .map_err(|_| anyhow::anyhow!("demo deduction refused"))?;
        let method = Method::parse(method).map_err(|r| anyhow::anyhow!(r.as_str()))?;
        let deduction_id =
            city::add_deduction(db, &open, org.id, indicator, &deduction, &method, office)
                .await?
                .map_err(|r| anyhow::anyhow!("demo deduction refused: {}", r.as_str()))?;
        if indicator.is_some() && deduction.points() > Decimal::ZERO {
            rectify = Some(deduction_id);
        }
    }
    if let Some(deduction_id) = rectify {
        let due = campaign.today() + Duration::days(30);
        let tasks = city::rectify(db, &open, deduction_id, due, office)
            .await?
            .map_err(|r| anyhow::anyhow!("demo rectification refused: {}", r.as_str()))?;
        for task in tasks {
            crate::notifications::notify_organisation(
                db,
                task.organisation_id,
                "returned",
                serde_json::json!({ "indicator": task.indicator_number,
                                    "comment": format!("{}：{}", open.name, DEDUCTIONS[0].2) }),
                &format!("/tasks/{}", task.id),
                None,
            )
            .await?;
        }
    }
    evals::advance(db, &open, State::Finalised, office)
        .await?
        .map_err(|r| anyhow::anyhow!("demo evaluation not finalised: {}", r.as_str()))?;
    Ok(())
}
