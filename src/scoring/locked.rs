//! Locked rounds as other areas see them: who was assessed, by which round, and the
//! frozen result (total, maximum, verdict). A 公示 is drafted from these; reading the
//! frozen outcome here keeps that area from knowing how rounds store it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use super::rounds::RoundKind;
use super::{Decision, Outcome};

/// How a locked round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    Vetoed,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockedRound {
    pub id: i64,
    pub campaign_id: i64,
    pub city_name: String,
    pub kind: RoundKind,
    pub name: String,
    pub locked_at: Option<DateTime<Utc>>,
    pub total: Decimal,
    pub max_total: Decimal,
    pub verdict: Verdict,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    campaign_id: i64,
    city_name: String,
    kind: RoundKind,
    name: String,
    locked_at: Option<DateTime<Utc>>,
    frozen_outcome: sqlx::types::Json<Outcome>,
}

impl From<Row> for LockedRound {
    fn from(row: Row) -> LockedRound {
        let outcome = row.frozen_outcome.0;
        let verdict = match outcome.decision {
            Decision::Veto(_) => Verdict::Vetoed,
            Decision::AllRulesMet => Verdict::Passed,
            _ => Verdict::Failed,
        };
        LockedRound {
            id: row.id,
            campaign_id: row.campaign_id,
            city_name: row.city_name,
            kind: row.kind,
            name: row.name,
            locked_at: row.locked_at,
            total: outcome.total,
            max_total: outcome.max_total,
            verdict,
        }
    }
}

const SELECT: &str = "SELECT r.id, r.campaign_id, c.city_name, r.kind, r.name, r.locked_at, r.frozen_outcome \
     FROM assessment_rounds r JOIN campaigns c ON c.id = r.campaign_id \
     WHERE r.state = 'locked' AND r.frozen_outcome IS NOT NULL";

/// Every locked round of every campaign, the latest first.
pub async fn all(db: &PgPool) -> sqlx::Result<Vec<LockedRound>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY r.locked_at DESC, r.id DESC"))
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(LockedRound::from).collect())
}

/// The locked rounds among `ids`, in the order of `ids`; rounds that are not locked are
/// left out (the caller refuses when the counts differ).
pub async fn by_ids(db: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<LockedRound>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} AND r.id = ANY($1) ORDER BY array_position($1, r.id)"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(LockedRound::from).collect())
}
