//! The exports page: what can be downloaded, and how much an evidence archive holds.

use askama::Template;

use crate::evidence::human_size;
use crate::exports::{PartChoice, Scope, ScopeCounts};
use crate::web::context::PageCtx;

/// A part of the rubric with what its archive would hold.
pub struct ExportPart {
    pub part: PartChoice,
    pub counts: ScopeCounts,
}

#[derive(Template)]
#[template(path = "exports/index.html")]
pub struct ExportsPage {
    pub ctx: PageCtx,
    /// The scope chosen in the form (the whole campaign when none).
    pub scope: Scope,
    /// What the chosen part or indicator's archive holds.
    pub chosen: Option<ScopeCounts>,
    pub whole: ScopeCounts,
    pub parts: Vec<ExportPart>,
    /// The plan's programmes' evidence, part of the whole campaign's archive only.
    pub programmes: ScopeCounts,
    pub indicator_value: String,
}

impl ExportsPage {
    pub fn size(&self, counts: &ScopeCounts) -> String {
        human_size(counts.bytes)
    }

    pub fn part_selected(&self, seq: &i32) -> bool {
        self.scope == Scope::Part(*seq)
    }

    /// The query string that selects the chosen scope ("" for everything).
    pub fn scope_query(&self) -> String {
        match self.scope {
            Scope::All => String::new(),
            Scope::Part(seq) => format!("?part={seq}"),
            Scope::Indicator(number) => format!("?indicator={number}"),
        }
    }

    /// How the chosen scope is named on the page.
    pub fn scope_label(&self) -> String {
        match self.scope {
            Scope::All => self.ctx.t("export-scope-all"),
            Scope::Part(seq) => self
                .parts
                .iter()
                .find(|p| p.part.seq == seq)
                .map(|p| format!("{}、{}", p.part.numeral, p.part.title))
                .unwrap_or_default(),
            Scope::Indicator(number) => {
                self.ctx
                    .t1("export-scope-indicator", "number", i64::from(number))
            }
        }
    }
}
