//! A round's result: every item's score, the parts and the verdict.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::scoring::commands::DeleteRound;
use crate::scoring::completeness::{self, Recorded};
use crate::scoring::{Scope, locks, rounds};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::error::AppResult;
use crate::web::pages::{Lifecycle, ResultPage, render};
use crate::web::round_view::{RoundView, part_lines, work_lines};
use crate::web::verdict::{problem_text, verdict_text};

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let view = RoundView::load(&state, id).await?;
    let (scope, outcome) = (&view.scope, &view.outcome);
    let verdict = verdict_text(ctx.lang(), outcome, &view.rule);
    let lines = work_lines(scope, outcome, &view.groups, &view.reviews, &HashMap::new());
    let own_rule = rounds::has_own_rule(&state.db, scope.campaign.id).await?;
    let problems = outcome
        .problems
        .iter()
        .map(|p| problem_text(ctx.lang(), p))
        .collect();
    let scope_line = ctx.lang().t_args(
        "round-scope-line",
        &[
            (
                "scope",
                scope
                    .round
                    .scope(&scope.rubric)
                    .describe(&scope.rubric)
                    .into(),
            ),
            ("max", outcome.max_total.normalize().to_string().into()),
        ],
    );
    let (locks, holdings) =
        tokio::try_join!(locks::list(&state.db, id), locks::holdings(&state.db, id),)?;
    let done = completeness::completeness(
        &scope.rubric,
        &Scope::stored(&scope.rubric, &scope.round.scope_parts),
        &Recorded::from_rows(&view.reviews, &view.vetoes, &view.measurements),
    );
    let lifecycle = Lifecycle {
        locks,
        deletable: DeleteRound::check(&scope.round, holdings).is_ok(),
        done: done.done,
        total: done.total,
    };
    Ok(render(&ResultPage {
        scope_line,
        ctx,
        round: scope.round.clone(),
        lines,
        parts: part_lines(&scope.rubric, outcome),
        problems,
        verdict,
        outcome: outcome.clone(),
        own_rule,
        lifecycle,
    })?
    .into_response())
}
