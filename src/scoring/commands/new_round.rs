//! A new assessment round as the administrator describes it.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::parse_date;
use crate::rubric::data::RubricFile;
use crate::scoring::rounds::{self, RoundKind};
use crate::scoring::scope::Scope;

/// The most characters a round's name may have.
const MAX_NAME_CHARS: usize = 100;

/// The new-round form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewRoundInput<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    /// `usual` (the scope the edition declares for the kind) or `chosen` (the parts below).
    pub scope_mode: &'a str,
    /// The parts ticked, as typed (sequence numbers).
    pub parts: &'a [String],
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
    /// A chosen scope with no part (or a part the edition does not have).
    NoParts,
}

/// A round that may be created: a known kind, a name, dates in order.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRound {
    kind: RoundKind,
    name: String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    scope: Scope,
}

impl NewRound {
    /// The round, or every refusal at once.
    pub fn check(
        input: NewRoundInput<'_>,
        rubric: &RubricFile,
    ) -> Result<NewRound, Vec<NewRoundRefusal>> {
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
        let scope = if input.scope_mode == "chosen" {
            let parts: Result<Vec<i32>, _> = input.parts.iter().map(|p| p.trim().parse()).collect();
            match parts.ok().map(|parts| Scope::of_parts(rubric, parts)) {
                Some(Ok(scope)) => Some(scope),
                _ => {
                    refusals.push(NewRoundRefusal::NoParts);
                    None
                }
            }
        } else {
            kind.map(|kind| Scope::usual_for(rubric, kind.as_str()))
        };
        match (kind, scope, refusals.is_empty()) {
            (Some(kind), Some(scope), true) => Ok(NewRound {
                kind,
                name: name.to_string(),
                starts_on,
                ends_on,
                scope,
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

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Creates the round (a draft) in the campaign; its id.
    pub async fn create(&self, db: &PgPool, campaign_id: i64) -> sqlx::Result<i64> {
        let new = rounds::NewRound {
            kind: self.kind,
            name: &self.name,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            scope: &self.scope,
        };
        rounds::create(db, campaign_id, &new).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rubric::data::BUNDLED_2021;

    fn rubric() -> RubricFile {
        RubricFile::parse(BUNDLED_2021).unwrap()
    }

    fn check(
        kind: &str,
        name: &str,
        starts_on: &str,
        ends_on: &str,
    ) -> Result<NewRound, Vec<NewRoundRefusal>> {
        NewRound::check(
            NewRoundInput {
                kind,
                name,
                starts_on,
                ends_on,
                scope_mode: "usual",
                parts: &[],
            },
            &rubric(),
        )
    }

    fn with_parts(kind: &str, parts: &[&str]) -> Result<NewRound, Vec<NewRoundRefusal>> {
        let parts: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        NewRound::check(
            NewRoundInput {
                kind,
                name: "x",
                scope_mode: "chosen",
                parts: &parts,
                ..Default::default()
            },
            &rubric(),
        )
    }

    #[test]
    fn each_kind_gets_the_scope_its_edition_declares_unless_another_is_chosen() {
        let provincial = check("provincial", "省级初评", "", "").unwrap();
        assert_eq!(provincial.scope().parts().collect::<Vec<_>>(), [1, 2, 3]);
        assert!(
            check("national_mock", "x", "", "")
                .unwrap()
                .scope()
                .is_all(&rubric())
        );
        let chosen = with_parts("provincial", &["1", "4", "6"]).unwrap();
        assert_eq!(chosen.scope().parts().collect::<Vec<_>>(), [1, 4, 6]);
    }

    #[test]
    fn a_chosen_scope_without_parts_or_with_unknown_ones_is_refused() {
        for parts in [&[][..], &["9"][..], &["一"][..]] {
            assert_eq!(
                with_parts("city", parts),
                Err(vec![NewRoundRefusal::NoParts])
            );
        }
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
