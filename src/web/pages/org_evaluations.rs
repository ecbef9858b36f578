//! Organisation evaluation pages: the list (with the office's form), a self-evaluation's
//! overview and one organisation's scoring and report, a 市级考评's overview, one
//! organisation's result with the 考评组's deductions, and the ranking.

use askama::Template;
use chrono::NaiveDate;

use crate::org_evaluations::city::{DeductionRow, OrgScore};
use crate::org_evaluations::self_check::{Figures, Line, Member};
use crate::org_evaluations::{Evaluation, Grade, Kind, OrgResult, State};
use crate::web::context::PageCtx;

/// A date however many references deep the template holds it.
pub trait AsDate {
    fn date(&self) -> NaiveDate;
}

impl AsDate for NaiveDate {
    fn date(&self) -> NaiveDate {
        *self
    }
}

impl<T: AsDate + ?Sized> AsDate for &T {
    fn date(&self) -> NaiveDate {
        (**self).date()
    }
}

/// 2026年12月2日
pub fn cn_date(date: impl AsDate) -> String {
    crate::publicity::text::chinese_date(date.date())
}

/// The China-time day of a moment, the Chinese way.
pub fn cn_day(at: &chrono::DateTime<chrono::Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    cn_date(at.with_timezone(&offset).date_naive())
}

/// The 自查报告's figures as one sentence, in the report's (Chinese) wording.
pub fn figures_sentence(figures: &Figures, deducted: rust_decimal::Decimal) -> String {
    let score = crate::org_evaluations::score([deducted]);
    format!(
        "截至{}，本单位承担创建任务{}项，已审核通过{}项，被退回整改{}项，报送佐证资料{}份；\
         应报月度工作进展{}次，已报{}次（其中逾期{}次），未报{}次。自评扣{}分，自评得分{}分（满分100分）。",
        cn_date(figures.as_of),
        figures.tasks_total,
        figures.tasks_approved,
        figures.tasks_returned,
        figures.evidence,
        figures.reports_owed,
        figures.reports_filed,
        figures.reports_late,
        figures.reports_missing,
        crate::web::pages::points(deducted),
        crate::web::pages::points(score),
    )
}

/// Labels shared by the templates.
pub trait EvaluationLabels {
    fn ctx(&self) -> &PageCtx;

    fn kind_text(&self, kind: &Kind) -> String {
        self.ctx().t(&format!("orgeval-kind-{}", kind.as_str()))
    }
    fn state_text(&self, state: &State) -> String {
        self.ctx().t(&format!("orgeval-state-{}", state.as_str()))
    }
    fn grade_text(&self, grade: &Grade) -> String {
        self.ctx().t(&format!("orgeval-grade-{}", grade.as_str()))
    }
    fn method_text(&self, method: &str) -> String {
        self.ctx().t(&format!("orgeval-method-{method}"))
    }
}

macro_rules! labels {
    ($($page:ty),*) => {$(
        impl EvaluationLabels for $page {
            fn ctx(&self) -> &PageCtx { &self.ctx }
        }
    )*};
}

labels!(
    EvaluationsPage,
    SelfOverviewPage,
    SelfOrgPage,
    CityOverviewPage,
    CityOrgPage,
    RankingPage
);

/// What was typed into the office's new-evaluation form.
#[derive(Debug, Clone, Default)]
pub struct NewEvaluationValues {
    pub kind: String,
    pub name: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "org_evaluations/list.html")]
pub struct EvaluationsPage {
    pub ctx: PageCtx,
    /// What the user may open (for a clerk: its own organisation's).
    pub evaluations: Vec<Evaluation>,
    /// A clerk's own results, one per evaluation it sees.
    pub own: Vec<OrgResult>,
    pub can_manage: bool,
    pub values: NewEvaluationValues,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "org_evaluations/self_overview.html")]
pub struct SelfOverviewPage {
    pub ctx: PageCtx,
    pub evaluation: Evaluation,
    pub members: Vec<Member>,
    pub today: NaiveDate,
    pub can_manage: bool,
}

impl SelfOverviewPage {
    pub fn submitted(&self) -> usize {
        self.members.iter().filter(|m| m.submitted()).count()
    }
    pub fn late(&self) -> usize {
        self.members
            .iter()
            .filter(|m| m.submitted() && m.days_late > 0)
            .count()
    }
    pub fn missing(&self) -> usize {
        self.members.len() - self.submitted()
    }
}

