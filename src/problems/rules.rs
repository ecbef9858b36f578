//! What may happen to a problem, and who may make it happen: typed commands that can only
//! be built through their checks, and typed refusals the handlers word.

use chrono::NaiveDate;

use crate::accounts::{Role, User};

/// Where a problem came from (问题来源).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A deduction recorded in an assessment round.
    Round,
    /// A finding made at an inspection point.
    Inspection,
    /// A deduction of the office's 市级考评 of an organisation.
    Evaluation,
    /// Raised by the office itself (a 督查, a meeting, a complaint).
    Office,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Round => "round",
            Source::Inspection => "inspection",
            Source::Evaluation => "evaluation",
            Source::Office => "office",
        }
    }
}

/// Where a problem is in its rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 整改中: raised, waiting for the organisation's answer.
    Open,
    /// 待核验: the organisation submitted its 整改措施.
    Submitted,
    /// 退回: the verifier sent it back with a comment.
    Returned,
    /// 已整改（销号）.
    Closed,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Open,
        State::Submitted,
        State::Returned,
        State::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// 整改状态 as the official ledger prints it.
    pub fn official(self) -> &'static str {
        match self {
            State::Open => "整改中",
            State::Submitted => "待核验",
            State::Returned => "退回整改",
            State::Closed => "已整改（销号）",
        }
    }

    /// Whether the organisation still owes an answer.
    pub fn awaits_answer(self) -> bool {
        matches!(self, State::Open | State::Returned)
    }
}

/// The facts about a problem the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub state: State,
    pub organisation_id: i64,
    pub raised_by: Option<i64>,
    pub deadline: NaiveDate,
}

impl Standing {
    /// Past its deadline and not closed.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.state != State::Closed && today > self.deadline
    }

    /// Days past the deadline (0 when not overdue).
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        if self.overdue(today) {
            (today - self.deadline).num_days()
        } else {
            0
        }
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only the organisation responsible answers a problem")]
    NotResponsible,
    #[error("only the office or the assessor who raised it verifies a problem")]
    NotVerifier,
    #[error("only the office raises or reassigns problems")]
    NotOffice,
    #[error("the problem has already been closed")]
    AlreadyClosed,
    #[error("the answer has been submitted and waits for verification")]
    AwaitingVerification,
    #[error("only a submitted answer can be verified")]
    NotSubmitted,
    #[error("整改措施 must be written before submitting")]
    NoMeasures,
    #[error("a return needs a comment")]
    NoComment,
    #[error("a reassignment must change the organisation or the deadline")]
    NothingChanged,
    #[error("a problem needs a description")]
    NoDescription,
    #[error("the deadline cannot be before the day the problem is raised")]
    DeadlineInPast,
    #[error("the round's results are not yet published to the city")]
    NotPublished,
}

impl Refusal {
    /// The locale key of the message shown to the user.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NotResponsible => "problem-refused-not-responsible",
            Refusal::NotVerifier => "problem-refused-not-verifier",
            Refusal::NotOffice => "problem-refused-not-office",
            Refusal::AlreadyClosed => "problem-refused-closed",
            Refusal::AwaitingVerification => "problem-refused-awaiting",
            Refusal::NotSubmitted => "problem-refused-not-submitted",
            Refusal::NoMeasures => "problem-refused-no-measures",
            Refusal::NoComment => "problem-refused-no-comment",
            Refusal::NoDescription => "problem-refused-no-description",
            Refusal::NothingChanged => "problem-refused-nothing-changed",
            Refusal::DeadlineInPast => "problem-refused-deadline",
            Refusal::NotPublished => "problem-refused-not-published",
        }
    }

    /// The audit action recorded for the refusal.
    pub fn audit_reason(self) -> &'static str {
        match self {
            Refusal::NotResponsible => "not_responsible",
            Refusal::NotVerifier => "not_verifier",
            Refusal::NotOffice => "not_office",
            Refusal::AlreadyClosed => "closed",
            Refusal::AwaitingVerification => "awaiting_verification",
            Refusal::NotSubmitted => "not_submitted",
            Refusal::NoMeasures => "no_measures",
            Refusal::NoComment => "no_comment",
            Refusal::NoDescription => "no_description",
            Refusal::NothingChanged => "nothing_changed",
            Refusal::DeadlineInPast => "deadline_in_past",
            Refusal::NotPublished => "not_published",
        }
    }
}

