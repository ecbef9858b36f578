//! The demo's 公示: the locked self-assessment published (the campaign plan has the city's
//! 自查 results published for 15 days), five days into its period, with objections in
//! each state the office can leave them in.

use chrono::Duration;
use sqlx::PgPool;

use crate::campaigns::Campaign;
use crate::publicity::objections::{self, Handling, NewObjection};
use crate::publicity::{self, DraftText, Period, text};
use crate::scoring::locked;

/// The office's handling steps of one objection: (action, note).
type Steps = &'static [(&'static str, &'static str)];

/// (name, contact, text, the office's steps so far)
const OBJECTIONS: &[(&str, &str, &str, Steps)] = &[
    (
        "扎西",
        "13989012345",
        "公示中农贸市场规范化建设的得分与实际不符，城关农贸市场仍未完成改造。",
        &[
            ("accept", ""),
            (
                "resolve",
                "经核实，城关农贸市场改造已于本月完成验收，相关佐证资料已补充，评分无误。",
            ),
        ],
    ),
    (
        "李明",
        "liming@example.com",
        "希望加大对校园周边小餐饮的检查力度。",
        &[(
            "reject",
            "所提内容为工作建议，不属于对公示内容的异议，已转相关部门参考。",
        )],
    ),
    (
        "王芳",
        "0895-4823456",
        "我单位提交的食品抽检数据在报告中统计有误，请核实。",
        &[("accept", "已转市市场监管局核对原始数据。")],
    ),
];

pub async fn publish(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let office: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'office1'")
        .fetch_one(db)
        .await?;
    let round_ids: Vec<i64> = locked::all(db)
        .await?
        .into_iter()
        .filter(|r| r.campaign_id == campaign.id)
        .map(|r| r.id)
        .take(1)
        .collect();
    let rounds = locked::by_ids(db, &round_ids).await?;
    if rounds.is_empty() {
        return Ok(());
    }
    let today = campaign.today();
    let issuer = text::default_issuer(&rounds);
    let draft = DraftText {
        title: text::default_title(&rounds),
        body: text::default_body(&rounds, &issuer),
        contact: format!(
            "联系电话：0895-4812345\n联系邮箱：csab@example.gov.cn\n联系地址：{}食品安全委员会办公室",
            campaign.city_name
        ),
        issuer,
        period: Period::default_from(today - Duration::days(5)),
    };
    let id = publicity::issue_draft(db, campaign.id, &round_ids, &draft, office)
        .await?
        .map_err(|r| anyhow::anyhow!("demo notice refused: {}", r.as_str()))?;
    let notice = publicity::find(db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo notice vanished"))?;
    publicity::publish(db, &notice, office)
        .await?
        .map_err(|r| anyhow::anyhow!("demo notice not published: {}", r.as_str()))?;
    for (name, contact, body, steps) in OBJECTIONS {
        let objection = NewObjection::parse(name, contact, body)
            .map_err(|_| anyhow::anyhow!("demo objection refused"))?;
        let (objection_id, _code) =
            objections::receive(db, id, today, &objection, None, Some("10.0.0.8"))
                .await?
                .map_err(|r| anyhow::anyhow!("demo objection refused: {}", r.as_str()))?;
        for (action, note) in steps.iter() {
            let step = Handling::parse(action, note)
                .map_err(|r| anyhow::anyhow!("demo step refused: {}", r.as_str()))?;
            objections::handle(db, objection_id, &step, office)
                .await?
                .map_err(|r| anyhow::anyhow!("demo step refused: {}", r.as_str()))?;
        }
    }
    Ok(())
}
