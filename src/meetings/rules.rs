//! What makes a meeting, a decision, and what a decision becomes acceptable: typed
//! commands built only through their checks, and typed refusals the handlers word. Who
//! may record is the web layer's policy (`Policy::can_record_meeting`); these rules look
//! only at what was typed and at the organisations and plan it names.

use chrono::NaiveDate;

use super::Kind;
use crate::inspections::plan::parse_date;
use crate::orgs::Organisation;

/// The longest title, chair or task text kept.
pub const MAX_LINE_CHARS: usize = 200;
/// The longest summary or decision text kept.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Why a form was refused (each is shown on the form, which keeps what was typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a meeting needs its date")]
    NoDate,
    #[error("the date is not a date")]
    BadDate,
    #[error("a meeting needs a title")]
    NoTitle,
    #[error("unknown kind of meeting")]
    UnknownKind,
    #[error("the convening organisation must be the office, a department or a county")]
    ConvenerNotAUnit,
    #[error("an attending unit is not an active organisation")]
    AttendingInactive,
    #[error("a text is longer than allowed")]
    TooLong,
    #[error("a decision needs its text")]
    NoDecisionText,
    #[error("the owner must be an active office, department or county")]
    OwnerNotAUnit,
    #[error("the deadline is not a date")]
    BadDeadline,
    #[error("the deadline is before the meeting")]
    DeadlineBeforeMeeting,
    #[error("a task needs an owner")]
    NoOwner,
    #[error("a task needs a deadline")]
    NoDeadline,
    #[error("a task hangs on an indicator or a programme")]
    NoTarget,
    #[error("a task hangs on an indicator or a programme, not both")]
    BothTargets,
    #[error("no such indicator")]
    UnknownIndicator,
    #[error("no such programme")]
    UnknownProgramme,
    #[error("the decision has already become a task or a milestone")]
    AlreadyBecame,
}

impl Refusal {
    /// The locale key of the message shown to the user.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NoDate => "meeting-refused-no-date",
            Refusal::BadDate => "meeting-refused-bad-date",
            Refusal::NoTitle => "meeting-refused-no-title",
            Refusal::UnknownKind => "meeting-refused-kind",
            Refusal::ConvenerNotAUnit => "meeting-refused-convener",
            Refusal::AttendingInactive => "meeting-refused-attending",
            Refusal::TooLong => "meeting-refused-too-long",
            Refusal::NoDecisionText => "meeting-refused-no-decision",
            Refusal::OwnerNotAUnit => "meeting-refused-owner",
            Refusal::BadDeadline => "meeting-refused-bad-deadline",
            Refusal::DeadlineBeforeMeeting => "meeting-refused-deadline-early",
            Refusal::NoOwner => "meeting-refused-no-owner",
            Refusal::NoDeadline => "meeting-refused-no-deadline",
            Refusal::NoTarget => "meeting-refused-no-target",
            Refusal::BothTargets => "meeting-refused-both-targets",
            Refusal::UnknownIndicator => "meeting-refused-indicator",
            Refusal::UnknownProgramme => "meeting-refused-programme",
            Refusal::AlreadyBecame => "meeting-refused-became",
        }
    }

    /// The reason recorded in the audit trail.
    pub fn audit_reason(self) -> &'static str {
        match self {
            Refusal::NoDate => "no_date",
            Refusal::BadDate => "bad_date",
            Refusal::NoTitle => "no_title",
            Refusal::UnknownKind => "unknown_kind",
            Refusal::ConvenerNotAUnit => "convener_not_a_unit",
            Refusal::AttendingInactive => "attending_inactive",
            Refusal::TooLong => "too_long",
            Refusal::NoDecisionText => "no_decision_text",
            Refusal::OwnerNotAUnit => "owner_not_a_unit",
            Refusal::BadDeadline => "bad_deadline",
            Refusal::DeadlineBeforeMeeting => "deadline_before_meeting",
            Refusal::NoOwner => "no_owner",
            Refusal::NoDeadline => "no_deadline",
            Refusal::NoTarget => "no_target",
            Refusal::BothTargets => "both_targets",
            Refusal::UnknownIndicator => "unknown_indicator",
            Refusal::UnknownProgramme => "unknown_programme",
            Refusal::AlreadyBecame => "already_became",
        }
    }
}

/// The organisations and plan a form is checked against, loaded once per request
/// ([`super::choices`]).
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Active organisations of every kind, in display order (who may attend).
    pub organisations: Vec<Organisation>,
    /// (number, id) of the campaign's edition's indicators.
    pub indicators: Vec<(i32, i64)>,
    /// The campaign's programmes: (id, label such as 工程3, title).
    pub programmes: Vec<(i64, String, String)>,
}

impl Choices {
    /// Active organisations that own work: the office, departments and counties (who
    /// may convene a meeting and own a decision).
    pub fn units(&self) -> impl Iterator<Item = &Organisation> {
        self.organisations.iter().filter(|o| o.kind.owns_tasks())
    }

    fn unit(&self, id: i64) -> Option<&Organisation> {
        self.units().find(|o| o.id == id)
    }