fn is_office(user: &User) -> bool {
    matches!(user.role, Role::Admin | Role::Office)
}

/// May `user` see the problem at all? The office, leaders and assessors see every problem;
/// a clerk only its own organisation's.
pub fn can_see(user: &User, problem: &Standing) -> bool {
    match user.role {
        Role::Admin | Role::Office | Role::Viewer | Role::Assessor => true,
        Role::Department => user.organisation_id == Some(problem.organisation_id),
    }
}

/// The organisation's answer: its 整改措施, saved as a draft or submitted for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub measures: String,
    pub submit: bool,
}

impl Answer {
    /// Only the organisation's own clerks answer, only while an answer is owed, and a
    /// submission needs 整改措施 text (a draft may be empty-handed but not a submission).
    pub fn check(
        user: &User,
        problem: &Standing,
        measures: &str,
        submit: bool,
    ) -> Result<Answer, Refusal> {
        if !(user.role == Role::Department && user.organisation_id == Some(problem.organisation_id))
        {
            return Err(Refusal::NotResponsible);
        }
        match problem.state {
            State::Closed => return Err(Refusal::AlreadyClosed),
            State::Submitted => return Err(Refusal::AwaitingVerification),
            State::Open | State::Returned => {}
        }
        let measures = measures.trim().to_string();
        if submit && measures.is_empty() {
            return Err(Refusal::NoMeasures);
        }
        Ok(Answer { measures, submit })
    }
}

/// 销号 or 退回, decided by the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Close { comment: String },
    Return { comment: String },
}

impl Verdict {
    /// The office, or the assessor who raised the problem, verifies a submitted answer; a
    /// return needs a comment so the organisation knows what is missing.
    pub fn check(
        user: &User,
        problem: &Standing,
        close: bool,
        comment: &str,
    ) -> Result<Verdict, Refusal> {
        let raiser = user.role == Role::Assessor && problem.raised_by == Some(user.id);
        if !(is_office(user) || raiser) {
            return Err(Refusal::NotVerifier);
        }
        match problem.state {
            State::Closed => return Err(Refusal::AlreadyClosed),
            State::Open | State::Returned => return Err(Refusal::NotSubmitted),
            State::Submitted => {}
        }
        let comment = comment.trim().to_string();
        if close {
            Ok(Verdict::Close { comment })
        } else if comment.is_empty() {
            Err(Refusal::NoComment)
        } else {
            Ok(Verdict::Return { comment })
        }
    }
}

/// A problem the office raises itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    pub source_label: String,
    pub indicator_id: Option<i64>,
    pub description: String,
    pub organisation_id: i64,
    pub deadline: NaiveDate,
}

impl NewProblem {
    pub fn check(
        user: &User,
        source_label: &str,
        indicator_id: Option<i64>,
        description: &str,
        organisation_id: i64,
        deadline: NaiveDate,
        today: NaiveDate,
    ) -> Result<NewProblem, Refusal> {
        if !is_office(user) {
            return Err(Refusal::NotOffice);
        }
        let description = description.trim().to_string();
        if description.is_empty() {
            return Err(Refusal::NoDescription);
        }
        if deadline < today {
            return Err(Refusal::DeadlineInPast);
        }
        let source_label = match source_label.trim() {
            "" => "市食安办".to_string(),
            label => label.to_string(),
        };
        Ok(NewProblem {
            source_label,
            indicator_id,
            description,
            organisation_id,
            deadline,
        })
    }
}

/// The office changing who must rectify a problem, or by when (the organisation proposed
/// from the indicator or the point was not the right one; a deadline moved by decision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassignment {
    /// The new organisation, when it changes.
    pub organisation_id: Option<i64>,
    /// The new deadline, when it changes.
    pub deadline: Option<NaiveDate>,
    /// Why (kept in the problem's history).
    pub comment: String,
}

