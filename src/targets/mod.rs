//! Quantitative targets (e.g. 46: 年均食品安全抽检量 4 批次/千人). The rubric data declares
//! them; organisations report the raw counts per year and the rate is computed here, so
//! nobody types a percentage that does not follow from its counts.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::rubric::data::{TargetEntry, TargetScope};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Entry {
    pub id: i64,
    pub target_code: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub year: i32,
    pub numerator: Decimal,
    pub denominator: Decimal,
    pub note: String,
    pub entered_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// An entry with its computed value, against its target.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub entry: Entry,
    pub value: Option<Decimal>,
    /// Whether this entry is judged on its own (a city-wide target judges only the city).
    pub judged: bool,
    pub met: bool,
}

pub fn measure(target: &TargetEntry, entry: Entry) -> Measured {
    let value = target.value(entry.numerator, entry.denominator);
    Measured {
        judged: !target.scope.city_wide(),
        met: value.is_some_and(|v| v >= target.min),
        value,
        entry,
    }
}

/// A city-wide target's rate for one year, from every organisation's counts.
#[derive(Debug, Clone, Serialize)]
pub struct CityRate {
    pub year: i32,
    pub numerator: Decimal,
    /// The city's base: the one all contributors reported (shared base), or the sum.
    pub denominator: Decimal,
    pub value: Option<Decimal>,
    pub met: bool,
    /// Organisations that reported for the year.
    pub contributors: usize,
    /// With a shared base: contributors reported different bases (the commonest is used).
    pub bases_differ: bool,
}

/// The city's rates of a city-wide target, newest year first; empty for a target
/// judged per organisation.
pub fn city_rates(target: &TargetEntry, entries: &[Entry]) -> Vec<CityRate> {
    if !target.scope.city_wide() {
        return Vec::new();
    }
    let mut years: Vec<i32> = entries
        .iter()
        .filter(|e| e.target_code == target.code)
        .map(|e| e.year)
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    years
        .into_iter()
        .map(|year| {
            let of_year: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.target_code == target.code && e.year == year)
                .collect();
            let numerator: Decimal = of_year.iter().map(|e| e.numerator).sum();
            let (denominator, bases_differ) = match target.scope {
                TargetScope::CityPooled => (of_year.iter().map(|e| e.denominator).sum(), false),
                _ => shared_base(&of_year),
            };
            let value = target.value(numerator, denominator);
            CityRate {
                year,
                numerator,
                denominator,
                met: value.is_some_and(|v| v >= target.min),
                value,
                contributors: of_year.len(),
                bases_differ,
            }
        })
        .collect()
}

/// The base most contributors reported (the larger on a tie), and whether any differ.
fn shared_base(entries: &[&Entry]) -> (Decimal, bool) {
    let mut counts: Vec<(Decimal, usize)> = Vec::new();
    for entry in entries {
        match counts.iter_mut().find(|(d, _)| *d == entry.denominator) {
            Some((_, n)) => *n += 1,
            None => counts.push((entry.denominator, 1)),
        }
    }
    let base = counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
        .map_or(Decimal::ZERO, |(d, _)| *d);
    (base, counts.len() > 1)
}

/// `part` as a percentage of `total`, to tenths (an organisation's share of the city).
pub fn share(part: Decimal, total: Decimal) -> Option<Decimal> {
    (total > Decimal::ZERO).then(|| {
        (part * Decimal::ONE_HUNDRED / total)
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    })
}

/// Entries of a campaign, newest year first; optionally only one organisation's.
pub async fn entries(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: Option<i64>,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT v.id, v.target_code, v.organisation_id, o.name AS organisation_name, v.year, v.numerator, \
                v.denominator, v.note, u.display_name AS entered_by_name, v.updated_at \
         FROM target_values v JOIN organisations o ON o.id = v.organisation_id LEFT JOIN users u ON u.id = v.entered_by \
         WHERE v.campaign_id = $1 AND ($2::bigint IS NULL OR v.organisation_id = $2) \
         ORDER BY v.target_code, v.year DESC, o.sort_order, o.name",
    )
    .bind(campaign_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

pub struct NewEntry<'a> {
    pub target_code: &'a str,
    pub organisation_id: i64,
    pub year: i32,
    pub numerator: Decimal,
    pub denominator: Decimal,
    pub note: &'a str,
}

