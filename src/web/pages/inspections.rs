//! The inspection pages' data.

use askama::Template;

use crate::inspections::plan::{Counts, Point};
use crate::scoring::rounds::Round;
use crate::web::context::PageCtx;

#[derive(Template)]
#[template(path = "inspections/plan.html")]
pub struct InspectionPlanPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub points: Vec<Point>,
    pub counts: Counts,
    /// Whether the reader may see 暗访 points (and so their count).
    pub shows_unannounced: bool,
    pub can_plan: bool,
    /// The paste form's text, kept when refused.
    pub text: String,
    pub errors: Vec<String>,
}
