//! The checked values of organisation evaluations — points, deductions, grade bands, a new
//! evaluation — and the arithmetic: score, grade, rank, days late. Pure, unit-tested.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::Kind;

/// Every organisation's score starts here.
pub const FULL_MARKS: Decimal = Decimal::ONE_HUNDRED;
pub(super) const MAX_NAME_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 2_000;
pub const MAX_REPORT_CHARS: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Fail,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Pass => "pass",
            Grade::Fail => "fail",
        }
    }
}

/// Why a command was refused: a code for the audit trail and a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NameMissing,
    TooLong,
    BadKind,
    BadDate,
    /// Points that are not a number, negative, over 100 or with more than two decimals.
    BadPoints,
    /// A deduction above 0 without a reason.
    ReasonMissing,
    /// A band outside 0–100.
    BandRange,
    /// Bands not strictly descending (优秀 > 良好 > 合格).
    BandOrder,
    /// An indicator none of the organisation's own tasks is for.
    NotOwnIndicator,
    /// The evaluation is not open (still a draft, or finalised).
    NotOpen,
    Finalised,
    /// The self-evaluation was submitted: its entries are locked.
    Submitted,
    NotSubmitted,
    /// Submitting while some indicators have no entry yet.
    Unscored,
    ReportMissing,
    WrongKind,
    /// A general deduction (no indicator) cannot become a task's rectification.
    NoIndicator,
    /// The organisation has no task for the deduction's indicator.
    NoTask,
    AlreadyRectified,
    BadMethod,
    WrongState,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NameMissing => "name_missing",
            Refusal::TooLong => "too_long",
            Refusal::BadKind => "bad_kind",
            Refusal::BadDate => "bad_date",
            Refusal::BadPoints => "bad_points",
            Refusal::ReasonMissing => "reason_missing",
            Refusal::BandRange => "band_range",
            Refusal::BandOrder => "band_order",
            Refusal::NotOwnIndicator => "not_own_indicator",
            Refusal::NotOpen => "not_open",
            Refusal::Finalised => "finalised",
            Refusal::Submitted => "submitted",
            Refusal::NotSubmitted => "not_submitted",
            Refusal::Unscored => "unscored",
            Refusal::ReportMissing => "report_missing",
            Refusal::WrongKind => "wrong_kind",
            Refusal::NoIndicator => "no_indicator",
            Refusal::NoTask => "no_task",
            Refusal::AlreadyRectified => "already_rectified",
            Refusal::BadMethod => "bad_method",
            Refusal::WrongState => "wrong_state",
        }
    }

    pub fn message_key(self) -> String {
        format!("orgeval-refused-{}", self.as_str().replace('_', "-"))
    }
}

/// Deduction points: 0 … 100, at most two decimals ("0.5", "2").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Points(Decimal);

