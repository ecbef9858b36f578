//! The start page: the rubric at a glance and, for an organisation's staff, what the
//! rubric asks of their organisation.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::orgs;
use crate::rubric::{self, Filter};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{HomePage, render};

pub async fn home(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let edition = rubric::current_edition(&state.db)
        .await?
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("no rubric loaded")))?;
    let totals = rubric::totals(&state.db, edition.id).await?;
    let parts = rubric::tree(&state.db, edition.id, &Filter::default()).await?;
    let organisation = match user.organisation_id {
        Some(id) => orgs::find(&state.db, id).await?,
        None => None,
    };
    let duties = match &organisation {
        Some(org) => {
            let filter = Filter {
                organisation_id: Some(org.id),
                ..Default::default()
            };
            rubric::tree(&state.db, edition.id, &filter).await?
        }
        None => Vec::new(),
    };
    let county_count = orgs::counties(&state.db).await?.len();
    Ok(render(&HomePage {
        ctx,
        edition,
        totals,
        parts,
        organisation,
        duties,
        county_count,
    })?
    .into_response())
}
