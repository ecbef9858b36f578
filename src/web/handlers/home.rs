//! The start page is a dashboard that answers "what must I do next" for each role: the
//! city office sees the whole campaign, a department or county its own work, an
//! assessor its group's scoring, a leader a printable one-page summary.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::accounts::{Role, User};
use crate::campaigns::Campaign;
use crate::dashboard;
use crate::rubric::{self, Filter};
use crate::scoring::rounds::{self, RoundState};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    AssessorHome, AssessorRound, LeaderHome, MatrixPage, MatrixRow, OfficeFigures, OfficeHome,
    OrgFigures, OrgHome, PartRow, render,
};
use crate::web::round_view::group_summary;
use crate::web::summary::summary;
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

async fn office(state: &AppState, ctx: PageCtx, campaign: &Campaign) -> AppResult<Response> {
    let (summary, figures) = tokio::try_join!(summary(state, campaign), async {
        Ok::<_, AppError>(
            state
                .derived
                .get("office", campaign.id, || office_figures(state, campaign))
                .await?,
        )
    },)?;
    let overdue_problems =
        crate::problems::overdue_count(&state.db, campaign.id, campaign.today()).await?;
    let page = OfficeHome {
        ctx,
        campaign: campaign.clone(),
        summary,
        figures,
        overdue_problems,
    };
    Ok(render(&page)?.into_response())
}

async fn office_figures(state: &AppState, campaign: &Campaign) -> AppResult<OfficeFigures> {
    let db = &state.db;
    let (indicators, cells, organisations, overdue, loops, lights, part_cells, part_seqs) = tokio::try_join!(
        sqlx::query_as::<_, (i32, String)>(
            "SELECT number, content FROM indicators WHERE edition_id = $1 ORDER BY number",
        )
        .bind(campaign.edition_id)
        .fetch_all(db),
        dashboard::matrix(db, campaign),
        orgs::list(db, false),
        dashboard::overdue(db, campaign, None, OVERDUE_SHOWN),
        tasks::loop_counts(db, campaign.id),
        crate::supervision::org_lights(db, campaign.id, campaign.today()),
        dashboard::part_grid(db, campaign),
        sqlx::query_scalar::<_, i32>(
            "SELECT seq FROM rubric_parts WHERE edition_id = $1 ORDER BY seq"
        )
        .bind(campaign.edition_id)
        .fetch_all(db),
    )?;
    Ok(OfficeFigures {
        part_rows: PartRow::layout(&part_seqs, &organisations, part_cells),
        matrix: MatrixRow::layout(&indicators, organisations, cells),
        indicators,
        overdue,
        loops: loops
            .into_iter()
            .filter(|l| l.times_returned > 0)
            .take(10)
            .collect(),
        lights,
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
    let problems = crate::problems::open_for(&state.db, campaign.id, org_id).await?;
    let page = OrgHome {
        ctx,
        campaign: campaign.clone(),
        figures,
        problems,
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
    let joined_on = organisation.as_ref().and_then(|o| o.joined_on);
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
        report_owed: crate::reports::owed(joined_on, campaign.report_due_at(period)),
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

/// `GET /office/matrix`: every organisation × the 94 indicators, a cell per task group,
/// each linking to its tasks (the dashboard shows organisations × parts).
pub async fn matrix(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let figures = state
        .derived
        .get("office", campaign.id, || office_figures(&state, &campaign))
        .await?;
    Ok(render(&MatrixPage {
        ctx,
        campaign,
        figures,
    })?
    .into_response())
}
