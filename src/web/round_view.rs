//! A round as the web layer loads it: [`Scope`] (what a score change is checked against,
//! always fresh) and [`RoundView`] (what the read pages show, computed once per change of
//! the data), with the group listings several pages share.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::accounts::{Role, User};
use crate::campaigns::Campaign;
use crate::orgs;
use crate::rubric::data::{RubricFile, Scoring, VerdictRule};
use crate::scoring::rounds::{self, Item, ItemKey, Round, RoundKind, RubricIds};
use crate::scoring::{Outcome, Scope as RoundScope};
use crate::targets;
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{NewRoundValues, PartChoice, RoundLine, RoundsPage, WorkLine};

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
        // The round's own edition: a locked round stays on the one it was scored on.
        let rubric = state.rules.get(&state.db, round.edition_id).await?;
        let ids = RubricIds::load(&state.db, round.edition_id).await?;
        let owners = rounds::assignments(&state.db, round.id).await?;
        Ok(Scope {
            items: rounds::items_in(&rubric, &round.scope(&rubric)),
            campaign,
            rubric,
            round,
            ids,
            owners,
        })
    }

    pub fn item(&self, key: ItemKey) -> AppResult<&Item> {
        self.items
            .iter()
            .find(|i| i.key == key)
            .ok_or(AppError::NotFound)
    }

    /// The item an indicator belongs to.
    pub fn item_of_indicator(&self, number: i32) -> Option<&Item> {
        self.items.iter().find(|i| i.indicators.contains(&number))
    }

    pub async fn outcome(&self, state: &AppState) -> AppResult<Outcome> {
        Ok(rounds::outcome(&state.db, &self.campaign, &self.rubric, &self.round).await?)
    }

    pub async fn rule(&self, state: &AppState) -> AppResult<VerdictRule> {
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
    pub async fn item_evidence(
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

/// (numeral + title, score, max) per part.
pub fn part_lines(
    rubric: &RubricFile,
    outcome: &Outcome,
) -> Vec<(String, Decimal, Option<Decimal>)> {
    rubric
        .parts
        .iter()
        .filter(|p| p.scoring != Scoring::Veto)
        // Only the parts the round scored (its scope).
        .filter(|p| outcome.parts.iter().any(|s| s.seq == p.seq))
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

/// The rounds page: every round with its total out of its own scope, and the new-round
/// form (kept as typed when it was refused).
pub async fn rounds_page(
    state: &AppState,
    ctx: PageCtx,
    values: NewRoundValues,
    errors: Vec<String>,
) -> AppResult<RoundsPage> {
    let campaign = campaign(state).await?;
    let rubric = state.rules.get(&state.db, campaign.edition_id).await?;
    let mut lines = Vec::new();
    for round in rounds::list(&state.db, campaign.id).await? {
        let view = RoundView::load(state, round.id).await?;
        let scope_text = round.scope(&view.scope.rubric).describe(&view.scope.rubric);
        lines.push(RoundLine {
            scope_text,
            total: view.outcome.total,
            max_total: view.outcome.max_total,
            passed: view.outcome.decision.passed(),
            round,
        });
    }
    let parts = rubric
        .parts
        .iter()
        .map(|p| PartChoice {
            seq: p.seq,
            label: format!("{}、{}", p.numeral, p.title),
        })
        .collect();
    let usual_scopes = RoundKind::ALL
        .into_iter()
        .map(|kind| {
            let scope = RoundScope::usual_for(&rubric, kind.as_str());
            (kind, scope.describe(&rubric))
        })
        .collect();
    Ok(RoundsPage {
        ctx,
        rounds: lines,
        parts,
        usual_scopes,
        values,
        errors,
    })
}

pub async fn group_names(state: &AppState) -> AppResult<HashMap<i64, String>> {
    Ok(orgs::list(&state.db, true)
        .await?
        .into_iter()
        .filter(|o| o.kind == orgs::OrgKind::AssessorGroup)
        .map(|o| (o.id, o.name))
        .collect())
}

pub fn work_lines(
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
pub async fn assessors_by_group(
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
    // 第1组, 第2组 … 第10组: numbers in names compare as numbers.
    out.sort_by(|a, b| natural_order(&a.0, &b.0));
    Ok(out)
}

/// Compares names so that runs of digits compare by value ("第2组" before "第10组").
pub fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn pieces(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, text)) if *d == digit => text.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (pa, pb) = (pieces(a), pieces(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let order = match (x, y) {
            ((true, m), (true, n)) => {
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                m.len().cmp(&n.len()).then_with(|| m.cmp(n))
            }
            ((_, m), (_, n)) => m.cmp(n),
        };
        if order.is_ne() {
            return order;
        }
    }
    pa.len().cmp(&pb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::natural_order;

    #[test]
    fn groups_sort_in_numeric_order() {
        let mut names = vec!["第10组", "第2组", "第1组", "第15组", "第3组", "综合组"];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            ["第1组", "第2组", "第3组", "第10组", "第15组", "综合组"]
        );
    }
}
