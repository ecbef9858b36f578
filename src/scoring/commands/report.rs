//! The narrative of a round's evaluation report. Who may write it (the lead assessor,
//! before the round is locked) is the access policy's question.

use sqlx::PgPool;

use crate::scoring::rounds::{self, ReportText};

/// The most characters a section of the report may hold.
pub const MAX_REPORT_CHARS: usize = 20_000;

/// Why a report edit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRefusal {
    /// A section is longer than [`MAX_REPORT_CHARS`].
    TooLong { max: usize },
}

/// A report edit that may be saved: no section over [`MAX_REPORT_CHARS`].
#[derive(Debug, Clone)]
pub struct ReportEdit {
    round_id: i64,
    text: ReportText,
}

impl ReportEdit {
    /// The edit (a copy of `text`), or the refusal.
    pub fn check(round_id: i64, text: &ReportText) -> Result<ReportEdit, ReportRefusal> {
        let too_long = sections(text)
            .iter()
            .any(|t| t.chars().count() > MAX_REPORT_CHARS);
        if too_long {
            return Err(ReportRefusal::TooLong {
                max: MAX_REPORT_CHARS,
            });
        }
        Ok(ReportEdit {
            round_id,
            text: text.clone(),
        })
    }

    /// Characters written in all sections (for the audit trail).
    pub fn chars(&self) -> usize {
        sections(&self.text).iter().map(|t| t.chars().count()).sum()
    }

    pub async fn save(&self, db: &PgPool) -> sqlx::Result<()> {
        rounds::save_report(db, self.round_id, &self.text).await
    }
}

fn sections(text: &ReportText) -> [&str; 5] {
    [
        &text.organisation,
        &text.achievements,
        &text.highlights,
        &text.shortcomings,
        &text.opinion,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_within_the_limit_is_accepted() {
        let text = ReportText {
            achievements: "成效".repeat(MAX_REPORT_CHARS / 2),
            opinion: "同意".into(),
            ..Default::default()
        };
        let edit = ReportEdit::check(7, &text).unwrap();
        assert_eq!(edit.chars(), MAX_REPORT_CHARS + 2);
    }

    #[test]
    fn a_section_over_the_limit_is_refused() {
        let text = ReportText {
            highlights: "亮".repeat(MAX_REPORT_CHARS + 1),
            ..Default::default()
        };
        let refusal = ReportEdit::check(7, &text).unwrap_err();
        assert_eq!(
            refusal,
            ReportRefusal::TooLong {
                max: MAX_REPORT_CHARS
            }
        );
    }
}
