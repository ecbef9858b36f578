//! The group's decision on a finding's proposed deduction, on the item's scoring page:
//! accepted ([`Acceptance`], recorded as a deduction citing the finding, in one
//! transaction with the link) or set aside with a reason ([`SettingAside`]).

use sqlx::PgPool;

use super::{Finding, FindingDecision};
use crate::scoring::commands::{Deduction, DeductionInput, DeductionRefusal};
use crate::scoring::rounds::{Item, Round, RoundState, RubricIds};

/// Why a decision on a finding was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionRefusal {
    /// Already accepted or set aside (by someone else, perhaps a moment ago).
    AlreadyDecided,
    /// The point's record is still a draft: the inspector may still change it.
    NotSubmitted,
    /// No deduction is proposed: nothing to accept (it can still be set aside, or the
    /// group deducts with the item's own form).
    NothingProposed,
    /// Setting aside needs its reason.
    EmptyReason,
    /// The deduction itself was refused (round closed, points out of range…).
    Deduction(DeductionRefusal),
}

impl DecisionRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            DecisionRefusal::AlreadyDecided => "already_decided",
            DecisionRefusal::NotSubmitted => "not_submitted",
            DecisionRefusal::NothingProposed => "nothing_proposed",
            DecisionRefusal::EmptyReason => "empty_reason",
            DecisionRefusal::Deduction(_) => "deduction_refused",
        }
    }
}

fn decidable(finding: &Finding) -> Result<(), DecisionRefusal> {
    if finding.decision != FindingDecision::Pending {
        return Err(DecisionRefusal::AlreadyDecided);
    }
    if !finding.submitted {
        return Err(DecisionRefusal::NotSubmitted);
    }
    Ok(())
}

/// Accepting a finding's proposed deduction (the group may lower or raise the points
/// within the item's maximum).
#[derive(Debug, Clone)]
pub struct Acceptance {
    finding_id: i64,
    deduction: Deduction,
}

impl Acceptance {
    /// `points` as typed; empty takes the proposed points.
    pub fn check(
        round: &Round,
        item: &Item,
        ids: &RubricIds,
        finding: &Finding,
        points: &str,
    ) -> Result<Acceptance, Vec<DecisionRefusal>> {
        decidable(finding).map_err(|r| vec![r])?;
        let Some(proposed) = finding.proposed_points else {
            return Err(vec![DecisionRefusal::NothingProposed]);
        };
        let points = if points.trim().is_empty() {
            proposed.normalize().to_string()
        } else {
            points.trim().to_string()
        };
        let reason = finding.deduction_reason();
        let indicator = finding.indicator_number.to_string();
        let deduction = Deduction::check(
            round,
            item,
            ids,
            DeductionInput {
                indicator: &indicator,
                points: &points,
                reason: &reason,
            },
        )
        .map_err(|refusals| {
            refusals
                .into_iter()
                .map(DecisionRefusal::Deduction)
                .collect::<Vec<_>>()
        })?;
        Ok(Acceptance {
            finding_id: finding.id,
            deduction,
        })
    }

    pub fn deduction(&self) -> &Deduction {
        &self.deduction
    }

    /// Records the deduction and links the finding to it, at once; the deduction's id, or
    /// None when the finding was decided meanwhile (nothing is written then).
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<Option<i64>> {
        let mut tx = db.begin().await?;
        let deduction_id = self.deduction.record_in(&mut *tx, user_id).await?;
        let linked = sqlx::query(
            "UPDATE inspection_findings SET decision = 'accepted', deduction_id = $2, decided_by = $3, \
                    decided_at = now(), updated_at = now() \
             WHERE id = $1 AND decision = 'pending'",
        )
        .bind(self.finding_id)
        .bind(deduction_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if linked.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(deduction_id))
    }
}

/// Setting a finding aside with the group's reason.
#[derive(Debug, Clone)]
pub struct SettingAside {
    finding_id: i64,
    reason: String,
}

impl SettingAside {
    pub fn check(
        round: &Round,
        finding: &Finding,
        reason: &str,
    ) -> Result<SettingAside, Vec<DecisionRefusal>> {
        if round.state != RoundState::Open {
            return Err(vec![DecisionRefusal::Deduction(
                DeductionRefusal::RoundClosed(round.state),
            )]);
        }
        decidable(finding).map_err(|r| vec![r])?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(vec![DecisionRefusal::EmptyReason]);
        }
        Ok(SettingAside {
            finding_id: finding.id,
            reason: reason.to_string(),
        })
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether it was set aside (false: decided meanwhile).
    pub async fn record(&self, db: &PgPool, user_id: i64) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "UPDATE inspection_findings SET decision = 'set_aside', decision_reason = $2, decided_by = $3, \
                    decided_at = now(), updated_at = now() \
             WHERE id = $1 AND decision = 'pending'",
        )
        .bind(self.finding_id)
        .bind(&self.reason)
        .bind(user_id)
        .execute(db)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// A withdrawn deduction that came from a finding puts the finding back to be decided
/// again (the withdrawal itself stays in the round's history).
pub async fn reopen_after_withdrawal(
    db: impl sqlx::PgExecutor<'_>,
    deduction_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE inspection_findings SET decision = 'pending', deduction_id = NULL, decided_by = NULL, \
                decided_at = NULL, updated_at = now() \
         WHERE deduction_id = $1 RETURNING id",
    )
    .bind(deduction_id)
    .fetch_optional(db)
    .await
}
