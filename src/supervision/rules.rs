//! What a 督办单 is and what may happen to it: the six steps 下发 → 签收 → 办理 → 反馈 →
//! 复核 → 办结 as a typed state machine, the checks a new order must pass, and the
//! refusals the handlers word. Nothing here touches the database.

use chrono::NaiveDate;
use serde::Serialize;

use crate::accounts::{Role, User};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待确认: drafted by the escalation rule, not yet issued.
    Draft,
    /// 已下发
    Issued,
    /// 已签收
    Acknowledged,
    /// 办理中
    InProgress,
    /// 已反馈, waiting for the office's 复核.
    Answered,
    /// 复核通过, waiting to be closed.
    Reviewed,
    /// 已办结
    Closed,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Draft,
        State::Issued,
        State::Acknowledged,
        State::InProgress,
        State::Answered,
        State::Reviewed,
        State::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Issued => "issued",
            State::Acknowledged => "acknowledged",
            State::InProgress => "in_progress",
            State::Answered => "answered",
            State::Reviewed => "reviewed",
            State::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Issued and not yet closed: the organisation is 督办中 (the purple light).
    pub fn open(self) -> bool {
        !matches!(self, State::Draft | State::Closed)
    }
}

/// What the matter of an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Task,
    Problem,
    Report,
    Other,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Task => "task",
            Subject::Problem => "problem",
            Subject::Report => "report",
            Subject::Other => "other",
        }
    }
}

/// A step someone takes on an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The office issues a draft (下发).
    Issue,
    /// The unit acknowledges it (签收).
    Acknowledge,
    /// The unit starts handling it (办理), with a note.
    Handle { note: String },
    /// The unit answers (反馈) with what it did.
    Answer { answer: String },
    /// The office reviews the answer (复核): accepted, or sent back with a comment.
    Review { accepted: bool, comment: String },
    /// The office closes it (办结).
    Close,
}

impl Step {
    /// How the step is recorded in the order's history.
    pub fn code(&self) -> &'static str {
        match self {
            Step::Issue => "issued",
            Step::Acknowledge => "acknowledged",
            Step::Handle { .. } => "handling",
            Step::Answer { .. } => "answered",
            Step::Review { accepted: true, .. } => "reviewed",
            Step::Review {
                accepted: false, ..
            } => "sent_back",
            Step::Close => "closed",
        }
    }

    pub fn comment(&self) -> &str {
        match self {
            Step::Handle { note } => note,
            Step::Answer { answer } => answer,
            Step::Review { comment, .. } => comment,
            _ => "",
        }
    }

    fn by_office(&self) -> bool {
        matches!(self, Step::Issue | Step::Review { .. } | Step::Close)
    }
}

/// Why a step or a new order is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the matter is required")]
    NoMatter,
    #[error("the demand is required")]
    NoDemand,
    #[error("a deadline is required")]
    NoDeadline,
    #[error("the deadline is before today")]
    DeadlinePassed,
    #[error("the organisation does not own work")]
    NotAnOwner,
    #[error("only the office takes this step")]
    OfficeOnly,
    #[error("only the organisation addressed takes this step")]
    UnitOnly,
    #[error("the order is {0:?}; this step does not follow")]
    OutOfOrder(State),
    #[error("the answer is required")]
    NoAnswer,
    #[error("sending back needs a comment")]
    NoComment,
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Office,
    /// A clerk (or head) of this organisation.
    Unit(i64),
    Other,
}

impl Actor {
    pub fn of(user: &User) -> Actor {
        match (user.role, user.organisation_id) {
            (Role::Admin | Role::Office, _) => Actor::Office,
            (Role::Department, Some(org)) => Actor::Unit(org),
            _ => Actor::Other,
        }
    }
}

/// The state `step` leads to from `state`, taken by `actor` on an order addressed to
/// `organisation_id`.
pub fn next(
    state: State,
    step: &Step,
    actor: Actor,
    organisation_id: i64,
) -> Result<State, Refusal> {
    match (step.by_office(), actor) {
        (true, Actor::Office) => {}
        (true, _) => return Err(Refusal::OfficeOnly),
        (false, Actor::Unit(org)) if org == organisation_id => {}
        (false, _) => return Err(Refusal::UnitOnly),
    }
    match (state, step) {
        (State::Draft, Step::Issue) => Ok(State::Issued),
        (State::Issued, Step::Acknowledge) => Ok(State::Acknowledged),
        (State::Acknowledged | State::InProgress, Step::Handle { .. }) => Ok(State::InProgress),
        (State::Acknowledged | State::InProgress, Step::Answer { answer }) => {
            if answer.trim().is_empty() {
                Err(Refusal::NoAnswer)
            } else {
                Ok(State::Answered)
            }
        }
        (State::Answered, Step::Review { accepted: true, .. }) => Ok(State::Reviewed),
        (
            State::Answered,
            Step::Review {
                accepted: false,
                comment,
            },
        ) => {
            if comment.trim().is_empty() {
                Err(Refusal::NoComment)
            } else {
                Ok(State::InProgress)
            }
        }
        (State::Reviewed, Step::Close) => Ok(State::Closed),
        (state, _) => Err(Refusal::OutOfOrder(state)),
    }
}

