//! The official wording of a 公示: always Chinese, whatever the reader's language, in the
//! structure of the provincial notices (who assessed whom, how, the result, the call for
//! real-name objections, the period, the contact details).

use super::objections::Counts;
use super::{Period, Window};
use crate::scoring::locked::{LockedRound, Verdict};
use crate::scoring::rounds::RoundKind;

pub use crate::i18n::{chinese_date, chinese_period};

/// What a round is called in an official text.
fn kind_name(kind: RoundKind) -> &'static str {
    match kind {
        RoundKind::SelfAssessment => "自查",
        RoundKind::City => "市级考评",
        RoundKind::Provincial => "省级初评",
        RoundKind::NationalMock => "国家验收模拟评价",
    }
}

fn verdict_text(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "达到国家食品安全示范城市标准",
        Verdict::Failed => "未达到国家食品安全示范城市标准",
        Verdict::Vetoed => "存在否决项情形，未达到国家食品安全示范城市标准",
    }
}

/// The cities of `rounds`, each once, in order, joined with 、.
fn cities(rounds: &[LockedRound]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for round in rounds {
        if !names.contains(&round.city_name.as_str()) {
            names.push(&round.city_name);
        }
    }
    names.join("、")
}

/// The kind shared by every round, or a general word when they differ.
fn kinds(rounds: &[LockedRound]) -> &'static str {
    match rounds.first() {
        Some(first) if rounds.iter().all(|r| r.kind == first.kind) => kind_name(first.kind),
        _ => "评价",
    }
}

/// The default issuing body: the first city's food-safety committee.
pub fn default_issuer(rounds: &[LockedRound]) -> String {
    rounds
        .first()
        .map(|r| format!("{}食品安全委员会", r.city_name))
        .unwrap_or_default()
}

/// 关于昌都市创建国家食品安全示范城市省级初评情况的公示
pub fn default_title(rounds: &[LockedRound]) -> String {
    format!(
        "关于{}创建国家食品安全示范城市{}情况的公示",
        cities(rounds),
        kinds(rounds)
    )
}

/// The body generated from the rounds' frozen results; the office edits it before issue.
pub fn default_body(rounds: &[LockedRound], issuer: &str) -> String {
    let kind = kinds(rounds);
    let mut text = format!(
        "{issuer}依据《国家食品安全示范城市评价细则》，采取资料审查、现场检查、领导访谈等方式，对{}创建国家食品安全示范城市工作进行了{kind}。",
        cities(rounds)
    );
    for round in rounds {
        text.push_str(&format!(
            "经综合评价，{}（{}）得分{}分（满分{}分），{}。",
            round.city_name,
            round.name,
            round.total.normalize(),
            round.max_total.normalize(),
            verdict_text(round.verdict)
        ));
    }
    text.push_str(&format!(
        "\n为广泛听取社会各界意见，接受群众监督，现将{kind}情况向社会公示。如有异议，请在公示期内，以文字形式实名反映，内容要求真实有据，并提供有效联系方式。对匿名提出异议的将不予受理。"
    ));
    text
}

/// The period line of the notice.
pub fn period_line(period: &Period) -> String {
    format!(
        "公示时间：{}",
        chinese_period(period.starts_on(), period.ends_on())
    )
}

/// What the notice records about its objections: after the period "公示期满，无异议" or
/// the count and outcomes; during it, how many have come in so far.
pub fn outcome_line(window: Window, counts: &Counts) -> Option<String> {
    match window {
        Window::NotStarted => None,
        Window::Ended if counts.total() == 0 => Some("公示期满，无异议。".to_string()),
        Window::Open if counts.total() == 0 => None,
        Window::Open | Window::Ended => {
            let lead = if window == Window::Ended {
                "公示期满，公示期内"
            } else {
                "截至目前，"
            };
            Some(format!(
                "{lead}共收到异议{}件，其中待处理{}件、正在核实{}件、不予受理{}件、已办结{}件。",
                counts.total(),
                counts.received,
                counts.verifying,
                counts.not_accepted,
                counts.resolved
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn round(city: &str, verdict: Verdict) -> LockedRound {
        LockedRound {
            id: 1,
            campaign_id: 1,
            city_name: city.into(),
            kind: RoundKind::Provincial,
            name: "2026年省级初评".into(),
            locked_at: None,
            total: Decimal::new(91250, 3),
            max_total: Decimal::new(100, 0),
            verdict,
        }
    }

    #[test]
    fn draft_names_every_city_and_result() {
        let rounds = [
            round("昌都市", Verdict::Passed),
            round("林芝市", Verdict::Vetoed),
        ];
        assert_eq!(
            default_title(&rounds),
            "关于昌都市、林芝市创建国家食品安全示范城市省级初评情况的公示"
        );
        let body = default_body(&rounds, "西藏自治区食品安全委员会");
        assert!(body.contains(
            "昌都市（2026年省级初评）得分91.25分（满分100分），达到国家食品安全示范城市标准"
        ));
        assert!(body.contains("林芝市（2026年省级初评）得分91.25分（满分100分），存在否决项情形"));
        assert!(body.contains("对匿名提出异议的将不予受理"));
    }

    #[test]
    fn the_outcome_after_the_period() {
        let none = Counts::default();
        assert_eq!(
            outcome_line(Window::Ended, &none).as_deref(),
            Some("公示期满，无异议。")
        );
        assert_eq!(outcome_line(Window::Open, &none), None);
        let some = Counts {
            received: 0,
            verifying: 1,
            not_accepted: 1,
            resolved: 2,
        };
        assert_eq!(
            outcome_line(Window::Ended, &some).as_deref(),
            Some(
                "公示期满，公示期内共收到异议4件，其中待处理0件、正在核实1件、不予受理1件、已办结2件。"
            )
        );
    }
}
