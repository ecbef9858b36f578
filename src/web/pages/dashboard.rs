//! Dashboards: the city office's, an organisation's, an assessor's and the leaders'
//! printable summary. Charts are SVG drawn by the templates from the figures here.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::campaigns::Campaign;
use crate::dashboard::{OrgCompletion, OverdueTask, ReportRecord};
use crate::orgs::Organisation;
use crate::rubric::PartNode;
use crate::scoring::Outcome;
use crate::scoring::rounds::Round;
use crate::tasks::{Status, TaskRow};
use crate::web::context::PageCtx;
use crate::web::summary::Summary;

/// One bar of a horizontal bar chart: its label, value and the maximum it is out of.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub max: f64,
}

impl Bar {
    pub fn new(label: String, value: f64, max: f64) -> Bar {
        Bar { label, value, max }
    }

    /// Share of the maximum, 0..=100, to one decimal.
    pub fn percent(&self) -> f64 {
        if self.max <= 0.0 {
            0.0
        } else {
            ((1000.0 * self.value / self.max).round() / 10.0).clamp(0.0, 100.0)
        }
    }

    /// Width of the bar in the chart's 0..=300 drawing units.
    pub fn width(&self) -> f64 {
        3.0 * self.percent()
    }
}

/// A float however many references deep a template holds it.
pub trait AsF64 {
    fn float(&self) -> f64;
}

impl AsF64 for f64 {
    fn float(&self) -> f64 {
        *self
    }
}

impl<T: AsF64 + ?Sized> AsF64 for &T {
    fn float(&self) -> f64 {
        (**self).float()
    }
}

/// Completion shown as text ("62.5").
pub fn one_decimal(value: impl AsF64) -> String {
    format!("{:.1}", value.float())
}

/// The latest opened round with its result, for the dashboards.
pub struct LatestRound {
    pub round: Round,
    pub outcome: Outcome,
    pub rule: crate::rubric::data::VerdictRule,
    pub parts: Vec<Bar>,
}

/// An open round, shown as 评分中（暂计） with items done of all, never as the score.
#[derive(Debug, Clone)]
pub struct RoundInProgress {
    pub round: Round,
    pub done: usize,
    pub total: usize,
}

impl LatestRound {
    pub fn passed(&self) -> bool {
        self.outcome.decision.passed()
    }

    /// Why the round passes or not, in the reader's language.
    pub fn reason(&self, lang: crate::i18n::Lang) -> String {
        crate::web::verdict::verdict_text(lang, &self.outcome, &self.rule).2
    }
}

impl Summary {
    pub fn part_bars(&self) -> Vec<Bar> {
        self.parts
            .iter()
            .map(|p| {
                Bar::new(
                    format!("{}、{}", p.numeral, p.title),
                    p.weighted_percent,
                    100.0,
                )
            })
            .collect()
    }

    pub fn current_stage(&self) -> Option<&str> {
        self.timeline
            .current
            .and_then(|i| self.timeline.stages.get(i))
            .map(|s| s.code.as_str())
    }

    pub fn late_reporters(&self) -> Vec<&ReportRecord> {
        self.reports
            .iter()
            .filter(|r| r.missing > 0 || r.late > 0)
            .collect()
    }
}

#[derive(Template)]
#[template(path = "dashboard/office.html")]
pub struct OfficeHome {
    pub ctx: PageCtx,
    pub campaign: Campaign,
    pub summary: Arc<Summary>,
    pub figures: Arc<OfficeFigures>,
    /// Problems past their deadline and not closed (read fresh: not part of the cache).
    pub overdue_problems: i64,
}

/// The office dashboard's own figures (besides the summary), the same for every office
/// user until the data changes.
pub struct OfficeFigures {
    /// (number, content) of every indicator, in order.
    pub indicators: Vec<(i32, String)>,
    /// The indicator × organisation matrix, one row per organisation with tasks.
    pub matrix: Vec<MatrixRow>,
    pub overdue: Vec<OverdueTask>,
    pub loops: Vec<crate::tasks::LoopCounts>,
    /// Every unit's 督办灯 with its tasks counted per light.
    pub lights: Vec<crate::supervision::OrgLights>,
    /// Organisations × parts, worst first.
    pub part_rows: Vec<PartRow>,
}

impl OfficeFigures {
    /// How many units show each light: (green, yellow, red, purple).
    pub fn light_totals(&self) -> (usize, usize, usize, usize) {
        use crate::supervision::Light;
        let count = |light| self.lights.iter().filter(|l| l.light() == light).count();
        (
            count(Light::Green),
            count(Light::Yellow),
            count(Light::Red),
            count(Light::Purple),
        )
    }
}

/// An organisation's row of the matrix: a cell per indicator, in the order of
/// [`OfficeFigures::indicators`] (None where it has no task). Laid out once when the
/// figures are computed, so each page view walks the grid instead of looking up its
/// thousands of cells.
pub struct MatrixRow {
    pub organisation: Organisation,
    pub cells: Vec<Option<crate::dashboard::Cell>>,
}

impl MatrixRow {
    /// Rows for the organisations that have cells, with cells in `indicators` order.
    pub fn layout(
        indicators: &[(i32, String)],
        organisations: Vec<Organisation>,
        cells: Vec<crate::dashboard::Cell>,
    ) -> Vec<MatrixRow> {
        let column: HashMap<i32, usize> = indicators
            .iter()
            .enumerate()
            .map(|(i, (number, _))| (*number, i))
            .collect();
        let mut by_org: HashMap<i64, Vec<Option<crate::dashboard::Cell>>> = HashMap::new();
        for cell in cells {
            if let Some(&i) = column.get(&cell.indicator_number) {
                let row = by_org
                    .entry(cell.organisation_id)
                    .or_insert_with(|| vec![None; indicators.len()]);
                row[i] = Some(cell);
            }
        }
        organisations
            .into_iter()
            .filter_map(|organisation| {
                let cells = by_org.remove(&organisation.id)?;
                Some(MatrixRow {
                    organisation,
                    cells,
                })
            })
            .collect()
    }
}

