//! The 调度 meeting register's pages: the list with this month's and year's counts, one
//! meeting with its decisions and what each became, and the record/edit form.

use askama::Template;

use crate::meetings::{Attendee, Decision, Kind, Meeting, MeetingRow};
use crate::orgs::Organisation;
use crate::web::context::PageCtx;

/// A count per kind, for the stats at the top of the register.
pub type KindCounts = Vec<(String, i64)>;

#[derive(Template)]
#[template(path = "meetings/list.html")]
pub struct MeetingsPage {
    pub ctx: PageCtx,
    pub rows: Vec<MeetingRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// The filters as typed (kept in the form and the paging links).
    pub kind: String,
    pub org: String,
    pub from: String,
    pub to: String,
    pub organisations: Vec<Organisation>,
    pub month_counts: KindCounts,
    pub year_counts: KindCounts,
    /// The first and last day of this month and year (the quick filters).
    pub month: (chrono::NaiveDate, chrono::NaiveDate),
    pub year: (chrono::NaiveDate, chrono::NaiveDate),
    pub can_record: bool,
}

impl MeetingsPage {
    pub fn kinds(&self) -> [Kind; 6] {
        Kind::ALL
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.org.trim() == id.to_string()
    }
    /// The query string of the current filters, for the paging links.
    pub fn query(&self) -> String {
        let enc = |s: &str| -> String {
            url::form_urlencoded::byte_serialize(s.trim().as_bytes()).collect()
        };
        format!(
            "kind={}&org={}&from={}&to={}",
            enc(&self.kind),
            enc(&self.org),
            enc(&self.from),
            enc(&self.to)
        )
    }
    pub fn year_label(&self) -> String {
        self.year.0.format("%Y").to_string()
    }
    pub fn year_total(&self) -> i64 {
        self.year_counts.iter().map(|(_, n)| n).sum()
    }
    pub fn month_total(&self) -> i64 {
        self.month_counts.iter().map(|(_, n)| n).sum()
    }
}

/// A kind of meeting in the reader's language (`meeting-kind-<code>`).
pub fn meeting_kind(ctx: &PageCtx, code: &str) -> String {
    ctx.t(&format!("meeting-kind-{code}"))
}

/// The office's decision form as typed (kept when refused).
#[derive(Debug, Clone, Default)]
pub struct DecisionValues {
    pub text: String,
    pub owner_id: String,
    pub deadline: String,
}

/// A form turning one decision into a task or a milestone, as typed.
#[derive(Debug, Clone, Default)]
pub struct OutcomeValues {
    pub decision_id: i64,
    /// "task" or "milestone".
    pub outcome: String,
    pub indicator: String,
    pub programme_id: String,
    pub owner_id: String,
    pub deadline: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
pub struct MeetingPage {
    pub ctx: PageCtx,
    pub meeting: Meeting,
    pub attendees: Vec<Attendee>,
    pub decisions: Vec<Decision>,
    /// The office: edit, add decisions, make tasks and milestones.
    pub can_manage: bool,
    /// A clerk's organisation (task links are shown for its own tasks only).
    pub own_organisation: Option<i64>,
    /// Who may own a decision or its task.
    pub units: Vec<Organisation>,
    /// (id, label, title) of the campaign's programmes.
    pub programmes: Vec<(i64, String, String)>,
    pub decision_form: DecisionValues,
    pub decision_errors: Vec<String>,
    /// The outcome form that was refused, if any (opened again with what was typed).
    pub outcome: Option<OutcomeValues>,
    pub outcome_errors: Vec<String>,
}

impl MeetingPage {
    pub fn may_open_task(&self, decision: &Decision) -> bool {
        match self.own_organisation {
            Some(own) => decision.task_organisation_id == Some(own),
            None => true,
        }
    }

    /// What a decision's task hangs on: 指标第46项, or the programme's label (工程3).
    pub fn task_work(&self, decision: &Decision) -> String {
        let work = decision.task_work.clone().unwrap_or_default();
        match work.parse::<i64>() {
            Ok(number) => self.ctx.t1("meeting-task-on", "number", number),
            Err(_) => work,
        }
    }

    /// The outcome form's values for a decision: as typed when it was the refused one,
    /// otherwise the decision's owner and deadline.
    pub fn outcome_for(&self, decision: &Decision) -> OutcomeValues {
        match &self.outcome {
            Some(values) if values.decision_id == decision.id => values.clone(),
            _ => OutcomeValues {
                decision_id: decision.id,
                owner_id: decision.owner_id.map(|o| o.to_string()).unwrap_or_default(),
                deadline: decision.deadline.map(|d| d.to_string()).unwrap_or_default(),
                ..OutcomeValues::default()
            },
        }
    }

    /// Whether a refused outcome form was this decision's (its errors are shown with it).
    pub fn refused_here(&self, decision: &Decision) -> bool {
        self.outcome
            .as_ref()
            .is_some_and(|v| v.decision_id == decision.id)
    }

    /// Whether the refused outcome form was this decision's (kept open).
    pub fn outcome_open(&self, decision: &Decision, outcome: &str) -> bool {
        self.outcome
            .as_ref()
            .is_some_and(|v| v.decision_id == decision.id && v.outcome == outcome)
    }
}

/// The record/edit form as typed (kept when refused).
#[derive(Debug, Clone, Default)]
pub struct MeetingValues {
    pub kind: String,
    pub held_on: String,
    pub title: String,
    pub chair: String,
    pub convener_id: String,
    pub attending: Vec<String>,
    pub summary: String,
    pub decisions: String,
}

impl MeetingValues {
    /// The form prefilled with a stored meeting (for the office's edit form).
    pub fn of(meeting: &Meeting, attendees: &[Attendee]) -> MeetingValues {
        MeetingValues {
            kind: meeting.kind.as_str().into(),
            held_on: meeting.held_on.to_string(),
            title: meeting.title.clone(),
            chair: meeting.chair.clone(),
            convener_id: meeting.convener_id.to_string(),
            attending: attendees
                .iter()
                .map(|a| a.organisation_id.to_string())
                .collect(),
            summary: meeting.summary.clone(),
            decisions: String::new(),
        }
    }

    pub fn attends(&self, id: &i64) -> bool {
        self.attending.iter().any(|a| a.trim() == id.to_string())
    }
}

#[derive(Template)]
#[template(path = "meetings/form.html")]
pub struct MeetingFormPage {
    pub ctx: PageCtx,
    /// None when recording a new meeting.
    pub meeting_id: Option<i64>,
    pub values: MeetingValues,
    pub errors: Vec<String>,
    /// The units the reader may record for (a clerk: its own).
    pub conveners: Vec<Organisation>,
    /// The units offered as attending.
    pub organisations: Vec<Organisation>,
}

impl MeetingFormPage {
    pub fn kinds(&self) -> [Kind; 6] {
        Kind::ALL
    }
    pub fn action(&self) -> String {
        match self.meeting_id {
            Some(id) => format!("/office/meetings/{id}/edit"),
            None => "/meetings/new".into(),
        }
    }
}
