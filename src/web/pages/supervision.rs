//! 督查督办 pages: the list of 督办单 with the lights of every unit, one order with its
//! six steps, and the office's form for a new one.

use askama::Template;
use chrono::NaiveDate;

use crate::orgs::Organisation;
use crate::supervision::{Order, OrgLights, State, StepRecord};
use crate::web::context::PageCtx;

#[derive(Template)]
#[template(path = "supervision/list.html")]
pub struct SupervisionPage {
    pub ctx: PageCtx,
    pub today: NaiveDate,
    pub orders: Vec<Order>,
    /// Whose orders: None for the office (every organisation).
    pub own_organisation: Option<String>,
    pub filter_state: String,
    pub lights: Vec<OrgLights>,
}

impl SupervisionPage {
    pub fn state_label(&self, state: &State) -> String {
        self.ctx.t(&format!("sv-state-{}", state.as_str()))
    }

    pub fn states(&self) -> [State; 7] {
        State::ALL
    }
}

#[derive(Template)]
#[template(path = "supervision/show.html")]
pub struct OrderPage {
    pub ctx: PageCtx,
    pub today: NaiveDate,
    pub order: Order,
    pub steps: Vec<StepRecord>,
    /// What the subject is, worded: "指标（7）任务 · 市农业农村局", a problem, a month.
    pub subject_label: String,
    pub subject_link: Option<String>,
    pub is_office: bool,
    pub is_unit: bool,
    pub text: String,
    pub errors: Vec<String>,
}

impl OrderPage {
    pub fn state_label(&self, state: &State) -> String {
        self.ctx.t(&format!("sv-state-{}", state.as_str()))
    }

    pub fn step_label(&self, step: &str) -> String {
        self.ctx.t(&format!("sv-step-{step}"))
    }
}

/// What the office typed into a new 督办单 (kept when it is refused).
#[derive(Debug, Clone, Default)]
pub struct OrderValues {
    pub organisation_id: String,
    pub head_user_id: String,
    pub task_id: String,
    pub problem_id: String,
    pub report_period: String,
    pub matter: String,
    pub demand: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "supervision/new.html")]
pub struct NewOrderPage {
    pub ctx: PageCtx,
    pub organisations: Vec<Organisation>,
    /// Unit heads: (user id, name, organisation id).
    pub heads: Vec<(i64, String, i64)>,
    pub values: OrderValues,
    pub errors: Vec<String>,
}
