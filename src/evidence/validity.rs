//! 有效期: the period a piece of evidence is valid for or documents (a licence's term, a
//! yearly plan's year), distinct from the day it was uploaded.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// Why a validity typed into a form is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidityRefusal {
    /// A date that is not a date (the form's date inputs send ISO dates).
    NotADate,
    /// The period ends before it starts.
    EndsBeforeStart,
}

impl Validity {
    /// The validity from the form's two fields; both may be empty (no stated period).
    pub fn parse(from: &str, until: &str) -> Result<Validity, ValidityRefusal> {
        let date = |text: &str| -> Result<Option<NaiveDate>, ValidityRefusal> {
            match text.trim() {
                "" => Ok(None),
                text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| ValidityRefusal::NotADate),
            }
        };
        let validity = Validity {
            from: date(from)?,
            until: date(until)?,
        };
        if let (Some(from), Some(until)) = (validity.from, validity.until)
            && until < from
        {
            return Err(ValidityRefusal::EndsBeforeStart);
        }
        Ok(validity)
    }

    pub fn is_stated(&self) -> bool {
        self.from.is_some() || self.until.is_some()
    }

    /// Whether the period is over by `day` (evidence that will have lapsed by the
    /// evaluation must be renewed before the assessors read it).
    pub fn lapsed_by(&self, day: NaiveDate) -> bool {
        self.until.is_some_and(|until| until < day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_parse_and_order() {
        assert_eq!(Validity::parse("", ""), Ok(Validity::default()));
        assert_eq!(
            Validity::parse("2025-01-01", "2027-12-31"),
            Ok(Validity {
                from: Some(d("2025-01-01")),
                until: Some(d("2027-12-31"))
            })
        );
        assert_eq!(
            Validity::parse("", " 2026-06-30 ").map(|v| v.until),
            Ok(Some(d("2026-06-30")))
        );
        assert_eq!(
            Validity::parse("2026-02-01", "2026-01-31"),
            Err(ValidityRefusal::EndsBeforeStart)
        );
        assert_eq!(
            Validity::parse("2026/13/01", ""),
            Err(ValidityRefusal::NotADate)
        );
    }

    #[test]
    fn lapsing_is_strictly_before_the_day() {
        let v = Validity::parse("", "2026-06-30").unwrap();
        assert!(!v.lapsed_by(d("2026-06-30")));
        assert!(v.lapsed_by(d("2026-07-01")));
        assert!(!Validity::default().lapsed_by(d("2099-01-01")));
    }
}
