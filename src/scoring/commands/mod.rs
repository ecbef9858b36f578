//! What a valid score is. Every change an assessor records is a command that can only be
//! built valid: its `check` takes what was typed, with the round, item and rubric ids it
//! applies to, and returns either the command or typed refusals, which the web layer
//! words in the reader's language. Recording takes the command, so an unchecked change
//! cannot be recorded through it.
//!
//! Who may score (role, group) is the access policy's question (`web/access.rs`), asked
//! before a command is checked; a command still refuses a round that is not open.

mod award;
mod deduction;
mod lock;
mod mark;
mod measurement;
mod new_round;
mod report;
mod veto;

pub use award::{Award, AwardInput, AwardRefusal};
pub use deduction::{Deduction, DeductionInput, DeductionRefusal};
pub use lock::{
    DeleteRefusal, DeleteRound, Lock, LockRefusal, MAX_REASON_CHARS, Reopen, ReopenRefusal,
};
pub use mark::{EvidenceMark, MarkInput, MarkRefusal};
pub use measurement::{Measurement, MeasurementInput, MeasurementRefusal};
pub use new_round::{NewRound, NewRoundInput, NewRoundRefusal};
pub use report::{MAX_REPORT_CHARS, ReportEdit, ReportRefusal};
pub use veto::{Veto, VetoInput, VetoRefusal};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::rounds::{Round, RoundState};

/// Points written with at most two decimals ("0.5", "2", "1.25").
pub fn parse_points(text: &str) -> Option<Decimal> {
    let value: Decimal = text.trim().parse().ok()?;
    (value.scale() <= 2).then_some(value.normalize())
}

/// An optional date written as 2026-03-31 ("" is none).
fn parse_date(text: &str) -> Result<Option<NaiveDate>, ()> {
    match text.trim() {
        "" => Ok(None),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

/// A yes/no answer of a form ("yes", "no"; anything else is no answer).
fn parse_yes_no(text: &str) -> Option<bool> {
    match text {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The state of a round that does not take scores now.
fn closed(round: &Round) -> Option<RoundState> {
    (round.state != RoundState::Open).then_some(round.state)
}

#[cfg(test)]
pub(super) mod fixture {
    use std::collections::HashMap;

    use crate::rubric::data::Scoring;
    use crate::scoring::rounds::{Item, ItemKey, Round, RoundKind, RoundState, RubricIds};

    pub fn round(state: RoundState) -> Round {
        Round {
            id: 7,
            campaign_id: 1,
            edition_id: 1,
            kind: RoundKind::City,
            name: "市级考评".into(),
            starts_on: None,
            ends_on: None,
            state,
            lead_assessor_id: None,
            lead_assessor_name: None,
            locked_at: None,
            report_organisation: String::new(),
            report_achievements: String::new(),
            report_highlights: String::new(),
            report_shortcomings: String::new(),
            report_opinion: String::new(),
            scope_parts: Vec::new(),
            lock_reason: None,
            basis_documents: String::new(),
            implementing_body: String::new(),
            cooperating_bodies: String::new(),
            report_date: None,
            frozen_outcome: None,
        }
    }

    pub fn open() -> Round {
        round(RoundState::Open)
    }

    pub fn item(key: ItemKey, scoring: Scoring, max: Option<i32>, indicators: &[i32]) -> Item {
        Item {
            key,
            part_seq: 1,
            part_numeral: "一".into(),
            scoring,
            title: "test item".into(),
            max,
            optional: false,
            indicators: indicators.to_vec(),
        }
    }

    /// Point 12 has id 112; indicator n has id 1000 + n, for indicators 1 to 99.
    pub fn ids() -> RubricIds {
        RubricIds {
            points: HashMap::from([(12, 112)]),
            indicators: (1..100).map(|n| (n, 1000 + i64::from(n))).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_have_at_most_two_decimals() {
        assert_eq!(parse_points(" 0.5 "), Some(Decimal::new(5, 1)));
        assert_eq!(parse_points("2.00"), Some(Decimal::from(2)));
        assert_eq!(parse_points("1.25"), Some(Decimal::new(125, 2)));
        assert_eq!(parse_points("1.255"), None);
        assert_eq!(parse_points("two"), None);
        assert_eq!(parse_points(""), None);
    }

    #[test]
    fn dates_are_optional_and_iso() {
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(
            parse_date("2026-03-31"),
            Ok(NaiveDate::from_ymd_opt(2026, 3, 31))
        );
        assert_eq!(parse_date("31.03.2026"), Err(()));
    }

    #[test]
    fn only_an_open_round_takes_scores() {
        assert_eq!(closed(&fixture::open()), None);
        for state in [RoundState::Draft, RoundState::Locked] {
            assert_eq!(closed(&fixture::round(state)), Some(state));
        }
    }
}
