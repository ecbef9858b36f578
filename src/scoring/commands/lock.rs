//! Locking a round (freezing its result), reopening it, and deleting it.
//!
//! A round locks only when its scoring is complete ([`crate::scoring::completeness`]),
//! unless the administrator gives a reason: then the reason and the unfinished list are
//! frozen with the result, and the report says the scoring was unfinished. Reopening
//! needs a reason; it keeps the earlier lock (and its result) in the round's history.
//! A round can be deleted only while it holds nothing.

use sqlx::PgPool;

use crate::audit::Event;
use crate::scoring::Outcome;
use crate::scoring::completeness::{Completeness, Unfinished};
use crate::scoring::locks::{self, Holdings, NewLock};
use crate::scoring::rounds::{Round, RoundState};

/// Reasons are short texts (a sentence or two).
pub const MAX_REASON_CHARS: usize = 2000;

/// Why a lock was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockRefusal {
    /// Only an open round can be locked.
    NotOpen(RoundState),
    /// Something is unfinished and no reason was given.
    Unfinished(Vec<Unfinished>),
    TooLong,
}

/// A lock that may be recorded: an open round, complete or locked with a reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    round_id: i64,
    reason: Option<String>,
    unfinished: Vec<Unfinished>,
}

fn reason_of(text: &str) -> Result<Option<String>, ()> {
    let text = text.trim();
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(());
    }
    Ok((!text.is_empty()).then(|| text.to_string()))
}

impl Lock {
    /// `reason` as typed ("" is none). A reason on a complete round is not kept: the
    /// reason says why the round was locked unfinished.
    pub fn check(
        round: &Round,
        completeness: &Completeness,
        reason: &str,
    ) -> Result<Lock, LockRefusal> {
        if round.state != RoundState::Open {
            return Err(LockRefusal::NotOpen(round.state));
        }
        let reason = reason_of(reason).map_err(|_| LockRefusal::TooLong)?;
        if completeness.is_complete() {
            return Ok(Lock {
                round_id: round.id,
                reason: None,
                unfinished: Vec::new(),
            });
        }
        match reason {
            None => Err(LockRefusal::Unfinished(completeness.unfinished.clone())),
            Some(reason) => Ok(Lock {
                round_id: round.id,
                reason: Some(reason),
                unfinished: completeness.unfinished.clone(),
            }),
        }
    }

    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    pub fn unfinished(&self) -> &[Unfinished] {
        &self.unfinished
    }

    /// Freezes `outcome`, writes the lock's entry and `audit`, in one transaction.
    /// Returns the entry's id, or None when the round was no longer open.
    pub async fn record(
        &self,
        db: &PgPool,
        outcome: &Outcome,
        user_id: i64,
        audit: Event<'_>,
    ) -> sqlx::Result<Option<i64>> {
        let mut tx = db.begin().await?;
        let new = NewLock {
            outcome,
            reason: self.reason.as_deref(),
            unfinished: &self.unfinished,
            user_id: Some(user_id),
        };
        let Some(id) = locks::lock(&mut tx, self.round_id, &new).await? else {
            return Ok(None);
        };
        crate::audit::record(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}

/// Why a reopening was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReopenRefusal {
    NotLocked(RoundState),
    /// A published 公示 shows the round's frozen result to the public.
    InPublishedNotice,
    EmptyReason,
    TooLong,
}

/// A reopening that may be recorded: a locked round and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopen {
    round_id: i64,
    reason: String,
}

