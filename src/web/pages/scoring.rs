//! Pages of online scoring: rounds, worklists, an item's scoring page, results,
//! comparison, the evaluation report, the admin's assignments and settings, and the
//! quantitative targets.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use rust_decimal::Decimal;

use crate::accounts::User;
use crate::orgs::Organisation;
use crate::rubric::data::{Measure, TargetEntry};
use crate::scoring::rounds::{
    Award, DeductionRow, EvidenceForReview, Item, ItemKey, ItemReview, Measurement, ReportText,
    Round, RoundKind, VetoMark,
};
use crate::scoring::{Outcome, PointScore};
use crate::targets::Measured;
use crate::web::context::PageCtx;

/// A decimal however many references deep a template holds it.
pub trait AsDecimal {
    fn decimal(&self) -> Decimal;
}

impl AsDecimal for Decimal {
    fn decimal(&self) -> Decimal {
        *self
    }
}

impl<T: AsDecimal + ?Sized> AsDecimal for &T {
    fn decimal(&self) -> Decimal {
        (**self).decimal()
    }
}

/// Scores print with two decimals at most and no trailing zeros ("2.5", "10").
pub fn points(value: impl AsDecimal) -> String {
    value.decimal().normalize().to_string()
}

#[derive(Debug, Default, Clone)]
pub struct NewRoundValues {
    pub kind: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    /// `usual` or `chosen`
    pub scope_mode: String,
    pub parts: Vec<String>,
}

/// One round in the list: its total out of its own scope's maximum.
pub struct RoundLine {
    pub round: Round,
    pub total: Decimal,
    pub max_total: Decimal,
    pub passed: bool,
    /// "基础工作、能力建设、生产经营状况三大项72个指标"
    pub scope_text: String,
}

/// A part of the edition as the new-round form offers it.
pub struct PartChoice {
    pub seq: i32,
    pub label: String,
}

#[derive(Template)]
#[template(path = "rounds/list.html")]
pub struct RoundsPage {
    pub ctx: PageCtx,
    pub rounds: Vec<RoundLine>,
    pub parts: Vec<PartChoice>,
    /// (kind, the scope the edition declares for it, described)
    pub usual_scopes: Vec<(RoundKind, String)>,
    pub values: NewRoundValues,
    pub errors: Vec<String>,
}

impl RoundsPage {
    pub fn kinds(&self) -> [RoundKind; 4] {
        RoundKind::ALL
    }

    pub fn part_checked(&self, seq: &i32) -> bool {
        self.values.parts.iter().any(|p| p == &seq.to_string())
    }

    pub fn scope_chosen(&self) -> bool {
        self.values.scope_mode == "chosen"
    }
}

/// One scoring item in a worklist or the result table.
#[derive(Debug, Clone)]
pub struct WorkLine {
    pub item: Item,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub score: Option<Decimal>,
    pub counted: bool,
    pub vetoed: bool,
    pub done: bool,
    pub files: i64,
    pub marked: i64,
}

#[derive(Template)]
#[template(path = "rounds/show.html")]
pub struct ResultPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub outcome: Outcome,
    pub lines: Vec<WorkLine>,
    /// (part heading, score, max)
    pub parts: Vec<(String, Decimal, Option<Decimal>)>,
    pub problems: Vec<String>,
    /// (passed, headline, the rule that decided)
    pub verdict: (bool, String, String),
    pub own_rule: bool,
    /// The round's scope in words, with its maximum.
    pub scope_line: String,
    /// Locks, completeness and whether the round may be deleted.
    pub lifecycle: crate::web::pages::Lifecycle,
}

impl ResultPage {
    pub fn scored(&self) -> usize {
        self.lines.iter().filter(|l| l.done).count()
    }
}

#[derive(Template)]
#[template(path = "rounds/worklist.html")]
pub struct WorklistPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub group: Option<i64>,
    pub groups: Vec<(i64, String)>,
    pub own_group: bool,
    pub running: Decimal,
    pub running_max: Decimal,
    pub lines: Vec<WorkLine>,
    /// Files marked per assessor of the group (for the round's lead and the office).
    pub assessor_marks: Vec<crate::scoring::rounds::MarksByAssessor>,
}

impl WorklistPage {
    pub fn scored(&self) -> usize {
        self.lines.iter().filter(|l| l.done).count()
    }
    pub fn files(&self) -> i64 {
        self.lines.iter().map(|l| l.files).sum()
    }
    pub fn marked(&self) -> i64 {
        self.lines.iter().map(|l| l.marked).sum()
    }
    pub fn group_selected(&self, id: &i64) -> bool {
        self.group == Some(*id)
    }
}

