//! A round's verdict and the campaign's choice problems in words, in the reader's language.

use rust_decimal::Decimal;

use crate::i18n::Lang;
use crate::rubric::data::VerdictRule;
use crate::scoring::{ChoiceProblem, Decision, Outcome};

/// The verdict in words: (passed, headline, the rule that decided it).
pub fn verdict_text(lang: Lang, outcome: &Outcome, rule: &VerdictRule) -> (bool, String, String) {
    let passed = outcome.decision.passed();
    let headline = lang.t(if matches!(outcome.decision, Decision::Veto(_)) {
        "verdict-vetoed"
    } else if passed {
        "verdict-passed"
    } else {
        "verdict-failed"
    });
    let join = |numbers: &[i32]| {
        numbers
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("、")
    };
    let reason = match &outcome.decision {
        Decision::Veto(items) => {
            let mut text = lang.t_args("verdict-by-veto", &[("items", join(items).into())]);
            for derived in outcome.derived_vetoes.iter().filter(|d| d.triggered) {
                text.push_str(&lang.t_args(
                    "verdict-veto-measured",
                    &[
                        ("indicator", (derived.indicator as i64).into()),
                        ("measure", (derived.measure as i64).into()),
                        ("value", derived.value.normalize().to_string().into()),
                        ("below", derived.below.normalize().to_string().into()),
                    ],
                ));
            }
            text
        }
        Decision::Threshold(n) => {
            let check = outcome.thresholds.iter().find(|t| t.indicator == *n);
            lang.t_args(
                "verdict-by-threshold",
                &[
                    ("indicator", (*n as i64).into()),
                    (
                        "min",
                        check
                            .map(|c| c.min.normalize().to_string())
                            .unwrap_or_default()
                            .into(),
                    ),
                    (
                        "value",
                        check
                            .and_then(|c| c.value)
                            .map(|v| v.normalize().to_string())
                            .unwrap_or_else(|| "—".into())
                            .into(),
                    ),
                ],
            )
        }
        Decision::MinTotal(min) => lang.t_args(
            "verdict-by-total",
            &[
                ("min", min.normalize().to_string().into()),
                ("total", outcome.total.normalize().to_string().into()),
            ],
        ),
        Decision::MinPartRate { part, rate } => lang.t_args(
            "verdict-by-part-rate",
            &[
                ("part", (*part as i64).into()),
                (
                    "rate",
                    (rate * Decimal::ONE_HUNDRED).normalize().to_string().into(),
                ),
                (
                    "min",
                    rule.min_part_rate
                        .map(|m| (m * Decimal::ONE_HUNDRED).normalize().to_string())
                        .unwrap_or_default()
                        .into(),
                ),
            ],
        ),
        Decision::AllRulesMet => {
            let thresholds = outcome
                .thresholds
                .iter()
                .map(|t| format!("{} ≥ {}", t.indicator, t.min.normalize()))
                .collect::<Vec<_>>()
                .join("，");
            let mut text = if outcome.thresholds.is_empty() && outcome.derived_vetoes.is_empty() {
                lang.t("verdict-by-scope")
            } else {
                lang.t_args("verdict-by-all", &[("thresholds", thresholds.into())])
            };
            if let Some(min) = outcome.min_total.or(rule.min_total) {
                text.push_str(&lang.t_args(
                    "verdict-and-total",
                    &[("min", min.normalize().to_string().into())],
                ));
            }
            if let Some(rate) = rule.min_part_rate {
                text.push_str(&lang.t_args(
                    "verdict-and-rate",
                    &[(
                        "min",
                        (rate * Decimal::ONE_HUNDRED).normalize().to_string().into(),
                    )],
                ));
            }
            text
        }
    };
    (passed, headline, reason)
}

pub fn problem_text(lang: Lang, problem: &ChoiceProblem) -> String {
    match problem {
        ChoiceProblem::WrongItemCount {
            point,
            required,
            chosen,
        } => lang.t_args(
            "problem-item-count",
            &[
                ("point", (*point as i64).into()),
                ("required", (*required as i64).into()),
                ("chosen", (*chosen as i64).into()),
            ],
        ),
        ChoiceProblem::TooManyOptional {
            chosen_max, cap, ..
        } => lang.t_args(
            "problem-too-many-optional",
            &[
                ("chosen", chosen_max.to_string().into()),
                ("cap", cap.to_string().into()),
            ],
        ),
        ChoiceProblem::NotOptional { point } => {
            lang.t_args("problem-not-optional", &[("point", (*point as i64).into())])
        }
    }
}
