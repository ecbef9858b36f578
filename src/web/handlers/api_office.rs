//! The JSON API of the office's machinery (read only, the pages' visibility): the
//! campaign plan's programmes, 督办单 with their steps and times, and the quantitative
//! targets with the city-wide rate and each organisation's share.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::accounts::Role;
use crate::supervision;
use crate::targets;
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};

/// Every programme with its units, linked indicators, milestones and progress (four
/// queries for the whole list, whatever its length).
pub async fn programmes(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let campaign = campaign(&state).await?;
    let rows = crate::programmes::list(&state.db, campaign.id).await?;
    let programmes = crate::programmes::all(&state.db, campaign.id).await?;
    let organisations =
        crate::programmes::organisations_of_campaign(&state.db, campaign.id).await?;
    let milestones = crate::programmes::milestones_of_campaign(&state.db, campaign.id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(programme) = programmes.iter().find(|p| p.id == row.id) else {
            continue;
        };
        let organisations: Vec<_> = organisations
            .iter()
            .filter(|o| o.programme_id == row.id)
            .collect();
        let milestones: Vec<_> = milestones
            .iter()
            .filter(|m| m.programme_id == row.id)
            .collect();
        out.push(json!({
            "id": programme.id,
            "kind": programme.kind,
            "number": programme.number,
            "label": programme.label(),
            "title": programme.title,
            "text": programme.text,
            "lead_text": programme.lead_text,
            "responsible_text": programme.responsible_text,
            "counties": programme.counties,
            "starts_on": programme.starts_on,
            "ends_on": programme.ends_on,
            "organisations": organisations,
            "indicators": row.indicator_numbers,
            "milestones": milestones,
            "tasks": row.task_count,
            "approved": row.approved_count,
        }));
    }
    Ok(Json(json!({ "programmes": out })))
}

/// 督办单 with their steps: every one for the office and viewers, a clerk's own
/// organisation's; not for assessors (the path rule of the pages applies here too).
pub async fn supervision(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Value>> {
    if user.role == Role::Assessor {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    let own = (user.role == Role::Department)
        .then_some(user.organisation_id)
        .flatten();
    let orders = supervision::list(&state.db, campaign.id, own, None).await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut steps: HashMap<i64, Vec<supervision::StepRecord>> = HashMap::new();
    for step in supervision::steps_of(&state.db, &ids).await? {
        steps.entry(step.order_id).or_default().push(step);
    }
    let out: Vec<Value> = orders
        .into_iter()
        .map(|order| {
            let steps = steps.remove(&order.id).unwrap_or_default();
            json!({
                "number": order.number(),
                "order": order,
                "steps": steps,
            })
        })
        .collect();
    let mut lights = supervision::org_lights(&state.db, campaign.id, campaign.today()).await?;
    if let Some(own) = own {
        lights.retain(|l| l.organisation_id == own);
    }
    let lights: Vec<Value> = lights
        .into_iter()
        .map(|l| json!({"light": l.light(), "organisation": l}))
        .collect();
    Ok(Json(json!({ "orders": out, "lights": lights })))
}

/// The rubric's targets with every visible organisation's counts and, for a city-wide
/// target, the city's rate per year and each organisation's share of it.
pub async fn targets(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Value>> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let own = (user.role == Role::Department)
        .then_some(user.organisation_id)
        .flatten();
    let all = targets::entries(&state.db, campaign.id, None).await?;
    let out: Vec<Value> = rubric
        .targets
        .iter()
        .map(|target| {
            let city = targets::city_rates(target, &all);
            let entries: Vec<Value> = all
                .iter()
                .filter(|e| e.target_code == target.code)
                .filter(|e| own.is_none_or(|org| e.organisation_id == org))
                .map(|e| {
                    let share = city
                        .iter()
                        .find(|c| c.year == e.year)
                        .and_then(|c| targets::share(e.numerator, c.numerator));
                    let measured = targets::measure(target, e.clone());
                    json!({"measured": measured, "share_of_city_percent": share})
                })
                .collect();
            json!({
                "code": target.code,
                "indicator": target.indicator,
                "label": target.label,
                "unit": target.unit,
                "min": target.min,
                "scope": target.scope,
                "city": city,
                "entries": entries,
            })
        })
        .collect();
    Ok(Json(json!({ "targets": out })))
}
