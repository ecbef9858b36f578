//! 资料审查: one piece of evidence marked sufficient or not in a round.

use sqlx::PgPool;

use super::{closed, parse_yes_no};
use crate::scoring::rounds::{self, Round, RoundState};

/// The mark form as typed ("yes" or "no", and a remark).
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkInput<'a> {
    pub sufficient: &'a str,
    pub remark: &'a str,
}

/// Why a mark was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkRefusal {
    /// The round does not take scores (draft or locked).
    RoundClosed(RoundState),
    /// Neither sufficient nor insufficient was chosen.
    NoAnswer,
    /// Insufficient evidence needs a remark saying what is missing.
    EmptyRemark,
}

/// A mark that may be recorded: an open round, an answer, and a remark when the
/// evidence is insufficient. The evidence must be the round's (found through it).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceMark {
    round_id: i64,
    /// The indicator the file is marked for: a file serving several is marked for each.
    indicator_id: i64,
    evidence_id: i64,
    sufficient: bool,
    remark: String,
}

impl EvidenceMark {
    pub fn check(
        round: &Round,
        indicator_id: i64,
        evidence_id: i64,
        input: MarkInput<'_>,
    ) -> Result<EvidenceMark, MarkRefusal> {
        if let Some(state) = closed(round) {
            return Err(MarkRefusal::RoundClosed(state));
        }
        let sufficient = parse_yes_no(input.sufficient).ok_or(MarkRefusal::NoAnswer)?;
        let remark = input.remark.trim();
        if !sufficient && remark.is_empty() {
            return Err(MarkRefusal::EmptyRemark);
        }
        Ok(EvidenceMark {
            round_id: round.id,
            indicator_id,
            evidence_id,
            sufficient,
            remark: remark.to_string(),
        })
    }

    pub fn sufficient(&self) -> bool {
        self.sufficient
    }

    pub fn remark(&self) -> &str {
        &self.remark
    }

    /// Records (or replaces) the round's mark on the evidence, by `user_id`.
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<()> {
        rounds::set_mark(
            db,
            self.round_id,
            self.indicator_id,
            self.evidence_id,
            self.sufficient,
            &self.remark,
            user_id,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::commands::fixture;

    fn check(round: &Round, sufficient: &str, remark: &str) -> Result<EvidenceMark, MarkRefusal> {
        EvidenceMark::check(round, 3, 55, MarkInput { sufficient, remark })
    }

    #[test]
    fn a_valid_mark_is_built() {
        let mark = check(&fixture::open(), "no", " 缺少盖章 ").unwrap();
        assert!(!mark.sufficient());
        assert_eq!(mark.remark(), "缺少盖章");
        assert_eq!(
            (mark.round_id, mark.indicator_id, mark.evidence_id),
            (7, 3, 55)
        );
        assert!(check(&fixture::open(), "yes", "").unwrap().sufficient());
    }

    #[test]
    fn a_closed_round_is_refused() {
        for state in [RoundState::Draft, RoundState::Locked] {
            let refused = check(&fixture::round(state), "yes", "");
            assert_eq!(refused, Err(MarkRefusal::RoundClosed(state)));
        }
    }

    #[test]
    fn no_answer_is_refused() {
        for answer in ["", "ok"] {
            assert_eq!(
                check(&fixture::open(), answer, "x"),
                Err(MarkRefusal::NoAnswer)
            );
        }
    }

    #[test]
    fn insufficient_evidence_without_a_remark_is_refused() {
        assert_eq!(
            check(&fixture::open(), "no", " "),
            Err(MarkRefusal::EmptyRemark)
        );
    }
}
