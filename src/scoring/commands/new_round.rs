//! A new assessment round as the administrator describes it.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::parse_date;
use crate::scoring::rounds::{self, RoundKind};

/// The most characters a round's name may have.
const MAX_NAME_CHARS: usize = 100;

/// The new-round form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewRoundInput<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
}

/// Why a new round was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewRoundRefusal {
    /// Not one of the round kinds.
    UnknownKind,
    /// A name of 1 to 100 characters is needed.
    BadName,
    /// A date (start or end, one refusal each) is not a date.
    BadDate,
    /// The round would end before it starts.
    EndsBeforeStart,
}

/// A round that may be created: a known kind, a name, dates in order.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRound {
    kind: RoundKind,
    name: String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
}

impl NewRound {
    /// The round, or every refusal at once.
    pub fn check(input: NewRoundInput<'_>) -> Result<NewRound, Vec<NewRoundRefusal>> {
        let mut refusals = Vec::new();
        let kind = RoundKind::parse(input.kind.trim());
        if kind.is_none() {
            refusals.push(NewRoundRefusal::UnknownKind);
        }
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            refusals.push(NewRoundRefusal::BadName);
        }
        let mut date = |text: &str| {
            parse_date(text).unwrap_or_else(|()| {
                refusals.push(NewRoundRefusal::BadDate);
                None
            })
        };
        let starts_on = date(input.starts_on);
        let ends_on = date(input.ends_on);
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && s > e
        {
            refusals.push(NewRoundRefusal::EndsBeforeStart);
        }
        match (kind, refusals.is_empty()) {
            (Some(kind), true) => Ok(NewRound {
                kind,
                name: name.to_string(),
                starts_on,
                ends_on,
            }),
            _ => Err(refusals),
        }
    }

    pub fn kind(&self) -> RoundKind {
        self.kind
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the round (a draft) in the campaign; its id.
    pub async fn create(&self, db: &PgPool, campaign_id: i64) -> sqlx::Result<i64> {
        let new = rounds::NewRound {
            kind: self.kind,
            name: &self.name,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        };
        rounds::create(db, campaign_id, &new).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        kind: &str,
        name: &str,
        starts_on: &str,
        ends_on: &str,
    ) -> Result<NewRound, Vec<NewRoundRefusal>> {
        NewRound::check(NewRoundInput {
            kind,
            name,
            starts_on,
            ends_on,
        })
    }

    #[test]
    fn a_valid_round_is_built() {
        let round = check("provincial", " 省级初评 ", "2026-04-01", "2026-04-30").unwrap();
        assert_eq!(round.kind(), RoundKind::Provincial);
        assert_eq!(round.name(), "省级初评");
        assert_eq!(round.starts_on, NaiveDate::from_ymd_opt(2026, 4, 1));
        let undated = check("self", "自评", "", "").unwrap();
        assert_eq!((undated.starts_on, undated.ends_on), (None, None));
        assert!(check("city", &"名".repeat(100), "2026-04-01", "2026-04-01").is_ok());
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        assert_eq!(
            check("county", "x", "", ""),
            Err(vec![NewRoundRefusal::UnknownKind])
        );
    }

    #[test]
    fn a_missing_or_long_name_is_refused() {
        for name in ["", "  ", &"名".repeat(101)] {
            assert_eq!(
                check("city", name, "", ""),
                Err(vec![NewRoundRefusal::BadName])
            );
        }
    }

    #[test]
    fn each_bad_date_is_refused() {
        assert_eq!(
            check("city", "x", "April", ""),
            Err(vec![NewRoundRefusal::BadDate])
        );
        assert_eq!(
            check("city", "x", "April", "May"),
            Err(vec![NewRoundRefusal::BadDate, NewRoundRefusal::BadDate])
        );
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        assert_eq!(
            check("city", "x", "2026-04-30", "2026-04-01"),
            Err(vec![NewRoundRefusal::EndsBeforeStart])
        );
    }

    #[test]
    fn every_refusal_is_returned_at_once() {
        assert_eq!(
            check("", "", "x", ""),
            Err(vec![
                NewRoundRefusal::UnknownKind,
                NewRoundRefusal::BadName,
                NewRoundRefusal::BadDate,
            ])
        );
    }
}
