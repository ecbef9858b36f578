//! The campaign's progress and standing as the office dashboard, the leader summary and
//! the JSON API all show it: completion, the latest locked result, the round in progress,
//! the timeline and the monthly-report records.

use std::sync::Arc;

use crate::campaigns::{self, Campaign};
use crate::dashboard::{self, Overall, PartProgress, ReportRecord};
use crate::scoring::completeness;
use crate::scoring::rounds::{self, RoundState};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{Bar, LatestRound, RoundInProgress};

/// What the office and leaders both see: completion, the latest score, the timeline.
pub struct Summary {
    pub overall: Overall,
    pub parts: Vec<PartProgress>,
    pub points: Vec<dashboard::PointProgress>,
    /// The most recently locked round: the score the campaign stands at.
    pub latest: Option<LatestRound>,
    /// The newest open round, if any (its items done of all, not its running total).
    pub in_progress: Option<RoundInProgress>,
    pub timeline: dashboard::Timeline,
    pub reports: Vec<ReportRecord>,
}

/// The campaign's progress and latest result, computed once per change of the data.
pub async fn summary(state: &AppState, campaign: &Campaign) -> AppResult<Arc<Summary>> {
    Ok(state
        .derived
        .get("summary", campaign.id, || compute_summary(state, campaign))
        .await?)
}

async fn compute_summary(state: &AppState, campaign: &Campaign) -> AppResult<Summary> {
    let db = &state.db;
    let (points, stages, (latest, in_progress), reports) = tokio::try_join!(
        async { Ok::<_, AppError>(dashboard::by_point(db, campaign).await?) },
        async { Ok(campaigns::stages(db, campaign.id).await?) },
        latest_rounds(state, campaign),
        async { Ok(dashboard::report_records(db, campaign).await?) },
    )?;
    let overall = dashboard::overall(db, campaign, &points).await?;
    Ok(Summary {
        latest,
        in_progress,
        timeline: dashboard::timeline(stages, campaign.today()),
        reports,
        overall,
        parts: dashboard::by_part(&points),
        points,
    })
}

/// The campaign's score is its most recently locked round's (not the highest id: an
/// earlier round may be locked last, or a round reopened and locked again); the newest
/// open round is shown beside it only as in progress.
async fn latest_rounds(
    state: &AppState,
    campaign: &Campaign,
) -> AppResult<(Option<LatestRound>, Option<RoundInProgress>)> {
    let all = rounds::list(&state.db, campaign.id).await?;
    let in_progress = match all.iter().rev().find(|r| r.state == RoundState::Open) {
        Some(round) => {
            let rubric = state.rules.get(&state.db, round.edition_id).await?;
            let done = completeness::load(&state.db, &rubric, round).await?;
            Some(RoundInProgress {
                round: round.clone(),
                done: done.done,
                total: done.total,
            })
        }
        None => None,
    };
    let locked = all
        .into_iter()
        .filter(|r| r.state == RoundState::Locked)
        .max_by_key(|r| (r.locked_at, r.id));
    let latest = match locked {
        Some(round) => {
            // Read on the edition it was scored on, even after the campaign moved on.
            let rubric = state.rules.get(&state.db, round.edition_id).await?;
            Some(locked_result(state, campaign, &rubric, round).await?)
        }
        None => None,
    };
    Ok((latest, in_progress))
}

async fn locked_result(
    state: &AppState,
    campaign: &Campaign,
    rubric: &crate::rubric::data::RubricFile,
    round: rounds::Round,
) -> AppResult<LatestRound> {
    let outcome = rounds::outcome(&state.db, campaign, rubric, &round).await?;
    let rule = rounds::verdict_rule(&state.db, campaign, rubric).await?;
    let parts = rubric
        .parts
        .iter()
        .filter_map(|p| {
            let max = p.max_points?;
            let score = outcome.parts.iter().find(|s| s.seq == p.seq)?.score;
            Some(Bar::new(
                format!("{}、{}", p.numeral, p.title),
                rust_decimal::prelude::ToPrimitive::to_f64(&score).unwrap_or(0.0),
                max as f64,
            ))
        })
        .collect();
    Ok(LatestRound {
        round,
        outcome,
        rule,
        parts,
    })
}
