//! The administrator's side of scoring: creating, opening and locking rounds, assigning
//! items to assessor groups, naming the lead assessor, and the campaign's choices
//! (自选项, 机制创新 items) and pass rule.

use std::collections::{BTreeMap, BTreeSet};

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use tower_sessions::Session;

use crate::accounts::Role;
use crate::orgs;
use crate::rubric::PointCategory;
use crate::rubric::data::VerdictRule;
use crate::scoring::Choices;
use crate::scoring::commands::{NewRound, NewRoundInput, NewRoundRefusal};
use crate::scoring::rounds::{self, ItemKey, RoundState};
use crate::web::AppState;
use crate::web::context::{FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{AssignmentsPage, NewRoundValues, ScoringSettingsPage, render};
use crate::web::round_view::{Scope, assessor_accounts, natural_order, rounds_page};

/// Form fields arrive as a flat list (checkboxes and selects repeat by name).
fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let values = NewRoundValues {
        kind: field(&pairs, "kind"),
        name: field(&pairs, "name"),
        starts_on: field(&pairs, "starts_on"),
        ends_on: field(&pairs, "ends_on"),
        scope_mode: field(&pairs, "scope_mode"),
        parts: all(&pairs, "part"),
    };
    let input = NewRoundInput {
        kind: &values.kind,
        name: &values.name,
        starts_on: &values.starts_on,
        ends_on: &values.ends_on,
        scope_mode: &values.scope_mode,
        parts: &values.parts,
    };
    let new = match NewRound::check(input, &rubric) {
        Ok(new) => new,
        Err(refusals) => {
            let errors = refusals.iter().map(|r| ctx.t(refusal_key(*r))).collect();
            let page = rounds_page(&state, ctx, values, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let id = new.create(&state.db, campaign.id).await?;
    ctx.request
        .audit(
            &state.db,
            "round.create",
            "round",
            Some(id.to_string()),
            serde_json::json!({
                "kind": new.kind().as_str(),
                "name": new.name(),
                "scope": new.scope().parts().collect::<Vec<i32>>(),
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("round-created")).await?;
    Ok(Redirect::to(&format!("/admin/rounds/{id}/assignments")).into_response())
}

/// A threshold as typed: blank or 0 is none; otherwise a number above 0 and at most `max`.
fn optional_amount(text: &str, max: Decimal) -> Result<Option<Decimal>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<Decimal>() {
        Ok(v) if v.is_zero() => Ok(None),
        Ok(v) if v > Decimal::ZERO && v <= max => Ok(Some(v)),
        _ => Err(()),
    }
}

/// The message for a refused new round.
fn refusal_key(refusal: NewRoundRefusal) -> &'static str {
    match refusal {
        NewRoundRefusal::UnknownKind => "round-error-kind",
        NewRoundRefusal::BadName => "round-error-name",
        NewRoundRefusal::BadDate => "task-error-date",
        NewRoundRefusal::EndsBeforeStart => "campaign-error-stage",
        NewRoundRefusal::NoParts => "round-error-scope",
    }
}

/// Opens a draft round; a lock is sent to the lock page (`admin_round_lifecycle`).
pub async fn set_state(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let changed = match field(&pairs, "state").as_str() {
        "open" => rounds::open(&state.db, id).await?,
        // Locking is checked against the round's completeness on its own page.
        "locked" => return Ok(Redirect::to(&format!("/admin/rounds/{id}/lock")).into_response()),
        _ => return Err(AppError::BadRequest("error-bad-request")),
    };
    if !changed {
        set_flash(&session, FlashKind::Error, ctx.t("round-error-state")).await?;
        return Ok(Redirect::to(&format!("/rounds/{id}")).into_response());
    }
    let now = rounds::find(&state.db, id)
        .await?
        .map(|r| r.state)
        .unwrap_or(RoundState::Draft);
    ctx.request
        .audit(
            &state.db,
            "round.state",
            "round",
            Some(id.to_string()),
            serde_json::json!({"from": scope.round.state.as_str(), "to": now.as_str()}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t(&format!("round-now-{}", now.as_str())),
    )
    .await?;
    Ok(Redirect::to(&format!("/rounds/{id}")).into_response())
}

pub async fn assignments(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let groups = assessor_groups(&state).await?;
    let members = group_members(&state).await?;
    let owners = scope.owners.clone();
    let assessors = assessor_accounts(&state).await?;
    Ok(render(&AssignmentsPage {
        ctx,
        round: scope.round,
        items: scope.items,
        owners,
        groups,
        members,
        assessors,
    })?
    .into_response())
}

async fn assessor_groups(state: &AppState) -> AppResult<Vec<orgs::Organisation>> {
    let mut groups: Vec<orgs::Organisation> = orgs::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|o| o.kind == orgs::OrgKind::AssessorGroup)
        .collect();
    groups.sort_by(|a, b| natural_order(&a.name, &b.name));
    Ok(groups)
}

/// Active assessors by group id.
async fn group_members(state: &AppState) -> AppResult<BTreeMap<i64, Vec<String>>> {
    let users = assessor_accounts(state).await?;
    let mut members: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for user in users.into_iter().filter(|u| u.active) {
        if let Some(group) = user.organisation_id {
            members.entry(group).or_default().push(user.display_name);
        }
    }
    Ok(members)
}

/// The form has one select per item, named by the item key ("p12", "v90"), whose value
/// is a group id or empty.
pub async fn save_assignments(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    if scope.round.state == RoundState::Locked {
        return Err(AppError::Refused("score-refused-locked"));
    }
    let groups = assessor_groups(&state).await?;
    let mut wanted = BTreeMap::new();
    for (name, value) in &pairs {
        let Some(key) = ItemKey::parse(name) else {
            continue;
        };
        if !scope.items.iter().any(|i| i.key == key) || value.trim().is_empty() {
            continue;
        }
        match value.trim().parse::<i64>() {
            Ok(group) if groups.iter().any(|g| g.id == group) => {
                wanted.insert(key, group);
            }
            _ => return Err(AppError::BadRequest("round-error-group")),
        }
    }
    rounds::set_assignments(&state.db, id, &scope.ids, &wanted).await?;
    ctx.request
        .audit(
            &state.db,
            "round.assign",
            "round",
            Some(id.to_string()),
            serde_json::json!({
                "assigned": wanted.len(),
                "items": wanted.iter().map(|(k, g)| (k.to_string(), *g)).collect::<BTreeMap<_, _>>(),
            }),
        )
        .await?;
    // The lead assessor is picked on the same page.
    let lead = field(&pairs, "lead_assessor_id");
    let lead = match lead.as_str() {
        "" => None,
        text => {
            let user_id: i64 = text
                .parse()
                .map_err(|_| AppError::BadRequest("error-bad-request"))?;
            let user = crate::accounts::find(&state.db, user_id)
                .await?
                .filter(|u| u.role == Role::Assessor && u.active)
                .ok_or(AppError::BadRequest("round-error-lead"))?;
            Some(user.id)
        }
    };
    if lead != scope.round.lead_assessor_id {
        rounds::set_lead(&state.db, id, lead).await?;
        ctx.request
            .audit(
                &state.db,
                "round.lead",
                "round",
                Some(id.to_string()),
                serde_json::json!({"lead": lead}),
            )
            .await?;
    }
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t("round-assignments-saved"),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/rounds/{id}/assignments")).into_response())
}

pub async fn scoring_settings(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let choices = rounds::choices(&state.db, campaign.id).await?;
    let rule = rounds::verdict_rule(&state.db, &campaign, &rubric).await?;
    let page = settings_page(ctx, &rubric, &choices, &rule, Vec::new());
    Ok(render(&page)?.into_response())
}

fn settings_page(
    ctx: PageCtx,
    rubric: &crate::rubric::data::RubricFile,
    choices: &Choices,
    rule: &VerdictRule,
    errors: Vec<String>,
) -> ScoringSettingsPage {
    let optional = rubric
        .points()
        .filter(|(_, p)| p.category == PointCategory::Optional)
        .map(|(_, p)| (p.seq, p.title.clone(), p.points))
        .collect();
    let mechanism = rubric
        .points()
        .filter(|(_, p)| p.choose.is_some())
        .flat_map(|(_, p)| {
            p.indicators
                .iter()
                .map(|i| (i.number, i.content.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let cap = rubric
        .parts
        .iter()
        .find_map(|p| p.optional_points)
        .unwrap_or(0);
    let choose = rubric.points().find_map(|(_, p)| p.choose).unwrap_or(0);
    ScoringSettingsPage {
        ctx,
        optional,
        mechanism,
        cap,
        choose,
        chosen_points: choices.optional_points.clone(),
        chosen_items: choices.chosen_items.clone(),
        // Every threshold the edition declares, so one set to "none" can be set again.
        thresholds: rubric
            .verdict
            .thresholds
            .iter()
            .map(|t| {
                let value = rule
                    .thresholds
                    .iter()
                    .find(|r| r.indicator == t.indicator)
                    .map(|r| r.min.normalize().to_string())
                    .unwrap_or_default();
                (t.indicator, value)
            })
            .collect(),
        min_total: rule
            .min_total
            .map(|m| m.normalize().to_string())
            .unwrap_or_default(),
        min_part_rate: rule
            .min_part_rate
            .map(|m| (m * Decimal::ONE_HUNDRED).normalize().to_string())
            .unwrap_or_default(),
        errors,
    }
}

pub async fn save_scoring_settings(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let mut errors = Vec::new();
    let numbers = |name: &str| -> BTreeSet<i32> {
        all(&pairs, name)
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    let choices = Choices {
        optional_points: numbers("optional"),
        chosen_items: numbers("item"),
    };
    // The engine tolerates wrong choices (it reports them); the form does not store them.
    let optional_max: i32 = rubric
        .points()
        .filter(|(_, p)| {
            p.category == PointCategory::Optional && choices.optional_points.contains(&p.seq)
        })
        .map(|(_, p)| p.points)
        .sum();
    let cap = rubric
        .parts
        .iter()
        .find_map(|p| p.optional_points)
        .unwrap_or(0);
    if optional_max > cap {
        errors.push(ctx.t1("settings-error-optional", "cap", cap as i64));
    }
    for (_, point) in rubric.points().filter(|(_, p)| p.choose.is_some()) {
        let chosen = point
            .indicators
            .iter()
            .filter(|i| choices.chosen_items.contains(&i.number))
            .count();
        let required = point.choose.unwrap_or(0);
        if chosen != required && chosen != 0 {
            errors.push(ctx.t1("settings-error-items", "count", required as i64));
        }
    }
    // Each threshold as typed: 0 or blank means "no threshold" (the item is kept on the
    // form, so it can be set again); anything outside 0–100 is refused.
    let mut rule = rubric.verdict.clone();
    let mut kept = Vec::new();
    let mut typed = Vec::new();
    for threshold in &rubric.verdict.thresholds {
        let text = field(&pairs, &format!("threshold_{}", threshold.indicator));
        match optional_amount(&text, Decimal::ONE_HUNDRED) {
            Ok(Some(v)) => kept.push(crate::rubric::data::Threshold {
                indicator: threshold.indicator,
                min: v,
            }),
            Ok(None) => {}
            Err(()) => errors.push(ctx.t1(
                "settings-error-threshold",
                "indicator",
                threshold.indicator as i64,
            )),
        }
        typed.push((threshold.indicator, text));
    }
    rule.thresholds = kept;
    rule.min_total = match optional_amount(
        &field(&pairs, "min_total"),
        Decimal::from(rubric.total_points),
    ) {
        Ok(v) => v,
        Err(()) => {
            errors.push(ctx.t("settings-error-total"));
            None
        }
    };
    rule.min_part_rate =
        match optional_amount(&field(&pairs, "min_part_rate"), Decimal::ONE_HUNDRED) {
            Ok(v) => v.map(|v| v / Decimal::ONE_HUNDRED),
            Err(()) => {
                errors.push(ctx.t("settings-error-rate"));
                None
            }
        };
    if !errors.is_empty() {
        let mut page = settings_page(ctx, &rubric, &choices, &rule, errors);
        page.thresholds = typed;
        page.min_total = field(&pairs, "min_total");
        page.min_part_rate = field(&pairs, "min_part_rate");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    rounds::set_choices(&state.db, campaign.id, &choices).await?;
    let is_default = serde_json::to_value(&rule).ok() == serde_json::to_value(&rubric.verdict).ok();
    rounds::set_verdict_rule(&state.db, campaign.id, (!is_default).then_some(&rule)).await?;
    ctx.request
        .audit(
            &state.db,
            "campaign.scoring",
            "campaign",
            Some(campaign.id.to_string()),
            serde_json::json!({
                "optional_points": choices.optional_points,
                "chosen_items": choices.chosen_items,
                "rule": rule,
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("settings-saved")).await?;
    Ok(Redirect::to("/admin/scoring").into_response())
}
