//! Pages of a round's lifecycle: the administrator's lock page (what is unfinished, the
//! reason, reopening, deleting), the printout of an earlier lock, and the history.

use askama::Template;
use rust_decimal::Decimal;

use crate::scoring::completeness::{Completeness, Unfinished};
use crate::scoring::locks::LockEntry;
use crate::scoring::rounds::Round;
use crate::web::context::PageCtx;
use crate::web::round_history::HistoryEntry;

/// An unfinished list, grouped as the pages print it.
pub struct UnfinishedGroups<'a> {
    pub items: Vec<&'a Unfinished>,
    pub vetoes: Vec<&'a Unfinished>,
    pub measurements: Vec<&'a Unfinished>,
}

pub fn grouped(list: &[Unfinished]) -> UnfinishedGroups<'_> {
    let of = |keep: fn(&Unfinished) -> bool| list.iter().filter(|u| keep(u)).collect();
    UnfinishedGroups {
        items: of(|u| matches!(u, Unfinished::Item { .. })),
        vetoes: of(|u| matches!(u, Unfinished::Veto { .. })),
        measurements: of(|u| matches!(u, Unfinished::Measurement { .. })),
    }
}

/// What the round page shows about locks and deleting.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub locks: Vec<LockEntry>,
    pub deletable: bool,
    pub done: usize,
    pub total: usize,
}

#[derive(Template)]
#[template(path = "admin/round_lock.html")]
pub struct LockPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub completeness: Completeness,
    pub reason: String,
    pub reopen_reason: String,
    pub errors: Vec<String>,
    pub locks: Vec<LockEntry>,
}

impl LockPage {
    pub fn groups(&self) -> UnfinishedGroups<'_> {
        grouped(&self.completeness.unfinished)
    }
}

#[derive(Template)]
#[template(path = "rounds/lock.html")]
pub struct LockedResultPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub city: String,
    pub lock: LockEntry,
    pub parts: Vec<(String, Decimal, Option<Decimal>)>,
    pub verdict: (bool, String, String),
}

impl LockedResultPage {
    pub fn groups(&self) -> UnfinishedGroups<'_> {
        grouped(&self.lock.unfinished.0)
    }
}

#[derive(Template)]
#[template(path = "rounds/history.html")]
pub struct HistoryPage {
    pub ctx: PageCtx,
    pub round: Round,
    pub entries: Vec<HistoryEntry>,
    pub locks: Vec<LockEntry>,
    pub next: Option<i64>,
    pub first_page: bool,
}

impl HistoryPage {
    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::web::round_history::when(self.ctx.lang(), at)
    }
}