impl Points {
    pub fn parse(text: &str) -> Result<Points, Refusal> {
        let value: Decimal = text
            .trim()
            .replace('，', ".")
            .parse()
            .map_err(|_| Refusal::BadPoints)?;
        if value < Decimal::ZERO || value > FULL_MARKS || value.normalize().scale() > 2 {
            return Err(Refusal::BadPoints);
        }
        Ok(Points(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// A deduction's points with its reason: a reason is needed unless the points are 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    points: Points,
    reason: String,
}

impl Deduction {
    pub fn parse(points: &str, reason: &str) -> Result<Deduction, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let points = Points::parse(points).map_err(|r| refusals.push(r)).ok();
        let reason = reason.trim().to_string();
        if reason.chars().count() > MAX_REASON_CHARS {
            refusals.push(Refusal::TooLong);
        }
        if points.is_some_and(|p| p.value() > Decimal::ZERO) && reason.is_empty() {
            refusals.push(Refusal::ReasonMissing);
        }
        match points {
            Some(points) if refusals.is_empty() => Ok(Deduction { points, reason }),
            _ => Err(refusals),
        }
    }

    pub fn points(&self) -> Decimal {
        self.points.value()
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Grade bands, checked: each within 0–100, strictly descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bands {
    pub excellent: Decimal,
    pub good: Decimal,
    pub pass: Decimal,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            excellent: Decimal::from(90),
            good: Decimal::from(80),
            pass: Decimal::from(60),
        }
    }
}

impl Bands {
    pub fn parse(excellent: &str, good: &str, pass: &str) -> Result<Bands, Refusal> {
        let one = |text: &str| -> Result<Decimal, Refusal> {
            let value: Decimal = text.trim().parse().map_err(|_| Refusal::BandRange)?;
            if value < Decimal::ZERO || value > FULL_MARKS || value.normalize().scale() > 2 {
                return Err(Refusal::BandRange);
            }
            Ok(value.normalize())
        };
        let bands = Bands {
            excellent: one(excellent)?,
            good: one(good)?,
            pass: one(pass)?,
        };
        if !(bands.excellent > bands.good && bands.good > bands.pass) {
            return Err(Refusal::BandOrder);
        }
        Ok(bands)
    }

    pub fn grade(&self, score: Decimal) -> Grade {
        if score >= self.excellent {
            Grade::Excellent
        } else if score >= self.good {
            Grade::Good
        } else if score >= self.pass {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }
}

/// 100 minus the deductions, never below 0.
pub fn score(deductions: impl IntoIterator<Item = Decimal>) -> Decimal {
    let total: Decimal = deductions.into_iter().sum();
    (FULL_MARKS - total).max(Decimal::ZERO).normalize()
}

/// Ranks of scores given best first: equal scores share a rank ("1, 1, 3").
pub fn ranks(sorted_scores: &[Decimal]) -> Vec<usize> {
    let mut out = Vec::with_capacity(sorted_scores.len());
    for (index, score) in sorted_scores.iter().enumerate() {
        let rank = match index {
            0 => 1,
            _ if sorted_scores[index - 1] == *score => out[index - 1],
            _ => index + 1,
        };
        out.push(rank);
    }
    out
}

/// Whole days a submission on `submitted_on` is after `deadline` (0 when on time).
pub fn days_late(deadline: NaiveDate, submitted_on: NaiveDate) -> i32 {
    (submitted_on - deadline).num_days().max(0) as i32
}

#[derive(Debug, Clone)]
pub struct NewEvaluation {
    kind: Kind,
    name: String,
    deadline: Option<NaiveDate>,
}

impl NewEvaluation {
    pub fn parse(kind: &str, name: &str, deadline: &str) -> Result<NewEvaluation, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let kind = Kind::parse(kind.trim());
        if kind.is_none() {
            refusals.push(Refusal::BadKind);
        }
        let name = name.trim().to_string();
        if name.is_empty() {
            refusals.push(Refusal::NameMissing);
        } else if name.chars().count() > MAX_NAME_CHARS {
            refusals.push(Refusal::TooLong);
        }
        let deadline = match deadline.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    refusals.push(Refusal::BadDate);
                    None
                }
            },
        };
        if kind == Some(Kind::SelfCheck)
            && deadline.is_none()
            && !refusals.contains(&Refusal::BadDate)
        {
            refusals.push(Refusal::BadDate);
        }
        match kind {
            Some(kind) if refusals.is_empty() => Ok(NewEvaluation {
                kind,
                deadline: (kind == Kind::SelfCheck).then_some(deadline).flatten(),
                name,
            }),
            _ => Err(refusals),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
}

impl NewEvaluation {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn deadline(&self) -> Option<NaiveDate> {
        self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn score_is_100_minus_deductions_floored_at_zero() {
        assert_eq!(score([]), dec!(100));
        assert_eq!(score([dec!(2.5), dec!(3)]), dec!(94.5));
        assert_eq!(score([dec!(60), dec!(60)]), dec!(0));
    }

    #[test]
    fn points_and_reasons() {
        assert!(Points::parse("-1").is_err());
        assert!(Points::parse("abc").is_err());
        assert!(Points::parse("100.5").is_err());
        assert!(Points::parse("0.125").is_err());
        assert_eq!(Points::parse(" 2.50 ").unwrap().value(), dec!(2.5));
        assert_eq!(
            Deduction::parse("2", " ").unwrap_err(),
            vec![Refusal::ReasonMissing]
        );
        assert!(
            Deduction::parse("0", "").is_ok(),
            "0 = 无扣分 needs no reason"
        );
        assert_eq!(
            Deduction::parse("-2", "").unwrap_err(),
            vec![Refusal::BadPoints]
        );
    }

    #[test]
    fn bands_are_checked_and_grade() {
        assert_eq!(Bands::parse("90", "80", "60").unwrap(), Bands::default());
        assert_eq!(Bands::parse("80", "90", "60"), Err(Refusal::BandOrder));
        assert_eq!(Bands::parse("90", "90", "60"), Err(Refusal::BandOrder));
        assert_eq!(Bands::parse("101", "80", "60"), Err(Refusal::BandRange));
        assert_eq!(Bands::parse("90", "80", "-1"), Err(Refusal::BandRange));
        let bands = Bands::default();
        assert_eq!(bands.grade(dec!(90)), Grade::Excellent);
        assert_eq!(bands.grade(dec!(89.99)), Grade::Good);
        assert_eq!(bands.grade(dec!(60)), Grade::Pass);
        assert_eq!(bands.grade(dec!(59.5)), Grade::Fail);
    }

    #[test]
    fn ties_share_a_rank() {
        assert_eq!(
            ranks(&[dec!(98), dec!(95), dec!(95), dec!(90)]),
            vec![1, 2, 2, 4]
        );
        assert_eq!(ranks(&[]), Vec::<usize>::new());
    }

    #[test]
    fn lateness_in_days() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        assert_eq!(days_late(d(2), d(2)), 0);
        assert_eq!(days_late(d(2), d(1)), 0);
        assert_eq!(days_late(d(2), d(5)), 3);
    }

    #[test]
    fn a_self_evaluation_needs_a_deadline() {
        assert_eq!(
            NewEvaluation::parse("self", "2026年自查", "").unwrap_err(),
            vec![Refusal::BadDate]
        );
        assert!(NewEvaluation::parse("city", "市级考评", "").is_ok());
        assert_eq!(
            NewEvaluation::parse("x", " ", "").unwrap_err(),
            vec![Refusal::BadKind, Refusal::NameMissing]
        );
    }
}
