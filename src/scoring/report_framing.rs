//! The sentences that frame an evaluation report, in the order the provincial reports
//! print them: an opening paragraph (按照…要求…现将有关情况汇总如下), then 一、组织实施情况
//! （一）实施方式（二）评价内容. Official text, so always Chinese, whatever the reader's
//! language; dates the Chinese way.

use chrono::NaiveDate;

use super::Outcome;
pub use crate::i18n::{chinese_date, chinese_period};

/// What the framing sentences are made from.
pub struct FramingFacts<'a> {
    pub city: &'a str,
    /// 省级初评, 市级考评 …
    pub kind: &'a str,
    /// 依据, one document per line as the lead typed them.
    pub basis_documents: &'a str,
    pub implementing_body: &'a str,
    pub cooperating_bodies: &'a str,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub assessors: usize,
    pub groups: usize,
    /// "基础工作、能力建设、生产经营状况三大项72个指标"
    pub scope: &'a str,
}

/// The documents of the basis, one per line, blank lines dropped.
fn documents(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.trim().trim_end_matches(['。', '；', ';', '，', ',']))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Comma-separated bodies as one phrase: "农业农村局、卫生健康委".
fn bodies(text: &str) -> String {
    text.split(['\n', '，', ',', '、', '；', ';'])
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("、")
}

/// The opening paragraph.
pub fn opening(facts: &FramingFacts<'_>) -> String {
    let docs = documents(facts.basis_documents);
    let mut text = String::new();
    if let Some((first, rest)) = docs.split_first() {
        text.push_str(&format!("按照{first}要求，"));
        if !rest.is_empty() {
            text.push_str(&format!("依据{}，", rest.join("、")));
        }
    }
    let implementing = facts.implementing_body.trim();
    if !implementing.is_empty() {
        text.push_str(&format!("{implementing}组成评审组，"));
    }
    text.push_str(&format!(
        "对{}创建国家食品安全示范城市开展{}。现将有关情况汇总如下。",
        facts.city, facts.kind
    ));
    text
}

/// （一）实施方式
pub fn implementation(facts: &FramingFacts<'_>) -> String {
    let mut text = String::new();
    let implementing = facts.implementing_body.trim();
    if !implementing.is_empty() {
        text.push_str(&format!("{}由{implementing}具体实施。", facts.kind));
    }
    let cooperating = bodies(facts.cooperating_bodies);
    if !cooperating.is_empty() {
        text.push_str(&format!("会同{cooperating}等部门，"));
    }
    text.push_str(&format!(
        "组织评审专家{}名，组成{}个工作组，",
        facts.assessors, facts.groups
    ));
    match (facts.starts_on, facts.ends_on) {
        (Some(s), Some(e)) => text.push_str(&format!("于{}", chinese_period(s, e))),
        (Some(s), None) => text.push_str(&format!("自{}起", chinese_date(s))),
        _ => {}
    }
    text.push_str(&format!(
        "采取资料审查、现场检查、领导访谈等方式对{}创建工作开展评价。",
        facts.city
    ));
    text
}

/// （二）评价内容, its first sentence.
pub fn content(facts: &FramingFacts<'_>) -> String {
    format!(
        "按照《评价细则》{}，根据《操作指南》逐一评分。",
        facts.scope
    )
}

/// The report's sentence on the veto items: none in scope, none found, or each found
/// with the measured value that decided it.
pub fn veto_sentence(outcome: &Outcome, vetoes_in_scope: bool) -> String {
    if !vetoes_in_scope {
        return "本轮评价范围不含否决项。".into();
    }
    if outcome.vetoes.is_empty() {
        return "未发现否决项情形。".into();
    }
    let found: Vec<String> = outcome
        .vetoes
        .iter()
        .map(|n| {
            match outcome
                .derived_vetoes
                .iter()
                .find(|d| d.indicator == *n && d.triggered)
            {
                Some(d) => format!(
                    "第{n}项（指标{}实测值{}，低于{}）",
                    d.measure,
                    d.value.normalize(),
                    d.below.normalize()
                ),
                None => format!("第{n}项"),
            }
        })
        .collect();
    format!("否决项{}情形成立。", found.join("、"))
}

