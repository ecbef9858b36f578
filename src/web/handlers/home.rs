//! The start page is a dashboard that answers "what must I do next" for each role: the
//! city office sees the whole campaign, a department or county its own work, an
//! assessor its group's scoring, a leader a printable one-page summary.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::rounds::group_summary;
use super::tasks::campaign;
use crate::accounts::{Role, User};
use crate::campaigns::{self, Campaign};
use crate::dashboard::{self, Overall, PartProgress, ReportRecord};
use crate::rubric::{self, Filter};
use crate::scoring::rounds::{self, RoundState};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::AppResult;
use crate::web::pages::{
    AssessorHome, AssessorRound, Bar, LatestRound, LeaderHome, OfficeHome, OrgHome, render,
};
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
    pub latest: Option<LatestRound>,
    pub timeline: dashboard::Timeline,
    pub reports: Vec<ReportRecord>,
}

pub async fn summary(
    state: &AppState,
    campaign: &Campaign,
    lang: crate::i18n::Lang,
) -> AppResult<Summary> {
    let points = dashboard::by_point(&state.db, campaign).await?;
    let overall = dashboard::overall(&state.db, campaign, &points).await?;
    let parts = dashboard::by_part(&points);
    let stages = campaigns::stages(&state.db, campaign.id).await?;
    Ok(Summary {
        latest: latest_round(state, campaign, lang).await?,
        timeline: dashboard::timeline(stages, campaign.today()),
        reports: dashboard::report_records(&state.db, campaign).await?,
        overall,
        parts,
        points,
    })
}

/// The newest round that has been opened, with its (estimated or frozen) result.
async fn latest_round(
    state: &AppState,
    campaign: &Campaign,
    lang: crate::i18n::Lang,
) -> AppResult<Option<LatestRound>> {
    let Some(round) = rounds::list(&state.db, campaign.id)
        .await?
        .into_iter()
        .rev()
        .find(|r| r.state != RoundState::Draft)
    else {
        return Ok(None);
    };
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let outcome = rounds::outcome(&state.db, campaign, &rubric, &round).await?;
    let rule = rounds::verdict_rule(&state.db, campaign, &rubric).await?;
    let verdict = super::rounds::verdict_text(lang, &outcome, &rule);
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
    Ok(Some(LatestRound {
        passed: verdict.0,
        reason: verdict.2,
        round,
        outcome,
        parts,
    }))
}

async fn office(state: &AppState, ctx: PageCtx, campaign: &Campaign) -> AppResult<Response> {
    let summary = summary(state, campaign, ctx.lang()).await?;
    let edition = rubric::current_edition(&state.db).await?;
    let indicators: Vec<(i32, String)> = sqlx::query_as(
        "SELECT number, content FROM indicators WHERE edition_id = $1 ORDER BY number",
    )
    .bind(edition.map(|e| e.id).unwrap_or(campaign.edition_id))
    .fetch_all(&state.db)
    .await?;
    let cells = dashboard::matrix(&state.db, campaign).await?;
    let organisations = orgs::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|o| cells.iter().any(|c| c.organisation_id == o.id))
        .collect();
    let overdue = dashboard::overdue(&state.db, campaign, None, OVERDUE_SHOWN).await?;
    let loops = tasks::loop_counts(&state.db, campaign.id).await?;
    let page = OfficeHome {
        ctx,
        campaign: campaign.clone(),
        summary,
        indicators,
        organisations,
        cells: cells
            .into_iter()
            .map(|c| ((c.indicator_number, c.organisation_id), c))
            .collect(),
        overdue,
        loops: loops
            .into_iter()
            .filter(|l| l.times_returned > 0)
            .take(10)
            .collect(),
    };
    Ok(render(&page)?.into_response())
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
    let organisation = orgs::find(&state.db, org_id).await?;
    let counts = tasks::status_counts(&state.db, campaign.id, Some(org_id)).await?;
    let overdue = dashboard::overdue(&state.db, campaign, Some(org_id), 50).await?;
    let due = dashboard::due_this_month(&state.db, campaign, org_id).await?;
    let returned = tasks::list(
        &state.db,
        campaign.id,
        campaign.today(),
        &tasks::TaskFilter {
            organisation_id: Some(org_id),
            status: Some(tasks::Status::Returned),
            ..Default::default()
        },
        50,
        0,
    )
    .await?;
    let ranking = dashboard::org_completion(&state.db, campaign).await?;
    let completion_rank = ranking
        .iter()
        .position(|r| r.organisation_id == org_id)
        .map(|i| i + 1);
    let mut records = dashboard::report_records(&state.db, campaign).await?;
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
    let period = crate::campaigns::first_of_month(campaign.today());
    let this_month = reports::for_organisation(&state.db, campaign.id, org_id)
        .await?
        .into_iter()
        .find(|r| r.period == period);
    let edition = rubric::current_edition(&state.db).await?;
    let duties = match edition {
        Some(e) => {
            let filter = Filter {
                organisation_id: Some(org_id),
                ..Default::default()
            };
            rubric::tree(&state.db, e.id, &filter).await?
        }
        None => Vec::new(),
    };
    let page = OrgHome {
        ctx,
        campaign: campaign.clone(),
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
        report_done: this_month.is_some(),
        duties,
    };
    Ok(render(&page)?.into_response())
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
    let summary = summary(state, campaign, ctx.lang()).await?;
    let overdue = dashboard::overdue(&state.db, campaign, None, 10).await?;
    let ranking = dashboard::org_completion(&state.db, campaign).await?;
    Ok(render(&LeaderHome {
        ctx,
        campaign: campaign.clone(),
        summary,
        overdue,
        ranking,
    })?
    .into_response())
}
