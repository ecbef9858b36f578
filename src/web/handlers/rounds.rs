//! Online scoring: the rounds, an assessor's worklist, one item's page (indicators,
//! evidence with marks, the scoring form), the result with its verdict, the comparison of
//! two rounds, the .xlsx score sheet and the printable evaluation report.
//!
//! Every change goes through [`guard`], which asks [`Policy::can_score`] and records each
//! refusal in the log and the audit trail.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use tower_sessions::Session;

use super::tasks::campaign;
use crate::accounts::{Role, User};
use crate::campaigns::Campaign;
use crate::i18n::Lang;
use crate::rubric::data::{RubricFile, Scoring, VerdictRule};
use crate::scoring::rounds::{self, Item, ItemKey, Round, RubricIds};
use crate::scoring::{ChoiceProblem, Decision, Outcome, sheet};
use crate::web::AppState;
use crate::web::access::{Policy, ScoreRefusal};
use crate::web::context::{CurrentUser, FlashKind, PageCtx, RequestContext, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    CompareLine, ComparePage, IndicatorBrief, ItemValues, ReportPage, ResultPage, RoundItemPage,
    RoundsPage, TargetLine, WorkLine, WorklistPage, render,
};
use crate::{orgs, targets};

/// A round with everything needed to show or score it.
pub struct Scope {
    pub campaign: Campaign,
    pub rubric: Arc<RubricFile>,
    pub round: Round,
    pub ids: RubricIds,
    pub items: Vec<Item>,
    pub owners: BTreeMap<ItemKey, i64>,
}

impl Scope {
    pub async fn load(state: &AppState, round_id: i64) -> AppResult<Scope> {
        let campaign = campaign(state).await?;
        let round = rounds::find(&state.db, round_id)
            .await?
            .filter(|r| r.campaign_id == campaign.id)
            .ok_or(AppError::NotFound)?;
        let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
        let ids = RubricIds::load(&state.db, campaign.edition_id).await?;
        let owners = rounds::assignments(&state.db, round.id).await?;
        Ok(Scope {
            items: rounds::items(&rubric),
            campaign,
            rubric,
            round,
            ids,
            owners,
        })
    }

    fn item(&self, key: ItemKey) -> AppResult<&Item> {
        self.items
            .iter()
            .find(|i| i.key == key)
            .ok_or(AppError::NotFound)
    }

    /// The item an indicator belongs to.
    fn item_of_indicator(&self, number: i32) -> Option<&Item> {
        self.items.iter().find(|i| i.indicators.contains(&number))
    }

    async fn outcome(&self, state: &AppState) -> AppResult<Outcome> {
        Ok(rounds::outcome(&state.db, &self.campaign, &self.rubric, &self.round).await?)
    }

    async fn rule(&self, state: &AppState) -> AppResult<VerdictRule> {
        Ok(rounds::verdict_rule(&state.db, &self.campaign, &self.rubric).await?)
    }
}

/// A round as its read pages show it, computed once per change of the data
/// ([`crate::derived`]). Score changes load a fresh [`Scope`] instead, so the policy
/// never decides on a cached round.
pub struct RoundView {
    pub scope: Scope,
    pub outcome: Outcome,
    pub rule: VerdictRule,
    pub groups: HashMap<i64, String>,
    pub reviews: HashMap<ItemKey, rounds::ItemReview>,
    /// (evidence, marked) per indicator number.
    pub evidence: HashMap<i32, (i64, i64)>,
    pub deductions: Vec<rounds::DeductionRow>,
    pub measurements: Vec<rounds::Measurement>,
    pub awards: Vec<rounds::Award>,
    pub vetoes: Vec<rounds::VetoMark>,
    pub choices: crate::scoring::Choices,
    pub target_entries: Vec<targets::Entry>,
}

impl RoundView {
    pub async fn load(state: &AppState, round_id: i64) -> AppResult<Arc<RoundView>> {
        Ok(state
            .derived
            .get("round", round_id, || Self::compute(state, round_id))
            .await?)
    }

    async fn compute(state: &AppState, round_id: i64) -> AppResult<RoundView> {
        let scope = Scope::load(state, round_id).await?;
        let db = &state.db;
        let (outcome, rule, groups, reviews, evidence, deductions, measurements, awards, vetoes) =
            tokio::try_join!(
                scope.outcome(state),
                scope.rule(state),
                group_names(state),
                async { Ok(rounds::reviews(db, round_id).await?) },
                async { Ok(rounds::evidence_counts(db, &scope.round).await?) },
                async { Ok(rounds::deductions(db, round_id).await?) },
                async { Ok(rounds::measurements(db, round_id).await?) },
                async { Ok(rounds::awards(db, round_id).await?) },
                async { Ok(rounds::vetoes(db, round_id).await?) },
            )?;
        let (choices, target_entries) = tokio::try_join!(
            rounds::choices(db, scope.campaign.id),
            targets::entries(db, scope.campaign.id, None),
        )?;
        Ok(RoundView {
            scope,
            outcome,
            rule,
            groups,
            reviews,
            evidence,
            deductions,
            measurements,
            awards,
            vetoes,
            choices,
            target_entries,
        })
    }

