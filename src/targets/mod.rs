//! Quantitative targets (e.g. 46: 年均食品安全抽检量 4 批次/千人). The rubric data declares
//! them; organisations report the raw counts per year and the rate is computed here, so
//! nobody types a percentage that does not follow from its counts.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::rubric::data::TargetEntry;

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
    pub met: bool,
}

pub fn measure(target: &TargetEntry, entry: Entry) -> Measured {
    let value = target.value(entry.numerator, entry.denominator);
    Measured {
        met: value.is_some_and(|v| v >= target.min),
        value,
        entry,
    }
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
        }
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
