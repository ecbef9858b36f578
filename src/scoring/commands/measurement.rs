//! A measured value (e.g. satisfaction 86.5) behind a point of the 测评 part.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;

use super::{closed, parse_date, parse_points};
use crate::rubric::data::{Measure, MeasureUnit};
use crate::scoring::rounds::{self, NewMeasurement, Round, RoundState, RubricIds};

/// The measurement form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeasurementInput<'a> {
    pub value: &'a str,
    pub source: &'a str,
    pub source_date: &'a str,
}

/// Why a measurement was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasurementRefusal {
    /// The round does not take scores (draft or locked).
    RoundClosed(RoundState),
    /// The item declares no measure.
    NotMeasuredItem,
    /// A value from 0 to 100 with two decimals at most.
    ValueOutOfRange,
    /// Where the value comes from must be said.
    EmptySource,
    /// The source's date is not a date.
    BadSourceDate,
    /// The measured indicator is not in the database's copy of the rubric edition.
    IndicatorNotInEdition,
}

/// A measurement that may be recorded: an open round, a measured item, a value in
/// [0, 100], its source and optionally the source's date.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    round_id: i64,
    indicator: i32,
    indicator_id: i64,
    unit: MeasureUnit,
    value: Decimal,
    source: String,
    source_date: Option<NaiveDate>,
}

impl Measurement {
    /// The measurement for the item's `measure` (None when it declares none), or every
    /// form refusal at once.
    pub fn check(
        round: &Round,
        measure: Option<&Measure>,
        ids: &RubricIds,
        input: MeasurementInput<'_>,
    ) -> Result<Measurement, Vec<MeasurementRefusal>> {
        if let Some(state) = closed(round) {
            return Err(vec![MeasurementRefusal::RoundClosed(state)]);
        }
        let measure = measure.ok_or(vec![MeasurementRefusal::NotMeasuredItem])?;
        let mut refusals = Vec::new();
        let value =
            parse_points(input.value).filter(|v| *v >= Decimal::ZERO && *v <= Decimal::ONE_HUNDRED);
        if value.is_none() {
            refusals.push(MeasurementRefusal::ValueOutOfRange);
        }
        let source = input.source.trim();
        if source.is_empty() {
            refusals.push(MeasurementRefusal::EmptySource);
        }
        let source_date = parse_date(input.source_date).unwrap_or_else(|()| {
            refusals.push(MeasurementRefusal::BadSourceDate);
            None
        });
        let (Some(value), true) = (value, refusals.is_empty()) else {
            return Err(refusals);
        };
        let indicator_id = *ids
            .indicators
            .get(&measure.indicator)
            .ok_or(vec![MeasurementRefusal::IndicatorNotInEdition])?;
        Ok(Measurement {
            round_id: round.id,
            indicator: measure.indicator,
            indicator_id,
            unit: measure.unit,
            value,
            source: source.to_string(),
            source_date,
        })
    }

    pub fn indicator(&self) -> i32 {
        self.indicator
    }

    pub fn unit(&self) -> MeasureUnit {
        self.unit
    }

    pub fn value(&self) -> Decimal {
        self.value
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Records (or replaces) the round's value for the indicator, entered by `user_id`.
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<()> {
        let new = NewMeasurement {
            value: self.value,
            unit: self.unit.as_str(),
            source: &self.source,
            source_date: self.source_date,
        };
        rounds::set_measurement(db, self.round_id, self.indicator_id, &new, user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::data::Formula;
    use crate::scoring::commands::fixture;

    fn measure() -> Measure {
        Measure {
            indicator: 73,
            unit: MeasureUnit::Points,
            label: "满意度".into(),
            formula: Formula::Proportional,
        }
    }

    fn check(
        round: &Round,
        measure: Option<&Measure>,
        value: &str,
        source: &str,
        source_date: &str,
    ) -> Result<Measurement, Vec<MeasurementRefusal>> {
        let input = MeasurementInput {
            value,
            source,
            source_date,
        };
        Measurement::check(round, measure, &fixture::ids(), input)
    }

    #[test]
    fn a_valid_measurement_is_built() {
        let m = check(
            &fixture::open(),
            Some(&measure()),
            "86.5",
            " 第三方 ",
            "2026-03-31",
        )
        .unwrap();
        assert_eq!((m.indicator(), m.indicator_id), (73, 1073));
        assert_eq!(m.value(), Decimal::new(865, 1));
        assert_eq!(m.unit(), MeasureUnit::Points);
        assert_eq!(m.source(), "第三方");
        assert_eq!(m.source_date, NaiveDate::from_ymd_opt(2026, 3, 31));
        let undated = check(&fixture::open(), Some(&measure()), "0", "x", "").unwrap();
        assert_eq!(undated.source_date, None);
        assert!(check(&fixture::open(), Some(&measure()), "100", "x", "").is_ok());
    }

    #[test]
    fn a_closed_round_is_refused() {
        for state in [RoundState::Draft, RoundState::Locked] {
            let refused = check(&fixture::round(state), Some(&measure()), "80", "x", "");
            assert_eq!(refused, Err(vec![MeasurementRefusal::RoundClosed(state)]));
        }
    }

    #[test]
    fn an_item_without_a_measure_is_refused() {
        let refused = check(&fixture::open(), None, "80", "x", "");
        assert_eq!(refused, Err(vec![MeasurementRefusal::NotMeasuredItem]));
    }

    #[test]
    fn a_value_outside_0_to_100_is_refused() {
        for value in ["-1", "100.01", "1.234", "", "high"] {
            let refused = check(&fixture::open(), Some(&measure()), value, "x", "");
            assert_eq!(
                refused,
                Err(vec![MeasurementRefusal::ValueOutOfRange]),
                "{value}"
            );
        }
    }

    #[test]
    fn an_empty_source_is_refused() {
        let refused = check(&fixture::open(), Some(&measure()), "80", " ", "");
        assert_eq!(refused, Err(vec![MeasurementRefusal::EmptySource]));
    }

    #[test]
    fn a_bad_source_date_is_refused() {
        let refused = check(&fixture::open(), Some(&measure()), "80", "x", "31/03/2026");
        assert_eq!(refused, Err(vec![MeasurementRefusal::BadSourceDate]));
    }

    #[test]
    fn every_form_refusal_is_returned_at_once() {
        let refused = check(&fixture::open(), Some(&measure()), "", "", "soon");
        assert_eq!(
            refused,
            Err(vec![
                MeasurementRefusal::ValueOutOfRange,
                MeasurementRefusal::EmptySource,
                MeasurementRefusal::BadSourceDate,
            ])
        );
    }

    #[test]
    fn an_indicator_missing_from_the_edition_is_refused() {
        let far = Measure {
            indicator: 173,
            ..measure()
        };
        let refused = check(&fixture::open(), Some(&far), "80", "x", "");
        assert_eq!(
            refused,
            Err(vec![MeasurementRefusal::IndicatorNotInEdition])
        );
    }
}