    /// The evidence behind one item, with this round's marks.
    async fn item_evidence(
        &self,
        state: &AppState,
        item: &Item,
    ) -> AppResult<Arc<Vec<rounds::EvidenceForReview>>> {
        let item_id = match item.key {
            ItemKey::Point(seq) => i64::from(seq),
            ItemKey::Veto(number) => -i64::from(number),
        };
        Ok(state
            .derived
            .get_for("item-evidence", [self.scope.round.id, item_id], || async {
                Ok::<_, AppError>(
                    rounds::evidence_for(&state.db, &self.scope.round, &item.indicators).await?,
                )
            })
            .await?)
    }
}

/// Refuses (and records) a score change the policy does not allow.
async fn guard(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    scope: &Scope,
    key: ItemKey,
) -> AppResult<()> {
    let owner = scope.owners.get(&key).copied();
    if let Err(refusal) = Policy::can_score(user, &scope.round, owner) {
        refuse(state, ctx, scope, key, refusal).await?;
        return Err(AppError::AuditedRefusal(refusal.message_key()));
    }
    Ok(())
}

async fn refuse(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    key: ItemKey,
    refusal: ScoreRefusal,
) -> AppResult<()> {
    tracing::warn!(round = scope.round.id, item = %key, reason = refusal.as_str(), "score change refused");
    ctx.audit(
        &state.db,
        "score.refused",
        "round",
        Some(scope.round.id.to_string()),
        serde_json::json!({"item": key.to_string(), "reason": refusal.as_str()}),
    )
    .await
}

/// Parses an item key, loads its round and checks that the user may score the item.
async fn scoring_scope(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    round_id: i64,
    key: &str,
) -> AppResult<(ItemKey, Scope)> {
    let key = ItemKey::parse(key).ok_or(AppError::NotFound)?;
    let scope = Scope::load(state, round_id).await?;
    guard(state, ctx, user, &scope, key).await?;
    Ok((key, scope))
}