impl Reassignment {
    pub fn check(
        user: &User,
        problem: &Standing,
        organisation_id: i64,
        deadline: NaiveDate,
        comment: &str,
        today: NaiveDate,
    ) -> Result<Reassignment, Refusal> {
        if !is_office(user) {
            return Err(Refusal::NotOffice);
        }
        if problem.state == State::Closed {
            return Err(Refusal::AlreadyClosed);
        }
        let organisation_id =
            (organisation_id != problem.organisation_id).then_some(organisation_id);
        let deadline = (deadline != problem.deadline).then_some(deadline);
        if deadline.is_some_and(|d| d < today) {
            return Err(Refusal::DeadlineInPast);
        }
        if organisation_id.is_none() && deadline.is_none() {
            return Err(Refusal::NothingChanged);
        }
        Ok(Reassignment {
            organisation_id,
            deadline,
            comment: comment.trim().to_string(),
        })
    }
}

/// The office turning a round's deductions into problems (对照整改), all with one deadline.
/// Only once the round's results are published to the city: before that the deductions'
/// remarks are not for the organisations being assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromRound {
    pub round_id: i64,
    pub deadline: NaiveDate,
}

impl FromRound {
    pub fn check(
        user: &User,
        round_id: i64,
        results_published: bool,
        deadline: NaiveDate,
        today: NaiveDate,
    ) -> Result<FromRound, Refusal> {
        if !is_office(user) {
            return Err(Refusal::NotOffice);
        }
        if !results_published {
            return Err(Refusal::NotPublished);
        }
        if deadline < today {
            return Err(Refusal::DeadlineInPast);
        }
        Ok(FromRound { round_id, deadline })
    }
}

