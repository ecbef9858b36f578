//! Whether a veto item (否决项) was triggered, with the note that says why.

use sqlx::PgPool;

use rust_decimal::Decimal;

use super::{closed, parse_yes_no};
use crate::scoring::DerivedVeto;
use crate::scoring::rounds::{self, Item, ItemKey, Round, RoundState, RubricIds};

/// The veto form as typed ("yes" or "no", and a note).
#[derive(Debug, Clone, Copy, Default)]
pub struct VetoInput<'a> {
    pub triggered: &'a str,
    pub note: &'a str,
}

/// Why a veto mark was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VetoRefusal {
    /// The round does not take scores (draft or locked).
    RoundClosed(RoundState),
    /// The item is not a veto item.
    NotVetoItem,
    /// Neither triggered nor not triggered was chosen.
    NoAnswer,
    /// A triggered veto needs a note.
    EmptyNote,
    /// The indicator is not in the database's copy of the rubric edition.
    IndicatorNotInEdition,
    /// The item is decided by a measured value, and the mark says the opposite.
    DecidedByMeasure {
        measure: i32,
        value: Decimal,
        triggered: bool,
    },
}

/// A veto mark that may be recorded: an open round, a veto item, an answer, a note when
/// triggered, and no contradiction of the measured value the item is defined by.
#[derive(Debug, Clone, PartialEq)]
pub struct Veto {
    round_id: i64,
    indicator_id: i64,
    triggered: bool,
    note: String,
}

impl Veto {
    pub fn check(
        round: &Round,
        item: &Item,
        ids: &RubricIds,
        input: VetoInput<'_>,
        decided: Option<&DerivedVeto>,
    ) -> Result<Veto, VetoRefusal> {
        if let Some(state) = closed(round) {
            return Err(VetoRefusal::RoundClosed(state));
        }
        let ItemKey::Veto(number) = item.key else {
            return Err(VetoRefusal::NotVetoItem);
        };
        let triggered = parse_yes_no(input.triggered).ok_or(VetoRefusal::NoAnswer)?;
        let note = input.note.trim();
        if triggered && note.is_empty() {
            return Err(VetoRefusal::EmptyNote);
        }
        if let Some(decided) = decided.filter(|d| d.indicator == number)
            && decided.triggered != triggered
        {
            return Err(VetoRefusal::DecidedByMeasure {
                measure: decided.measure,
                value: decided.value,
                triggered: decided.triggered,
            });
        }
        let indicator_id = *ids
            .indicators
            .get(&number)
            .ok_or(VetoRefusal::IndicatorNotInEdition)?;
        Ok(Veto {
            round_id: round.id,
            indicator_id,
            triggered,
            note: note.to_string(),
        })
    }

    pub fn triggered(&self) -> bool {
        self.triggered
    }

    pub fn note(&self) -> &str {
        &self.note
    }

    /// Records (or replaces) the round's mark for the veto item, entered by `user_id`.
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<()> {
        rounds::set_veto(
            db,
            self.round_id,
            self.indicator_id,
            self.triggered,
            &self.note,
            user_id,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::data::Scoring;
    use crate::scoring::commands::fixture;

    fn item() -> Item {
        fixture::item(ItemKey::Veto(90), Scoring::Veto, None, &[90])
    }

    fn check(round: &Round, item: &Item, triggered: &str, note: &str) -> Result<Veto, VetoRefusal> {
        Veto::check(
            round,
            item,
            &fixture::ids(),
            VetoInput { triggered, note },
            None,
        )
    }

    #[test]
    fn a_valid_mark_is_built() {
        let veto = check(&fixture::open(), &item(), "yes", " 发生重大事故 ").unwrap();
        assert!(veto.triggered());
        assert_eq!(veto.note(), "发生重大事故");
        assert_eq!(veto.indicator_id, 1090);
        let clear = check(&fixture::open(), &item(), "no", "").unwrap();
        assert!(!clear.triggered());
    }

    #[test]
    fn a_closed_round_is_refused() {
        for state in [RoundState::Draft, RoundState::Locked] {
            let refused = check(&fixture::round(state), &item(), "no", "");
            assert_eq!(refused, Err(VetoRefusal::RoundClosed(state)));
        }
    }

    #[test]
    fn an_item_of_another_kind_is_refused() {
        let point = fixture::item(ItemKey::Point(12), Scoring::Deduction, Some(3), &[30]);
        let refused = check(&fixture::open(), &point, "no", "");
        assert_eq!(refused, Err(VetoRefusal::NotVetoItem));
    }

    #[test]
    fn no_answer_is_refused() {
        for answer in ["", "maybe", "YES"] {
            let refused = check(&fixture::open(), &item(), answer, "note");
            assert_eq!(refused, Err(VetoRefusal::NoAnswer), "{answer}");
        }
    }

    #[test]
    fn a_triggered_veto_without_a_note_is_refused() {
        let refused = check(&fixture::open(), &item(), "yes", "  ");
        assert_eq!(refused, Err(VetoRefusal::EmptyNote));
    }

    #[test]
    fn an_indicator_missing_from_the_edition_is_refused() {
        let far = fixture::item(ItemKey::Veto(190), Scoring::Veto, None, &[190]);
        let refused = check(&fixture::open(), &far, "no", "");
        assert_eq!(refused, Err(VetoRefusal::IndicatorNotInEdition));
    }

    #[test]
    fn a_mark_against_the_measured_value_is_refused() {
        let item = fixture::item(ItemKey::Veto(93), Scoring::Veto, None, &[93]);
        let decided = DerivedVeto {
            indicator: 93,
            measure: 73,
            value: Decimal::from(79),
            below: Decimal::from(80),
            triggered: true,
            contradicted_mark: None,
        };
        let mark = |triggered: &'static str| {
            Veto::check(
                &fixture::open(),
                &item,
                &fixture::ids(),
                VetoInput {
                    triggered,
                    note: "满意度测评结果",
                },
                Some(&decided),
            )
        };
        assert_eq!(
            mark("no"),
            Err(VetoRefusal::DecidedByMeasure {
                measure: 73,
                value: Decimal::from(79),
                triggered: true,
            })
        );
        assert!(mark("yes").unwrap().triggered(), "agreeing with it is fine");
    }
}