/// A refused scoring form: the item page again, with the messages and what was typed.
async fn refused_form(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    scope: &Scope,
    key: ItemKey,
    form: &ScoreForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    let values = form.values();
    item_page(
        state,
        ctx,
        user,
        scope.round.id,
        key,
        Some(values),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// A saved score change: audited, then back to the item with a notice.
async fn saved(
    state: &AppState,
    ctx: &PageCtx,
    session: &Session,
    scope: &Scope,
    key: ItemKey,
    action: &str,
    summary: serde_json::Value,
) -> AppResult<Response> {
    audit_score(state, &ctx.request, scope, action, summary).await?;
    set_flash(session, FlashKind::Success, ctx.t("score-saved")).await?;
    Ok(back_to_item(scope.round.id, key))
}

async fn audit_score(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    action: &str,
    summary: serde_json::Value,
) -> AppResult<()> {
    ctx.audit(
        &state.db,
        action,
        "round",
        Some(scope.round.id.to_string()),
        summary,
    )
    .await
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let all = rounds::list(&state.db, campaign.id).await?;
    let mut lines = Vec::new();
    for round in all {
        let view = RoundView::load(&state, round.id).await?;
        lines.push((round, view.outcome.total, view.outcome.decision.passed()));
    }
    Ok(render(&RoundsPage {
        ctx,
        rounds: lines,
        max_total: rubric.total_points,
        values: Default::default(),
        errors: Vec::new(),
    })?
    .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let view = RoundView::load(&state, id).await?;
    let (scope, outcome) = (&view.scope, &view.outcome);
    let verdict = verdict_text(ctx.lang(), outcome, &view.rule);
    let lines = work_lines(scope, outcome, &view.groups, &view.reviews, &HashMap::new());
    let own_rule = rounds::has_own_rule(&state.db, scope.campaign.id).await?;
    let problems = outcome
        .problems
        .iter()
        .map(|p| problem_text(ctx.lang(), p))
        .collect();
    Ok(render(&ResultPage {
        ctx,
        round: scope.round.clone(),
        lines,
        parts: part_lines(&scope.rubric, outcome),
        problems,
        verdict,
        outcome: outcome.clone(),
        own_rule,
    })?
    .into_response())
}

/// (numeral + title, score, max) per part.
fn part_lines(rubric: &RubricFile, outcome: &Outcome) -> Vec<(String, Decimal, Option<Decimal>)> {
    rubric
        .parts
        .iter()
        .filter(|p| p.scoring != Scoring::Veto)
        .map(|p| {
            let score = outcome
                .parts
                .iter()
                .find(|s| s.seq == p.seq)
                .map(|s| s.score)
                .unwrap_or_default();
            (
                format!("{}、{}", p.numeral, p.title),
                score,
                p.max_points.map(Decimal::from),
            )
        })
        .collect()
}

async fn group_names(state: &AppState) -> AppResult<HashMap<i64, String>> {
    Ok(orgs::list(&state.db, true)
        .await?
        .into_iter()
        .filter(|o| o.kind == orgs::OrgKind::AssessorGroup)
        .map(|o| (o.id, o.name))
        .collect())
}

fn work_lines(
    scope: &Scope,
    outcome: &Outcome,
    groups: &HashMap<i64, String>,
    reviews: &HashMap<ItemKey, rounds::ItemReview>,
    evidence: &HashMap<i32, (i64, i64)>,
) -> Vec<WorkLine> {
    scope
        .items
        .iter()
        .map(|item| {
            let point = match item.key {
                ItemKey::Point(seq) => outcome.points.iter().find(|p| p.seq == seq),
                ItemKey::Veto(_) => None,
            };
            let (files, marked) = item
                .indicators
                .iter()
                .filter_map(|n| evidence.get(n))
                .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
            let group = scope.owners.get(&item.key).copied();
            WorkLine {
                item: item.clone(),
                group_id: group,
                group_name: group.and_then(|g| groups.get(&g).cloned()),
                score: point.map(|p| p.score),
                counted: point.is_none_or(|p| p.counted),
                vetoed: matches!(item.key, ItemKey::Veto(n) if outcome.vetoes.contains(&n)),
                done: reviews.get(&item.key).is_some_and(|r| r.done),
                files,
                marked,
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkQuery {
    #[serde(default)]
    group: String,
}

/// An assessor's worklist: the items of its group. Others pick a group (or see all).
pub async fn worklist(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<WorkQuery>,
) -> AppResult<Response> {
    let group = if user.role == Role::Assessor {
        user.organisation_id
    } else {
        query.group.trim().parse().ok()
    };
    let summary = group_summary(&state, id, group).await?;
    let groups = group_names(&state).await?;
    let mut group_list: Vec<(i64, String)> = groups.into_iter().collect();
    group_list.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(render(&WorklistPage {
        ctx,
        round: summary.round,
        group,
        groups: group_list,
        own_group: user.role == Role::Assessor,
        running: summary.running,
        running_max: summary.running_max,
        lines: summary.lines,
    })?
    .into_response())
}

/// A group's items in a round (all items with None), with its running total.
pub struct GroupSummary {
    pub round: Round,
    pub lines: Vec<WorkLine>,
    pub running: Decimal,
    pub running_max: Decimal,
}

pub async fn group_summary(
    state: &AppState,
    round_id: i64,
    group: Option<i64>,
) -> AppResult<GroupSummary> {
    let view = RoundView::load(state, round_id).await?;
    let lines: Vec<WorkLine> = work_lines(
        &view.scope,
        &view.outcome,
        &view.groups,
        &view.reviews,
        &view.evidence,
    )
    .into_iter()
    .filter(|l| group.is_none() || l.group_id == group)
    .collect();
    let counted = || lines.iter().filter(|l| l.counted);
    let running = counted().filter_map(|l| l.score).sum();
    let running_max = counted()
        .filter_map(|l| l.item.max)
        .map(Decimal::from)
        .sum();
    Ok(GroupSummary {
        round: view.scope.round.clone(),
        lines,
        running,
        running_max,
    })
}

/// The neighbours of an item in the user's list (its group's items for an assessor).
fn neighbours(scope: &Scope, user: &User, key: ItemKey) -> (Option<String>, Option<String>) {
    let keys: Vec<ItemKey> = scope
        .items
        .iter()
        .map(|i| i.key)
        .filter(|k| {
            user.role != Role::Assessor
                || scope.owners.get(k).copied() == user.organisation_id
                || *k == key
        })
        .collect();
    let at = keys.iter().position(|k| *k == key);
    let prev = at
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| keys.get(i))
        .map(|k| k.to_string());
    let next = at.and_then(|i| keys.get(i + 1)).map(|k| k.to_string());
    (prev, next)
}

pub async fn item(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
) -> AppResult<Response> {
    let key = ItemKey::parse(&key).ok_or(AppError::NotFound)?;
    item_page(
        &state,
        ctx,
        &user,
        id,
        key,
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn item_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    round_id: i64,
    key: ItemKey,
    typed: Option<ItemValues>,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let view = RoundView::load(state, round_id).await?;
    let scope = &view.scope;
    let item = scope.item(key)?.clone();
    let outcome = &view.outcome;
    let deductions: Vec<rounds::DeductionRow> = view
        .deductions
        .iter()
        .filter(|d| item.indicators.contains(&d.indicator_number))
        .cloned()
        .collect();
    let measurement = view
        .measurements
        .iter()
        .find(|m| item.indicators.contains(&m.indicator_number))
        .cloned();
    let award = match key {
        ItemKey::Point(seq) => view.awards.iter().find(|a| a.point_seq == seq).cloned(),
        ItemKey::Veto(_) => None,
    };
    let veto = match key {
        ItemKey::Veto(n) => view
            .vetoes
            .iter()
            .find(|v| v.indicator_number == n)
            .cloned(),
        ItemKey::Point(_) => None,
    };
    let review = view.reviews.get(&key).cloned();
    let evidence = view.item_evidence(state, &item).await?;
    let choices = &view.choices;
    let chooses = scope
        .rubric
        .points()
        .find(|(_, p)| ItemKey::Point(p.seq) == key)
        .and_then(|(_, p)| p.choose);
    let indicators: Vec<IndicatorBrief> = scope
        .rubric
        .indicators()
        .filter(|(_, _, i)| item.indicators.contains(&i.number))
        .map(|(_, _, i)| IndicatorBrief {
            number: i.number,
            content: i.content.clone(),
            methods_text: i.methods_text.clone(),
            responsibility_text: i.responsibility_text.clone(),
            chosen: chooses.map(|_| choices.chosen_items.contains(&i.number)),
        })
        .collect();
    let entries = &view.target_entries;
    let target_lines = TargetLine::for_targets(
        scope
            .rubric
            .targets
            .iter()
            .filter(|t| item.indicators.contains(&t.indicator)),
        entries,
    );
    let measure = scope
        .rubric
        .points()
        .find(|(_, p)| ItemKey::Point(p.seq) == key)
        .and_then(|(_, p)| p.measure.clone());
    let values = typed.unwrap_or_else(|| ItemValues {
        deduction_indicator: item
            .indicators
            .first()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        deduction_points: String::new(),
        deduction_reason: String::new(),
        value: measurement
            .as_ref()
            .map(|m| m.value.to_string())
            .unwrap_or_default(),
        source: measurement
            .as_ref()
            .map(|m| m.source.clone())
            .unwrap_or_default(),
        source_date: measurement
            .as_ref()
            .and_then(|m| m.source_date)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        award_points: award
            .as_ref()
            .map(|a| a.points.to_string())
            .unwrap_or_default(),
        award_remark: award.as_ref().map(|a| a.remark.clone()).unwrap_or_default(),
        veto_triggered: veto
            .as_ref()
            .map(|v| if v.triggered { "yes" } else { "no" }.to_string())
            .unwrap_or_default(),
        veto_note: veto.as_ref().map(|v| v.note.clone()).unwrap_or_default(),
        remark: review
            .as_ref()
            .map(|r| r.remark.clone())
            .unwrap_or_default(),
    });
    let owner = scope.owners.get(&key).copied();
    let groups = &view.groups;
    let (prev, next) = neighbours(scope, user, key);
    let point_score = match key {
        ItemKey::Point(seq) => outcome.points.iter().find(|p| p.seq == seq).cloned(),
        ItemKey::Veto(_) => None,
    };
    let optional_chosen = match key {
        ItemKey::Point(seq) => choices.optional_points.contains(&seq),
        ItemKey::Veto(_) => false,
    };
    let page = RoundItemPage {
        ctx,
        can_score: Policy::can_score(user, &scope.round, owner).is_ok(),
        round: scope.round.clone(),
        item,
        indicators,
        evidence,
        deductions,
        measurement,
        measure,
        award,
        veto,
        review,
        owner_name: owner.and_then(|g| groups.get(&g).cloned()),
        prev,
        next,
        values,
        errors,
        point_score,
        targets: target_lines,
        chooses,
        optional_chosen,
    };
    Ok((status, render(&page)?).into_response())
}

/// Every scoring form of the item page posts these fields (absent ones are empty).
#[derive(Debug, Default, Deserialize)]
pub struct ScoreForm {
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    source_date: String,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    triggered: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    sufficient: String,
    #[serde(default)]
    back: String,
}

impl ScoreForm {
    fn values(&self) -> ItemValues {
        ItemValues {
            deduction_indicator: self.indicator.trim().to_string(),
            deduction_points: self.points.trim().to_string(),
            deduction_reason: self.reason.trim().to_string(),
            value: self.value.trim().to_string(),
            source: self.source.trim().to_string(),
            source_date: self.source_date.trim().to_string(),
            award_points: self.points.trim().to_string(),
            award_remark: self.remark.trim().to_string(),
            veto_triggered: self.triggered.trim().to_string(),
            veto_note: self.note.trim().to_string(),
            remark: self.remark.trim().to_string(),
        }
    }
}

/// Points written with at most two decimals ("0.5", "2", "1.25").
fn parse_points(text: &str) -> Option<Decimal> {
    let value: Decimal = text.trim().parse().ok()?;
    (value.scale() <= 2).then_some(value.normalize())
}

fn back_to_item(round_id: i64, key: ItemKey) -> Response {
    Redirect::to(&format!("/rounds/{round_id}/items/{key}")).into_response()
}

pub async fn add_deduction(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let item = scope.item(key)?;
    if item.scoring != Scoring::Deduction {
        return Err(AppError::BadRequest("error-bad-request"));
    }
    let mut errors = Vec::new();
    let indicator: Option<i32> = form
        .indicator
        .trim()
        .parse()
        .ok()
        .filter(|n| item.indicators.contains(n));
    if indicator.is_none() {
        errors.push(ctx.t("score-error-indicator"));
    }
    let points = parse_points(&form.points).filter(|p| *p > Decimal::ZERO);
    match points {
        Some(p) if item.max.is_some_and(|max| p <= Decimal::from(max)) => {}
        _ => errors.push(ctx.t1(
            "score-error-deduction",
            "max",
            item.max.unwrap_or_default() as i64,
        )),
    }
    if form.reason.trim().is_empty() {
        errors.push(ctx.t("score-error-reason"));
    }
    let (Some(indicator), Some(points), true) = (indicator, points, errors.is_empty()) else {
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    };
    let indicator_id = *scope
        .ids
        .indicators
        .get(&indicator)
        .ok_or(AppError::NotFound)?;
    let deduction_id = rounds::add_deduction(
        &state.db,
        id,
        indicator_id,
        points,
        form.reason.trim(),
        user.id,
    )
    .await?;
    saved(&state, &ctx, &session, &scope, key, "score.deduct", serde_json::json!({"item": key.to_string(), "indicator": indicator, "points": points, "reason": form.reason.trim(), "deduction": deduction_id})).await
}

pub async fn withdraw_deduction(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, deduction_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let (indicator, points, reason) = rounds::deduction_indicator(&state.db, id, deduction_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = scope
        .item_of_indicator(indicator)
        .map(|i| i.key)
        .ok_or(AppError::NotFound)?;
    guard(&state, &ctx.request, &user, &scope, key).await?;
    rounds::withdraw_deduction(&state.db, deduction_id, user.id).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.withdraw",
        serde_json::json!({"item": key.to_string(), "indicator": indicator, "points": points, "reason": reason, "deduction": deduction_id}),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("score-withdrawn")).await?;
    Ok(back_to_item(id, key))
}

pub async fn measure(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let measure = scope
        .rubric
        .points()
        .find(|(_, p)| ItemKey::Point(p.seq) == key)
        .and_then(|(_, p)| p.measure.clone())
        .ok_or(AppError::BadRequest("error-bad-request"))?;
    let mut errors = Vec::new();
    let value =
        parse_points(&form.value).filter(|v| *v >= Decimal::ZERO && *v <= Decimal::ONE_HUNDRED);
    if value.is_none() {
        errors.push(ctx.t("score-error-value"));
    }
    if form.source.trim().is_empty() {
        errors.push(ctx.t("score-error-source"));
    }
    let source_date = match form.source_date.trim() {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(ctx.t("task-error-date"));
                None
            }
        },
    };
    let (Some(value), true) = (value, errors.is_empty()) else {
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    };
    let indicator_id = *scope
        .ids
        .indicators
        .get(&measure.indicator)
        .ok_or(AppError::NotFound)?;
    let unit = measure.unit.as_str();
    rounds::set_measurement(
        &state.db,
        id,
        indicator_id,
        &rounds::NewMeasurement {
            value,
            unit,
            source: form.source.trim(),
            source_date,
        },
        user.id,
    )
    .await?;
    saved(&state, &ctx, &session, &scope, key, "score.measure", serde_json::json!({"item": key.to_string(), "indicator": measure.indicator, "value": value, "unit": unit, "source": form.source.trim()})).await
}

pub async fn award(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let item = scope.item(key)?;
    let (ItemKey::Point(seq), Scoring::Awarded, Some(max)) = (key, item.scoring, item.max) else {
        return Err(AppError::BadRequest("error-bad-request"));
    };
    let points =
        parse_points(&form.points).filter(|p| *p >= Decimal::ZERO && *p <= Decimal::from(max));
    let Some(points) = points else {
        let errors = vec![ctx.t1("score-error-award", "max", max as i64)];
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    };
    let point_id = *scope.ids.points.get(&seq).ok_or(AppError::NotFound)?;
    rounds::set_award(&state.db, id, point_id, points, form.remark.trim(), user.id).await?;
    saved(&state, &ctx, &session, &scope, key, "score.award", serde_json::json!({"item": key.to_string(), "points": points, "remark": form.remark.trim()})).await
}

pub async fn veto(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let ItemKey::Veto(number) = key else {
        return Err(AppError::BadRequest("error-bad-request"));
    };
    let triggered = match form.triggered.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let errors = vec![ctx.t("score-error-veto")];
            return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
        }
    };
    if triggered && form.note.trim().is_empty() {
        let errors = vec![ctx.t("score-error-veto-note")];
        return refused_form(&state, ctx, &user, &scope, key, &form, errors).await;
    }
    let indicator_id = *scope
        .ids
        .indicators
        .get(&number)
        .ok_or(AppError::NotFound)?;
    rounds::set_veto(
        &state.db,
        id,
        indicator_id,
        triggered,
        form.note.trim(),
        user.id,
    )
    .await?;
    saved(&state, &ctx, &session, &scope, key, "score.veto", serde_json::json!({"item": key.to_string(), "triggered": triggered, "note": form.note.trim()})).await
}

/// The assessor's remark on an item and whether its scoring is finished.
pub async fn review_item(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let (key, scope) = scoring_scope(&state, &ctx.request, &user, id, &key).await?;
    let ids = scope.ids.of(key).ok_or(AppError::NotFound)?;
    let done = !form.done.is_empty();
    rounds::set_review(&state.db, id, ids, form.remark.trim(), done, user.id).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.review",
        serde_json::json!({"item": key.to_string(), "done": done, "remark": form.remark.trim()}),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("score-saved")).await?;
    // Finishing an item moves on to the next one in the list.
    let (_, next) = neighbours(&scope, &user, key);
    match (done, next) {
        (true, Some(next)) => {
            Ok(Redirect::to(&format!("/rounds/{id}/items/{next}")).into_response())
        }
        _ => Ok(back_to_item(id, key)),
    }
}

/// 资料审查: marks one piece of evidence sufficient or not, with a remark.
pub async fn mark(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, evidence_id)): Path<(i64, i64)>,
    Form(form): Form<ScoreForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let indicator = rounds::evidence_indicator(&state.db, &scope.round, evidence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = scope
        .item_of_indicator(indicator)
        .map(|i| i.key)
        .ok_or(AppError::NotFound)?;
    guard(&state, &ctx.request, &user, &scope, key).await?;
    let sufficient = match form.sufficient.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest("score-error-mark")),
    };
    if !sufficient && form.remark.trim().is_empty() {
        set_flash(&session, FlashKind::Error, ctx.t("score-error-mark-remark")).await?;
        return Ok(back_to_item(id, key));
    }
    rounds::set_mark(
        &state.db,
        id,
        evidence_id,
        sufficient,
        form.remark.trim(),
        user.id,
    )
    .await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "score.mark",
        serde_json::json!({"item": key.to_string(), "evidence": evidence_id, "sufficient": sufficient, "remark": form.remark.trim()}),
    )
    .await?;
    let anchor = if form.back.starts_with('e') && form.back[1..].chars().all(|c| c.is_ascii_digit())
    {
        format!("#{}", form.back)
    } else {
        String::new()
    };
    Ok(Redirect::to(&format!("/rounds/{id}/items/{key}{anchor}")).into_response())
}

