//! Scores and the verdict, computed in one place from the rubric's scoring rules (declared
//! in the rubric data file, not in code per item) and what assessors recorded.
//!
//! - *deduction* parts start at each point's maximum; deductions (tied to indicators)
//!   lower it, never below zero;
//! - *measured* points convert a measured value to points (proportional: max × value / 100);
//! - *awarded* parts: 必选项 count as awarded; a point with `choose = n` needs exactly n of
//!   its items chosen by the city; 自选项 count only when chosen, their sum capped at the
//!   part's `optional_points`;
//! - *veto* items: any triggered one decides the verdict whatever the total. Items the
//!   data file defines by a measured value (93: satisfaction under 80) follow that value
//!   once it is entered, whatever was marked by hand.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

pub mod commands;
pub mod completeness;
pub mod evidence_review;
pub mod locked;
pub mod locks;
pub mod report_framing;
pub mod rounds;
pub mod scope;
pub mod sheet;

pub use scope::{Scope, ScopeRefusal};

use crate::rubric::data::{Formula, PartEntry, PointCategory, RubricFile, Scoring, VerdictRule};

/// What assessors and the city recorded for one assessment.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Deductions by indicator number.
    pub deductions: Vec<Deduction>,
    /// Measured values by indicator number (in the measure's unit).
    pub measured: BTreeMap<i32, Decimal>,
    /// Awarded points by evaluation point number.
    pub awarded: BTreeMap<i32, Decimal>,
    /// Triggered veto items by indicator number.
    pub vetoes: BTreeSet<i32>,
    pub choices: Choices,
}

#[derive(Debug, Clone)]
pub struct Deduction {
    pub indicator: i32,
    pub points: Decimal,
}

/// The city's own choices for the campaign.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// 自选项 evaluation points the city applies with.
    pub optional_points: BTreeSet<i32>,
    /// Items (indicator numbers) chosen under points with `choose`.
    pub chosen_items: BTreeSet<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointScore {
    pub seq: i32,
    pub max: Decimal,
    pub score: Decimal,
    /// False for 自选项 the city did not choose.
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartScore {
    pub seq: i32,
    pub max: Option<Decimal>,
    pub score: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCheck {
    pub indicator: i32,
    pub min: Decimal,
    pub value: Option<Decimal>,
    pub met: bool,
}

/// Problems with the recorded choices; the computation still runs, counting what the
/// rules allow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChoiceProblem {
    /// A `choose = n` point with another number of items chosen.
    WrongItemCount {
        point: i32,
        required: usize,
        chosen: usize,
    },
    /// More 自选项 chosen than their cap can hold.
    TooManyOptional {
        part: i32,
        chosen_max: Decimal,
        cap: Decimal,
    },
    /// A chosen point that is not a 自选项 of the edition.
    NotOptional { point: i32 },
}

/// Which rule decided the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Decision {
    Veto(Vec<i32>),
    Threshold(i32),
    MinTotal(Decimal),
    MinPartRate { part: i32, rate: Decimal },
    AllRulesMet,
}

impl Decision {
    pub fn passed(&self) -> bool {
        *self == Decision::AllRulesMet
    }
}

/// A veto item decided by a measured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivedVeto {
    pub indicator: i32,
    /// The measured indicator and its value.
    pub measure: i32,
    pub value: Decimal,
    /// Triggered when the value is below this.
    pub below: Decimal,
    pub triggered: bool,
    /// What was marked by hand, when it says the opposite (kept to show, never counted).
    pub contradicted_mark: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// The parts scored (empty in outcomes frozen before rounds had scopes: all).
    #[serde(default)]
    pub scope: Vec<i32>,
    pub points: Vec<PointScore>,
    pub parts: Vec<PartScore>,
    pub total: Decimal,
    pub max_total: Decimal,
    pub thresholds: Vec<ThresholdCheck>,
    pub vetoes: Vec<i32>,
    /// Veto items decided by measured values (whether triggered or not).
    #[serde(default)]
    pub derived_vetoes: Vec<DerivedVeto>,
    pub problems: Vec<ChoiceProblem>,
    pub decision: Decision,
    /// The minimum total as it applied to the scope (the rule's, scaled to a part of the
    /// edition); absent in outcomes frozen before scopes, where the rule's own applied.
    #[serde(default)]
    pub min_total: Option<Decimal>,
}

