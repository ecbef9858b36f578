//! The demo's problem list: problems the office raised from its 督查 and 市级考评 across the
//! counties and departments, in every state — being rectified, submitted, returned,
//! closed (销号) — some past their deadline. Made through the problems area's own checked
//! commands, so the demo holds only what the product would accept.

use anyhow::Context;
use chrono::Duration;
use sqlx::PgPool;

use crate::accounts::{self, Role};
use crate::campaigns::Campaign;
use crate::problems::{self, Answer, NewProblem, Verdict};

/// (问题来源, 问题描述, indicator, 整改措施 once answered)
const PROBLEMS: &[(&str, &str, i32, &str)] = &[
    (
        "市委督查",
        "农贸市场快检室检测记录不全，未按要求公示快检结果",
        67,
        "补齐快检台账，每日在市场显示屏公示快检结果",
    ),
    (
        "市级考评",
        "个别学校食堂未落实校长陪餐制度，陪餐记录缺失",
        26,
        "下发通知督促落实陪餐制度，建立陪餐记录本并每周检查",
    ),
    (
        "市食安办督查",
        "小餐饮从业人员健康证过期未及时更换",
        64,
        "组织集中体检，过期人员暂停上岗直至取得新证",
    ),
    (
        "市级考评",
        "食品小作坊登记建档信息与实际经营情况不一致",
        57,
        "逐户核对登记信息，更新小作坊档案",
    ),
    (
        "市委督查",
        "学校食堂“互联网+明厨亮灶”未全覆盖",
        85,
        "为剩余学校食堂安装设备并接入监管平台",
    ),
    (
        "市食安办督查",
        "超市未按要求开展“放心食品超市自我承诺”自查",
        62,
        "督促超市签订承诺书并按月开展自查",
    ),
    (
        "市级考评",
        "食品批发市场开办者自查报告不全",
        68,
        "开办者补交自查报告，市场监管所逐月核查",
    ),
    (
        "市食安办督查",
        "入网餐饮服务经营者信息公示不完整",
        69,
        "约谈平台，完成入网商户信息核查与公示",
    ),
    (
        "市级考评",
        "部分企业追溯记录不完整，产品去向无法追溯",
        70,
        "督促企业完善电子追溯记录，开展专项检查",
    ),
    (
        "市委督查",
        "集体用餐配送单位未购买食品安全责任保险",
        71,
        "协调承保公司，配送单位已全部投保",
    ),
];

pub async fn fill(db: &PgPool, campaign: &Campaign, per_organisation: usize) -> anyhow::Result<()> {
    let office_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'office1'")
        .fetch_one(db)
        .await
        .context("the demo's office user")?;
    let office = accounts::find(db, office_id)
        .await?
        .context("office user")?;
    // Every county and the departments that carry the most site work.
    let organisations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT o.id, o.name FROM organisations o WHERE o.active AND (o.kind = 'county' \
         OR o.name IN ('市市场监管局', '市教育局', '市农业农村局', '市商务局')) ORDER BY o.kind, o.sort_order, o.id",
    )
    .fetch_all(db)
    .await?;
    let today = campaign.today();
    let mut n = 0usize;
    for (org_id, _) in &organisations {
        let clerk_id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE organisation_id = $1 AND role = 'department' AND active ORDER BY id LIMIT 1",
        )
        .bind(org_id)
        .fetch_optional(db)
        .await?;
        let Some(clerk_id) = clerk_id else { continue };
        let clerk = accounts::find(db, clerk_id).await?.context("clerk")?;
        debug_assert_eq!(clerk.role, Role::Department);
        for k in 0..per_organisation {
            let (source, description, number, measures) = PROBLEMS[n % PROBLEMS.len()];
            n += 1;
            let indicator: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM indicators WHERE edition_id = $1 AND number = $2",
            )
            .bind(campaign.edition_id)
            .bind(number)
            .fetch_optional(db)
            .await?;
            let deadline = today + Duration::days(10 + (n % 40) as i64);
            let new = NewProblem::check(
                &office,
                source,
                indicator,
                description,
                *org_id,
                deadline,
                today,
            )
            .map_err(|r| anyhow::anyhow!("demo problem refused: {r}"))?;
            let id = problems::raise(db, campaign.id, office.id, &new).await?;
            // Raised some weeks ago; one in four is now past its deadline.
            let weeks = 2 + (n % 6) as i32;
            let overdue = k % 4 == 3;
            sqlx::query(
                "UPDATE problems SET raised_at = raised_at - make_interval(weeks => $2), \
                 deadline = CASE WHEN $3 THEN $4 - (1 + $5 % 20) ELSE deadline END WHERE id = $1",
            )
            .bind(id)
            .bind(weeks)
            .bind(overdue)
            .bind(today)
            .bind(n as i32)
            .execute(db)
            .await?;
            sqlx::query(
                "UPDATE problem_events SET at = at - make_interval(weeks => $2) WHERE problem_id = $1",
            )
            .bind(id)
            .bind(weeks)
            .execute(db)
            .await?;
            if overdue {
                continue;
            }
            let standing = problems::find(db, id).await?.context("problem")?.standing();
            match k % 4 {
                // Still being rectified, with a draft of the measures.
                0 => {
                    let draft = Answer::check(&clerk, &standing, measures, false)?;
                    problems::answer(db, id, clerk.id, &draft).await?;
                }
                // Submitted, waiting for the office.
                1 => {
                    let answer = Answer::check(&clerk, &standing, measures, true)?;
                    problems::answer(db, id, clerk.id, &answer).await?;
                    if n.is_multiple_of(3) {
                        // Returned once, answered again, closed.
                        let standing = problems::find(db, id).await?.context("problem")?.standing();
                        let back = Verdict::check(
                            &office,
                            &standing,
                            false,
                            "佐证材料不足，请补充整改前后对比照片",
                        )?;
                        problems::verify(db, id, office.id, &back).await?;
                        let standing = problems::find(db, id).await?.context("problem")?.standing();
                        let again = Answer::check(
                            &clerk,
                            &standing,
                            &format!("{measures}；已补充整改前后对比照片"),
                            true,
                        )?;
                        problems::answer(db, id, clerk.id, &again).await?;
                        let standing = problems::find(db, id).await?.context("problem")?.standing();
                        let close = Verdict::check(&office, &standing, true, "")?;
                        problems::verify(db, id, office.id, &close).await?;
                    }
                }
                // Returned, waiting for a better answer.
                _ => {
                    let answer = Answer::check(&clerk, &standing, measures, true)?;
                    problems::answer(db, id, clerk.id, &answer).await?;
                    let standing = problems::find(db, id).await?.context("problem")?.standing();
                    let back = Verdict::check(
                        &office,
                        &standing,
                        false,
                        "整改措施未落实到具体点位，请细化",
                    )?;
                    problems::verify(db, id, office.id, &back).await?;
                }
            }
        }
    }
    // The locked self-assessment is published to the city: its deductions go on the list
    // as the office's 对照整改.
    let locked: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM assessment_rounds WHERE campaign_id = $1 AND state = 'locked' AND kind IN ('self', 'city') \
         ORDER BY id LIMIT 1",
    )
    .bind(campaign.id)
    .fetch_optional(db)
    .await?;
    if let Some((round_id, name)) = locked {
        let command =
            problems::FromRound::check(&office, round_id, true, today + Duration::days(30), today)?;
        problems::raise_from_round(db, campaign.id, &command, &name, office.id).await?;
    }
    Ok(())
}
