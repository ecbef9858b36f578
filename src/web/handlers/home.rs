//! The start page is a dashboard that answers "what must I do next" for each role: the
//! city office sees the whole campaign, a department or county its own work, an
//! assessor its group's scoring, a leader a printable one-page summary.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::accounts::{Role, User};
use crate::campaigns::{self, Campaign};
use crate::dashboard::{self, Overall, PartProgress, ReportRecord};
use crate::rubric::{self, Filter};
use crate::scoring::completeness;
use crate::scoring::rounds::{self, RoundState};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    AssessorHome, AssessorRound, Bar, LatestRound, LeaderHome, MatrixRow, OfficeFigures,
    OfficeHome, OrgFigures, OrgHome, RoundInProgress, render,
};
use crate::web::round_view::group_summary;
use crate::{orgs, reports, tasks};

/// Rows of the overdue list on a dashboard.
const OVERDUE_SHOWN: i64 = 15;

pub async fn home(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    match user.role {
        Role::Admin | Role::Office => office(&state, ctx, &campaign).await,
        Role::Department => organisation(&state, ctx, &user, &campaign).await,
        Role::Assessor => assessor(&state, ctx, &user, &campaign).await,
        Role::Viewer => leader(&state, ctx, &campaign).await,
    }
}

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
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let in_progress = match all.iter().rev().find(|r| r.state == RoundState::Open) {
        Some(round) => {
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
        Some(round) => Some(locked_result(state, campaign, &rubric, round).await?),
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

async fn office(state: &AppState, ctx: PageCtx, campaign: &Campaign) -> AppResult<Response> {
    let (summary, figures) = tokio::try_join!(summary(state, campaign), async {
        Ok::<_, AppError>(
            state
                .derived
                .get("office", campaign.id, || office_figures(state, campaign))
                .await?,
        )
    },)?;
    let page = OfficeHome {
        ctx,
        campaign: campaign.clone(),
        summary,
        figures,
    };
    Ok(render(&page)?.into_response())
}

async fn office_figures(state: &AppState, campaign: &Campaign) -> AppResult<OfficeFigures> {
    let db = &state.db;
    let (indicators, cells, organisations, overdue, loops) = tokio::try_join!(
        sqlx::query_as::<_, (i32, String)>(
            "SELECT number, content FROM indicators WHERE edition_id = $1 ORDER BY number",
        )
        .bind(campaign.edition_id)
        .fetch_all(db),
        dashboard::matrix(db, campaign),
        orgs::list(db, false),
        dashboard::overdue(db, campaign, None, OVERDUE_SHOWN),
        tasks::loop_counts(db, campaign.id),
    )?;
    Ok(OfficeFigures {
        matrix: MatrixRow::layout(&indicators, organisations, cells),
        indicators,
        overdue,
        loops: loops
            .into_iter()
            .filter(|l| l.times_returned > 0)
            .take(10)
            .collect(),
    })
}

async fn organisation(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    campaign: &Campaign,
) -> AppResult<Response> {
    let Some(org_id) = user.organisation_id else {
        return leader(state, ctx, campaign).await;
    };
    let figures = state
        .derived
        .get("organisation", org_id, || {
            org_figures(state, campaign, org_id)
        })
        .await?;
    let page = OrgHome {
        ctx,
        campaign: campaign.clone(),
        figures,
    };
    Ok(render(&page)?.into_response())
}

async fn org_figures(state: &AppState, campaign: &Campaign, org_id: i64) -> AppResult<OrgFigures> {
    let db = &state.db;
    let period = crate::campaigns::first_of_month(campaign.today());
    let returned_filter = tasks::TaskFilter {
        organisation_id: Some(org_id),
        status: Some(tasks::Status::Returned),
        ..Default::default()
    };
    let duties_filter = Filter {
        organisation_id: Some(org_id),
        ..Default::default()
    };
    let (organisation, counts, overdue, due, returned, ranking, mut records, reports, duties) = tokio::try_join!(
        orgs::find(db, org_id),
        tasks::status_counts(db, campaign.id, Some(org_id)),
        dashboard::overdue(db, campaign, Some(org_id), 50),
        dashboard::due_this_month(db, campaign, org_id),
        tasks::list(db, campaign.id, campaign.today(), &returned_filter, 50, 0),
        dashboard::org_completion(db, campaign),
        dashboard::report_records(db, campaign),
        reports::for_organisation(db, campaign.id, org_id),
        rubric::tree(db, campaign.edition_id, &duties_filter),
    )?;
    let evaluations =
        crate::org_evaluations::results_for(db, campaign.id, org_id, false, campaign.today())
            .await?;
    let completion_rank = ranking
        .iter()
        .position(|r| r.organisation_id == org_id)
        .map(|i| i + 1);
    // Timeliness rank: most on-time share first, then fewest days late.
    records.sort_by(|a, b| {
        b.timeliness()
            .total_cmp(&a.timeliness())
            .then(a.days_late.cmp(&b.days_late))
    });
    let timeliness_rank = records
        .iter()
        .position(|r| r.organisation_id == org_id)
        .map(|i| i + 1);
    let record = records
        .iter()
        .find(|r| r.organisation_id == org_id)
        .cloned();
    Ok(OrgFigures {
        organisation,
        counts,
        overdue,
        due,
        returned,
        completion_rank,
        timeliness_rank,
        ranked: ranking.len(),
        reporting: records.len(),
        record,
        report_due: campaign.report_due_at(period),
        report_done: reports.iter().any(|r| r.period == period),
        duties,
        evaluations,
    })
}

async fn assessor(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    campaign: &Campaign,
) -> AppResult<Response> {
    let mut list = Vec::new();
    for round in rounds::list(&state.db, campaign.id)
        .await?
        .into_iter()
        .rev()
    {
        if round.state == RoundState::Draft {
            continue;
        }
        let summary = group_summary(state, round.id, user.organisation_id).await?;
        list.push(AssessorRound {
            scored: summary.lines.iter().filter(|l| l.done).count(),
            items: summary.lines.len(),
            files: summary.lines.iter().map(|l| l.files).sum(),
            marked: summary.lines.iter().map(|l| l.marked).sum(),
            running: summary.running,
            running_max: summary.running_max,
            next: summary
                .lines
                .iter()
                .find(|l| !l.done)
                .map(|l| l.item.key_text()),
            round: summary.round,
        });
    }
    Ok(render(&AssessorHome {
        ctx,
        group: user.organisation_name.clone(),
        rounds: list,
    })?
    .into_response())
}

async fn leader(state: &AppState, ctx: PageCtx, campaign: &Campaign) -> AppResult<Response> {
    let (summary, overdue, ranking) = tokio::try_join!(
        summary(state, campaign),
        async { Ok(dashboard::overdue(&state.db, campaign, None, 10).await?) },
        async { Ok(dashboard::org_completion(&state.db, campaign).await?) },
    )?;
    Ok(render(&LeaderHome {
        ctx,
        campaign: campaign.clone(),
        summary,
        overdue,
        ranking,
    })?
    .into_response())
}