/// The verdict in words: (passed, headline, the rule that decided it).
pub fn verdict_text(lang: Lang, outcome: &Outcome, rule: &VerdictRule) -> (bool, String, String) {
    let passed = outcome.decision.passed();
    let headline = lang.t(if matches!(outcome.decision, Decision::Veto(_)) {
        "verdict-vetoed"
    } else if passed {
        "verdict-passed"
    } else {
        "verdict-failed"
    });
    let join = |numbers: &[i32]| {
        numbers
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("、")
    };
    let reason = match &outcome.decision {
        Decision::Veto(items) => lang.t_args("verdict-by-veto", &[("items", join(items).into())]),
        Decision::Threshold(n) => {
            let check = outcome.thresholds.iter().find(|t| t.indicator == *n);
            lang.t_args(
                "verdict-by-threshold",
                &[
                    ("indicator", (*n as i64).into()),
                    (
                        "min",
                        check
                            .map(|c| c.min.normalize().to_string())
                            .unwrap_or_default()
                            .into(),
                    ),
                    (
                        "value",
                        check
                            .and_then(|c| c.value)
                            .map(|v| v.normalize().to_string())
                            .unwrap_or_else(|| "—".into())
                            .into(),
                    ),
                ],
            )
        }
        Decision::MinTotal(min) => lang.t_args(
            "verdict-by-total",
            &[
                ("min", min.to_string().into()),
                ("total", outcome.total.to_string().into()),
            ],
        ),
        Decision::MinPartRate { part, rate } => lang.t_args(
            "verdict-by-part-rate",
            &[
                ("part", (*part as i64).into()),
                (
                    "rate",
                    (rate * Decimal::ONE_HUNDRED).normalize().to_string().into(),
                ),
                (
                    "min",
                    rule.min_part_rate
                        .map(|m| (m * Decimal::ONE_HUNDRED).normalize().to_string())
                        .unwrap_or_default()
                        .into(),
                ),
            ],
        ),
        Decision::AllRulesMet => {
            let thresholds = outcome
                .thresholds
                .iter()
                .map(|t| format!("{} ≥ {}", t.indicator, t.min.normalize()))
                .collect::<Vec<_>>()
                .join("，");
            let mut text = lang.t_args("verdict-by-all", &[("thresholds", thresholds.into())]);
            if let Some(min) = rule.min_total {
                text.push_str(
                    &lang.t_args("verdict-and-total", &[("min", min.to_string().into())]),
                );
            }
            if let Some(rate) = rule.min_part_rate {
                text.push_str(&lang.t_args(
                    "verdict-and-rate",
                    &[(
                        "min",
                        (rate * Decimal::ONE_HUNDRED).normalize().to_string().into(),
                    )],
                ));
            }
            text
        }
    };
    (passed, headline, reason)
}

