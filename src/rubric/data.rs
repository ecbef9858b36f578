//! The rubric data file (`rubrics/<edition>.toml`): its shape and the checks that make a
//! file trustworthy before anything is written to the database.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::orgs::OrgKind;

/// The edition compiled into the binary and loaded at start.
pub const BUNDLED_2021: &str = include_str!("../../rubrics/2021.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricFile {
    pub edition: String,
    pub title: String,
    pub total_points: i32,
    pub organisations: Vec<OrgEntry>,
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    pub parts: Vec<PartEntry>,
    pub verdict: VerdictRule,
    /// Quantitative targets printed in indicators (e.g. 46: 4 批次/千人).
    #[serde(default)]
    pub targets: Vec<TargetEntry>,
    /// The parts each kind of round covers unless its creator chooses others, by round
    /// kind (`self`, `city`, `provincial`, `national_mock`); a kind not listed covers all.
    #[serde(default)]
    pub round_scopes: BTreeMap<String, Vec<i32>>,
    /// The kinds of establishment (业态) that on-site inspections (明查暗访) visit, each with
    /// the checklist an inspector works through at a point. They live in the edition's file
    /// because what is looked at follows the edition's indicators: every item names the
    /// indicators it evidences, so a finding at a point can be traced to the item it scores.
    #[serde(default)]
    pub establishment_kinds: Vec<EstablishmentKind>,
}

/// A kind of establishment (业态) an inspection point can be, such as 学校食堂.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct EstablishmentKind {
    /// Stable key (kebab-case ASCII, e.g. "school-canteen"), so that planned points and
    /// records keep their kind when the Chinese name is reworded.
    pub code: String,
    /// The name offices use on their lists, e.g. "学校食堂".
    pub name: String,
    /// Other names the same kind goes by on pasted or imported plans ("大型超市", "超市").
    /// Each names one kind only.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What an inspector looks at in a unit of this kind, in the order of the visit.
    pub checks: Vec<CheckEntry>,
}

/// One item of a kind's checklist, answered 合格 / 不合格 / 不适用 at the point.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    /// Stable key, unique across the file (e.g. "school-canteen-01"), which records cite.
    pub code: String,
    /// What the inspector looks at, in Chinese.
    pub text: String,
    /// The indicator numbers the item evidences; a failed item proposes a finding on them.
    pub indicators: Vec<i32>,
    /// Whose wording `text` is: "derived" for our own wording drawn from the indicators'
    /// texts, "rubric" when quoted verbatim from an indicator. The rubric itself has no
    /// checklists, so readers must be able to tell the two apart.
    pub source: String,
}

/// The kind among `kinds` that a typed 业态 names (see
/// [`RubricFile::establishment_kind_named`]).
pub fn kind_named<'a>(kinds: &'a [EstablishmentKind], text: &str) -> Option<&'a EstablishmentKind> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    kinds.iter().find(|k| {
        k.code == text
            || k.name == text
            || k.aliases.iter().any(|a| a == text)
            || kind_name_parts(&k.name).any(|part| part == text)
    })
}

/// The alternatives a kind's name joins: "农贸市场（食用农产品集中交易市场）" gives
/// 农贸市场 and 食用农产品集中交易市场.
fn kind_name_parts(name: &str) -> impl Iterator<Item = &str> {
    name.split(['（', '）', '(', ')', '/', '、', '及'])
        .map(str::trim)
        .filter(|part| part.chars().count() >= 2)
}

/// The values a check's `source` may take.
pub const CHECK_SOURCES: [&str; 2] = ["derived", "rubric"];