/// The conclusion: "结论：达到标准（…）。" without a doubled stop inside the brackets.
pub fn conclusion(headline: &str, reason: &str) -> String {
    let reason = reason.trim().trim_end_matches(['。', '.']);
    if reason.is_empty() {
        format!("结论：{headline}。")
    } else {
        format!("结论：{headline}（{reason}）。")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts<'a>() -> FramingFacts<'a> {
        FramingFacts {
            city: "泸州市",
            kind: "省级初评",
            basis_documents: "《关于开展2022年国家食品安全示范城市评价验收工作的通知》（食安办函〔2021〕15号）\n《国家食品安全示范城市评价细则（2021版）》\n\n《国家食品安全示范城市省级评审操作指南（2021版）》",
            implementing_body: "省产品质量监督检验检测院",
            cooperating_bodies: "农业农村厅，省卫生健康委、省粮食和储备局",
            starts_on: Some(d(2022, 8, 15)),
            ends_on: Some(d(2022, 8, 19)),
            assessors: 71,
            groups: 19,
            scope: "基础工作、能力建设、生产经营状况三大项72个指标",
        }
    }

    #[test]
    fn the_framing_reads_like_the_provincial_reports() {
        let f = facts();
        assert_eq!(
            opening(&f),
            "按照《关于开展2022年国家食品安全示范城市评价验收工作的通知》（食安办函〔2021〕15号）要求，\
             依据《国家食品安全示范城市评价细则（2021版）》、《国家食品安全示范城市省级评审操作指南（2021版）》，\
             省产品质量监督检验检测院组成评审组，对泸州市创建国家食品安全示范城市开展省级初评。现将有关情况汇总如下。"
        );
        assert_eq!(
            implementation(&f),
            "省级初评由省产品质量监督检验检测院具体实施。会同农业农村厅、省卫生健康委、省粮食和储备局等部门，\
             组织评审专家71名，组成19个工作组，于2022年8月15日至8月19日采取资料审查、现场检查、领导访谈等方式\
             对泸州市创建工作开展评价。"
        );
        assert_eq!(
            content(&f),
            "按照《评价细则》基础工作、能力建设、生产经营状况三大项72个指标，根据《操作指南》逐一评分。"
        );
    }

    #[test]
    fn empty_framing_still_reads_as_sentences() {
        let f = FramingFacts {
            basis_documents: "",
            implementing_body: "",
            cooperating_bodies: "",
            starts_on: None,
            ends_on: None,
            ..facts()
        };
        assert_eq!(
            opening(&f),
            "对泸州市创建国家食品安全示范城市开展省级初评。现将有关情况汇总如下。"
        );
        assert!(implementation(&f).starts_with("组织评审专家71名，组成19个工作组，采取"));
    }

    #[test]
    fn the_veto_sentence_names_the_measured_value() {
        use crate::rubric::data::{BUNDLED_2021, RubricFile};
        let r = RubricFile::parse(BUNDLED_2021).unwrap();
        let mut inputs = crate::scoring::Inputs::default();
        inputs
            .measured
            .insert(73, rust_decimal::Decimal::new(79, 0));
        let outcome = crate::scoring::compute(&r, &r.verdict, &inputs);
        assert_eq!(
            veto_sentence(&outcome, true),
            "否决项第93项（指标73实测值79，低于80）情形成立。"
        );
        assert_eq!(veto_sentence(&outcome, false), "本轮评价范围不含否决项。");
    }

    #[test]
    fn a_conclusion_never_doubles_its_stop() {
        assert_eq!(
            conclusion("否决", "否决项第 93 项情形成立，无论总分多少均不通过。"),
            "结论：否决（否决项第 93 项情形成立，无论总分多少均不通过）。"
        );
        assert!(!conclusion("达到标准", "各项均达到。").contains("。）"));
        assert_eq!(conclusion("达到标准", ""), "结论：达到标准。");
    }
}