#[derive(Debug, Clone)]
pub struct IndicatorBrief {
    pub number: i32,
    pub content: String,
    pub methods_text: String,
    pub responsibility_text: String,
    /// Under a point where the city chooses items: whether this one is chosen.
    pub chosen: Option<bool>,
}

/// What the scoring forms show: saved values, or what the user typed before a refusal.
#[derive(Debug, Clone, Default)]
pub struct ItemValues {
    pub deduction_indicator: String,
    pub deduction_points: String,
    pub deduction_reason: String,
    pub value: String,
    pub source: String,
    pub source_date: String,
    pub award_points: String,
    pub award_remark: String,
    pub veto_triggered: String,
    pub veto_note: String,
    pub remark: String,
}

#[derive(Debug, Clone)]
pub struct TargetLine {
    pub target: TargetEntry,
    pub measured: Vec<Measured>,
    /// A city-wide target's rate per year (from every organisation's counts).
    pub city: Vec<crate::targets::CityRate>,
}

impl TargetLine {
    /// Each target with the entries `shown` to the reader, measured against it, and a
    /// city-wide target's rates from `all` entries.
    pub fn for_targets<'a>(
        targets: impl Iterator<Item = &'a TargetEntry>,
        shown: &[crate::targets::Entry],
        all: &[crate::targets::Entry],
    ) -> Vec<TargetLine> {
        targets
            .map(|t| TargetLine {
                target: t.clone(),
                measured: shown
                    .iter()
                    .filter(|e| e.target_code == t.code)
                    .cloned()
                    .map(|e| crate::targets::measure(t, e))
                    .collect(),
                city: crate::targets::city_rates(t, all),
            })
            .collect()
    }

    /// An entry's share of its year's city total, for a city-wide target.
    pub fn share(&self, m: &Measured) -> Option<rust_decimal::Decimal> {
        let city = self.city.iter().find(|c| c.year == m.entry.year)?;
        crate::targets::share(m.entry.numerator, city.numerator)
    }
}

#[derive(Template)]
#[template(path = "rounds/item.html")]
pub struct RoundItemPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub item: Item,
    pub indicators: Vec<IndicatorBrief>,
    pub evidence: std::sync::Arc<Vec<EvidenceForReview>>,
    pub deductions: Vec<DeductionRow>,
    pub measurement: Option<Measurement>,
    pub measure: Option<Measure>,
    pub award: Option<Award>,
    pub veto: Option<VetoMark>,
    /// For a veto item defined by a measured value, once that value is entered: whether
    /// it is triggered, and the sentence naming the value and its source.
    pub decided_veto: Option<(bool, String)>,
    pub review: Option<ItemReview>,
    pub owner_name: Option<String>,
    pub can_score: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub values: ItemValues,
    pub errors: Vec<String>,
    pub point_score: Option<PointScore>,
    pub targets: Vec<TargetLine>,
    pub chooses: Option<usize>,
    pub optional_chosen: bool,
    /// Inspection findings on the item's indicators (暗访 ones only for readers who may
    /// see them), undecided first.
    pub findings: Vec<crate::inspections::findings::Finding>,
    /// The item's latest recorded changes, newest first.
    pub history: Vec<crate::web::round_history::HistoryEntry>,
    /// The leader interviews linked to the item's indicators (党政领导访谈).
    pub interviews: Vec<crate::inspections::interviews::Interview>,
    /// The page of the item's evidence being read, with its filters and counts.
    pub files: EvidenceView,
    /// Files marked per assessor (for the group's lead and the office).
    pub assessor_marks: Vec<crate::scoring::rounds::MarksByAssessor>,
    /// Validity ending before this day is flagged (the round's start, else today).
    pub evaluation_day: chrono::NaiveDate,
}

/// One page of an item's evidence as the page shows it.
#[derive(Debug, Clone)]
pub struct EvidenceView {
    pub rows: Vec<EvidenceForReview>,
    pub matching: usize,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub facets: crate::scoring::evidence_review::Facets,
    pub filter: crate::scoring::evidence_review::ReviewFilter,
}

impl EvidenceView {
    pub fn new(
        page: crate::scoring::evidence_review::ReviewPage<'_>,
        filter: crate::scoring::evidence_review::ReviewFilter,
    ) -> EvidenceView {
        EvidenceView {
            rows: page.rows.into_iter().cloned().collect(),
            matching: page.matching,
            total: page.total,
            page: page.page,
            pages: page.pages,
            facets: page.facets,
            filter,
        }
    }

