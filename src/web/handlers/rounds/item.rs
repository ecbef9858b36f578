//! One item's page: its indicators, the evidence with marks, what was recorded and the
//! scoring forms.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::{Role, User};
use crate::scoring::evidence_review::{self, MarkFilter, ReviewFilter};
use crate::scoring::rounds::{self, ItemKey};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    EvidenceView, IndicatorBrief, ItemValues, RoundItemPage, TargetLine, render,
};
use crate::web::round_view::{RoundView, Scope};

/// How many of the item's latest recorded changes its page lists (the round's history
/// has them all).
const ITEM_HISTORY: i64 = 30;

/// The neighbours of an item in the user's list (its group's items for an assessor).
pub(super) fn neighbours(
    scope: &Scope,
    user: &User,
    key: ItemKey,
) -> (Option<String>, Option<String>) {
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

/// The item page's evidence filters and page, as typed in its query; anything that does
/// not parse is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct ItemQuery {
    #[serde(default)]
    ind: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    mark: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    page: String,
}

impl ItemQuery {
    fn filter(&self) -> ReviewFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty() && s.len() <= 40);
        ReviewFilter {
            indicator: self.ind.trim().parse().ok(),
            organisation: self.org.trim().parse().ok(),
            kind: text(&self.kind).filter(|k| crate::evidence::KINDS.contains(&k.as_str())),
            year: self.year.trim().parse().ok(),
            state: text(&self.state).filter(|s| crate::tasks::Status::parse(s).is_some()),
            mark: MarkFilter::parse(self.mark.trim()),
            with_findings: !self.findings.trim().is_empty(),
        }
    }

    fn page(&self) -> usize {
        self.page.trim().parse().unwrap_or(1)
    }
}

pub async fn item(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, key)): Path<(i64, String)>,
    Query(query): Query<ItemQuery>,
) -> AppResult<Response> {
    let key = ItemKey::parse(&key).ok_or(AppError::NotFound)?;
    item_page_at(
        &state,
        ctx,
        &user,
        id,
        key,
        None,
        Vec::new(),
        StatusCode::OK,
        &query,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn item_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    round_id: i64,
    key: ItemKey,
    typed: Option<ItemValues>,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    item_page_at(
        state,
        ctx,
        user,
        round_id,
        key,
        typed,
        errors,
        status,
        &ItemQuery::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn item_page_at(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    round_id: i64,
    key: ItemKey,
    typed: Option<ItemValues>,
    errors: Vec<String>,
    status: StatusCode,
    query: &ItemQuery,
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
    let decided_veto = outcome
        .derived_vetoes
        .iter()
        .find(|d| key == ItemKey::Veto(d.indicator))
        .map(|d| {
            let source = view
                .measurements
                .iter()
                .find(|m| m.indicator_number == d.measure)
                .map(|m| m.source.clone())
                .unwrap_or_default();
            let state_key = if d.triggered {
                "veto-triggered"
            } else {
                "veto-not-triggered"
            };
            let lang = ctx.lang();
            let text = lang.t_args(
                "veto-decided-by-measure",
                &[
                    ("measure", i64::from(d.measure).into()),
                    ("value", d.value.normalize().to_string().into()),
                    ("below", d.below.normalize().to_string().into()),
                    ("source", source.into()),
                    ("state", lang.t(state_key).into()),
                ],
            );
            (d.triggered, text)
        });
    let review = view.reviews.get(&key).cloned();
    let vis = crate::inspections::visibility(&state.db, user, &scope.round).await?;
    let findings =
        crate::inspections::findings::for_item(&state.db, round_id, &item.indicators, vis).await?;
    let history: Vec<crate::web::round_history::HistoryEntry> = crate::audit::object::item_history(
        &state.db,
        "round",
        &round_id.to_string(),
        &key.to_string(),
        ITEM_HISTORY,
    )
    .await?
    .iter()
    .map(|e| crate::web::round_history::word(ctx.lang(), e))
    .collect();
    let evidence = view.item_evidence(state, &item).await?;
    let filter = query.filter();
    let with_findings: HashSet<i32> = findings.iter().map(|f| f.indicator_number).collect();
    let files = EvidenceView::new(
        evidence_review::page(&evidence, &filter, &with_findings, query.page()),
        filter,
    );
    // The round's lead and the office see how far each assessor of the item's group has
    // read.
    let owner_group = scope.owners.get(&key).copied();
    let leads = user.role == Role::Assessor && scope.round.lead_assessor_id == Some(user.id);
    let assessor_marks = if matches!(user.role, Role::Admin | Role::Office) || leads {
        rounds::marks_by_assessor(&state.db, round_id, owner_group).await?
    } else {
        Vec::new()
    };
    let evaluation_day = scope
        .round
        .starts_on
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
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
    let interviews =
        crate::inspections::interviews::linked_to(&state.db, round_id, &item.indicators).await?;
    let page = RoundItemPage {
        interviews,
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
        decided_veto,
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
        findings,
        history,
        files,
        assessor_marks,
        evaluation_day,
    };
    Ok((status, render(&page)?).into_response())
}
