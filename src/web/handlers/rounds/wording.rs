//! The refusals of the scoring commands in the reader's language: a message shown on the
//! form, or an error page for what no form of the page could have sent.

use crate::scoring::commands::{
    AwardRefusal, DeductionRefusal, MarkRefusal, MeasurementRefusal, ReportRefusal, VetoRefusal,
};
use crate::scoring::rounds::RoundState;
use crate::web::access::ScoreRefusal;
use crate::web::context::PageCtx;
use crate::web::error::AppError;

/// How a refusal is answered.
pub(super) enum Answer {
    /// A message on the form, shown with what was typed.
    Form(String),
    /// An error page.
    Page(AppError),
}

pub(super) trait Worded {
    fn answer(&self, ctx: &PageCtx) -> Answer;
}

/// A round that does not take scores. The access policy refuses these before any
/// command is checked, so this is only the command's own second line.
fn closed(state: RoundState) -> Answer {
    let refusal = match state {
        RoundState::Locked => ScoreRefusal::Locked,
        RoundState::Draft | RoundState::Open => ScoreRefusal::NotOpen,
    };
    Answer::Page(AppError::Refused(refusal.message_key()))
}

/// The form was not sent by the item's page (another kind of item).
fn bad_request() -> Answer {
    Answer::Page(AppError::BadRequest("error-bad-request"))
}

fn form(ctx: &PageCtx, key: &str) -> Answer {
    Answer::Form(ctx.t(key))
}

impl Worded for DeductionRefusal {
    fn answer(&self, ctx: &PageCtx) -> Answer {
        match *self {
            DeductionRefusal::RoundClosed(state) => closed(state),
            DeductionRefusal::NotDeductionItem => bad_request(),
            DeductionRefusal::IndicatorNotInItem => form(ctx, "score-error-indicator"),
            DeductionRefusal::PointsOutOfRange { max } => {
                Answer::Form(ctx.t1("score-error-deduction", "max", i64::from(max)))
            }
            DeductionRefusal::EmptyReason => form(ctx, "score-error-reason"),
            DeductionRefusal::IndicatorNotInEdition => Answer::Page(AppError::NotFound),
        }
    }
}

impl Worded for MeasurementRefusal {
    fn answer(&self, ctx: &PageCtx) -> Answer {
        match *self {
            MeasurementRefusal::RoundClosed(state) => closed(state),
            MeasurementRefusal::NotMeasuredItem => bad_request(),
            MeasurementRefusal::ValueOutOfRange => form(ctx, "score-error-value"),
            MeasurementRefusal::EmptySource => form(ctx, "score-error-source"),
            MeasurementRefusal::BadSourceDate => form(ctx, "task-error-date"),
            MeasurementRefusal::IndicatorNotInEdition => Answer::Page(AppError::NotFound),
        }
    }
}

impl Worded for AwardRefusal {
    fn answer(&self, ctx: &PageCtx) -> Answer {
        match *self {
            AwardRefusal::RoundClosed(state) => closed(state),
            AwardRefusal::NotAwardedItem => bad_request(),
            AwardRefusal::PointsOutOfRange { max } => {
                Answer::Form(ctx.t1("score-error-award", "max", i64::from(max)))
            }
            AwardRefusal::PointNotInEdition => Answer::Page(AppError::NotFound),
        }
    }
}

impl Worded for VetoRefusal {
    fn answer(&self, ctx: &PageCtx) -> Answer {
        match *self {
            VetoRefusal::RoundClosed(state) => closed(state),
            VetoRefusal::NotVetoItem => bad_request(),
            VetoRefusal::NoAnswer => form(ctx, "score-error-veto"),
            VetoRefusal::EmptyNote => form(ctx, "score-error-veto-note"),
            VetoRefusal::IndicatorNotInEdition => Answer::Page(AppError::NotFound),
            VetoRefusal::DecidedByMeasure {
                measure,
                value,
                triggered,
            } => Answer::Form(ctx.lang().t_args(
                if triggered {
                    "score-error-veto-measured-triggered"
                } else {
                    "score-error-veto-measured-clear"
                },
                &[
                    ("measure", i64::from(measure).into()),
                    ("value", value.normalize().to_string().into()),
                ],
            )),
        }
    }
}

impl Worded for MarkRefusal {
    fn answer(&self, ctx: &PageCtx) -> Answer {
        match *self {
            MarkRefusal::RoundClosed(state) => closed(state),
            MarkRefusal::NoAnswer => Answer::Page(AppError::BadRequest("score-error-mark")),
            MarkRefusal::EmptyRemark => form(ctx, "score-error-mark-remark"),
        }
    }
}

impl Worded for ReportRefusal {
    fn answer(&self, ctx: &PageCtx) -> Answer {
        match *self {
            ReportRefusal::TooLong { .. } => form(ctx, "report-too-long"),
            ReportRefusal::FramingTooLong { .. } => form(ctx, "framing-error-long"),
            ReportRefusal::BadDate => form(ctx, "framing-error-date"),
        }
    }
}
