//! Two rounds side by side.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::rubric::data::Scoring;
use crate::scoring::Outcome;
use crate::scoring::rounds::{self, Item, ItemKey, Round};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::pages::{CompareLine, ComparePage, render};

#[derive(Debug, Default, Deserialize)]
pub struct CompareQuery {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
}

/// Two rounds side by side (e.g. 自评 vs 省级初评): per point the difference and the
/// deductions behind it.
pub async fn compare(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<CompareQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let all = rounds::list(&state.db, campaign.id).await?;
    let pick = |text: &str, fallback: Option<&Round>| -> Option<Round> {
        text.trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| all.iter().find(|r| r.id == id))
            .or(fallback)
            .cloned()
    };
    let first_self = all
        .iter()
        .find(|r| r.kind == rounds::RoundKind::SelfAssessment)
        .or(all.first());
    let a = pick(&query.a, first_self);
    let b = pick(
        &query.b,
        all.iter()
            .rev()
            .find(|r| Some(r.id) != a.as_ref().map(|a| a.id)),
    );
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(render(&ComparePage {
            ctx,
            rounds: all.clone(),
            a: None,
            b: None,
            lines: Vec::new(),
            parts: Vec::new(),
            totals: (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO),
            scope_note: None,
        })?
        .into_response());
    };
    // Each round is read on its own edition; rounds on different editions (before and
    // after the campaign migrated) share no items to set side by side.
    let rubric = state.rules.get(&state.db, a.edition_id).await?;
    let rubric_b = state.rules.get(&state.db, b.edition_id).await?;
    let same_edition = a.edition_id == b.edition_id;
    let outcome_a = rounds::outcome(&state.db, &campaign, &rubric, &a).await?;
    let outcome_b = rounds::outcome(&state.db, &campaign, &rubric_b, &b).await?;
    let deductions_a = rounds::deductions(&state.db, a.id).await?;
    let deductions_b = rounds::deductions(&state.db, b.id).await?;
    // Rounds of different scopes are compared only on the parts they share.
    let (scope_a, scope_b) = (a.scope(&rubric), b.scope(&rubric_b));
    let shared = scope_a.shared_with(&scope_b).filter(|_| same_edition);
    let scope_note = match &shared {
        None if !same_edition => Some(ctx.t("compare-other-edition")),
        None => Some(ctx.t("compare-no-shared")),
        Some(shared) if scope_a != scope_b => {
            Some(ctx.t1("compare-shared-scope", "scope", shared.describe(&rubric)))
        }
        Some(_) => None,
    };
    let items = shared
        .as_ref()
        .map(|shared| rounds::items_in(&rubric, shared))
        .unwrap_or_default();
    let score = |o: &Outcome, seq: i32| {
        o.points
            .iter()
            .find(|p| p.seq == seq)
            .filter(|p| p.counted)
            .map(|p| p.score)
    };
    let live = |list: &[rounds::DeductionRow], item: &Item| -> Vec<rounds::DeductionRow> {
        list.iter()
            .filter(|d| d.withdrawn_at.is_none() && item.indicators.contains(&d.indicator_number))
            .cloned()
            .collect()
    };
    let lines: Vec<CompareLine> = items
        .iter()
        .filter_map(|item| {
            let ItemKey::Point(seq) = item.key else {
                return None;
            };
            let (sa, sb) = (score(&outcome_a, seq), score(&outcome_b, seq));
            Some(CompareLine {
                item: item.clone(),
                a: sa,
                b: sb,
                diff: match (sa, sb) {
                    (Some(x), Some(y)) => Some(y - x),
                    _ => None,
                },
                deductions_a: live(&deductions_a, item),
                deductions_b: live(&deductions_b, item),
            })
        })
        .collect();
    let parts: Vec<(String, Decimal, Decimal, Decimal)> = rubric
        .parts
        .iter()
        .filter(|p| p.scoring != Scoring::Veto)
        .filter(|p| shared.as_ref().is_some_and(|s| s.contains_part(p.seq)))
        .map(|p| {
            let of = |o: &Outcome| {
                o.parts
                    .iter()
                    .find(|s| s.seq == p.seq)
                    .map(|s| s.score)
                    .unwrap_or_default()
            };
            let (x, y) = (of(&outcome_a), of(&outcome_b));
            (format!("{}、{}", p.numeral, p.title), x, y, y - x)
        })
        .collect();
    let (total_a, total_b) = (
        parts.iter().map(|p| p.1).sum::<Decimal>(),
        parts.iter().map(|p| p.2).sum::<Decimal>(),
    );
    Ok(render(&ComparePage {
        ctx,
        rounds: all.clone(),
        totals: (total_a, total_b, total_b - total_a),
        scope_note,
        a: Some(a),
        b: Some(b),
        lines,
        parts,
    })?
    .into_response())
}
