//! Who may see, plan and record a round's inspections (`/rounds/{id}/inspections`, the
//! record pages, the API). Which points a reader sees is [`crate::inspections::Visibility`].

use crate::accounts::{Role, User};
use crate::web::error::AppError;

/// Who may see and plan a round's inspections (`/rounds/{id}/inspections`, the API).
/// Which points a reader sees is [`crate::inspections::Visibility`].
pub struct InspectionPolicy;

impl InspectionPolicy {
    /// The plan is part of the round: not for the organisations being assessed.
    pub fn can_see(user: &User) -> Result<(), AppError> {
        if user.role == Role::Department {
            Err(AppError::Forbidden)
        } else {
            Ok(())
        }
    }

    /// Planning points: the round's lead assessor or the administrator, while the round
    /// is not locked.
    pub fn can_plan(user: &User, round: &crate::scoring::rounds::Round) -> Result<(), PlanRefusal> {
        if round.state == crate::scoring::rounds::RoundState::Locked {
            return Err(PlanRefusal::Locked);
        }
        if user.role == Role::Admin
            || (user.role == Role::Assessor && round.lead_assessor_id == Some(user.id))
        {
            Ok(())
        } else {
            Err(PlanRefusal::NotLead)
        }
    }
}

impl InspectionPolicy {
    /// Making the record at a point (checklist, findings, photos): an assessor sent to
    /// the point — named on it, or of its group when none is named, or any assessor when
    /// the point names neither — the round's lead, or the administrator; while the round
    /// is open.
    pub fn can_record(
        user: &User,
        round: &crate::scoring::rounds::Round,
        point_group: Option<i64>,
        point_assessors: &[i64],
    ) -> Result<(), RecordAccessRefusal> {
        if round.state != crate::scoring::rounds::RoundState::Open {
            return Err(RecordAccessRefusal::RoundNotOpen);
        }
        let sent = match (point_assessors.is_empty(), point_group) {
            (false, _) => point_assessors.contains(&user.id),
            (true, Some(group)) => user.organisation_id == Some(group),
            (true, None) => true,
        };
        if user.role == Role::Admin
            || (user.role == Role::Assessor && (sent || round.lead_assessor_id == Some(user.id)))
        {
            Ok(())
        } else {
            Err(RecordAccessRefusal::NotSent)
        }
    }
}

/// Why making an inspection record was refused (each is logged and audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAccessRefusal {
    NotSent,
    RoundNotOpen,
}

impl RecordAccessRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordAccessRefusal::NotSent => "not_sent",
            RecordAccessRefusal::RoundNotOpen => "round_not_open",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            RecordAccessRefusal::NotSent => "record-refused-not-sent",
            RecordAccessRefusal::RoundNotOpen => "record-refused-round",
        }
    }
}

/// Why planning a round's inspections was refused (each is logged and audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanRefusal {
    NotLead,
    Locked,
}

impl PlanRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanRefusal::NotLead => "not_lead",
            PlanRefusal::Locked => "locked",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            PlanRefusal::NotLead => "plan-refused-role",
            PlanRefusal::Locked => "plan-refused-locked",
        }
    }
}
