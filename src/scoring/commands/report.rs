//! The narrative of a round's evaluation report. Who may write it (the lead assessor,
//! before the round is locked) is the access policy's question.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::parse_date;
use crate::scoring::rounds::{self, ReportText};

/// The most characters a section of the report may hold.
pub const MAX_REPORT_CHARS: usize = 20_000;

/// The most characters a framing field (依据, 实施单位, 配合部门) may hold.
pub const MAX_FRAMING_CHARS: usize = 2_000;

/// Why a report edit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRefusal {
    /// A section is longer than [`MAX_REPORT_CHARS`].
    TooLong { max: usize },
    /// A framing field is longer than [`MAX_FRAMING_CHARS`].
    FramingTooLong { max: usize },
    /// The report date is not a date.
    BadDate,
}

/// A report edit that may be saved: no section over [`MAX_REPORT_CHARS`], no framing
/// field over [`MAX_FRAMING_CHARS`], a report date that is a date (or none).
#[derive(Debug, Clone)]
pub struct ReportEdit {
    round_id: i64,
    text: ReportText,
    report_date: Option<NaiveDate>,
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
        let framing = [
            &text.basis_documents,
            &text.implementing_body,
            &text.cooperating_bodies,
        ];
        if framing
            .iter()
            .any(|t| t.chars().count() > MAX_FRAMING_CHARS)
        {
            return Err(ReportRefusal::FramingTooLong {
                max: MAX_FRAMING_CHARS,
            });
        }
        let report_date = parse_date(&text.report_date).map_err(|()| ReportRefusal::BadDate)?;
        Ok(ReportEdit {
            round_id,
            text: text.clone(),
            report_date,
        })
    }

    /// Characters written in all sections (for the audit trail).
    pub fn chars(&self) -> usize {
        sections(&self.text).iter().map(|t| t.chars().count()).sum()
    }

    pub async fn save(&self, db: &PgPool) -> sqlx::Result<()> {
        rounds::save_report(db, self.round_id, &self.text, self.report_date).await
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
    fn framing_fields_are_checked() {
        let text = ReportText {
            basis_documents: "食安办函〔2022〕12号".into(),
            report_date: "2026-12-02".into(),
            ..Default::default()
        };
        let edit = ReportEdit::check(7, &text).unwrap();
        assert_eq!(edit.report_date, NaiveDate::from_ymd_opt(2026, 12, 2));
        let bad = ReportText {
            report_date: "12月2日".into(),
            ..Default::default()
        };
        assert_eq!(
            ReportEdit::check(7, &bad).unwrap_err(),
            ReportRefusal::BadDate
        );
        let long = ReportText {
            implementing_body: "单".repeat(MAX_FRAMING_CHARS + 1),
            ..Default::default()
        };
        assert!(matches!(
            ReportEdit::check(7, &long).unwrap_err(),
            ReportRefusal::FramingTooLong { .. }
        ));
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
