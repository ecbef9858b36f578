//! The demo's 调度 meeting register, for the first campaign: the office's and 市市场监管局's
//! 月调度 for the last eight months, two 常务会调度 of the city government (convened by
//! the office, chaired by the 副市长), a 领导小组会议, two 季调度 of the member units, a
//! 专题调度 on school canteens, and some counties' own 月调度 — with decisions, some made
//! tasks (on indicators and programmes) and milestones. Made through the meetings area's
//! checked commands, so the demo holds only what the product would accept.

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate};
use sqlx::PgPool;

use crate::campaigns::Campaign;
use crate::meetings::outcomes;
use crate::meetings::{
    self, Choices, DecisionInput, MeetingInput, MilestoneInput, NewDecision, NewMeeting, TaskInput,
};

/// What a demo decision becomes.
#[derive(Clone, Copy)]
enum Outcome {
    Nothing,
    /// A task on this indicator number.
    Indicator(i32),
    /// A task on this programme (by label, e.g. 工程3).
    Programme(&'static str),
    /// A milestone of this programme.
    Milestone(&'static str),
}

/// (text, owner, days to the deadline, outcome)
type DecisionSeed = (&'static str, &'static str, i64, Outcome);

/// The office's monthly decisions, taken in turn month by month.
const OFFICE_MONTHLY: &[DecisionSeed] = &[
    (
        "各县（区）对照问题清单逐项整改农贸市场快检室检测记录，月底前报送整改情况",
        "卡若区",
        25,
        Outcome::Indicator(67),
    ),
    (
        "市教育局督促剩余学校食堂完成“互联网+明厨亮灶”改造并接入监管平台",
        "市教育局",
        45,
        Outcome::Milestone("工程9"),
    ),
    (
        "市市场监管局补报本年度监督抽检批次和检测项目数据",
        "市市场监管局",
        20,
        Outcome::Indicator(46),
    ),
    (
        "市商务局牵头制定农贸市场升级改造推进计划，明确时间表和责任人",
        "市商务局",
        30,
        Outcome::Programme("工程3"),
    ),
    (
        "各成员单位按月报送创建工作进展，佐证资料做到一项一闭环",
        "",
        0,
        Outcome::Nothing,
    ),
    (
        "江达县加快食品小作坊登记建档信息核对，更新小作坊档案",
        "江达县",
        30,
        Outcome::Indicator(57),
    ),
    (
        "市农业农村局完成农兽药残留抽检计划中期评估",
        "市农业农村局",
        40,
        Outcome::Programme("行动6"),
    ),
    (
        "创建宣传进社区、进学校，各县（区）本月开展宣传活动不少于2次",
        "",
        0,
        Outcome::Nothing,
    ),
];

/// 市市场监管局's monthly decisions.
const BUREAU_MONTHLY: &[DecisionSeed] = &[
    (
        "各县（区）市场监管局按计划完成本月监督抽检任务，不合格产品核查处置率100%",
        "",
        0,
        Outcome::Nothing,
    ),
    (
        "完成县级检验检测机构能力验证",
        "市市场监管局",
        60,
        Outcome::Milestone("工程5"),
    ),
    (
        "卡若区完成入网餐饮服务经营者信息公示核查",
        "卡若区",
        30,
        Outcome::Indicator(69),
    ),
];

pub async fn fill(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let office: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'office1'")
        .fetch_one(db)
        .await
        .context("the demo's office user")?;
    let choices = meetings::choices(db, campaign).await?;
    let today = campaign.today();
    let month = |back: i32| -> NaiveDate {
        let total = today.year() * 12 + today.month0() as i32 - back;
        NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
            .expect("valid month")
    };
    let demo = Demo {
        db,
        campaign,
        choices: &choices,
        office,
    };
    let departments = [
        "市市场监管局",
        "市农业农村局",
        "市教育局",
        "市商务局",
        "市卫生健康委",
        "市公安局",
    ];
    let counties = ["卡若区", "江达县", "贡觉县", "类乌齐县", "丁青县"];
    let city_wide: Vec<&str> = departments.iter().chain(&counties).copied().collect();
    for back in 0..8 {
        let first = month(back);
        let m = first.month();
        let mut office_decisions = Vec::new();
        for k in 0..2 {
            office_decisions.push(OFFICE_MONTHLY[(back as usize * 2 + k) % OFFICE_MONTHLY.len()]);
        }
        demo.meeting(
            "monthly",
            first + Duration::days(7),
            &format!("全市创建国家食品安全示范城市工作{m}月调度会"),
            "市食安办主任 李某",
            "市食安办",
            &city_wide,
            &format!("通报上月各单位任务完成、资料报送和问题整改情况，研究部署{m}月重点工作。"),
            &office_decisions,
        )
        .await?;
        let bureau = [BUREAU_MONTHLY[back as usize % BUREAU_MONTHLY.len()]];
        demo.meeting(
            "monthly",
            first + Duration::days(17),
            &format!("市市场监管局{m}月创建工作调度会"),
            "局长 王某",
            "市市场监管局",
            &counties,
            "听取各县（区）市场监管局抽检、执法办案和“三小”治理进展汇报。",
            &bureau,
        )
        .await?;
        // 卡若区 holds its own 月调度 every month of the last five, 江达县 and 类乌齐县 fewer.
        for (county, months, chair) in [
            ("卡若区", 5, "副区长 次仁某"),
            ("江达县", 3, "副县长 刘某"),
            ("类乌齐县", 2, "副县长 陈某"),
        ] {
            if back < months {
                demo.meeting(
                    "monthly",
                    first + Duration::days(21),
                    &format!("{county}创建工作{m}月调度会"),
                    chair,
                    county,
                    &["市市场监管局"],
                    "各乡镇（街道）汇报本月创建任务落实情况，区（县）食安办通报资料报送进度。",
                    &[],
                )
                .await?;
            }
        }
    }
    let government = [
        "市市场监管局",
        "市农业农村局",
        "市财政局",
        "市教育局",
        "市卫生健康委",
        "卡若区",
        "江达县",
    ];
    for (back, number) in [(6, "第12次"), (2, "第27次")] {
        demo.meeting(
            "executive",
            month(back) + Duration::days(11),
            &format!("市政府{number}常务会议专题研究食品安全示范城市创建工作"),
            "副市长 张某",
            "市食安办",
            &government,
            "听取市食安办关于创建工作进展的汇报，研究创建经费保障和县（区）考核事项。",
            &[(
                "市财政局落实创建工作经费，保障检验检测和宣传经费足额到位",
                "市财政局",
                30,
                Outcome::Nothing,
            )],
        )
        .await?;
    }
    demo.meeting(
        "leading_group",
        month(5) + Duration::days(24),
        "创建国家食品安全示范城市工作领导小组全体会议",
        "市委副书记、市长 赵某",
        "市食安办",
        &city_wide,
        "总结上半年创建工作，部署省级初评迎检准备，明确各成员单位责任。",
        &[(
            "各成员单位对照省级初评细则开展自查，形成自查报告",
            "市食安办",
            45,
            Outcome::Indicator(1),
        )],
    )
    .await?;
    for (back, quarter) in [(7, "第一季度"), (4, "第二季度")] {
        demo.meeting(
            "quarterly",
            month(back) + Duration::days(27),
            &format!("市食药安委成员单位{quarter}创建工作调度会"),
            "市食安办主任 李某",
            "市食安办",
            &departments,
            "各成员单位汇报本季度创建任务进展和存在的问题。",
            &[],
        )
        .await?;
    }
    demo.meeting(
        "special",
        month(3) + Duration::days(14),
        "学校食堂“互联网+明厨亮灶”专题调度会",
        "副局长 刘某",
        "市教育局",
        &["市市场监管局", "卡若区", "江达县"],
        "研究学校食堂明厨亮灶改造进度和校长陪餐制度落实情况。",
        &[(
            "各县（区）学校食堂落实校长陪餐制度，建立陪餐记录",
            "卡若区",
            30,
            Outcome::Indicator(26),
        )],
    )
    .await?;
    Ok(())
}

struct Demo<'a> {
    db: &'a PgPool,
    campaign: &'a Campaign,
    choices: &'a Choices,
    office: i64,
}

impl Demo<'_> {
    fn org(&self, name: &str) -> anyhow::Result<String> {
        self.choices
            .organisations
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.id.to_string())
            .with_context(|| format!("demo organisation {name}"))
    }

    fn programme(&self, label: &str) -> Option<String> {
        self.choices
            .programmes
            .iter()
            .find(|p| p.1 == label)
            .map(|p| p.0.to_string())
    }

    /// Records a meeting held on `held_on` (none after today) and its decisions.
    #[allow(clippy::too_many_arguments)]
    async fn meeting(
        &self,
        kind: &str,
        held_on: NaiveDate,
        title: &str,
        chair: &str,
        convener: &str,
        attending: &[&str],
        summary: &str,
        decisions: &[DecisionSeed],
    ) -> anyhow::Result<()> {
        if held_on > self.campaign.today() {
            return Ok(());
        }
        let attending: Vec<String> = attending
            .iter()
            .map(|name| self.org(name))
            .collect::<anyhow::Result<_>>()?;
        let input = MeetingInput {
            kind,
            held_on: &held_on.to_string(),
            title,
            chair,
            convener_id: &self.org(convener)?,
            attending: &attending,
            summary,
            decisions: "",
        };
        let Ok(meeting) = NewMeeting::check(&input, self.choices) else {
            bail!("demo meeting {title} refused");
        };
        let id = meetings::record(self.db, self.campaign.id, &meeting, self.office).await?;
        for (text, owner, days, outcome) in decisions {
            let owner = if owner.is_empty() {
                String::new()
            } else {
                self.org(owner)?
            };
            let deadline = if *days > 0 {
                (held_on + Duration::days(*days)).to_string()
            } else {
                String::new()
            };
            let decision = NewDecision::check(
                &DecisionInput {
                    text,
                    owner_id: &owner,
                    deadline: &deadline,
                },
                held_on,
                self.choices,
            )
            .map_err(|r| anyhow::anyhow!("demo decision refused: {r:?}"))?;
            let (decision_id, _) = meetings::add_decision(self.db, id, &decision).await?;
            let facts = outcomes::facts(self.db, id, decision_id)
                .await?
                .context("the decision just added")?;
            let refused = match outcome {
                Outcome::Nothing => Ok(()),
                Outcome::Indicator(number) => {
                    let number = number.to_string();
                    let input = TaskInput {
                        indicator: &number,
                        programme_id: "",
                        owner_id: &owner,
                        deadline: &deadline,
                        text: "",
                    };
                    outcomes::make_task(self.db, &facts, &input, self.choices, self.office)
                        .await?
                        .map(|_| ())
                }
                // A plan without that programme (none imported) leaves the decision open.
                Outcome::Programme(label) => match self.programme(label) {
                    Some(programme) => {
                        let input = TaskInput {
                            indicator: "",
                            programme_id: &programme,
                            owner_id: &owner,
                            deadline: &deadline,
                            text: "",
                        };
                        outcomes::make_task(self.db, &facts, &input, self.choices, self.office)
                            .await?
                            .map(|_| ())
                    }
                    None => Ok(()),
                },
                Outcome::Milestone(label) => match self.programme(label) {
                    Some(programme) => {
                        let input = MilestoneInput {
                            programme_id: &programme,
                            title: "",
                            due_on: &deadline,
                        };
                        outcomes::make_milestone(self.db, &facts, &input, self.choices)
                            .await?
                            .map(|_| ())
                    }
                    None => Ok(()),
                },
            };
            if let Err(refusals) = refused {
                bail!("demo decision outcome refused: {refusals:?}");
            }
        }
        Ok(())
    }
}