    pub fn programme(&self, id: i64) -> Option<&(i64, String, String)> {
        self.programmes.iter().find(|p| p.0 == id)
    }
}

/// A meeting as typed on its form (the record form and the office's edit form).
#[derive(Debug, Clone, Copy)]
pub struct MeetingInput<'a> {
    pub kind: &'a str,
    pub held_on: &'a str,
    pub title: &'a str,
    pub chair: &'a str,
    pub convener_id: &'a str,
    pub attending: &'a [String],
    pub summary: &'a str,
    /// The decisions taken, one a line (the record form only; the office adds more with
    /// an owner and a deadline on the meeting's page).
    pub decisions: &'a str,
}

/// A meeting that may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    pub kind: Kind,
    pub held_on: NaiveDate,
    pub title: String,
    pub chair: String,
    pub convener_id: i64,
    pub attending: Vec<i64>,
    pub summary: String,
    pub decisions: Vec<String>,
}

fn too_long(text: &str, limit: usize) -> bool {
    text.chars().count() > limit
}

fn optional_date(text: &str, refusal: Refusal) -> Result<Option<NaiveDate>, Refusal> {
    match text.trim() {
        "" => Ok(None),
        text => parse_date(text).map(Some).ok_or(refusal),
    }
}

impl NewMeeting {
    /// A date (2026-05-12 or 2026年5月12日), a title, a known kind, a convening unit
    /// (the office, a department or a county) and attending units that are active
    /// organisations. A meeting may be recorded before it is held (a planned 调度).
    /// Every refusal is returned at once.
    pub fn check(input: &MeetingInput, choices: &Choices) -> Result<NewMeeting, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let kind = Kind::parse(input.kind.trim());
        if kind.is_none() {
            refusals.push(Refusal::UnknownKind);
        }
        let held_on = match optional_date(input.held_on, Refusal::BadDate) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                refusals.push(Refusal::NoDate);
                None
            }
            Err(refusal) => {
                refusals.push(refusal);
                None
            }
        };
        let title = input.title.trim().to_string();
        if title.is_empty() {
            refusals.push(Refusal::NoTitle);
        }
        let chair = input.chair.trim().to_string();
        let summary = input.summary.trim().to_string();
        let decisions: Vec<String> = input
            .decisions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if too_long(&title, MAX_LINE_CHARS)
            || too_long(&chair, MAX_LINE_CHARS)
            || too_long(&summary, MAX_TEXT_CHARS)
            || decisions.iter().any(|d| too_long(d, MAX_TEXT_CHARS))
        {
            refusals.push(Refusal::TooLong);
        }
        let convener = input
            .convener_id
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| choices.unit(id));
        if convener.is_none() {
            refusals.push(Refusal::ConvenerNotAUnit);
        }
        let mut attending = Vec::new();
        for id in input
            .attending
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
        {
            match id
                .parse::<i64>()
                .ok()
                .filter(|id| choices.organisations.iter().any(|o| o.id == *id))
            {
                Some(id) => attending.push(id),
                None => {
                    refusals.push(Refusal::AttendingInactive);
                    break;
                }
            }
        }
        attending.sort_unstable();
        attending.dedup();
        match (kind, held_on, convener) {
            (Some(kind), Some(held_on), Some(convener)) if refusals.is_empty() => Ok(NewMeeting {
                kind,
                held_on,
                title,
                chair,
                convener_id: convener.id,
                attending,
                summary,
                decisions,
            }),
            _ => Err(refusals),
        }
    }
}

/// A decision as typed on the office's form.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    pub text: &'a str,
    pub owner_id: &'a str,
    pub deadline: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub text: String,
    pub owner_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
}

/// A deadline given on a form: readable, and not before the meeting that set it.
fn deadline_after(
    text: &str,
    held_on: NaiveDate,
    refusals: &mut Vec<Refusal>,
) -> Option<NaiveDate> {
    match optional_date(text, Refusal::BadDeadline) {
        Ok(Some(date)) if date < held_on => {
            refusals.push(Refusal::DeadlineBeforeMeeting);
            None
        }
        Ok(date) => date,
        Err(refusal) => {
            refusals.push(refusal);
            None
        }
    }
}

/// The owner named on a form, if any: an active office, department or county.
fn owner(text: &str, choices: &Choices, refusals: &mut Vec<Refusal>) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>().ok().and_then(|id| choices.unit(id)) {
        Some(org) => Some(org.id),
        None => {
            refusals.push(Refusal::OwnerNotAUnit);
            None
        }
    }
}

impl NewDecision {
    /// Text required; the owner, when given, owns work; the deadline, when given, is not
    /// before the meeting.
    pub fn check(
        input: &DecisionInput,
        held_on: NaiveDate,
        choices: &Choices,
    ) -> Result<NewDecision, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let text = input.text.trim().to_string();
        if text.is_empty() {
            refusals.push(Refusal::NoDecisionText);
        } else if too_long(&text, MAX_TEXT_CHARS) {
            refusals.push(Refusal::TooLong);
        }
        let owner_id = owner(input.owner_id, choices, &mut refusals);
        let deadline = deadline_after(input.deadline, held_on, &mut refusals);
        if refusals.is_empty() {
            Ok(NewDecision {
                text,
                owner_id,
                deadline,
            })
        } else {
            Err(refusals)
        }
    }
}

