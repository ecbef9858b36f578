//! The inspection pages' data.

use askama::Template;
use chrono::NaiveDate;

use crate::inspections::findings::{Finding, Seriousness};
use crate::inspections::photos::Photo;
use crate::inspections::plan::{Counts, Point, TeamGroup};
use crate::inspections::records::{Record, RecordPoint};
use crate::scoring::rounds::Round;
use crate::web::context::PageCtx;

/// A kind of establishment (业态) as the forms offer it.
#[derive(Debug, Clone)]
pub struct KindChoice {
    pub code: String,
    pub name: String,
}

/// The name shown for a stored kind code: the edition's name, or the code as typed.
fn kind_name(kinds: &[KindChoice], code: &str) -> String {
    kinds
        .iter()
        .find(|k| k.code == code)
        .map_or_else(|| code.to_string(), |k| k.name.clone())
}

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
    pub kinds: Vec<KindChoice>,
    /// The paste form's text, kept when refused.
    pub text: String,
    pub errors: Vec<String>,
    pub import_errors: Vec<String>,
    /// The draw form, kept when refused.
    pub draw: DrawValues,
    pub draw_errors: Vec<String>,
    /// A refusal about a listed point (its removal).
    pub list_errors: Vec<String>,
}

impl InspectionPlanPage {
    pub fn kind_name(&self, code: &str) -> String {
        kind_name(&self.kinds, code)
    }
}

/// The draw form as typed.
#[derive(Debug, Clone, Default)]
pub struct DrawValues {
    pub candidates: String,
    pub quotas: String,
    pub mode: String,
    pub seed: String,
}

/// One drawn point on the confirmation page.
#[derive(Debug, Clone)]
pub struct DrawnRow {
    pub county: String,
    pub town: String,
    pub unit: String,
    pub address: String,
    pub kind: String,
    pub mode: &'static str,
    pub date: Option<NaiveDate>,
    pub group: String,
    pub assessors: String,
}

#[derive(Template)]
#[template(path = "inspections/draw.html")]
pub struct DrawPreviewPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub rows: Vec<DrawnRow>,
    /// The drawn points as paste lines, carried to the confirmation.
    pub text: String,
    pub seed: u64,
    /// How many were drawn from how many candidates.
    pub intro: String,
}

/// The point edit form as typed.
#[derive(Debug, Clone, Default)]
pub struct EditValues {
    pub county: String,
    pub town: String,
    pub unit: String,
    pub address: String,
    pub kind: String,
    pub mode: String,
    pub date: String,
    pub group_id: Option<i64>,
    pub assessor_ids: Vec<i64>,
}

impl EditValues {
    pub fn of(point: &Point) -> EditValues {
        EditValues {
            county: point.county_name.clone(),
            town: point.town.clone(),
            unit: point.unit_name.clone(),
            address: point.address.clone(),
            kind: point.kind_code.clone(),
            mode: point.mode.as_str().to_string(),
            date: point.planned_on.map(|d| d.to_string()).unwrap_or_default(),
            group_id: point.group_id,
            assessor_ids: point.assessor_ids.clone(),
        }
    }

    pub fn is_group(&self, id: &i64) -> bool {
        self.group_id == Some(*id)
    }

    pub fn is_assessor(&self, id: &i64) -> bool {
        self.assessor_ids.contains(id)
    }
}

#[derive(Template)]
#[template(path = "inspections/point_edit.html")]
pub struct PointEditPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub point: Point,
    pub values: EditValues,
    pub kinds: Vec<KindChoice>,
    pub groups: Vec<TeamGroup>,
    pub errors: Vec<String>,
}

impl PointEditPage {
    /// Whether the typed kind is one of the edition's (else it is offered as typed).
    pub fn kind_is_listed(&self) -> bool {
        self.kinds.iter().any(|k| k.code == self.values.kind)
    }

    pub fn kind_name(&self, code: &str) -> String {
        kind_name(&self.kinds, code)
    }
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
