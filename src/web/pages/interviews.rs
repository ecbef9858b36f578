//! The leader interview (领导访谈) pages' data.

use askama::Template;

use crate::inspections::interviews::{Interview, Level};
use crate::scoring::rounds::Round;
use crate::web::context::PageCtx;

/// The interview form as typed (kept when refused).
#[derive(Debug, Clone, Default)]
pub struct InterviewValues {
    pub group_id: String,
    pub group_label: String,
    pub held_on: String,
    pub place: String,
    pub interviewees: String,
    pub indicators: Vec<String>,
    pub questions: String,
    pub notes: String,
}

impl InterviewValues {
    /// The form prefilled with a saved interview.
    pub fn of(interview: &Interview) -> InterviewValues {
        InterviewValues {
            group_id: interview
                .group_id
                .map(|g| g.to_string())
                .unwrap_or_default(),
            group_label: interview.group_label.clone(),
            held_on: interview.held_on.to_string(),
            place: interview.place.clone(),
            interviewees: interview.interviewee_lines(),
            indicators: interview.indicators.iter().map(|n| n.to_string()).collect(),
            questions: interview.questions.clone(),
            notes: interview.notes.clone(),
        }
    }

    pub fn chose_group(&self, id: &i64) -> bool {
        self.group_id == id.to_string()
    }

    pub fn chose_indicator(&self, number: &i32) -> bool {
        self.indicators.iter().any(|n| n == &number.to_string())
    }
}

/// What the form offers: the round's groups and its indicators interviews bear on.
#[derive(Debug, Clone, Default)]
pub struct InterviewChoices {
    /// (group id, name)
    pub groups: Vec<(i64, String)>,
    /// (indicator number, the start of its content)
    pub indicators: Vec<(i32, String)>,
}

#[derive(Template)]
#[template(path = "interviews/list.html")]
pub struct InterviewsPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub interviews: Vec<Interview>,
    /// Interview ids the reader may edit and delete.
    pub editable: Vec<i64>,
    /// Whether to offer the form to add one.
    pub can_record: bool,
    pub choices: InterviewChoices,
    pub form: InterviewValues,
    pub errors: Vec<String>,
}

impl InterviewsPage {
    pub fn levels(&self) -> [Level; 3] {
        Level::ALL
    }
    pub fn may_edit(&self, id: &i64) -> bool {
        self.editable.contains(id)
    }
    pub fn action(&self) -> String {
        format!("/rounds/{}/interviews", self.round.id)
    }
}

#[derive(Template)]
#[template(path = "interviews/edit.html")]
pub struct InterviewEditPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub interview_id: i64,
    pub choices: InterviewChoices,
    pub form: InterviewValues,
    pub errors: Vec<String>,
}

impl InterviewEditPage {
    pub fn action(&self) -> String {
        format!(
            "/rounds/{}/interviews/{}/edit",
            self.round.id, self.interview_id
        )
    }
}
