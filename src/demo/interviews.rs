//! The open provincial round's leader interviews (领导访谈): the city's and two counties'
//! leaders, and a township's, each linked to the 党政同责 and 工作机制 indicators assessed by
//! interview, with the questions asked and what was said.

use std::collections::HashMap;

use chrono::Duration;
use sqlx::PgPool;

use crate::inspections::interviews::{self, InterviewInput, InterviewRules, NewInterview};
use crate::scoring::rounds::{Round, RoundKind};

/// (group label when no group, days after the start, place, interviewees, indicators,
/// questions, notes)
type Seed = (
    &'static str,
    i64,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const INTERVIEWS: [Seed; 5] = [
    (
        "",
        0,
        "市人民政府第一会议室",
        "市级，市长，，市人民政府\n市级，分管副市长，，市人民政府",
        &["1", "2", "3"],
        "1. 市委、市政府如何将食品安全纳入党委和政府督办事项？\n2. 对下一级政府的食品安全评议考核结果如何运用？",
        "市长介绍了将食品安全工作纳入市委常委会年度工作要点、每季度专题研究的做法。\n分管副市长表示考核结果已纳入县区领导班子实绩考核，权重不低于3%，但部分乡镇考核结果运用不够充分。",
    ),
    (
        "",
        1,
        "城关区人民政府会议室",
        "县级，区长，，城关区人民政府\n县级，区委书记，，城关区委",
        &["1", "4"],
        "1. 区食安委及其办公室如何发挥综合协调作用？\n2. 区级党政领导干部食品安全责任清单是否落实？",
        "区委书记介绍了责任清单逐级签订情况；区食安办配备专职人员4名，协调机制运行正常。\n个别成员单位参加会商不够及时。",
    ),
    (
        "",
        1,
        "林周县人民政府",
        "县级，县长，，林周县人民政府\n县级，县委书记，，林周县委",
        &["2", "5"],
        "1. 县对乡镇的食品安全考核如何开展？\n2. 信息通报、形势会商机制运行情况如何？",
        "县长介绍每半年召开一次形势会商会议，对乡镇开展年度考核。\n县委书记表示将进一步加大食品安全经费保障。",
    ),
    (
        "第一访谈组",
        2,
        "东街街道办事处",
        "乡级，街道办主任，，东街街道办事处\n乡级，街道党工委书记，，东街街道党工委",
        &["3", "6"],
        "1. 街道食品安全协管员队伍建设情况？\n2. 基层网格化管理如何落实？",
        "街道办主任介绍辖区划分网格12个，配备协管员15名，培训每年2次。\n网格员对小餐饮、小作坊的日常巡查记录不够规范。",
    ),
    (
        "第一访谈组",
        3,
        "柳林镇人民政府",
        "乡级，镇长，，柳林镇人民政府",
        &["6", "7"],
        "1. 农村集体聚餐如何备案和指导？\n2. 镇级食品安全工作经费是否纳入预算？",
        "镇长介绍农村集体聚餐实行申报备案制度，镇食安办指导厨师开展培训。\n经费已纳入镇级预算，但金额偏低。",
    ),
];

/// Adds the interviews to the open provincial round (other rounds get none), by its
/// groups: the first two by the first group, the next by the second, then by a typed 访谈组.
pub async fn add(
    db: &PgPool,
    round: &Round,
    rubric: &crate::rubric::data::RubricFile,
    indicator_ids: &HashMap<i32, i64>,
    groups: &[i64],
) -> anyhow::Result<()> {
    let (RoundKind::Provincial, Some(lead)) = (round.kind, round.lead_assessor_id) else {
        return Ok(());
    };
    let starts_on = round
        .starts_on
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let in_scope: Vec<i32> = round.scope(rubric).indicators(rubric).into_iter().collect();
    let interviewed = interviews::interviewed_indicators(rubric, &in_scope);
    for (i, (label, day, place, people, indicators, questions, notes)) in
        INTERVIEWS.iter().enumerate()
    {
        let group = if label.is_empty() {
            groups.get(i / 2).map(|g| g.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        let indicators: Vec<String> = indicators.iter().map(|n| n.to_string()).collect();
        let held_on = (starts_on + Duration::days(*day)).to_string();
        let input = InterviewInput {
            group_id: &group,
            group_label: if group.is_empty() {
                "第一访谈组"
            } else {
                label
            },
            held_on: &held_on,
            place,
            interviewees: people,
            indicators: &indicators,
            questions,
            notes,
        };
        let rules = InterviewRules {
            locked: false,
            groups,
            in_scope: &in_scope,
            interviewed: &interviewed,
        };
        let new = NewInterview::check(&input, rules)
            .map_err(|r| anyhow::anyhow!("demo interview refused: {r:?}"))?;
        interviews::insert(db, round.id, &new, indicator_ids, lead).await?;
    }
    Ok(())
}