/// The organisation proposed as responsible: for an inspection, the county of the point
/// (the rectification happens where the unit is); otherwise the indicator's lead unit,
/// then its first responsible unit.
pub fn proposed_organisation(
    point_county: Option<i64>,
    lead: &[i64],
    responsible: &[i64],
) -> Option<i64> {
    point_county
        .or_else(|| lead.first().copied())
        .or_else(|| responsible.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role, org: Option<i64>) -> User {
        User {
            id,
            username: format!("u{id}"),
            display_name: format!("U{id}"),
            role,
            organisation_id: org,
            organisation_name: None,
            must_change_password: false,
            active: true,
            locale: None,
            last_login_at: None,
            email: None,
            sessions_valid_from: None,
            two_factor_enabled: false,
            unit_head: false,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn problem(state: State) -> Standing {
        Standing {
            state,
            organisation_id: 7,
            raised_by: Some(50),
            deadline: day(10),
        }
    }

    #[test]
    fn only_the_responsible_organisation_answers() {
        let clerk = user(1, Role::Department, Some(7));
        let other = user(2, Role::Department, Some(8));
        let office = user(3, Role::Office, None);
        assert!(Answer::check(&clerk, &problem(State::Open), "已整改", true).is_ok());
        assert_eq!(
            Answer::check(&other, &problem(State::Open), "x", true),
            Err(Refusal::NotResponsible)
        );
        assert_eq!(
            Answer::check(&office, &problem(State::Open), "x", true),
            Err(Refusal::NotResponsible)
        );
    }

    #[test]
    fn a_submission_needs_measures_but_a_draft_does_not() {
        let clerk = user(1, Role::Department, Some(7));
        assert_eq!(
            Answer::check(&clerk, &problem(State::Returned), "  ", true),
            Err(Refusal::NoMeasures)
        );
        let draft = Answer::check(&clerk, &problem(State::Open), "  ", false).unwrap();
        assert_eq!(draft.measures, "");
        assert_eq!(
            Answer::check(&clerk, &problem(State::Submitted), "x", true),
            Err(Refusal::AwaitingVerification)
        );
        assert_eq!(
            Answer::check(&clerk, &problem(State::Closed), "x", true),
            Err(Refusal::AlreadyClosed)
        );
    }

    #[test]
    fn the_office_or_the_raising_assessor_verifies() {
        let office = user(3, Role::Office, None);
        let raiser = user(50, Role::Assessor, Some(90));
        let other_assessor = user(51, Role::Assessor, Some(90));
        let clerk = user(1, Role::Department, Some(7));
        let leader = user(4, Role::Viewer, None);
        let submitted = problem(State::Submitted);
        assert!(matches!(
            Verdict::check(&office, &submitted, true, ""),
            Ok(Verdict::Close { .. })
        ));
        assert!(Verdict::check(&raiser, &submitted, true, "").is_ok());
        for refused in [&other_assessor, &clerk, &leader] {
            assert_eq!(
                Verdict::check(refused, &submitted, true, ""),
                Err(Refusal::NotVerifier)
            );
        }
        assert_eq!(
            Verdict::check(&office, &submitted, false, " "),
            Err(Refusal::NoComment)
        );
        assert_eq!(
            Verdict::check(&office, &problem(State::Open), true, ""),
            Err(Refusal::NotSubmitted)
        );
        assert_eq!(
            Verdict::check(&office, &problem(State::Closed), true, ""),
            Err(Refusal::AlreadyClosed)
        );
    }

    #[test]
    fn overdue_counts_days_past_the_deadline_until_closed() {
        let open = problem(State::Open);
        assert!(!open.overdue(day(10)));
        assert_eq!(open.days_overdue(day(13)), 3);
        assert!(!problem(State::Closed).overdue(day(20)));
        assert!(problem(State::Submitted).overdue(day(11)));
    }

    #[test]
    fn clerks_see_only_their_own_problems() {
        assert!(can_see(
            &user(1, Role::Department, Some(7)),
            &problem(State::Open)
        ));
        assert!(!can_see(
            &user(2, Role::Department, Some(8)),
            &problem(State::Open)
        ));
        assert!(can_see(&user(4, Role::Viewer, None), &problem(State::Open)));
    }

    #[test]
    fn the_office_raises_with_a_description_and_a_future_deadline() {
        let office = user(3, Role::Office, None);
        let clerk = user(1, Role::Department, Some(7));
        let made = NewProblem::check(&office, "", None, " 台账不全 ", 7, day(20), day(2)).unwrap();
        assert_eq!(made.source_label, "市食安办");
        assert_eq!(made.description, "台账不全");
        assert_eq!(
            NewProblem::check(&clerk, "", None, "x", 7, day(20), day(2)),
            Err(Refusal::NotOffice)
        );
        assert_eq!(
            NewProblem::check(&office, "", None, "", 7, day(20), day(2)),
            Err(Refusal::NoDescription)
        );
        assert_eq!(
            NewProblem::check(&office, "", None, "x", 7, day(1), day(2)),
            Err(Refusal::DeadlineInPast)
        );
    }

    #[test]
    fn a_round_is_turned_into_problems_by_the_office_once_published() {
        let office = user(3, Role::Office, None);
        let assessor = user(50, Role::Assessor, Some(90));
        assert!(FromRound::check(&office, 1, true, day(20), day(2)).is_ok());
        assert_eq!(
            FromRound::check(&office, 1, false, day(20), day(2)),
            Err(Refusal::NotPublished)
        );
        assert_eq!(
            FromRound::check(&assessor, 1, true, day(20), day(2)),
            Err(Refusal::NotOffice)
        );
        assert_eq!(
            FromRound::check(&office, 1, true, day(1), day(2)),
            Err(Refusal::DeadlineInPast)
        );
    }

    #[test]
    fn the_point_county_comes_before_the_indicator_units() {
        assert_eq!(proposed_organisation(Some(9), &[1], &[2]), Some(9));
        assert_eq!(proposed_organisation(None, &[1], &[2]), Some(1));
        assert_eq!(proposed_organisation(None, &[], &[2]), Some(2));
        assert_eq!(proposed_organisation(None, &[], &[]), None);
    }
}