/// Records (or corrects) an organisation's counts for a year.
pub async fn save(
    db: &PgPool,
    campaign_id: i64,
    entry: &NewEntry<'_>,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO target_values (campaign_id, target_code, organisation_id, year, numerator, denominator, note, entered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (campaign_id, target_code, organisation_id, year) DO UPDATE SET numerator = EXCLUDED.numerator, \
             denominator = EXCLUDED.denominator, note = EXCLUDED.note, entered_by = EXCLUDED.entered_by, updated_at = now() \
         RETURNING id",
    )
    .bind(campaign_id)
    .bind(entry.target_code)
    .bind(entry.organisation_id)
    .bind(entry.year)
    .bind(entry.numerator)
    .bind(entry.denominator)
    .bind(entry.note)
    .bind(user_id)
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn target(scale: Decimal, min: Decimal) -> TargetEntry {
        TargetEntry {
            code: "46-batches".into(),
            indicator: 46,
            label: "年均食品安全抽检量".into(),
            numerator: "批次".into(),
            denominator: "人口".into(),
            scale,
            unit: "批次/千人".into(),
            min,
            scope: TargetScope::Organisation,
        }
    }

    fn entry(org: i64, year: i32, numerator: Decimal, denominator: Decimal) -> Entry {
        Entry {
            id: org,
            target_code: "46-batches".into(),
            organisation_id: org,
            organisation_name: format!("单位{org}"),
            year,
            numerator,
            denominator,
            note: String::new(),
            entered_by_name: None,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_city_rate_sums_the_departments_over_the_citys_population() {
        let mut city = target(dec!(1000), dec!(4));
        city.scope = TargetScope::CitySharedBase;
        // Five departments sample 3,120 batches for 780,000 residents: 4.00 per thousand,
        // met, though each alone is far below 4.
        let entries: Vec<Entry> = [(1, 600), (2, 900), (3, 420), (4, 700), (5, 500)]
            .into_iter()
            .map(|(org, n)| entry(org, 2025, Decimal::from(n), dec!(780000)))
            .chain([entry(1, 2024, dec!(2000), dec!(760000))])
            .collect();
        let rates = city_rates(&city, &entries);
        assert_eq!(rates.len(), 2);
        assert_eq!(
            (
                rates[0].year,
                rates[0].numerator,
                rates[0].value,
                rates[0].met
            ),
            (2025, dec!(3120), Some(dec!(4.00)), true)
        );
        assert_eq!((rates[0].contributors, rates[0].bases_differ), (5, false));
        assert_eq!((rates[1].year, rates[1].met), (2024, false));
        assert!(!measure(&city, entries[0].clone()).judged);
        assert_eq!(share(dec!(600), dec!(3120)), Some(dec!(19.2)));
        // A base typed differently by one unit: the commonest is used, and it is said.
        let mut odd = entries.clone();
        odd[4].denominator = dec!(78000);
        let rates = city_rates(&city, &odd);
        assert_eq!(
            (rates[0].denominator, rates[0].bases_differ),
            (dec!(780000), true)
        );
        // Pooled: sums of both.
        city.scope = TargetScope::CityPooled;
        let pooled = city_rates(&city, &entries[..2]);
        assert_eq!(pooled[0].denominator, dec!(1560000));
        // Per organisation: no city rate.
        assert!(city_rates(&target(dec!(1000), dec!(4)), &entries).is_empty());
    }

    #[test]
    fn rates_come_from_the_counts() {
        let per_thousand = target(dec!(1000), dec!(4));
        // 3,120 batches for 780,000 residents: exactly 4.00 per thousand — met.
        assert_eq!(
            per_thousand.value(dec!(3120), dec!(780000)),
            Some(dec!(4.00))
        );
        // 3,100 batches: 3.97 — not met.
        assert_eq!(
            per_thousand.value(dec!(3100), dec!(780000)),
            Some(dec!(3.97))
        );
        let percent = target(dec!(100), dec!(98));
        assert_eq!(percent.value(dec!(987), dec!(1000)), Some(dec!(98.70)));
        assert_eq!(percent.value(dec!(1), dec!(0)), None);
    }
}
