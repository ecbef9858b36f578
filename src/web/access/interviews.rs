//! Who may read and record a round's leader interviews (领导访谈): `/rounds/{id}/interviews`,
//! the item page's list and `/api/v1/rounds/{id}/interviews`.

use super::InspectionPolicy;
use crate::accounts::{Role, User};
use crate::scoring::rounds::{Round, RoundState};
use crate::web::error::AppError;

pub struct InterviewPolicy;

impl InterviewPolicy {
    /// Reading: as the inspection plan (everyone but the organisations assessed).
    pub fn can_see(user: &User) -> Result<(), AppError> {
        InspectionPolicy::can_see(user)
    }

    /// Adding, editing or deleting an interview held by `group` (None: a typed label):
    /// the round's lead assessor, an assessor of that group, or the administrator, while
    /// the round is not locked.
    pub fn can_record(
        user: &User,
        round: &Round,
        group: Option<i64>,
    ) -> Result<(), InterviewAccessRefusal> {
        if round.state == RoundState::Locked {
            return Err(InterviewAccessRefusal::Locked);
        }
        let lead = user.role == Role::Assessor && round.lead_assessor_id == Some(user.id);
        let of_group =
            user.role == Role::Assessor && group.is_some() && user.organisation_id == group;
        if user.role == Role::Admin || lead || of_group {
            Ok(())
        } else {
            Err(InterviewAccessRefusal::NotAllowed)
        }
    }

    /// Whether to offer the form at all: someone who may record for one of the groups.
    pub fn may_record_any(user: &User, round: &Round, groups: &[i64]) -> bool {
        Self::can_record(user, round, None).is_ok()
            || groups
                .iter()
                .any(|g| Self::can_record(user, round, Some(*g)).is_ok())
    }
}

/// Why recording an interview was refused (each is logged and audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterviewAccessRefusal {
    NotAllowed,
    Locked,
}

impl InterviewAccessRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            InterviewAccessRefusal::NotAllowed => "not_allowed",
            InterviewAccessRefusal::Locked => "locked",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            InterviewAccessRefusal::NotAllowed => "interview-refused-role",
            InterviewAccessRefusal::Locked => "interview-refused-locked",
        }
    }
}