pub fn problem_text(lang: Lang, problem: &ChoiceProblem) -> String {
    match problem {
        ChoiceProblem::WrongItemCount {
            point,
            required,
            chosen,
        } => lang.t_args(
            "problem-item-count",
            &[
                ("point", (*point as i64).into()),
                ("required", (*required as i64).into()),
                ("chosen", (*chosen as i64).into()),
            ],
        ),
        ChoiceProblem::TooManyOptional {
            chosen_max, cap, ..
        } => lang.t_args(
            "problem-too-many-optional",
            &[
                ("chosen", chosen_max.to_string().into()),
                ("cap", cap.to_string().into()),
            ],
        ),
        ChoiceProblem::NotOptional { point } => {
            lang.t_args("problem-not-optional", &[("point", (*point as i64).into())])
        }
    }
}

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
        })?
        .into_response());
    };
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let outcome_a = rounds::outcome(&state.db, &campaign, &rubric, &a).await?;
    let outcome_b = rounds::outcome(&state.db, &campaign, &rubric, &b).await?;
    let deductions_a = rounds::deductions(&state.db, a.id).await?;
    let deductions_b = rounds::deductions(&state.db, b.id).await?;
    let items = rounds::items(&rubric);
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
    let parts = rubric
        .parts
        .iter()
        .filter(|p| p.scoring != Scoring::Veto)
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
    Ok(render(&ComparePage {
        ctx,
        rounds: all.clone(),
        totals: (
            outcome_a.total,
            outcome_b.total,
            outcome_b.total - outcome_a.total,
        ),
        a: Some(a),
        b: Some(b),
        lines,
        parts,
    })?
    .into_response())
}

