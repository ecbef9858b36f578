//! A deduction: points taken off an item of a 扣分 part, tied to one of its indicators.

use rust_decimal::Decimal;
use sqlx::{PgExecutor, PgPool};

use super::{closed, parse_points};
use crate::rubric::data::Scoring;
use crate::scoring::rounds::{self, Item, Round, RoundState, RubricIds};

/// The deduction form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeductionInput<'a> {
    pub indicator: &'a str,
    pub points: &'a str,
    pub reason: &'a str,
}

/// Why a deduction was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeductionRefusal {
    /// The round does not take scores (draft or locked).
    RoundClosed(RoundState),
    /// The item is not scored by deductions.
    NotDeductionItem,
    /// No indicator of this item was named.
    IndicatorNotInItem,
    /// Points must be above zero, at most the item's maximum, with two decimals at most.
    PointsOutOfRange { max: i32 },
    /// A deduction needs its reason.
    EmptyReason,
    /// The indicator is not in the database's copy of the rubric edition.
    IndicatorNotInEdition,
}

/// A deduction that may be recorded: an open round, a deduction item, one of its
/// indicators, points in (0, max] and a reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Deduction {
    round_id: i64,
    indicator: i32,
    indicator_id: i64,
    points: Decimal,
    reason: String,
}

impl Deduction {
    /// The deduction, or every refusal at once (the form shows them together). A closed
    /// round or an item of another kind is the only refusal returned.
    pub fn check(
        round: &Round,
        item: &Item,
        ids: &RubricIds,
        input: DeductionInput<'_>,
    ) -> Result<Deduction, Vec<DeductionRefusal>> {
        if let Some(state) = closed(round) {
            return Err(vec![DeductionRefusal::RoundClosed(state)]);
        }
        if item.scoring != Scoring::Deduction {
            return Err(vec![DeductionRefusal::NotDeductionItem]);
        }
        let mut refusals = Vec::new();
        let indicator: Option<i32> = input
            .indicator
            .trim()
            .parse()
            .ok()
            .filter(|n| item.indicators.contains(n));
        if indicator.is_none() {
            refusals.push(DeductionRefusal::IndicatorNotInItem);
        }
        let points = parse_points(input.points)
            .filter(|p| *p > Decimal::ZERO && item.max.is_some_and(|max| *p <= Decimal::from(max)));
        if points.is_none() {
            refusals.push(DeductionRefusal::PointsOutOfRange {
                max: item.max.unwrap_or_default(),
            });
        }
        let reason = input.reason.trim();
        if reason.is_empty() {
            refusals.push(DeductionRefusal::EmptyReason);
        }
        let (Some(indicator), Some(points), true) = (indicator, points, refusals.is_empty()) else {
            return Err(refusals);
        };
        let indicator_id = *ids
            .indicators
            .get(&indicator)
            .ok_or(vec![DeductionRefusal::IndicatorNotInEdition])?;
        Ok(Deduction {
            round_id: round.id,
            indicator,
            indicator_id,
            points,
            reason: reason.to_string(),
        })
    }

    pub fn indicator(&self) -> i32 {
        self.indicator
    }

    pub fn points(&self) -> Decimal {
        self.points
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Records the deduction by `user_id`; its id.
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<i64> {
        self.record_in(db, user_id).await
    }

    /// [`Self::record`] inside a caller's transaction (a finding accepted links to it).
    pub async fn record_in(&self, db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<i64> {
        rounds::add_deduction(
            db,
            self.round_id,
            self.indicator_id,
            self.points,
            &self.reason,
            user_id,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::commands::fixture;
    use crate::scoring::rounds::ItemKey;

    fn item() -> Item {
        fixture::item(ItemKey::Point(12), Scoring::Deduction, Some(3), &[30, 31])
    }

    fn input<'a>(indicator: &'a str, points: &'a str, reason: &'a str) -> DeductionInput<'a> {
        DeductionInput {
            indicator,
            points,
            reason,
        }
    }

    fn check(
        round: &Round,
        item: &Item,
        typed: DeductionInput<'_>,
    ) -> Result<Deduction, Vec<DeductionRefusal>> {
        Deduction::check(round, item, &fixture::ids(), typed)
    }

    #[test]
    fn a_valid_deduction_is_built_trimmed() {
        let d = check(
            &fixture::open(),
            &item(),
            input(" 31 ", "1.5", " 资料不全 "),
        )
        .unwrap();
        assert_eq!(d.indicator(), 31);
        assert_eq!(d.points(), Decimal::new(15, 1));
        assert_eq!(d.reason(), "资料不全");
        assert_eq!(d.indicator_id, 1031);
        assert_eq!(d.round_id, 7);
        // The whole maximum may be taken off.
        assert!(check(&fixture::open(), &item(), input("30", "3", "x")).is_ok());
    }

    #[test]
    fn a_closed_round_is_refused() {
        for state in [RoundState::Draft, RoundState::Locked] {
            let refused = check(&fixture::round(state), &item(), input("30", "1", "x"));
            assert_eq!(refused, Err(vec![DeductionRefusal::RoundClosed(state)]));
        }
    }

    #[test]
    fn an_item_of_another_kind_is_refused() {
        let awarded = fixture::item(ItemKey::Point(12), Scoring::Awarded, Some(3), &[30]);
        let refused = check(&fixture::open(), &awarded, input("30", "1", "x"));
        assert_eq!(refused, Err(vec![DeductionRefusal::NotDeductionItem]));
    }

    #[test]
    fn an_indicator_outside_the_item_is_refused() {
        for indicator in ["29", "", "thirty"] {
            let refused = check(&fixture::open(), &item(), input(indicator, "1", "x"));
            assert_eq!(refused, Err(vec![DeductionRefusal::IndicatorNotInItem]));
        }
    }

    #[test]
    fn points_outside_the_limit_are_refused() {
        for points in ["0", "-1", "3.01", "1.255", "", "much"] {
            let refused = check(&fixture::open(), &item(), input("30", points, "x"));
            assert_eq!(
                refused,
                Err(vec![DeductionRefusal::PointsOutOfRange { max: 3 }]),
                "{points}"
            );
        }
    }

    #[test]
    fn an_empty_reason_is_refused() {
        let refused = check(&fixture::open(), &item(), input("30", "1", "  "));
        assert_eq!(refused, Err(vec![DeductionRefusal::EmptyReason]));
    }

    #[test]
    fn every_form_refusal_is_returned_at_once() {
        let refused = check(&fixture::open(), &item(), input("", "9", ""));
        assert_eq!(
            refused,
            Err(vec![
                DeductionRefusal::IndicatorNotInItem,
                DeductionRefusal::PointsOutOfRange { max: 3 },
                DeductionRefusal::EmptyReason,
            ])
        );
    }

    #[test]
    fn an_indicator_missing_from_the_edition_is_refused() {
        let far = fixture::item(ItemKey::Point(12), Scoring::Deduction, Some(3), &[130]);
        let refused = check(&fixture::open(), &far, input("130", "1", "x"));
        assert_eq!(refused, Err(vec![DeductionRefusal::IndicatorNotInEdition]));
    }
}