/// A stable code: lowercase ASCII letters and digits in groups joined by single hyphens.
fn is_kebab_code(code: &str) -> bool {
    !code.is_empty()
        && code.split('-').all(|group| {
            !group.is_empty()
                && group
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The kinds of round a rubric file may declare a scope for.
pub const ROUND_KINDS: [&str; 4] = ["self", "city", "provincial", "national_mock"];

/// A numeric target of an indicator. Organisations report the raw counts; the value is
/// `numerator / denominator × scale` (scale 100 for a percentage, 1000 for "per
/// thousand"), met when it reaches `min`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// Stable key, e.g. "46-batches".
    pub code: String,
    pub indicator: i32,
    pub label: String,
    pub numerator: String,
    pub denominator: String,
    pub scale: rust_decimal::Decimal,
    /// How the value is written ("%", "批次/千人", "学时").
    pub unit: String,
    pub min: rust_decimal::Decimal,
    /// Whom the target judges: each organisation (the default), or the city as a whole.
    #[serde(default)]
    pub scope: TargetScope,
}

/// Whom a target judges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetScope {
    /// Each organisation's counts against the target.
    #[default]
    Organisation,
    /// One city rate: the organisations' numerators summed over the one base they all
    /// report against (46: 抽检批次 of five departments per thousand residents of the city).
    CitySharedBase,
    /// One city rate: numerators and denominators summed (a city-wide 合格率).
    CityPooled,
}

impl TargetScope {
    pub fn city_wide(self) -> bool {
        self != TargetScope::Organisation
    }
}

impl TargetEntry {
    /// The rate from raw counts, to hundredths; None without a positive denominator.
    pub fn value(
        &self,
        numerator: rust_decimal::Decimal,
        denominator: rust_decimal::Decimal,
    ) -> Option<rust_decimal::Decimal> {
        (denominator > rust_decimal::Decimal::ZERO).then(|| {
            (numerator * self.scale / denominator)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
    }
}

/// How a part is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scoring {
    /// Start at the maximum; assessors deduct, never below zero (parts 一–三).
    Deduction,
    /// A measured value converted to points (part 四).
    Measured,
    /// The panel awards 0..max; 必选项 count, 自选项 only if chosen, up to a cap (part 五).
    Awarded,
    /// Each item is triggered or not; any triggered item fails the evaluation (part 六).
    Veto,
}

impl Scoring {
    pub fn as_str(self) -> &'static str {
        match self {
            Scoring::Deduction => "deduction",
            Scoring::Measured => "measured",
            Scoring::Awarded => "awarded",
            Scoring::Veto => "veto",
        }
    }
}

/// A measured evaluation point: which indicator's value, in what unit, by what formula.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub indicator: i32,
    pub unit: MeasureUnit,
    pub label: String,
    pub formula: Formula,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MeasureUnit {
    /// A score out of 100 (e.g. satisfaction 86.5).
    Points,
    /// A percentage (e.g. pass rate 98.7).
    Percent,
}

impl MeasureUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureUnit::Points => "points",
            MeasureUnit::Percent => "percent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Formula {
    /// points = maximum × value / 100 (the table says 根据实际测评结果进行折算).
    Proportional,
}