/// Every assessor account (active or not), for group listings and the lead's choice.
pub async fn assessor_accounts(state: &AppState) -> AppResult<Vec<User>> {
    Ok(crate::accounts::list(
        &state.db,
        &crate::accounts::UserFilter {
            role: Some(Role::Assessor),
            ..Default::default()
        },
    )
    .await?)
}

/// Assessor accounts of each group that scores something in the round.
async fn assessors_by_group(
    state: &AppState,
    scope: &Scope,
) -> AppResult<Vec<(String, Vec<String>)>> {
    let groups = group_names(state).await?;
    let users = assessor_accounts(state).await?;
    let mut used: Vec<i64> = scope.owners.values().copied().collect();
    used.sort_unstable();
    used.dedup();
    let mut out: Vec<(String, Vec<String>)> = used
        .into_iter()
        .map(|g| {
            (
                groups.get(&g).cloned().unwrap_or_default(),
                users
                    .iter()
                    .filter(|u| u.organisation_id == Some(g) && u.active)
                    .map(|u| u.display_name.clone())
                    .collect(),
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

pub async fn score_sheet(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let view = RoundView::load(&state, id).await?;
    let lang = ctx.lang();
    // The workbook is the same for every reader of a language until the data changes.
    let what = match lang {
        Lang::Zh => "score-sheet-zh",
        Lang::En => "score-sheet-en",
    };
    let bytes = state
        .derived
        .get(what, id, || build_score_sheet(&state, &view, lang))
        .await?;
    let scope = &view.scope;
    let name = format!("{}-{}.xlsx", scope.campaign.city_name, scope.round.name);
    ctx.request
        .audit(
            &state.db,
            "export.score_sheet",
            "round",
            Some(id.to_string()),
            serde_json::json!({"round": scope.round.name}),
        )
        .await?;
    let disposition = crate::storage::content_disposition("attachment", &name);
    let mut response = bytes::Bytes::clone(&bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn build_score_sheet(
    state: &AppState,
    view: &RoundView,
    lang: Lang,
) -> AppResult<bytes::Bytes> {
    let (scope, outcome, groups, reviews) =
        (&view.scope, &view.outcome, &view.groups, &view.reviews);
    let (deductions, vetoes) = (&view.deductions, &view.vetoes);
    let t = |k: &str| lang.t(k);
    let points = scope
        .items
        .iter()
        .filter_map(|item| {
            let ItemKey::Point(seq) = item.key else {
                return None;
            };
            let score = outcome.points.iter().find(|p| p.seq == seq);
            Some(sheet::SheetPoint {
                part: item.part_numeral.clone(),
                label: item.label(),
                max: item.max.map(Decimal::from),
                score: score.map(|s| s.score),
                counted: score.is_none_or(|s| s.counted),
                group: scope
                    .owners
                    .get(&item.key)
                    .and_then(|g| groups.get(g).cloned())
                    .unwrap_or_default(),
                remark: reviews
                    .get(&item.key)
                    .map(|r| r.remark.clone())
                    .unwrap_or_default(),
                deductions: deductions
                    .iter()
                    .filter(|d| {
                        d.withdrawn_at.is_none() && item.indicators.contains(&d.indicator_number)
                    })
                    .map(|d| {
                        (
                            d.indicator_number,
                            d.points,
                            d.reason.clone(),
                            d.created_by_name.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
        })
        .collect();
    let vetoes = scope
        .items
        .iter()
        .filter_map(|item| {
            let ItemKey::Veto(n) = item.key else {
                return None;
            };
            let mark = vetoes.iter().find(|v| v.indicator_number == n);
            Some(sheet::SheetVeto {
                label: item.title.clone(),
                triggered: mark.map(|m| m.triggered),
                note: mark.map(|m| m.note.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let (_, headline, reason) = verdict_text(lang, outcome, &view.rule);
    let data = sheet::Sheet {
        title: format!("{} {}", scope.campaign.city_name, scope.round.name),
        subtitle: format!(
            "{} · {}",
            lang.t(&format!("round-kind-{}", scope.round.kind.as_str())),
            lang.t(&format!("round-state-{}", scope.round.state.as_str()))
        ),
        labels: sheet::Labels {
            part: t("sheet-part"),
            point: t("sheet-point"),
            max: t("sheet-max"),
            score: t("sheet-score"),
            group: t("sheet-group"),
            remark: t("sheet-remark"),
            deduction: t("sheet-deduction"),
            not_counted: t("sheet-not-counted"),
            part_total: t("sheet-part-total"),
            total: t("sheet-total"),
            veto: t("sheet-veto"),
            triggered: t("veto-triggered"),
            not_triggered: t("veto-not-triggered"),
            verdict: t("sheet-verdict"),
            assessors: t("sheet-assessors"),
        },
        points,
        parts: part_lines(&scope.rubric, outcome),
        total: outcome.total,
        max_total: outcome.max_total,
        vetoes,
        verdict: format!("{headline}：{reason}"),
        assessors: assessors_by_group(state, scope)
            .await?
            .into_iter()
            .map(|(g, names)| (g, names.join("、")))
            .collect(),
    };
    let bytes = tokio::task::spawn_blocking(move || sheet::build(&data))
        .await
        .map_err(|e| AppError::Other(e.into()))?
        .map_err(|e| AppError::Other(anyhow::anyhow!("score sheet: {e}")))?;
    Ok(bytes::Bytes::from(bytes))
}

/// The printable evaluation report: statistics from the data, narrative by the lead.
pub async fn report(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    report_page(&state, ctx, &user, scope, None, Vec::new()).await
}

async fn report_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    scope: Scope,
    typed: Option<rounds::ReportText>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let outcome = scope.outcome(state).await?;
    let rule = scope.rule(state).await?;
    let reviews = rounds::reviews(&state.db, scope.round.id).await?;
    let evidence = rounds::evidence_counts(&state.db, &scope.round).await?;
    let deductions = rounds::deductions(&state.db, scope.round.id)
        .await?
        .into_iter()
        .filter(|d| d.withdrawn_at.is_none())
        .collect::<Vec<_>>();
    let assessors = assessors_by_group(state, &scope).await?;
    let files: i64 = evidence.values().map(|(all, _)| all).sum();
    let marked: i64 = evidence.values().map(|(_, m)| m).sum();
    let scored = scope
        .items
        .iter()
        .filter(|i| reviews.get(&i.key).is_some_and(|r| r.done))
        .count();
    let text = typed.unwrap_or_else(|| rounds::ReportText {
        organisation: scope.round.report_organisation.clone(),
        achievements: scope.round.report_achievements.clone(),
        highlights: scope.round.report_highlights.clone(),
        shortcomings: scope.round.report_shortcomings.clone(),
        opinion: scope.round.report_opinion.clone(),
    });
    let verdict = verdict_text(ctx.lang(), &outcome, &rule);
    let indicator_count = scope.rubric.indicators().count();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ReportPage {
        ctx,
        errors,
        can_edit: Policy::can_write_report(user, &scope.round),
        city: scope.campaign.city_name.clone(),
        parts: part_lines(&scope.rubric, &outcome),
        assessor_count: assessors.iter().map(|(_, n)| n.len()).sum(),
        group_count: assessors.len(),
        assessors,
        files,
        marked,
        scored,
        item_count: scope.items.len(),
        indicator_count,
        deduction_count: deductions.len(),
        deducted: deductions.iter().map(|d| d.points).sum(),
        verdict,
        outcome,
        text,
        round: scope.round,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn save_report(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<rounds::ReportText>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    if !Policy::can_write_report(&user, &scope.round) {
        tracing::warn!(round = id, user = %user.username, "report edit refused");
        ctx.request
            .audit(
                &state.db,
                "report.refused",
                "round",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        return Err(AppError::AuditedRefusal("report-refused"));
    }
    let too_long = [
        &form.organisation,
        &form.achievements,
        &form.highlights,
        &form.shortcomings,
        &form.opinion,
    ]
    .iter()
    .any(|t| t.chars().count() > 20_000);
    if too_long {
        let errors = vec![ctx.t("report-too-long")];
        return report_page(&state, ctx, &user, scope, Some(form), errors).await;
    }
    rounds::save_report(&state.db, id, &form).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "report.save",
        serde_json::json!({"chars": form.achievements.chars().count() + form.highlights.chars().count() + form.shortcomings.chars().count() + form.opinion.chars().count() + form.organisation.chars().count()}),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("round-report-saved")).await?;
    Ok(Redirect::to(&format!("/rounds/{id}/report")).into_response())
}
