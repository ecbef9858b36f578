//! Points awarded to an item of an 评分 part (within its maximum).

use rust_decimal::Decimal;
use sqlx::PgPool;

use super::{closed, parse_points};
use crate::rubric::data::Scoring;
use crate::scoring::rounds::{self, Item, ItemKey, Round, RoundState, RubricIds};

/// The award form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwardInput<'a> {
    pub points: &'a str,
    pub remark: &'a str,
}

/// Why an award was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwardRefusal {
    /// The round does not take scores (draft or locked).
    RoundClosed(RoundState),
    /// The item is not an awarded point with a maximum.
    NotAwardedItem,
    /// Points from 0 to the item's maximum, with two decimals at most.
    PointsOutOfRange { max: i32 },
    /// The point is not in the database's copy of the rubric edition.
    PointNotInEdition,
}

/// An award that may be recorded: an open round, an awarded point, points in [0, max].
#[derive(Debug, Clone, PartialEq)]
pub struct Award {
    round_id: i64,
    point_id: i64,
    points: Decimal,
    remark: String,
}

impl Award {
    pub fn check(
        round: &Round,
        item: &Item,
        ids: &RubricIds,
        input: AwardInput<'_>,
    ) -> Result<Award, AwardRefusal> {
        if let Some(state) = closed(round) {
            return Err(AwardRefusal::RoundClosed(state));
        }
        let (ItemKey::Point(seq), Scoring::Awarded, Some(max)) = (item.key, item.scoring, item.max)
        else {
            return Err(AwardRefusal::NotAwardedItem);
        };
        let points = parse_points(input.points)
            .filter(|p| *p >= Decimal::ZERO && *p <= Decimal::from(max))
            .ok_or(AwardRefusal::PointsOutOfRange { max })?;
        let point_id = *ids
            .points
            .get(&seq)
            .ok_or(AwardRefusal::PointNotInEdition)?;
        Ok(Award {
            round_id: round.id,
            point_id,
            points,
            remark: input.remark.trim().to_string(),
        })
    }

    pub fn points(&self) -> Decimal {
        self.points
    }

    pub fn remark(&self) -> &str {
        &self.remark
    }

    /// Records (or replaces) the round's award for the point, entered by `user_id`.
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<()> {
        rounds::set_award(
            db,
            self.round_id,
            self.point_id,
            self.points,
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

    fn item() -> Item {
        fixture::item(ItemKey::Point(12), Scoring::Awarded, Some(4), &[50])
    }

    fn check(round: &Round, item: &Item, points: &str) -> Result<Award, AwardRefusal> {
        let input = AwardInput {
            points,
            remark: " 成效明显 ",
        };
        Award::check(round, item, &fixture::ids(), input)
    }

    #[test]
    fn a_valid_award_is_built() {
        let award = check(&fixture::open(), &item(), "3.5").unwrap();
        assert_eq!(award.points(), Decimal::new(35, 1));
        assert_eq!(award.remark(), "成效明显");
        assert_eq!((award.round_id, award.point_id), (7, 112));
        for points in ["0", "4"] {
            assert!(check(&fixture::open(), &item(), points).is_ok());
        }
    }

    #[test]
    fn a_closed_round_is_refused() {
        for state in [RoundState::Draft, RoundState::Locked] {
            let refused = check(&fixture::round(state), &item(), "1");
            assert_eq!(refused, Err(AwardRefusal::RoundClosed(state)));
        }
    }

    #[test]
    fn an_item_of_another_kind_is_refused() {
        let others = [
            fixture::item(ItemKey::Point(12), Scoring::Deduction, Some(4), &[50]),
            fixture::item(ItemKey::Veto(90), Scoring::Awarded, None, &[90]),
            fixture::item(ItemKey::Point(12), Scoring::Awarded, None, &[50]),
        ];
        for other in &others {
            let refused = check(&fixture::open(), other, "1");
            assert_eq!(refused, Err(AwardRefusal::NotAwardedItem));
        }
    }

    #[test]
    fn points_outside_the_limit_are_refused() {
        for points in ["-0.5", "4.01", "0.125", "", "all"] {
            let refused = check(&fixture::open(), &item(), points);
            assert_eq!(
                refused,
                Err(AwardRefusal::PointsOutOfRange { max: 4 }),
                "{points}"
            );
        }
    }

    #[test]
    fn a_point_missing_from_the_edition_is_refused() {
        let far = fixture::item(ItemKey::Point(13), Scoring::Awarded, Some(4), &[50]);
        let refused = check(&fixture::open(), &far, "1");
        assert_eq!(refused, Err(AwardRefusal::PointNotInEdition));
    }
}