/// The default pass rule of the edition (a campaign may adjust it).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictRule {
    pub thresholds: Vec<Threshold>,
    #[serde(default)]
    pub min_total: Option<rust_decimal::Decimal>,
    /// Every scored part must reach this share of its points (0..1).
    #[serde(default)]
    pub min_part_rate: Option<rust_decimal::Decimal>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub indicator: i32,
    pub min: rust_decimal::Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgEntry {
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartEntry {
    pub seq: i32,
    pub scoring: Scoring,
    pub numeral: String,
    pub title: String,
    /// None for 否决项.
    pub max_points: Option<i32>,
    /// For parts mixing 必选项 and 自选项: the points each kind contributes.
    pub required_points: Option<i32>,
    pub optional_points: Option<i32>,
    pub heading: String,
    #[serde(default)]
    pub points: Vec<PointEntry>,
    /// Indicators directly under the part (否决项 has no evaluation points).
    #[serde(default)]
    pub indicators: Vec<IndicatorEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointEntry {
    pub seq: i32,
    pub title: String,
    pub points: i32,
    pub category: PointCategory,
    pub note: String,
    pub heading: String,
    #[serde(default)]
    pub measure: Option<Measure>,
    /// The city chooses exactly this many of the point's items (机制创新 任选2项).
    #[serde(default)]
    pub choose: Option<usize>,
    pub indicators: Vec<IndicatorEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum PointCategory {
    Basic,
    Required,
    Optional,
}

impl PointCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            PointCategory::Basic => "basic",
            PointCategory::Required => "required",
            PointCategory::Optional => "optional",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorEntry {
    pub number: i32,
    pub content: String,
    pub methods: Vec<String>,
    pub methods_text: String,
    pub responsibility_text: String,
    pub lead: Vec<String>,
    pub responsible: Vec<String>,
    pub counties: bool,
    pub all_members: bool,
    pub tasks_text: String,
    /// A veto item defined by a measured value (93: satisfaction under 80), triggered or
    /// cleared by that value instead of by hand.
    #[serde(default)]
    pub veto_when: Option<VetoCondition>,
    pub tasks: Vec<TaskEntry>,
}

/// The veto is triggered when the measured value of indicator `measure` is below `below`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VetoCondition {
    pub measure: i32,
    pub below: rust_decimal::Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskEntry {
    pub seq: i32,
    pub text: String,
    pub orgs: Vec<String>,
    pub counties: bool,
    pub all_responsible: bool,
}

impl RubricFile {
    /// Parses and checks a rubric file; the error lists every problem found.
    pub fn parse(text: &str) -> Result<RubricFile, String> {
        let file: RubricFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let problems = file.problems();
        if problems.is_empty() {
            Ok(file)
        } else {
            Err(problems.join("\n"))
        }
    }

    /// Every indicator with the point it belongs to (None under 否决项) and its part.
    /// Veto items decided by a measured value, by indicator number.
    pub fn veto_conditions(&self) -> impl Iterator<Item = (i32, &VetoCondition)> {
        self.indicators()
            .filter_map(|(_, _, i)| i.veto_when.as_ref().map(|c| (i.number, c)))
    }

    pub fn indicators(
        &self,
    ) -> impl Iterator<Item = (&PartEntry, Option<&PointEntry>, &IndicatorEntry)> {
        self.parts.iter().flat_map(|part| {
            part.points
                .iter()
                .flat_map(move |point| point.indicators.iter().map(move |i| (part, Some(point), i)))
                .chain(part.indicators.iter().map(move |i| (part, None, i)))
        })
    }

    /// The establishment kind with this code.
    pub fn establishment_kind(&self, code: &str) -> Option<&EstablishmentKind> {
        self.establishment_kinds.iter().find(|k| k.code == code)
    }

    /// The kind a plan's 业态 cell names: its code, its name, one of its aliases, or one
    /// of the alternatives its name joins with （）、及 or / ("农贸市场" and
    /// "食用农产品集中交易市场" both name 农贸市场（食用农产品集中交易市场）).
    pub fn establishment_kind_named(&self, text: &str) -> Option<&EstablishmentKind> {
        kind_named(&self.establishment_kinds, text)
    }

    /// The checklist item with this code and the kind it belongs to.
    pub fn check(&self, code: &str) -> Option<(&EstablishmentKind, &CheckEntry)> {
        self.establishment_kinds
            .iter()
            .find_map(|k| k.checks.iter().find(|c| c.code == code).map(|c| (k, c)))
    }

    pub fn points(&self) -> impl Iterator<Item = (&PartEntry, &PointEntry)> {
        self.parts
            .iter()
            .flat_map(|part| part.points.iter().map(move |p| (part, p)))
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let org_names: HashSet<&str> = self.organisations.iter().map(|o| o.name.as_str()).collect();
        if org_names.len() != self.organisations.len() {
            problems.push("an organisation is listed twice".to_string());
        }
        for (alias, target) in &self.aliases {
            if !org_names.contains(target.as_str()) {
                problems.push(format!(
                    "alias {alias} points to unknown organisation {target}"
                ));
            }
        }

        let part_seqs: Vec<i32> = self.parts.iter().map(|p| p.seq).collect();
        if part_seqs != (1..=self.parts.len() as i32).collect::<Vec<_>>() {
            problems.push(format!(
                "parts must be numbered 1..n in order, found {part_seqs:?}"
            ));
        }
        let point_seqs: Vec<i32> = self.points().map(|(_, p)| p.seq).collect();
        if point_seqs != (1..=point_seqs.len() as i32).collect::<Vec<_>>() {
            problems.push("evaluation points must be numbered 1..n in order".to_string());
        }
        let numbers: Vec<i32> = self.indicators().map(|(_, _, i)| i.number).collect();
        if numbers != (1..=numbers.len() as i32).collect::<Vec<_>>() {
            problems.push("indicators must be numbered 1..n in order".to_string());
        }

        let mut total = 0;
        for part in &self.parts {
            let Some(max) = part.max_points else {
                if !part.points.is_empty() {
                    problems.push(format!(
                        "part {} has evaluation points but no score",
                        part.seq
                    ));
                }
                continue;
            };
            total += max;
            let sum = |category: PointCategory| -> i32 {
                part.points
                    .iter()
                    .filter(|p| p.category == category)
                    .map(|p| p.points)
                    .sum()
            };
            let basic = sum(PointCategory::Basic);
            let required = sum(PointCategory::Required);
            let optional = sum(PointCategory::Optional);
            match (part.required_points, part.optional_points) {
                (None, None) => {
                    if basic + required + optional != max {
                        problems.push(format!(
                            "part {} scores {max} but its points add up to {}",
                            part.seq,
                            basic + required + optional
                        ));
                    }
                }
                (Some(req), Some(opt)) => {
                    if req + opt != max || required != req || basic != 0 || optional < opt {
                        problems.push(format!(
                            "part {}: required {required} (declared {req}), optional {optional} \
                             (at most {opt} count) do not make {max}",
                            part.seq
                        ));
                    }
                }
                _ => problems.push(format!(
                    "part {} must declare both required_points and optional_points or neither",
                    part.seq
                )),
            }
        }
        for part in &self.parts {
            let measured = part.scoring == Scoring::Measured;
            for point in &part.points {
                match (&point.measure, measured) {
                    (Some(m), true)
                        if !point.indicators.iter().any(|i| i.number == m.indicator) =>
                    {
                        problems.push(format!(
                            "point {} measures indicator {} it does not hold",
                            point.seq, m.indicator
                        ));
                    }
                    (Some(_), true) | (None, false) => {}
                    (None, true) => {
                        problems.push(format!("measured point {} declares no measure", point.seq))
                    }
                    (Some(_), false) => problems.push(format!(
                        "point {} has a measure but its part is not measured",
                        point.seq
                    )),
                }
            }
            if (part.scoring == Scoring::Veto) != part.max_points.is_none() {
                problems.push(format!(
                    "part {}: only the veto part has no points",
                    part.seq
                ));
            }
        }
        let numbers: HashSet<i32> = self.indicators().map(|(_, _, i)| i.number).collect();
        let measured: HashSet<i32> = self
            .points()
            .filter_map(|(_, point)| point.measure.as_ref().map(|m| m.indicator))
            .collect();
        for (part, _, indicator) in self.indicators() {
            let Some(condition) = &indicator.veto_when else {
                continue;
            };
            if part.scoring != Scoring::Veto {
                problems.push(format!(
                    "indicator {} has a veto condition but is not a veto item",
                    indicator.number
                ));
            }
            if !measured.contains(&condition.measure) {
                problems.push(format!(
                    "veto {} follows indicator {}, which is not measured",
                    indicator.number, condition.measure
                ));
            }
            if condition.below <= rust_decimal::Decimal::ZERO {
                problems.push(format!("veto {} needs a positive limit", indicator.number));
            }
        }
        let part_seqs: HashSet<i32> = self.parts.iter().map(|p| p.seq).collect();
        for (kind, parts) in &self.round_scopes {
            if !ROUND_KINDS.contains(&kind.as_str()) {
                problems.push(format!("round scope for unknown round kind {kind}"));
            }
            if parts.is_empty() {
                problems.push(format!("round scope for {kind} has no parts"));
            }
            for part in parts.iter().filter(|p| !part_seqs.contains(p)) {
                problems.push(format!("round scope for {kind} names unknown part {part}"));
            }
        }
        for threshold in &self.verdict.thresholds {
            if !numbers.contains(&threshold.indicator) {
                problems.push(format!(
                    "verdict threshold names unknown indicator {}",
                    threshold.indicator
                ));
            }
        }
        let mut target_codes = HashSet::new();
        for target in &self.targets {
            if !target_codes.insert(target.code.as_str()) {
                problems.push(format!("target {} is declared twice", target.code));
            }
            if !numbers.contains(&target.indicator) {
                problems.push(format!(
                    "target {} names unknown indicator {}",
                    target.code, target.indicator
                ));
            }
            if target.scale <= rust_decimal::Decimal::ZERO
                || target.min <= rust_decimal::Decimal::ZERO
            {
                problems.push(format!(
                    "target {} needs a positive scale and minimum",
                    target.code
                ));
            }
        }
        if total != self.total_points {
            problems.push(format!(
                "parts add up to {total}, not {}",
                self.total_points
            ));
        }

        for (_, _, indicator) in self.indicators() {
            let n = indicator.number;
            if indicator.content.trim().is_empty() {
                problems.push(format!("indicator {n} has no content"));
            }
            if indicator.methods.is_empty() {
                problems.push(format!("indicator {n} has no evaluation method"));
            }
            if indicator.tasks.is_empty() {
                problems.push(format!("indicator {n} has no task"));
            }
            if indicator.lead.is_empty() && !indicator.counties {
                problems.push(format!("indicator {n} has nobody responsible"));
            }
            let task_seqs: Vec<i32> = indicator.tasks.iter().map(|t| t.seq).collect();
            if task_seqs != (1..=task_seqs.len() as i32).collect::<Vec<_>>() {
                problems.push(format!("tasks of indicator {n} must be numbered 1..n"));
            }
            let named = indicator
                .lead
                .iter()
                .chain(&indicator.responsible)
                .chain(indicator.tasks.iter().flat_map(|t| &t.orgs));
            for name in named {
                if !org_names.contains(name.as_str()) {
                    problems.push(format!("indicator {n} names unknown organisation {name}"));
                }
            }
        }
        self.establishment_problems(&numbers, &mut problems);
        problems
    }

    /// The establishment kinds and their checklists: well-formed unique codes, names and
    /// texts present, every item tied to indicators of this file.
    fn establishment_problems(&self, numbers: &HashSet<i32>, problems: &mut Vec<String>) {
        let mut kind_codes = HashSet::new();
        let mut check_codes = HashSet::new();
        for kind in &self.establishment_kinds {
            let k = &kind.code;
            if !is_kebab_code(k) {
                problems.push(format!(
                    "establishment kind code {k:?} must be lowercase ascii words joined by hyphens"
                ));
            }
            if !kind_codes.insert(k.as_str()) {
                problems.push(format!("establishment kind {k} is declared twice"));
            }
            if kind.name.trim().is_empty() {
                problems.push(format!("establishment kind {k} has no name"));
            }
            if kind.checks.is_empty() {
                problems.push(format!("establishment kind {k} has no check"));
            }
            for alias in &kind.aliases {
                let elsewhere = self
                    .establishment_kinds
                    .iter()
                    .filter(|o| o.code != *k)
                    .find(|o| {
                        o.name == *alias
                            || o.aliases.contains(alias)
                            || kind_name_parts(&o.name).any(|part| part == alias)
                    });
                if alias.trim().is_empty() {
                    problems.push(format!("establishment kind {k} has an empty alias"));
                } else if let Some(other) = elsewhere {
                    problems.push(format!(
                        "alias {alias} of establishment kind {k} also names {}",
                        other.code
                    ));
                }
            }
            for check in &kind.checks {
                let c = &check.code;
                if !is_kebab_code(c) {
                    problems.push(format!(
                        "check code {c:?} of {k} must be lowercase ascii words joined by hyphens"
                    ));
                }
                if !check_codes.insert(c.as_str()) {
                    problems.push(format!("check {c} is declared twice"));
                }
                if check.text.trim().is_empty() {
                    problems.push(format!("check {c} has no text"));
                }
                if check.indicators.is_empty() {
                    problems.push(format!("check {c} cites no indicator"));
                }
                for n in check.indicators.iter().filter(|n| !numbers.contains(n)) {
                    problems.push(format!("check {c} cites unknown indicator {n}"));
                }
                if !CHECK_SOURCES.contains(&check.source.as_str()) {
                    problems.push(format!(
                        "check {c} has source {:?}, expected derived or rubric",
                        check.source
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> RubricFile {
        RubricFile::parse(BUNDLED_2021).expect("bundled rubric is valid")
    }

    #[test]
    fn counts_of_the_2021_edition() {
        let r = bundled();
        assert_eq!(r.edition, "2021");
        assert_eq!(r.parts.len(), 6);
        assert_eq!(r.points().count(), 36);
        assert_eq!(r.indicators().count(), 94);
        let maxima: Vec<Option<i32>> = r.parts.iter().map(|p| p.max_points).collect();
        assert_eq!(
            maxima,
            [Some(30), Some(15), Some(15), Some(20), Some(40), None]
        );
        let veto: Vec<i32> = r.parts[5].indicators.iter().map(|i| i.number).collect();
        assert_eq!(veto, [90, 91, 92, 93, 94]);
    }

    #[test]
    fn point_sums_of_the_2021_edition() {
        let r = bundled();
        for part in &r.parts[..4] {
            let sum: i32 = part.points.iter().map(|p| p.points).sum();
            assert_eq!(Some(sum), part.max_points, "part {}", part.title);
        }
        let part5 = &r.parts[4];
        let required: Vec<(i32, i32)> = part5
            .points
            .iter()
            .filter(|p| p.category == PointCategory::Required)
            .map(|p| (p.seq, p.points))
            .collect();
        assert_eq!(required, [(27, 10), (28, 10), (29, 5)]);
        let optional: Vec<i32> = part5
            .points
            .iter()
            .filter(|p| p.category == PointCategory::Optional)
            .map(|p| p.seq)
            .collect();
        assert_eq!(optional, (30..=36).collect::<Vec<_>>());
        let mechanism = part5.points.iter().find(|p| p.seq == 29).unwrap();
        let items: Vec<i32> = mechanism.indicators.iter().map(|i| i.number).collect();
        assert_eq!(items, [78, 79, 80, 81, 82]);
        assert!(mechanism.note.contains("任选2项"));
    }

    #[test]
    fn verbatim_texts() {
        let r = bundled();
        let find = |n: i32| r.indicators().find(|(_, _, i)| i.number == n).unwrap();
        let (_, point, first) = find(1);
        assert_eq!(point.unwrap().title, "党政同责");
        assert!(
            first
                .content
                .starts_with("落实《地方党政领导干部食品安全责任制规定》要求，将食品安全重大部署")
        );
        assert_eq!(first.methods, ["资料审查", "党政领导访谈"]);
        assert_eq!(first.lead, ["市食安办"]);
        assert!(first.counties);

        let (_, _, i46) = find(46);
        assert_eq!(
            i46.content,
            "年均食品安全抽检量达到4批次/千人, 针对农药兽药残留的食品抽检量达到2批次/千人。"
        );
        let (_, _, i75) = find(75);
        assert_eq!(
            i75.content,
            "食品评价性抽检合格率达到98%以上, 根据实际抽检结果进行折算。"
        );
        assert_eq!(i75.methods, ["根据相关部门掌握情况进行评价"]);
        let (_, _, i93) = find(93);
        assert_eq!(i93.content, "群众食品安全满意度未达到 80 分。");
        let (_, _, i15) = find(15);
        assert!(!i15.tasks_text.contains('<'), "HTML artefacts are stripped");
        let (_, _, i40) = find(40);
        assert_eq!(i40.methods, ["现场检查", "查看全国12315平台"]);
    }

    #[test]
    fn problems_are_reported() {
        let broken = BUNDLED_2021.replacen("max_points = 30", "max_points = 31", 1);
        let err = RubricFile::parse(&broken).unwrap_err();
        assert!(err.contains("part 1 scores 31"), "{err}");
        assert!(err.contains("parts add up to 121"), "{err}");
        let unmeasured = BUNDLED_2021.replacen(
            "measure = { indicator = 75, unit = \"percent\", label = \"评价性抽检合格率\", formula = \"proportional\" }\n",
            "",
            1,
        );
        assert!(
            RubricFile::parse(&unmeasured)
                .unwrap_err()
                .contains("measured point 26 declares no measure")
        );
        let wrong = BUNDLED_2021.replacen(
            "measure = { indicator = 75",
            "measure = { indicator = 74",
            1,
        );
        assert!(
            RubricFile::parse(&wrong)
                .unwrap_err()
                .contains("point 26 measures indicator 74")
        );
        let unknown = BUNDLED_2021.replacen("lead = [\"市食安办\"]", "lead = [\"市不存在局\"]", 1);
        assert!(
            RubricFile::parse(&unknown)
                .unwrap_err()
                .contains("unknown organisation 市不存在局")
        );
    }

    #[test]
    fn veto_conditions_follow_measured_indicators() {
        let r = bundled();
        let conditions: Vec<(i32, i32, String)> = r
            .veto_conditions()
            .map(|(n, c)| (n, c.measure, c.below.to_string()))
            .collect();
        assert_eq!(
            conditions,
            [(93, 73, "80".to_string()), (94, 75, "98".to_string())]
        );
        let unmeasured = BUNDLED_2021.replacen(
            "veto_when = { measure = 73",
            "veto_when = { measure = 12",
            1,
        );
        assert!(
            RubricFile::parse(&unmeasured)
                .unwrap_err()
                .contains("veto 93 follows indicator 12, which is not measured")
        );
        let misplaced = BUNDLED_2021.replacen(
            "number = 1\ncontent",
            "number = 1\nveto_when = { measure = 73, below = 80.0 }\ncontent",
            1,
        );
        assert!(
            RubricFile::parse(&misplaced)
                .unwrap_err()
                .contains("indicator 1 has a veto condition but is not a veto item")
        );
    }

    #[test]
    fn establishment_kinds_of_the_2021_edition() {
        let r = bundled();
        assert!(r.establishment_kinds.len() >= 15);
        for name in [
            "学校食堂",
            "农贸市场（食用农产品集中交易市场）",
            "农药兽药经营店",
        ] {
            assert!(
                r.establishment_kinds.iter().any(|k| k.name == name),
                "{name}"
            );
        }
        for kind in &r.establishment_kinds {
            assert!((5..=10).contains(&kind.checks.len()), "{}", kind.code);
            assert!(kind.checks.iter().all(|c| c.source == "derived"));
        }
        let canteen = r.establishment_kind("school-canteen").unwrap();
        assert_eq!(canteen.name, "学校食堂");
        let (kind, check) = r.check("school-canteen-02").unwrap();
        assert_eq!(kind.code, "school-canteen");
        assert_eq!(check.indicators, [85]);
        assert!(r.establishment_kind("nowhere").is_none());
        assert!(r.check("school-canteen-99").is_none());
    }

    #[test]
    fn establishment_problems_are_reported() {
        let refused = |from: &str, to: &str, expected: &str| {
            let broken = BUNDLED_2021.replacen(from, to, 1);
            assert_ne!(broken, BUNDLED_2021, "{from} not found");
            let err = RubricFile::parse(&broken).unwrap_err();
            assert!(err.contains(expected), "{err}");
        };
        refused(
            "code = \"school-canteen-02\"",
            "code = \"school-canteen-01\"",
            "check school-canteen-01 is declared twice",
        );
        refused(
            "code = \"school-canteen-02\"\ntext = \"后厨“互联网+明厨亮灶”建成运行，画面向社会公开、接受监督\"\nindicators = [85]",
            "code = \"school-canteen-02\"\ntext = \"后厨“互联网+明厨亮灶”建成运行，画面向社会公开、接受监督\"\nindicators = [95]",
            "check school-canteen-02 cites unknown indicator 95",
        );
        refused(
            "indicators = [26]",
            "indicators = []",
            "check school-canteen-01 cites no indicator",
        );
        refused(
            "\nsource = \"derived\"",
            "\nsource = \"ours\"",
            "check school-canteen-01 has source \"ours\"",
        );
        refused(
            "code = \"school-canteen\"",
            "code = \"School_Canteen\"",
            "establishment kind code \"School_Canteen\" must be",
        );
        refused(
            "code = \"farmers-market\"",
            "code = \"school-canteen\"",
            "establishment kind school-canteen is declared twice",
        );
        refused(
            "name = \"学校食堂\"",
            "name = \" \"",
            "establishment kind school-canteen has no name",
        );
        let empty = format!(
            "{BUNDLED_2021}\n[[establishment_kinds]]\ncode = \"empty-kind\"\nname = \"空\"\nchecks = []\n"
        );
        let err = RubricFile::parse(&empty).unwrap_err();
        assert!(
            err.contains("establishment kind empty-kind has no check"),
            "{err}"
        );
    }

    #[test]
    fn kebab_codes() {
        assert!(is_kebab_code("school-canteen-01"));
        for bad in ["", "-a", "a-", "a--b", "A", "学校", "a_b"] {
            assert!(!is_kebab_code(bad), "{bad}");
        }
    }
}
