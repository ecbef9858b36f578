//! 评价细则版本: the campaign's edition, its history, and a migration's preview.

use askama::Template;

use crate::campaigns::migration::{EditionChange, Preview};
use crate::rubric::Edition;
use crate::web::context::PageCtx;

#[derive(Template)]
#[template(path = "admin/edition.html")]
pub struct EditionPage {
    pub ctx: PageCtx,
    pub current: Edition,
    /// Imported editions the campaign could move to.
    pub others: Vec<Edition>,
    pub history: Vec<EditionChange>,
    /// The edition chosen in the form (kept when the file is refused).
    pub chosen: String,
    pub errors: Vec<String>,
    /// What the uploaded mapping would do, with the file's text to confirm it with.
    pub preview: Option<Preview>,
    pub mapping_text: String,
}

impl EditionPage {
    /// "（2021，120分）" / " (2021, 120 points)".
    pub fn current_label(&self) -> String {
        let points = self.ctx.t1(
            "edition-total",
            "points",
            i64::from(self.current.total_points),
        );
        let separator = match self.ctx.lang() {
            crate::i18n::Lang::Zh => "，",
            crate::i18n::Lang::En => ", ",
        };
        self.ctx
            .bracketed(&format!("{}{separator}{points}", self.current.code))
    }

    pub fn is_chosen(&self, code: &str) -> bool {
        self.chosen == code
    }

    pub fn relation_label(&self, relation: &Option<crate::rubric::mapping::Relation>) -> String {
        match relation {
            Some(r) => self.ctx.t(&format!("mapping-relation-{}", r.as_str())),
            None => self.ctx.t("mapping-relation-undecided"),
        }
    }

    pub fn numbers(&self, numbers: &[i32]) -> String {
        if numbers.is_empty() {
            "—".to_string()
        } else {
            numbers
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join("、")
        }
    }

    /// Lines worth the office's attention: anything but an unchanged number.
    pub fn changed_moves(&self) -> Vec<&crate::campaigns::migration::IndicatorMove> {
        use crate::rubric::mapping::Relation;
        self.preview
            .as_ref()
            .map(|p| {
                p.moves
                    .iter()
                    .filter(|m| {
                        m.relation != Some(Relation::Same) || m.new_numbers != [m.old_number]
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