    /// The filters as a query string (without the page), e.g. `org=3&mark=unmarked`.
    pub fn query(&self) -> String {
        let f = &self.filter;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(n) = f.indicator {
            pairs.push(("ind", n.to_string()));
        }
        if let Some(o) = f.organisation {
            pairs.push(("org", o.to_string()));
        }
        if let Some(k) = &f.kind {
            pairs.push(("kind", k.clone()));
        }
        if let Some(y) = f.year {
            pairs.push(("year", y.to_string()));
        }
        if let Some(s) = &f.state {
            pairs.push(("state", s.clone()));
        }
        if let Some(m) = f.mark {
            pairs.push(("mark", m.as_str().to_string()));
        }
        if f.with_findings {
            pairs.push(("findings", "1".into()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn page_link(&self, page: usize) -> String {
        let query = self.query();
        if query.is_empty() {
            format!("?page={page}#evidence")
        } else {
            format!("?{query}&page={page}#evidence")
        }
    }

    /// What a mark form sends back so the reader returns to the same page.
    pub fn query_with_page(&self) -> String {
        let query = self.query();
        match (query.is_empty(), self.page) {
            (true, 1) => String::new(),
            (true, page) => format!("?page={page}"),
            (false, 1) => format!("?{query}"),
            (false, page) => format!("?{query}&page={page}"),
        }
    }

    /// The list number of the page's first row.
    pub fn first_number(&self) -> usize {
        (self.page - 1) * crate::scoring::evidence_review::PAGE_SIZE + 1
    }
}

impl RoundItemPage {
    /// Files serving an indicator of the item.
    pub fn count_of(&self, number: &i32) -> usize {
        self.evidence
            .iter()
            .filter(|e| e.indicator_number == *number)
            .count()
    }

    pub fn lapsed(&self, e: &EvidenceForReview) -> bool {
        e.valid_until.is_some_and(|d| d < self.evaluation_day)
    }

    /// The finding a deduction was accepted from, if any.
    pub fn finding_of(&self, deduction_id: &i64) -> Option<&crate::inspections::findings::Finding> {
        self.findings
            .iter()
            .find(|f| f.deduction_id == Some(*deduction_id))
    }

    pub fn pending_findings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.decision_str() == "pending")
            .count()
    }

    pub fn is_deduction(&self) -> bool {
        self.item.scoring == crate::rubric::data::Scoring::Deduction
    }
    pub fn is_measured(&self) -> bool {
        self.item.scoring == crate::rubric::data::Scoring::Measured
    }
    pub fn is_awarded(&self) -> bool {
        self.item.scoring == crate::rubric::data::Scoring::Awarded
    }
    pub fn is_veto(&self) -> bool {
        matches!(self.item.key, ItemKey::Veto(_))
    }
    pub fn live_deductions(&self) -> Decimal {
        self.deductions
            .iter()
            .filter(|d| d.withdrawn_at.is_none())
            .map(|d| d.points)
            .sum()
    }
    pub fn indicator_selected(&self, number: &i32) -> bool {
        self.values.deduction_indicator == number.to_string()
    }
    pub fn marked(&self) -> usize {
        self.evidence
            .iter()
            .filter(|e| e.sufficient.is_some())
            .count()
    }
}

#[derive(Debug, Clone)]
pub struct CompareLine {
    pub item: Item,
    pub a: Option<Decimal>,
    pub b: Option<Decimal>,
    /// b − a: negative where the second round found less than the first.
    pub diff: Option<Decimal>,
    pub deductions_a: Vec<DeductionRow>,
    pub deductions_b: Vec<DeductionRow>,
}

#[derive(Template)]
#[template(path = "rounds/compare.html")]
pub struct ComparePage {
    pub ctx: PageCtx,
    pub rounds: Vec<Round>,
    pub a: Option<Round>,
    pub b: Option<Round>,
    pub lines: Vec<CompareLine>,
    /// (part heading, score in a, score in b, b − a)
    pub parts: Vec<(String, Decimal, Decimal, Decimal)>,
    /// (total a, total b, b − a)
    pub totals: (Decimal, Decimal, Decimal),
    /// Set when the rounds' scopes differ: what is compared.
    pub scope_note: Option<String>,
}

impl ComparePage {
    pub fn pair(&self) -> Option<(&Round, &Round)> {
        self.a.as_ref().zip(self.b.as_ref())
    }
    pub fn is_a(&self, id: &i64) -> bool {
        self.a.as_ref().is_some_and(|r| r.id == *id)
    }
    pub fn is_b(&self, id: &i64) -> bool {
        self.b.as_ref().is_some_and(|r| r.id == *id)
    }
    /// Points where the rounds disagree, largest over-rating first.
    pub fn differing(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.diff.is_some_and(|d| !d.is_zero()))
            .count()
    }
}

#[derive(Template)]
#[template(path = "rounds/report.html")]
pub struct ReportPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub city: String,
    pub can_edit: bool,
    pub outcome: Outcome,
    pub parts: Vec<(String, Decimal, Option<Decimal>)>,
    pub verdict: (bool, String, String),
    /// (group, assessor names)
    pub assessors: Vec<(String, Vec<String>)>,
    pub assessor_count: usize,
    pub group_count: usize,
    pub files: i64,
    pub marked: i64,
    pub scored: usize,
    pub item_count: usize,
    pub indicator_count: usize,
    pub deduction_count: usize,
    pub deducted: Decimal,
    pub text: ReportText,
    pub errors: Vec<String>,
    /// The framing sentences (official text, always Chinese).
    pub opening: String,
    pub implementation: String,
    pub content: String,
    pub veto_sentence: String,
    pub conclusion: String,
    /// 2026年12月2日, when the report is dated.
    pub dated: Option<String>,
    /// 省级初评 … (the report is official text: Chinese whatever the reader's language).
    pub kind_name: String,
    /// The lock in force, when the round was locked with something unfinished.
    pub unfinished_lock: Option<crate::scoring::locks::LockEntry>,
    /// The figures of 组织实施情况 in one sentence (official text), empty when none.
    pub figures: String,
    /// The 存在问题 drawn from the problems by part, for when the lead has written none.
    pub default_shortcomings: String,
}