/// What a task made from a decision hangs on (a task has an indicator or a programme).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Indicator { id: i64, number: i32 },
    Programme { id: i64 },
}

/// The office's form turning a decision into a task.
#[derive(Debug, Clone, Copy)]
pub struct TaskInput<'a> {
    /// An indicator number (第46项 and 46 alike), or empty.
    pub indicator: &'a str,
    /// A programme id, or empty.
    pub programme_id: &'a str,
    pub owner_id: &'a str,
    pub deadline: &'a str,
    /// The task's text; empty for the decision's own.
    pub text: &'a str,
}

/// The facts about a decision the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Standing<'a> {
    pub held_on: NaiveDate,
    pub text: &'a str,
    pub became: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFromDecision {
    pub work: Work,
    pub owner_id: i64,
    pub deadline: NaiveDate,
    pub text: String,
}

impl TaskFromDecision {
    /// The decision has not become anything yet; an owner that owns tasks; a deadline
    /// not before the meeting; an indicator of the campaign's edition or one of its
    /// programmes, not both.
    pub fn check(
        input: &TaskInput,
        decision: Standing,
        choices: &Choices,
    ) -> Result<TaskFromDecision, Vec<Refusal>> {
        if decision.became {
            return Err(vec![Refusal::AlreadyBecame]);
        }
        let mut refusals = Vec::new();
        let indicator = input
            .indicator
            .trim()
            .trim_start_matches('第')
            .trim_end_matches('项')
            .trim();
        let programme = input.programme_id.trim();
        let work = match (indicator.is_empty(), programme.is_empty()) {
            (true, true) => {
                refusals.push(Refusal::NoTarget);
                None
            }
            (false, false) => {
                refusals.push(Refusal::BothTargets);
                None
            }
            (false, true) => {
                let found = indicator
                    .parse::<i32>()
                    .ok()
                    .and_then(|n| choices.indicators.iter().find(|(number, _)| *number == n));
                match found {
                    Some((number, id)) => Some(Work::Indicator {
                        id: *id,
                        number: *number,
                    }),
                    None => {
                        refusals.push(Refusal::UnknownIndicator);
                        None
                    }
                }
            }
            (true, false) => match programme
                .parse::<i64>()
                .ok()
                .and_then(|id| choices.programme(id))
            {
                Some(p) => Some(Work::Programme { id: p.0 }),
                None => {
                    refusals.push(Refusal::UnknownProgramme);
                    None
                }
            },
        };
        let owner_id = owner(input.owner_id, choices, &mut refusals);
        if owner_id.is_none() && input.owner_id.trim().is_empty() {
            refusals.push(Refusal::NoOwner);
        }
        let deadline = deadline_after(input.deadline, decision.held_on, &mut refusals);
        if deadline.is_none() && input.deadline.trim().is_empty() {
            refusals.push(Refusal::NoDeadline);
        }
        let text = match input.text.trim() {
            "" => decision.text.trim().to_string(),
            typed => typed.to_string(),
        };
        if too_long(&text, MAX_TEXT_CHARS) {
            refusals.push(Refusal::TooLong);
        }
        match (work, owner_id, deadline) {
            (Some(work), Some(owner_id), Some(deadline)) if refusals.is_empty() => {
                Ok(TaskFromDecision {
                    work,
                    owner_id,
                    deadline,
                    text,
                })
            }
            _ => Err(refusals),
        }
    }
}

/// The office's form turning a decision into a programme milestone (节点安排).
#[derive(Debug, Clone, Copy)]
pub struct MilestoneInput<'a> {
    pub programme_id: &'a str,
    /// The milestone's title; empty for the decision's text.
    pub title: &'a str,
    pub due_on: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneFromDecision {
    pub programme_id: i64,
    pub title: String,
    pub due_on: Option<NaiveDate>,
}

impl MilestoneFromDecision {
    /// The decision has not become anything yet; one of the campaign's programmes; a
    /// due date, when given, not before the meeting.
    pub fn check(
        input: &MilestoneInput,
        decision: Standing,
        choices: &Choices,
    ) -> Result<MilestoneFromDecision, Vec<Refusal>> {
        if decision.became {
            return Err(vec![Refusal::AlreadyBecame]);
        }
        let mut refusals = Vec::new();
        let programme = input
            .programme_id
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| choices.programme(id));
        if programme.is_none() {
            refusals.push(Refusal::UnknownProgramme);
        }
        let due_on = deadline_after(input.due_on, decision.held_on, &mut refusals);
        let title = match input.title.trim() {
            "" => decision.text.trim().to_string(),
            typed => typed.to_string(),
        };
        if too_long(&title, MAX_TEXT_CHARS) {
            refusals.push(Refusal::TooLong);
        }
        match programme {
            Some(p) if refusals.is_empty() => Ok(MilestoneFromDecision {
                programme_id: p.0,
                title,
                due_on,
            }),
            _ => Err(refusals),
        }
    }
}

#[cfg(test)]
mod tests;
