//! Problem list pages: the list (with the office's form to raise one) and one problem with
//! the organisation's answer and the verifier's decision.

use askama::Template;
use chrono::NaiveDate;

use crate::orgs::Organisation;
use crate::problems::{Event, Problem, ProblemFile, State};
use crate::web::context::PageCtx;

/// What the office typed into the raising form (kept when it is refused).
#[derive(Debug, Clone, Default)]
pub struct RaiseValues {
    pub source_label: String,
    pub indicator: String,
    pub description: String,
    pub organisation_id: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "problems/list.html")]
pub struct ProblemsPage {
    pub ctx: PageCtx,
    pub today: NaiveDate,
    pub problems: Vec<Problem>,
    /// Whose problems: None for every organisation.
    pub own_organisation: Option<String>,
    pub organisations: Vec<Organisation>,
    pub filter_org: Option<i64>,
    pub filter_state: String,
    pub filter_overdue: bool,
    pub overdue: usize,
    pub can_raise: bool,
    /// Locked rounds the office may turn into problems: (id, name).
    pub locked_rounds: Vec<(i64, String)>,
    pub values: RaiseValues,
    pub errors: Vec<String>,
    /// The query string of the current filter, for the ledger links.
    pub query: String,
}

impl ProblemsPage {
    pub fn state_label(&self, state: &State) -> String {
        self.ctx.t(&format!("problem-state-{}", state.as_str()))
    }

    pub fn days_overdue(&self, p: &Problem) -> i64 {
        p.standing().days_overdue(self.today)
    }

    pub fn org_filtered(&self, id: &i64) -> bool {
        self.filter_org == Some(*id)
    }

    pub fn state_filtered(&self, state: &str) -> bool {
        self.filter_state == state
    }
}

#[derive(Template)]
#[template(path = "problems/show.html")]
pub struct ProblemPage {
    pub ctx: PageCtx,
    pub today: NaiveDate,
    pub problem: Problem,
    pub history: Vec<Event>,
    pub files: Vec<ProblemFile>,
    pub can_answer: bool,
    pub can_verify: bool,
    /// The office may change the organisation or the deadline (the problem is not closed).
    pub can_manage: bool,
    /// The organisations it may be given to (for the office's form).
    pub organisations: Vec<crate::orgs::Organisation>,
    /// The 整改措施 as typed (kept when a submission is refused).
    pub measures: String,
    pub comment: String,
    pub errors: Vec<String>,
}

impl ProblemPage {
    pub fn state_label(&self, state: &State) -> String {
        self.ctx.t(&format!("problem-state-{}", state.as_str()))
    }

    pub fn days_overdue(&self) -> i64 {
        self.problem.standing().days_overdue(self.today)
    }

    pub fn event_label(&self, kind: &str) -> String {
        self.ctx.t(&format!("problem-event-{kind}"))
    }
}