/// Scores are kept to hundredths, halves rounded away from zero (4.935 → 4.94).
fn round2(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The minimum total for a scope: the rule states it for the whole edition, so a round
/// scoring part of it must reach the same rate of its own maximum (90 of 120 → 45 of 60).
pub fn min_total_in(rubric: &RubricFile, rule: &VerdictRule, scope: &Scope) -> Option<Decimal> {
    let min = rule.min_total?;
    if scope.is_all(rubric) || rubric.total_points <= 0 {
        return Some(min);
    }
    Some(round2(
        min * scope.max_points(rubric) / Decimal::from(rubric.total_points),
    ))
}

/// The outcome over the whole edition.
pub fn compute(rubric: &RubricFile, rule: &VerdictRule, inputs: &Inputs) -> Outcome {
    compute_in(rubric, rule, inputs, &Scope::all(rubric))
}

/// The outcome over a round's scope: only its parts are scored and add to the maximum;
/// thresholds on indicators outside it, the vetoes when 否决项 is outside it, and a
/// minimum total (stated for the whole edition) do not apply.
pub fn compute_in(
    rubric: &RubricFile,
    rule: &VerdictRule,
    inputs: &Inputs,
    scope: &Scope,
) -> Outcome {
    let in_scope = scope.indicators(rubric);
    let vetoes_apply = scope.has_vetoes(rubric);
    let mut points = Vec::new();
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let optional_all: BTreeSet<i32> = rubric
        .points()
        .filter(|(_, p)| p.category == PointCategory::Optional)
        .map(|(_, p)| p.seq)
        .collect();
    for chosen in &inputs.choices.optional_points {
        if !optional_all.contains(chosen) {
            problems.push(ChoiceProblem::NotOptional { point: *chosen });
        }
    }

    for part in rubric.parts.iter().filter(|p| scope.contains_part(p.seq)) {
        let score = match part.scoring {
            Scoring::Deduction => score_deductions(part, inputs, &mut points),
            Scoring::Measured => score_measured(part, inputs, &mut points),
            Scoring::Awarded => score_awarded(part, inputs, &mut points, &mut problems),
            Scoring::Veto => Decimal::ZERO,
        };
        parts.push(PartScore {
            seq: part.seq,
            max: part.max_points.map(Decimal::from),
            score: round2(score),
        });
    }
    let total = round2(parts.iter().map(|p| p.score).sum());

    let veto_numbers: BTreeSet<i32> = rubric
        .parts
        .iter()
        .filter(|p| p.scoring == Scoring::Veto)
        .flat_map(|p| p.indicators.iter().map(|i| i.number))
        .collect();
    let derived_vetoes: Vec<DerivedVeto> = rubric
        .veto_conditions()
        .filter(|_| vetoes_apply)
        .filter_map(|(indicator, condition)| {
            let value = *inputs.measured.get(&condition.measure)?;
            let triggered = value < condition.below;
            let marked = inputs.vetoes.contains(&indicator);
            Some(DerivedVeto {
                indicator,
                measure: condition.measure,
                value,
                below: condition.below,
                triggered,
                contradicted_mark: (marked != triggered).then_some(marked),
            })
        })
        .collect();
    let derived_numbers: BTreeSet<i32> = derived_vetoes.iter().map(|d| d.indicator).collect();
    let vetoes: Vec<i32> = inputs
        .vetoes
        .iter()
        .copied()
        .filter(|n| vetoes_apply && veto_numbers.contains(n) && !derived_numbers.contains(n))
        .chain(
            derived_vetoes
                .iter()
                .filter(|d| d.triggered)
                .map(|d| d.indicator),
        )
        .collect::<BTreeSet<i32>>()
        .into_iter()
        .collect();
    let min_total = min_total_in(rubric, rule, scope);
    let thresholds: Vec<ThresholdCheck> = rule
        .thresholds
        .iter()
        .filter(|t| in_scope.contains(&t.indicator))
        .map(|t| {
            let value = inputs.measured.get(&t.indicator).copied();
            ThresholdCheck {
                indicator: t.indicator,
                min: t.min,
                value,
                met: value.is_some_and(|v| v >= t.min),
            }
        })
        .collect();

    let decision = if !vetoes.is_empty() {
        Decision::Veto(vetoes.clone())
    } else if let Some(failed) = thresholds.iter().find(|t| !t.met) {
        Decision::Threshold(failed.indicator)
    } else if let Some(min) = min_total.filter(|min| total < *min) {
        Decision::MinTotal(min)
    } else if let Some((part, rate)) = rule.min_part_rate.and_then(|min| {
        parts
            .iter()
            .filter_map(|p| p.max.filter(|m| !m.is_zero()).map(|m| (p.seq, p.score / m)))
            .find(|(_, rate)| *rate < min)
    }) {
        Decision::MinPartRate {
            part,
            rate: round2(rate),
        }
    } else {
        Decision::AllRulesMet
    };

    Outcome {
        scope: scope.parts().collect(),
        points,
        parts,
        total,
        max_total: scope.max_points(rubric),
        thresholds,
        vetoes,
        derived_vetoes,
        problems,
        decision,
        min_total,
    }
}

fn score_deductions(part: &PartEntry, inputs: &Inputs, points: &mut Vec<PointScore>) -> Decimal {
    let mut sum = Decimal::ZERO;
    for point in &part.points {
        let numbers: BTreeSet<i32> = point.indicators.iter().map(|i| i.number).collect();
        let deducted: Decimal = inputs
            .deductions
            .iter()
            .filter(|d| numbers.contains(&d.indicator))
            .map(|d| d.points.max(Decimal::ZERO))
            .sum();
        let max = Decimal::from(point.points);
        let score = round2((max - deducted).max(Decimal::ZERO));
        points.push(PointScore {
            seq: point.seq,
            max,
            score,
            counted: true,
        });
        sum += score;
    }
    sum
}

fn score_measured(part: &PartEntry, inputs: &Inputs, points: &mut Vec<PointScore>) -> Decimal {
    let mut sum = Decimal::ZERO;
    for point in &part.points {
        let max = Decimal::from(point.points);
        let score = match (
            &point.measure,
            point
                .measure
                .as_ref()
                .and_then(|m| inputs.measured.get(&m.indicator)),
        ) {
            (Some(measure), Some(value)) => match measure.formula {
                Formula::Proportional => (max * *value / HUNDRED).clamp(Decimal::ZERO, max),
            },
            _ => Decimal::ZERO,
        };
        let score = round2(score);
        points.push(PointScore {
            seq: point.seq,
            max,
            score,
            counted: true,
        });
        sum += score;
    }
    sum
}

fn score_awarded(
    part: &PartEntry,
    inputs: &Inputs,
    points: &mut Vec<PointScore>,
    problems: &mut Vec<ChoiceProblem>,
) -> Decimal {
    let award = |seq: i32, max: Decimal| {
        round2(
            inputs
                .awarded
                .get(&seq)
                .copied()
                .unwrap_or(Decimal::ZERO)
                .clamp(Decimal::ZERO, max),
        )
    };
    let mut required = Decimal::ZERO;
    let mut optional = Decimal::ZERO;
    let mut optional_max = Decimal::ZERO;
    for point in &part.points {
        let max = Decimal::from(point.points);
        if let Some(n) = point.choose {
            let chosen = point
                .indicators
                .iter()
                .filter(|i| inputs.choices.chosen_items.contains(&i.number))
                .count();
            if chosen != n {
                problems.push(ChoiceProblem::WrongItemCount {
                    point: point.seq,
                    required: n,
                    chosen,
                });
            }
        }
        let counted = point.category != PointCategory::Optional
            || inputs.choices.optional_points.contains(&point.seq);
        let score = if counted {
            award(point.seq, max)
        } else {
            Decimal::ZERO
        };
        if point.category == PointCategory::Optional {
            if counted {
                optional += score;
                optional_max += max;
            }
        } else {
            required += score;
        }
        points.push(PointScore {
            seq: point.seq,
            max,
            score,
            counted,
        });
    }
    let cap = part
        .optional_points
        .map(Decimal::from)
        .unwrap_or(Decimal::MAX);
    if optional_max > cap {
        problems.push(ChoiceProblem::TooManyOptional {
            part: part.seq,
            chosen_max: optional_max,
            cap,
        });
    }
    required + optional.min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::data::BUNDLED_2021;
    use rust_decimal_macros::dec;

    fn rubric() -> RubricFile {
        RubricFile::parse(BUNDLED_2021).unwrap()
    }

    /// A strong city: every measured value and award at its best, the right choices.
    fn perfect() -> Inputs {
        Inputs {
            measured: [(73, dec!(100.0)), (74, dec!(100.0)), (75, dec!(100.0))].into(),
            awarded: [
                (27, dec!(10.0)),
                (28, dec!(10.0)),
                (29, dec!(5.0)),
                (30, dec!(5.0)),
                (31, dec!(5.0)),
                (32, dec!(5.0)),
            ]
            .into(),
            choices: Choices {
                optional_points: [30, 31, 32].into(),
                chosen_items: [78, 81].into(),
            },
            ..Default::default()
        }
    }

    /// The hand-worked example: see each figure's comment.
    fn example() -> Inputs {
        Inputs {
            deductions: vec![
                Deduction {
                    indicator: 1,
                    points: dec!(0.5),
                }, // point 1 (3): 3 − 0.5 − 0.5 = 2.0
                Deduction {
                    indicator: 2,
                    points: dec!(0.5),
                },
                Deduction {
                    indicator: 21,
                    points: dec!(6.0),
                }, // point 7 (5): 5 − 6 → 0, not −1
            ],
            measured: [(73, dec!(86.5)), (74, dec!(88.0)), (75, dec!(98.7))].into(), // 8.65, 4.4, 4.935
            awarded: [
                (27, dec!(8.0)),
                (28, dec!(9.0)),
                (29, dec!(4.0)),
                (30, dec!(5.0)),
                (31, dec!(4.0)),
                (33, dec!(3.0)),
                (34, dec!(5.0)),
            ]
            .into(),
            choices: Choices {
                optional_points: [30, 31, 33].into(), // 34 was awarded but not chosen: not counted
                chosen_items: [78, 80].into(),
            },
            ..Default::default()
        }
    }

    fn part(outcome: &Outcome, seq: i32) -> Decimal {
        outcome.parts.iter().find(|p| p.seq == seq).unwrap().score
    }

    #[test]
    fn a_perfect_city_scores_120_and_passes() {
        let r = rubric();
        let outcome = compute(&r, &r.verdict, &perfect());
        assert_eq!(outcome.total, dec!(120.0));
        assert_eq!(outcome.max_total, dec!(120.0));
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert_eq!(outcome.decision, Decision::AllRulesMet);
    }

    #[test]
    fn the_hand_worked_example() {
        let r = rubric();
        let outcome = compute(&r, &r.verdict, &example());
        assert_eq!(part(&outcome, 1), dec!(24.0)); // 30 − 1.0 − 5
        assert_eq!(part(&outcome, 2), dec!(15.0));
        assert_eq!(part(&outcome, 3), dec!(15.0));
        assert_eq!(part(&outcome, 4), dec!(17.99)); // 8.65 + 4.4 + 4.94 (each point rounded to 0.01)
        assert_eq!(part(&outcome, 5), dec!(33.0)); // 8 + 9 + 4 + (5 + 4 + 3)
        assert_eq!(outcome.total, dec!(104.99));
        let p7 = outcome.points.iter().find(|p| p.seq == 7).unwrap();
        assert_eq!(p7.score, dec!(0.0), "never below zero");
        let p34 = outcome.points.iter().find(|p| p.seq == 34).unwrap();
        assert!(!p34.counted);
        assert_eq!(outcome.decision, Decision::AllRulesMet);
    }

    #[test]
    fn all_deductions_leave_the_first_three_parts_at_zero() {
        let r = rubric();
        let mut inputs = perfect();
        inputs.deductions = (1..=72)
            .map(|indicator| Deduction {
                indicator,
                points: dec!(10.0),
            })
            .collect();
        let outcome = compute(&r, &r.verdict, &inputs);
        assert_eq!(
            (part(&outcome, 1), part(&outcome, 2), part(&outcome, 3)),
            (dec!(0.0), dec!(0.0), dec!(0.0))
        );
        assert_eq!(outcome.total, dec!(60.0)); // 20 measured + 40 awarded
    }

    #[test]
    fn a_provincial_round_scores_its_scope() {
        let r = rubric();
        let scope = Scope::usual_for(&r, "provincial");
        // Nothing measured, no veto assessed: outside the scope, so nothing is missing.
        let mut inputs = Inputs::default();
        let outcome = compute_in(&r, &r.verdict, &inputs, &scope);
        assert_eq!((outcome.total, outcome.max_total), (dec!(60.0), dec!(60)));
        assert_eq!(outcome.parts.len(), 3);
        assert!(outcome.thresholds.is_empty());
        assert_eq!(outcome.decision, Decision::AllRulesMet);
        assert_eq!(outcome.scope, [1, 2, 3]);
        // A veto mark outside the scope does not decide it; a deduction inside does count.
        inputs.vetoes = [91].into();
        inputs.deductions = vec![Deduction {
            indicator: 1,
            points: dec!(1.5),
        }];
        let outcome = compute_in(&r, &r.verdict, &inputs, &scope);
        assert_eq!(outcome.total, dec!(58.5));
        assert!(outcome.vetoes.is_empty());
        // The whole edition still counts 120 and fails on the missing measures.
        let whole = compute(&r, &r.verdict, &inputs);
        assert_eq!(whole.max_total, dec!(120));
        assert_eq!(whole.decision, Decision::Veto(vec![91]));
    }

    #[test]
    fn a_minimum_total_applies_to_a_scope_as_the_same_rate_of_its_maximum() {
        let r = rubric();
        let scope = Scope::usual_for(&r, "provincial");
        let mut rule = r.verdict.clone();
        rule.min_total = Some(dec!(90));
        assert_eq!(min_total_in(&r, &rule, &scope), Some(dec!(45)));
        assert_eq!(min_total_in(&r, &rule, &Scope::all(&r)), Some(dec!(90)));
        let inputs = Inputs {
            deductions: (1..=40)
                .map(|indicator| Deduction {
                    indicator,
                    points: dec!(1),
                })
                .collect(),
            ..Inputs::default()
        };
        let total = compute_in(&r, &r.verdict, &inputs, &scope).total;
        assert!(total < dec!(60));
        // Half a point short of the scaled minimum fails; exactly on it passes.
        rule.min_total = Some((total + dec!(0.5)) * dec!(2));
        let outcome = compute_in(&r, &rule, &inputs, &scope);
        assert_eq!(outcome.decision, Decision::MinTotal(total + dec!(0.5)));
        assert_eq!(outcome.min_total, Some(total + dec!(0.5)));
        rule.min_total = Some(total * dec!(2));
        assert!(compute_in(&r, &rule, &inputs, &scope).decision.passed());
    }

    #[test]
    fn measured_values_decide_their_vetoes() {
        let r = rubric();
        let mut inputs = perfect();
        inputs.measured.insert(73, dec!(79.0));
        // Marked "not triggered" by hand beside a measured 79: the measure wins.
        let outcome = compute(&r, &r.verdict, &inputs);
        assert_eq!(outcome.decision, Decision::Veto(vec![93]));
        assert_eq!(outcome.vetoes, [93]);
        let veto = &outcome.derived_vetoes[0];
        assert_eq!(
            (veto.indicator, veto.measure, veto.value),
            (93, 73, dec!(79.0))
        );
        assert!(veto.triggered);
        assert_eq!(veto.contradicted_mark, Some(false));
        // 94 follows 75: 97.9 % triggers it, 98 does not.
        inputs.measured.insert(73, dec!(80.0));
        inputs.measured.insert(75, dec!(97.9));
        assert_eq!(compute(&r, &r.verdict, &inputs).vetoes, [94]);
        inputs.measured.insert(75, dec!(98.0));
        // A hand mark "triggered" cannot stand against a measured 98.
        inputs.vetoes = [94].into();
        let outcome = compute(&r, &r.verdict, &inputs);
        assert!(outcome.vetoes.is_empty());
        assert_eq!(outcome.decision, Decision::AllRulesMet);
        assert_eq!(
            outcome
                .derived_vetoes
                .iter()
                .find(|d| d.indicator == 94)
                .unwrap()
                .contradicted_mark,
            Some(true)
        );
        // Without a measured value the hand mark counts.
        inputs.measured.remove(&75);
        let outcome = compute(&r, &r.verdict, &inputs);
        assert!(outcome.vetoes.contains(&94));
    }

    #[test]
    fn a_veto_decides_whatever_the_total() {
        let r = rubric();
        let mut inputs = perfect();
        inputs.vetoes = [91].into();
        let outcome = compute(&r, &r.verdict, &inputs);
        assert_eq!(outcome.total, dec!(120.0));
        assert_eq!(outcome.decision, Decision::Veto(vec![91]));
        assert!(!outcome.decision.passed());
    }

    #[test]
    fn a_missed_threshold_fails_a_high_total() {
        let r = rubric();
        let mut inputs = perfect();
        // 74 (知晓率, at least 85) has a threshold but no veto.
        inputs.measured.insert(74, dec!(84.9));
        let outcome = compute(&r, &r.verdict, &inputs);
        assert!(outcome.total > dec!(119.0));
        assert_eq!(outcome.decision, Decision::Threshold(74));
        inputs.measured.insert(74, dec!(90.0));
        inputs.measured.remove(&73);
        assert_eq!(
            compute(&r, &r.verdict, &inputs).decision,
            Decision::Threshold(73),
            "no value is not met"
        );
    }

    #[test]
    fn too_many_optional_points_are_reported_and_capped() {
        let r = rubric();
        let mut inputs = perfect();
        inputs.awarded.insert(33, dec!(5.0));
        inputs.choices.optional_points.insert(33); // four chosen: 20 points at stake, cap 15
        let outcome = compute(&r, &r.verdict, &inputs);
        assert_eq!(part(&outcome, 5), dec!(40.0));
        assert_eq!(
            outcome.problems,
            [ChoiceProblem::TooManyOptional {
                part: 5,
                chosen_max: dec!(20.0),
                cap: dec!(15.0)
            }]
        );
    }

    #[test]
    fn the_mechanism_point_needs_exactly_two_items() {
        let r = rubric();
        let mut inputs = perfect();
        inputs.choices.chosen_items = [78, 79, 80].into();
        inputs.choices.optional_points.insert(12); // not a 自选项
        let outcome = compute(&r, &r.verdict, &inputs);
        assert!(outcome.problems.contains(&ChoiceProblem::WrongItemCount {
            point: 29,
            required: 2,
            chosen: 3
        }));
        assert!(
            outcome
                .problems
                .contains(&ChoiceProblem::NotOptional { point: 12 })
        );
    }

    #[test]
    fn optional_rules_minimum_total_and_part_rate() {
        let r = rubric();
        let mut rule = r.verdict.clone();
        rule.min_total = Some(dec!(110.0));
        let outcome = compute(&r, &rule, &example());
        assert_eq!(outcome.decision, Decision::MinTotal(dec!(110.0)));
        rule.min_total = Some(dec!(90.0));
        rule.min_part_rate = Some(dec!(0.85));
        let outcome = compute(&r, &rule, &example());
        // part 一: 24 / 30 = 0.8 < 0.85
        assert_eq!(
            outcome.decision,
            Decision::MinPartRate {
                part: 1,
                rate: dec!(0.8)
            }
        );
        rule.min_part_rate = Some(dec!(0.6));
        assert_eq!(
            compute(&r, &rule, &example()).decision,
            Decision::AllRulesMet
        );
    }
}