/// One organisation's row of the organisations × parts grid: a cell per part (in part
/// order, None where it has no task) and its total.
pub struct PartRow {
    pub organisation: Organisation,
    pub cells: Vec<Option<crate::dashboard::PartCell>>,
    pub total: crate::dashboard::PartCell,
}

impl PartRow {
    /// Rows for every organisation with tasks, worst first: least approved in share,
    /// then most overdue.
    pub fn layout(
        part_seqs: &[i32],
        organisations: &[Organisation],
        cells: Vec<crate::dashboard::PartCell>,
    ) -> Vec<PartRow> {
        let mut rows: Vec<PartRow> = organisations
            .iter()
            .filter_map(|organisation| {
                let own: Vec<&crate::dashboard::PartCell> = cells
                    .iter()
                    .filter(|c| c.organisation_id == organisation.id)
                    .collect();
                if own.is_empty() {
                    return None;
                }
                let mut total = crate::dashboard::PartCell {
                    organisation_id: organisation.id,
                    part_seq: 0,
                    tasks: 0,
                    approved: 0,
                    overdue: 0,
                    returned: 0,
                };
                for c in &own {
                    total.tasks += c.tasks;
                    total.approved += c.approved;
                    total.overdue += c.overdue;
                    total.returned += c.returned;
                }
                Some(PartRow {
                    organisation: organisation.clone(),
                    cells: part_seqs
                        .iter()
                        .map(|seq| {
                            own.iter()
                                .find(|c| c.part_seq == *seq)
                                .map(|c| (*c).clone())
                        })
                        .collect(),
                    total,
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            a.total
                .percent()
                .total_cmp(&b.total.percent())
                .then(b.total.overdue.cmp(&a.total.overdue))
        });
        rows
    }
}

/// The office's 94-indicator heat map, one click from the dashboard.
#[derive(Template)]
#[template(path = "dashboard/matrix.html")]
pub struct MatrixPage {
    pub ctx: PageCtx,
    pub campaign: Campaign,
    pub figures: Arc<OfficeFigures>,
}

#[derive(Template)]
#[template(path = "dashboard/organisation.html")]
pub struct OrgHome {
    pub ctx: PageCtx,
    pub campaign: Campaign,
    pub figures: Arc<OrgFigures>,
    /// The organisation's problems still owing an answer or awaiting verification,
    /// worst first (read fresh: a problem raised a minute ago shows at once).
    pub problems: Vec<crate::problems::Problem>,
}

impl OrgHome {
    pub fn problem_days_overdue(&self, p: &crate::problems::Problem) -> i64 {
        p.standing().days_overdue(self.campaign.today())
    }
}

/// Templates read the figures as if they were the page's own fields.
impl std::ops::Deref for OrgHome {
    type Target = OrgFigures;
    fn deref(&self) -> &OrgFigures {
        &self.figures
    }
}

/// An organisation's dashboard figures, the same for all its clerks until data changes.
pub struct OrgFigures {
    pub organisation: Option<Organisation>,
    pub counts: Vec<(Status, i64)>,
    pub overdue: Vec<OverdueTask>,
    pub due: Vec<OverdueTask>,
    pub returned: Vec<TaskRow>,
    pub completion_rank: Option<usize>,
    pub timeliness_rank: Option<usize>,
    pub ranked: usize,
    pub reporting: usize,
    pub record: Option<ReportRecord>,
    pub report_due: DateTime<Utc>,
    pub report_done: bool,
    /// This month's report is owed (due after the organisation joined).
    pub report_owed: bool,
    pub duties: Vec<PartNode>,
    /// Its 自查自评 (open or done) and finalised 市级考评 results.
    pub evaluations: Vec<crate::org_evaluations::OrgResult>,
}

impl OrgFigures {
    pub fn count(&self, status: &str) -> i64 {
        self.counts
            .iter()
            .filter(|(s, _)| s.as_str() == status)
            .map(|(_, n)| *n)
            .sum()
    }
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
    pub fn status_bars(&self) -> Vec<(Status, Bar)> {
        let total = self.total() as f64;
        Status::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    Bar::new(String::new(), self.count(s.as_str()) as f64, total),
                )
            })
            .collect()
    }
    pub fn duty_count(&self) -> usize {
        self.duties.iter().map(|p| p.indicator_count()).sum()
    }
}

pub struct AssessorRound {
    pub round: Round,
    pub scored: usize,
    pub items: usize,
    pub files: i64,
    pub marked: i64,
    pub running: Decimal,
    pub running_max: Decimal,
    /// The first item not yet finished.
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/assessor.html")]
pub struct AssessorHome {
    pub ctx: PageCtx,
    pub group: Option<String>,
    pub rounds: Vec<AssessorRound>,
}

#[derive(Template)]
#[template(path = "dashboard/leader.html")]
pub struct LeaderHome {
    pub ctx: PageCtx,
    pub campaign: Campaign,
    pub summary: Arc<Summary>,
    pub overdue: Vec<OverdueTask>,
    pub ranking: Vec<OrgCompletion>,
}
