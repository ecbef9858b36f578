//! The inspection pages' data.

use askama::Template;

use crate::inspections::findings::{Finding, Seriousness};
use crate::inspections::photos::Photo;
use crate::inspections::plan::{Counts, Point};
use crate::inspections::records::{Record, RecordPoint};
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

/// One checklist item on the record page, with the answer given so far.
#[derive(Debug, Clone)]
pub struct CheckLine {
    pub code: String,
    pub text: String,
    /// "55、56"
    pub indicators: String,
    /// The indicator a finding from this item names first.
    pub first_indicator: i32,
    /// Our wording drawn from the indicators, not the rubric's (shown as such).
    pub derived: bool,
    /// "pass", "fail", "na" or "" (unanswered).
    pub answer: String,
    /// Refused submission: this item is still unanswered.
    pub missing: bool,
}

/// The finding form as typed, kept when refused.
#[derive(Debug, Clone, Default)]
pub struct FindingValues {
    pub description: String,
    pub indicator: String,
    pub seriousness: String,
    pub points: String,
    pub check: String,
}

#[derive(Template)]
#[template(path = "inspections/record.html")]
pub struct InspectionRecordPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub point: RecordPoint,
    pub kind_name: String,
    pub checks: Vec<CheckLine>,
    pub record: Option<Record>,
    /// The version the form is based on (0: nothing saved yet).
    pub version: i32,
    pub notes: String,
    pub minutes: String,
    pub position: Option<String>,
    pub submitted: bool,
    /// The reader was sent to the point and the record is still a draft.
    pub can_record: bool,
    pub findings: Vec<Finding>,
    pub photos: Vec<Photo>,
    /// Indicators a finding may name (the round's scope).
    pub indicators: Vec<i32>,
    pub finding: FindingValues,
    pub errors: Vec<String>,
}

impl InspectionRecordPage {
    pub fn answered(&self) -> usize {
        self.checks.iter().filter(|c| !c.answer.is_empty()).count()
    }

    pub fn photos_of(&self, finding_id: i64) -> Vec<&Photo> {
        self.photos
            .iter()
            .filter(|p| p.finding_id == Some(finding_id))
            .collect()
    }

    pub fn loose_photos(&self) -> Vec<&Photo> {
        self.photos
            .iter()
            .filter(|p| p.finding_id.is_none())
            .collect()
    }

    pub fn base(&self) -> String {
        format!("/rounds/{}/inspections/{}", self.round.id, self.point.id)
    }

    pub fn seriousness_options(&self) -> [Seriousness; 3] {
        Seriousness::ALL
    }

    pub fn is_selected_indicator(&self, n: &i32) -> bool {
        self.finding.indicator == n.to_string()
    }
}