/// What was typed into one indicator's self-deduction form.
#[derive(Debug, Clone, Default)]
pub struct EntryValues {
    pub indicator_id: i64,
    pub points: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "org_evaluations/self_org.html")]
pub struct SelfOrgPage {
    pub ctx: PageCtx,
    pub evaluation: Evaluation,
    pub member: Member,
    pub lines: Vec<Line>,
    /// The report's figures sentence (frozen once submitted, live before).
    pub figures_sentence: String,
    pub today: NaiveDate,
    /// The clerk may still score and write.
    pub can_edit: bool,
    /// The office may return the submitted report.
    pub can_return: bool,
    /// The indicator form refused, as typed.
    pub entry: Option<EntryValues>,
    pub report: String,
    pub errors: Vec<String>,
}

impl SelfOrgPage {
    /// The typed points for a line (after a refusal), else its stored entry.
    pub fn points_value(&self, line: &Line) -> String {
        match &self.entry {
            Some(e) if e.indicator_id == line.indicator_id => e.points.clone(),
            _ => line
                .points
                .map(crate::web::pages::points)
                .unwrap_or_default(),
        }
    }
    pub fn reason_value(&self, line: &Line) -> String {
        match &self.entry {
            Some(e) if e.indicator_id == line.indicator_id => e.reason.clone(),
            _ => line.reason.clone(),
        }
    }
    pub fn refused_line(&self, line: &Line) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|e| e.indicator_id == line.indicator_id)
    }
    pub fn late_days(&self) -> i32 {
        self.member.late_days(&self.evaluation, self.today)
    }
}

/// What was typed into the bands form.
#[derive(Debug, Clone, Default)]
pub struct BandValues {
    pub excellent: String,
    pub good: String,
    pub pass: String,
}

impl BandValues {
    pub fn of(evaluation: &Evaluation) -> BandValues {
        BandValues {
            excellent: crate::web::pages::points(evaluation.excellent_min),
            good: crate::web::pages::points(evaluation.good_min),
            pass: crate::web::pages::points(evaluation.pass_min),
        }
    }
}

#[derive(Template)]
#[template(path = "org_evaluations/city_overview.html")]
pub struct CityOverviewPage {
    pub ctx: PageCtx,
    pub evaluation: Evaluation,
    pub results: Vec<OrgScore>,
    pub can_manage: bool,
    pub bands: BandValues,
    pub errors: Vec<String>,
}

/// What was typed into the deduction form.
#[derive(Debug, Clone, Default)]
pub struct DeductionValues {
    pub indicator: String,
    pub points: String,
    pub reason: String,
    pub method: String,
}

#[derive(Template)]
#[template(path = "org_evaluations/city_org.html")]
pub struct CityOrgPage {
    pub ctx: PageCtx,
    pub evaluation: Evaluation,
    pub result: OrgScore,
    pub deductions: Vec<DeductionRow>,
    /// The organisation's own indicators: (id, number, content).
    pub indicators: Vec<(i64, i32, String)>,
    pub methods: Vec<&'static str>,
    pub can_manage: bool,
    pub values: DeductionValues,
    pub rectify_due: String,
    pub errors: Vec<String>,
}

impl CityOrgPage {
    pub fn indicator_selected(&self, id: &i64) -> bool {
        self.values.indicator == id.to_string()
    }
    pub fn method_selected(&self, method: &str) -> bool {
        self.values.method == method
    }
}

#[derive(Template)]
#[template(path = "org_evaluations/ranking.html")]
pub struct RankingPage {
    pub ctx: PageCtx,
    pub evaluation: Evaluation,
    pub departments: Vec<OrgScore>,
    pub counties: Vec<OrgScore>,
}

impl RankingPage {
    /// (heading, results, element id): 部门, then 县区.
    pub fn sections(&self) -> [(String, &Vec<OrgScore>, &'static str); 2] {
        [
            (
                self.ctx.t("orgeval-departments"),
                &self.departments,
                "departments",
            ),
            (self.ctx.t("orgeval-counties"), &self.counties, "counties"),
        ]
    }
}