/// A new order as the office writes it, checked: only [`NewOrder::check`] makes one.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub organisation_id: i64,
    pub head_user_id: Option<i64>,
    pub subject: Subject,
    pub task_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub report_period: Option<NaiveDate>,
    pub matter: String,
    pub demand: String,
    pub deadline: NaiveDate,
}

/// What the office typed, before the checks.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub organisation_id: i64,
    pub owns_tasks: bool,
    pub head_user_id: Option<i64>,
    pub task_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub report_period: Option<NaiveDate>,
    pub matter: String,
    pub demand: String,
    pub deadline: Option<NaiveDate>,
}

impl NewOrder {
    /// Every refusal that applies, so the form can show them all at once.
    pub fn check(draft: Draft, today: NaiveDate) -> Result<NewOrder, Vec<Refusal>> {
        let mut refusals = Vec::new();
        if draft.matter.trim().is_empty() {
            refusals.push(Refusal::NoMatter);
        }
        if draft.demand.trim().is_empty() {
            refusals.push(Refusal::NoDemand);
        }
        match draft.deadline {
            None => refusals.push(Refusal::NoDeadline),
            Some(d) if d < today => refusals.push(Refusal::DeadlinePassed),
            Some(_) => {}
        }
        if !draft.owns_tasks {
            refusals.push(Refusal::NotAnOwner);
        }
        let subject = match (draft.task_id, draft.problem_id, draft.report_period) {
            (Some(_), _, _) => Subject::Task,
            (None, Some(_), _) => Subject::Problem,
            (None, None, Some(_)) => Subject::Report,
            _ => Subject::Other,
        };
        match (refusals.is_empty(), draft.deadline) {
            (true, Some(deadline)) => Ok(NewOrder {
                organisation_id: draft.organisation_id,
                head_user_id: draft.head_user_id,
                subject,
                task_id: draft.task_id,
                problem_id: draft.problem_id,
                report_period: draft.report_period,
                matter: draft.matter.trim().to_string(),
                demand: draft.demand.trim().to_string(),
                deadline,
            }),
            _ => Err(refusals),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: i64 = 7;

    #[test]
    fn the_six_steps_follow_in_order_each_by_its_side() {
        let office = Actor::Office;
        let unit = Actor::Unit(ORG);
        let mut state = State::Draft;
        for (step, actor, expect) in [
            (Step::Issue, office, State::Issued),
            (Step::Acknowledge, unit, State::Acknowledged),
            (
                Step::Handle {
                    note: "已部署".into(),
                },
                unit,
                State::InProgress,
            ),
            (
                Step::Answer {
                    answer: "已整改".into(),
                },
                unit,
                State::Answered,
            ),
            (
                Step::Review {
                    accepted: true,
                    comment: String::new(),
                },
                office,
                State::Reviewed,
            ),
            (Step::Close, office, State::Closed),
        ] {
            state = next(state, &step, actor, ORG).unwrap();
            assert_eq!(state, expect);
        }
    }

    #[test]
    fn steps_out_of_turn_or_by_the_wrong_side_are_refused() {
        let unit = Actor::Unit(ORG);
        assert_eq!(
            next(State::Issued, &Step::Close, unit, ORG),
            Err(Refusal::OfficeOnly)
        );
        assert_eq!(
            next(State::Issued, &Step::Acknowledge, Actor::Unit(8), ORG),
            Err(Refusal::UnitOnly)
        );
        assert_eq!(
            next(State::Issued, &Step::Acknowledge, Actor::Office, ORG),
            Err(Refusal::UnitOnly)
        );
        assert_eq!(
            next(
                State::Issued,
                &Step::Answer { answer: "x".into() },
                unit,
                ORG
            ),
            Err(Refusal::OutOfOrder(State::Issued))
        );
        assert_eq!(
            next(
                State::Acknowledged,
                &Step::Answer { answer: " ".into() },
                unit,
                ORG
            ),
            Err(Refusal::NoAnswer)
        );
        assert_eq!(
            next(
                State::Answered,
                &Step::Review {
                    accepted: false,
                    comment: String::new()
                },
                Actor::Office,
                ORG
            ),
            Err(Refusal::NoComment)
        );
        // Sent back: the unit handles it again.
        assert_eq!(
            next(
                State::Answered,
                &Step::Review {
                    accepted: false,
                    comment: "佐证不足".into()
                },
                Actor::Office,
                ORG
            ),
            Ok(State::InProgress)
        );
    }

    #[test]
    fn a_new_order_needs_its_matter_demand_and_deadline() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let refusals = NewOrder::check(
            Draft {
                organisation_id: ORG,
                owns_tasks: true,
                ..Default::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(
            refusals,
            vec![Refusal::NoMatter, Refusal::NoDemand, Refusal::NoDeadline]
        );
        let order = NewOrder::check(
            Draft {
                organisation_id: ORG,
                owns_tasks: true,
                task_id: Some(3),
                matter: "指标7任务逾期".into(),
                demand: "限期报送".into(),
                deadline: Some(today),
                ..Default::default()
            },
            today,
        )
        .unwrap();
        assert_eq!(order.subject, Subject::Task);
    }
}
