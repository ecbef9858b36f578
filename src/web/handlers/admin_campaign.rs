//! The campaign's settings (city, dates, stages, report due day).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use tower_sessions::Session;

use crate::campaigns::{self, CampaignUpdate, STAGES};
use crate::tasks;
use crate::web::AppState;
use crate::web::context::{FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::pages::{CampaignPage, CampaignValues, render};

pub async fn page(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let stages = campaigns::stages(&state.db, campaign.id).await?;
    let values = CampaignValues {
        name: campaign.name.clone(),
        city_name: campaign.city_name.clone(),
        population: campaign
            .population
            .map(|p| p.to_string())
            .unwrap_or_default(),
        starts_on: campaign.starts_on.to_string(),
        ends_on: campaign.ends_on.to_string(),
        report_due_day: campaign.report_due_day.to_string(),
        stages: stages
            .iter()
            .map(|s| {
                (
                    s.code.clone(),
                    s.starts_on.map(|d| d.to_string()).unwrap_or_default(),
                    s.ends_on.map(|d| d.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
    };
    Ok(render(&CampaignPage {
        ctx,
        campaign,
        values,
        errors: Vec::new(),
    })?
    .into_response())
}

/// The form arrives as flat pairs (stage dates repeat by name), so it is read as a list.
pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let all = |name: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    };
    let stage_starts = all("stage_starts");
    let stage_ends = all("stage_ends");
    let values = CampaignValues {
        name: get("name"),
        city_name: get("city_name"),
        population: get("population"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        report_due_day: get("report_due_day"),
        stages: STAGES
            .iter()
            .enumerate()
            .map(|(i, code)| {
                (
                    code.to_string(),
                    stage_starts.get(i).cloned().unwrap_or_default(),
                    stage_ends.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect(),
    };
    let mut errors = Vec::new();
    let date = |text: &str, errors: &mut Vec<String>| -> Option<NaiveDate> {
        if text.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.push(ctx.t("task-error-date"));
        }
        parsed
    };
    if values.name.is_empty() || values.city_name.is_empty() {
        errors.push(ctx.t("campaign-error-names"));
    }
    let population = match values.population.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(p) if p > 0 => Some(p),
            _ => {
                errors.push(ctx.t("campaign-error-population"));
                None
            }
        },
    };
    let starts = date(&values.starts_on, &mut errors);
    let ends = date(&values.ends_on, &mut errors);
    if starts.is_none() || ends.is_none() || starts > ends {
        errors.push(ctx.t("campaign-error-dates"));
    }
    let due_day = values
        .report_due_day
        .parse::<i32>()
        .ok()
        .filter(|d| (1..=28).contains(d));
    if due_day.is_none() {
        errors.push(ctx.t("campaign-error-due-day"));
    }
    let mut stages = Vec::new();
    for (_, s, e) in &values.stages {
        let (s, e) = (date(s, &mut errors), date(e, &mut errors));
        if let (Some(s), Some(e)) = (s, e)
            && s > e
        {
            errors.push(ctx.t("campaign-error-stage"));
        }
        stages.push((s, e));
    }
    errors.dedup();
    let (Some(starts), Some(ends), Some(due_day), true) =
        (starts, ends, due_day, errors.is_empty())
    else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&CampaignPage {
                ctx,
                campaign,
                values,
                errors,
            })?,
        )
            .into_response());
    };
    let update = CampaignUpdate {
        name: values.name.clone(),
        city_name: values.city_name.clone(),
        population,
        starts_on: starts,
        ends_on: ends,
        report_due_day: due_day,
        stages,
    };
    campaigns::update(&state.db, campaign.id, &update).await?;
    ctx.request.audit(&state.db, "campaign.update", "campaign", Some(campaign.id.to_string()), serde_json::json!({
                "before": {"name": campaign.name, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on, "report_due_day": campaign.report_due_day},
                "after": {"name": update.name, "starts_on": update.starts_on, "ends_on": update.ends_on, "report_due_day": update.report_due_day},
            })).await?;
    set_flash(&session, FlashKind::Success, ctx.t("campaign-saved")).await?;
    Ok(Redirect::to("/admin/campaign").into_response())
}

/// Adds the tasks the rubric implies but the campaign lacks (e.g. for a new county).
pub async fn generate(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let added = tasks::generate(&state.db, campaign.id).await?;
    ctx.request
        .audit(
            &state.db,
            "task.generate",
            "campaign",
            Some(campaign.id.to_string()),
            serde_json::json!({"added": added}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t1("campaign-generated", "count", added as i64),
    )
    .await?;
    Ok(Redirect::to("/admin/campaign").into_response())
}