impl Reopen {
    pub fn check(round: &Round, holdings: Holdings, reason: &str) -> Result<Reopen, ReopenRefusal> {
        if round.state != RoundState::Locked {
            return Err(ReopenRefusal::NotLocked(round.state));
        }
        if holdings.published > 0 {
            return Err(ReopenRefusal::InPublishedNotice);
        }
        let reason = reason_of(reason)
            .map_err(|_| ReopenRefusal::TooLong)?
            .ok_or(ReopenRefusal::EmptyReason)?;
        Ok(Reopen {
            round_id: round.id,
            reason,
        })
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Reopens the round and writes `audit`, in one transaction; false when the round
    /// was no longer locked.
    pub async fn record(&self, db: &PgPool, user_id: i64, audit: Event<'_>) -> sqlx::Result<bool> {
        let mut tx = db.begin().await?;
        if !locks::reopen(&mut tx, self.round_id, user_id, &self.reason).await? {
            return Ok(false);
        }
        crate::audit::record(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Why a round cannot be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteRefusal {
    Locked,
    /// Scores, marks or reviews were recorded.
    HasRecords,
    /// A 公示 names the round.
    InPublicity,
    /// It was locked before (its earlier results stay).
    HasLocks,
}

/// A deletion that may be done: a draft or open round holding nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteRound {
    round_id: i64,
}

impl DeleteRound {
    pub fn check(round: &Round, holdings: Holdings) -> Result<DeleteRound, DeleteRefusal> {
        if holdings.publicity > 0 {
            return Err(DeleteRefusal::InPublicity);
        }
        if round.state == RoundState::Locked {
            return Err(DeleteRefusal::Locked);
        }
        if holdings.locks > 0 {
            return Err(DeleteRefusal::HasLocks);
        }
        if holdings.recorded > 0 {
            return Err(DeleteRefusal::HasRecords);
        }
        Ok(DeleteRound { round_id: round.id })
    }

    /// Deletes the round (checked again in the statement); false when it stayed.
    pub async fn delete(&self, db: &PgPool) -> sqlx::Result<bool> {
        locks::delete(db, self.round_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::commands::fixture;

    fn complete() -> Completeness {
        Completeness {
            done: 3,
            total: 3,
            unfinished: Vec::new(),
        }
    }

    fn unfinished() -> Completeness {
        Completeness {
            done: 2,
            total: 3,
            unfinished: vec![Unfinished::Veto {
                indicator: 90,
                label: "90. 重大事故".into(),
            }],
        }
    }

    #[test]
    fn a_complete_round_locks_without_a_reason() {
        let lock = Lock::check(&fixture::open(), &complete(), "  ").unwrap();
        assert_eq!(lock.reason(), None);
        let lock = Lock::check(&fixture::open(), &complete(), "no matter").unwrap();
        assert_eq!(lock.reason(), None, "a complete round keeps no reason");
    }

    #[test]
    fn an_unfinished_round_needs_a_reason() {
        let refused = Lock::check(&fixture::open(), &unfinished(), " ");
        assert_eq!(
            refused,
            Err(LockRefusal::Unfinished(unfinished().unfinished))
        );
        let lock = Lock::check(&fixture::open(), &unfinished(), " 省级检查时间已到 ").unwrap();
        assert_eq!(lock.reason(), Some("省级检查时间已到"));
        assert_eq!(lock.unfinished().len(), 1);
        let long = "长".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(
            Lock::check(&fixture::open(), &unfinished(), &long),
            Err(LockRefusal::TooLong)
        );
    }

    #[test]
    fn only_an_open_round_locks_and_only_a_locked_one_reopens() {
        for state in [RoundState::Draft, RoundState::Locked] {
            assert_eq!(
                Lock::check(&fixture::round(state), &complete(), ""),
                Err(LockRefusal::NotOpen(state))
            );
        }
        let locked = fixture::round(RoundState::Locked);
        let none = Holdings::default();
        assert_eq!(
            Reopen::check(&fixture::open(), none, "x"),
            Err(ReopenRefusal::NotLocked(RoundState::Open))
        );
        assert_eq!(
            Reopen::check(&locked, none, " \n "),
            Err(ReopenRefusal::EmptyReason)
        );
        assert_eq!(
            Reopen::check(&locked, none, " 复核 ").unwrap().reason(),
            "复核"
        );
        let published = Holdings {
            published: 1,
            publicity: 1,
            ..none
        };
        assert_eq!(
            Reopen::check(&locked, published, "复核"),
            Err(ReopenRefusal::InPublishedNotice)
        );
    }

    #[test]
    fn only_an_empty_round_outside_any_publicity_is_deleted() {
        let empty = Holdings::default();
        assert!(DeleteRound::check(&fixture::round(RoundState::Draft), empty).is_ok());
        assert!(DeleteRound::check(&fixture::open(), empty).is_ok());
        let recorded = Holdings {
            recorded: 1,
            ..empty
        };
        assert_eq!(
            DeleteRound::check(&fixture::open(), recorded),
            Err(DeleteRefusal::HasRecords)
        );
        assert_eq!(
            DeleteRound::check(&fixture::round(RoundState::Locked), empty),
            Err(DeleteRefusal::Locked)
        );
        let named = Holdings {
            publicity: 1,
            ..empty
        };
        assert_eq!(
            DeleteRound::check(&fixture::round(RoundState::Draft), named),
            Err(DeleteRefusal::InPublicity)
        );
        let relocked = Holdings { locks: 1, ..empty };
        assert_eq!(
            DeleteRound::check(&fixture::open(), relocked),
            Err(DeleteRefusal::HasLocks)
        );
    }
}