impl ReportPage {
    /// The report as blocks: what the page shows and the .docx holds.
    pub fn document(&self) -> crate::exports::document::Document {
        crate::web::report_document::round_report(self)
    }

    pub fn unfinished_groups(&self) -> Option<crate::web::pages::UnfinishedGroups<'_>> {
        self.unfinished_lock
            .as_ref()
            .map(|l| crate::web::pages::grouped(&l.unfinished.0))
    }
}

/// Splits a narrative into paragraphs for printing.
pub fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "admin/round_assignments.html")]
pub struct AssignmentsPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub items: Vec<Item>,
    pub owners: BTreeMap<ItemKey, i64>,
    pub groups: Vec<Organisation>,
    pub members: BTreeMap<i64, Vec<String>>,
    /// Assessor accounts, for choosing the lead assessor.
    pub assessors: Vec<User>,
}

impl AssignmentsPage {
    pub fn owner_is(&self, key: &ItemKey, group: &i64) -> bool {
        self.owners.get(key) == Some(group)
    }
    pub fn members_of(&self, group: &i64) -> String {
        self.members
            .get(group)
            .map(|m| m.join("、"))
            .unwrap_or_default()
    }
    pub fn is_lead(&self, user: &i64) -> bool {
        self.round.lead_assessor_id == Some(*user)
    }
}

#[derive(Template)]
#[template(path = "admin/scoring.html")]
pub struct ScoringSettingsPage {
    pub ctx: PageCtx,
    /// (seq, title, points) of the 自选项
    pub optional: Vec<(i32, String, i32)>,
    /// (indicator number, content) of the items under a `choose` point
    pub mechanism: Vec<(i32, String)>,
    pub cap: i32,
    pub choose: usize,
    pub chosen_points: BTreeSet<i32>,
    pub chosen_items: BTreeSet<i32>,
    /// (indicator, minimum)
    pub thresholds: Vec<(i32, String)>,
    pub min_total: String,
    /// percent
    pub min_part_rate: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TargetValues {
    pub target: String,
    pub organisation_id: String,
    pub year: String,
    pub numerator: String,
    pub denominator: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "targets/list.html")]
pub struct TargetsPage {
    pub ctx: PageCtx,
    pub can_enter: bool,
    pub lines: Vec<TargetLine>,
    pub organisations: Vec<Organisation>,
    pub values: TargetValues,
    pub errors: Vec<String>,
}

impl TargetsPage {
    pub fn target_selected(&self, code: &str) -> bool {
        self.values.target == code
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.values.organisation_id == id.to_string()
    }
}

/// A score as a whole percentage of its maximum (for bars).
pub fn percent(score: impl AsDecimal, max: impl AsDecimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    let max = max.decimal();
    if max.is_zero() {
        return 0;
    }
    (score.decimal() * Decimal::ONE_HUNDRED / max)
        .round()
        .to_i64()
        .unwrap_or(0)
        .clamp(0, 100)
}

/// A difference with its sign ("+1.5", "−2", "0").
pub fn signed(value: impl AsDecimal) -> String {
    let value = value.decimal().normalize();
    if value.is_zero() {
        "0".to_string()
    } else if value.is_sign_negative() {
        format!("−{}", value.abs())
    } else {
        format!("+{value}")
    }
}
