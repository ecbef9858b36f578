//! Exports: the page that lists them, the responsibility table (.xlsx), CSV files of
//! tasks and evidence, and the evidence archive (a ZIP streamed while it is built).
//! Every download is recorded in the audit trail. Who may export is decided by the
//! `/exports` rule in [`crate::web::access::RULES`] (departments may not).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::parse_opt_i64;
use crate::campaigns::Campaign;
use crate::exports::{self, Scope, archive, csv_export, table};
use crate::web::AppState;
use crate::web::context::{PageCtx, RequestContext};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{ExportPart, ExportsPage, render};

use crate::web::download::{CSV, XLSX, download, set_download_headers};

/// `?part=` (a part's number, 1–6) or `?indicator=` (an indicator's number); neither
/// means the whole campaign.
#[derive(Debug, Default, Deserialize)]
pub struct ScopeQuery {
    #[serde(default)]
    part: String,
    #[serde(default)]
    indicator: String,
}

/// The scope a query asks for, checked against the campaign's rubric.
async fn parse_scope(
    state: &AppState,
    campaign: &Campaign,
    query: &ScopeQuery,
) -> AppResult<(Scope, Option<String>)> {
    let part =
        parse_opt_i64(&query.part).map_err(|()| AppError::BadRequest("export-error-part"))?;
    let indicator = parse_opt_i64(&query.indicator)
        .map_err(|()| AppError::BadRequest("export-error-indicator"))?;
    match (part, indicator) {
        (Some(_), Some(_)) => Err(AppError::BadRequest("export-error-both")),
        (Some(seq), None) => {
            let parts = exports::parts(&state.db, campaign.edition_id).await?;
            let part = parts
                .into_iter()
                .find(|p| i64::from(p.seq) == seq)
                .ok_or(AppError::BadRequest("export-error-part"))?;
            Ok((Scope::Part(part.seq), Some(part.numeral)))
        }
        (None, Some(number)) => {
            let number = i32::try_from(number)
                .map_err(|_| AppError::BadRequest("export-error-indicator"))?;
            if !exports::indicator_exists(&state.db, campaign.edition_id, number).await? {
                return Err(AppError::BadRequest("export-error-indicator"));
            }
            Ok((Scope::Indicator(number), None))
        }
        (None, None) => Ok((Scope::All, None)),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ScopeQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let (scope, _) = parse_scope(&state, &campaign, &query).await?;
    // Counted once per change of the data (the evidence query walks every file).
    let counted = state
        .derived
        .get("export-counts", campaign.id, || async {
            Ok::<_, AppError>((
                exports::counts_by_part(&state.db, campaign.id).await?,
                exports::programme_counts(&state.db, campaign.id).await?,
            ))
        })
        .await?;
    let (by_part, programmes) = (&counted.0, counted.1);
    let mut whole = programmes;
    for counts in by_part.values() {
        whole.tasks += counts.tasks;
        whole.files += counts.files;
        whole.bytes += counts.bytes;
    }
    let parts = exports::parts(&state.db, campaign.edition_id)
        .await?
        .into_iter()
        .map(|part| ExportPart {
            counts: by_part.get(&part.seq).copied().unwrap_or_default(),
            part,
        })
        .collect();
    let chosen = match scope {
        Scope::All => None,
        scope => Some(exports::scope_counts(&state.db, campaign.id, scope).await?),
    };
    Ok(render(&ExportsPage {
        ctx,
        scope,
        chosen,
        whole,
        parts,
        programmes,
        indicator_value: query.indicator.trim().to_string(),
    })?
    .into_response())
}

/// A file built from every task, with how many rows it has. Built once per change of the
/// data and kept like the dashboards' figures (see [`crate::derived`]): at a deadline the
/// office and every county download the same table, and building it walks 1,690 tasks.
#[derive(Clone)]
struct TaskFile {
    bytes: axum::body::Bytes,
    rows: usize,
}

pub async fn tasks_xlsx(State(state): State<AppState>, ctx: RequestContext) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let built = state
        .derived
        .get("export-tasks-xlsx", campaign.id, || async {
            let rows = exports::task_rows(&state.db, campaign.id).await?;
            let programmes = exports::programme_rows(&state.db, campaign.id).await?;
            let count = rows.len() + programmes.len();
            let (city, today) = (campaign.city_name.clone(), campaign.today());
            let bytes =
                tokio::task::spawn_blocking(move || table::build(&city, today, &rows, &programmes))
                    .await
                    .map_err(|e| AppError::Other(e.into()))?
                    .map_err(|e| AppError::Other(anyhow::anyhow!("responsibility table: {e}")))?;
            Ok::<_, AppError>(TaskFile {
                bytes: bytes.into(),
                rows: count,
            })
        })
        .await?;
    ctx.audit(
        &state.db,
        "export.tasks_xlsx",
        "campaign",
        Some(campaign.id.to_string()),
        json!({ "tasks": built.rows }),
    )
    .await?;
    let name = format!("{}-{}.xlsx", campaign.city_name, table::SHEET_NAME);
    Ok(download(built.bytes.clone(), XLSX, &name))
}

pub async fn tasks_csv(State(state): State<AppState>, ctx: RequestContext) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let built = state
        .derived
        .get("export-tasks-csv", campaign.id, || async {
            let rows = exports::task_rows(&state.db, campaign.id).await?;
            let bytes = csv_export::tasks(&rows).map_err(|e| AppError::Other(e.into()))?;
            Ok::<_, AppError>(TaskFile {
                bytes: bytes.into(),
                rows: rows.len(),
            })
        })
        .await?;
    ctx.audit(
        &state.db,
        "export.tasks_csv",
        "campaign",
        Some(campaign.id.to_string()),
        json!({ "tasks": built.rows }),
    )
    .await?;
    Ok(download(
        built.bytes.clone(),
        CSV,
        &format!("{}-任务.csv", campaign.city_name),
    ))
}

pub async fn evidence_csv(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(query): Query<ScopeQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let (scope, numeral) = parse_scope(&state, &campaign, &query).await?;
    let rows = exports::evidence_rows(&state.db, campaign.id, scope).await?;
    let bytes =
        csv_export::evidence(&rows, campaign.tz()).map_err(|e| AppError::Other(e.into()))?;
    let tag = scope.tag(numeral.as_deref());
    ctx.audit(
        &state.db,
        "export.evidence_csv",
        "campaign",
        Some(campaign.id.to_string()),
        json!({ "scope": tag, "files": rows.len() }),
    )
    .await?;
    let name = format!("{}-佐证资料-{tag}.csv", campaign.city_name);
    Ok(download(bytes, CSV, &name))
}

pub async fn evidence_zip(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(query): Query<ScopeQuery>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let (scope, numeral) = parse_scope(&state, &campaign, &query).await?;
    let rows = exports::evidence_rows(&state.db, campaign.id, scope).await?;
    let tag = scope.tag(numeral.as_deref());
    let bytes: i64 = rows.iter().map(|r| r.size_bytes).sum();
    ctx.audit(
        &state.db,
        "export.zip",
        "campaign",
        Some(campaign.id.to_string()),
        json!({ "scope": tag, "files": rows.len(), "bytes": bytes }),
    )
    .await?;
    let body = archive::stream(state.storage.clone(), rows, campaign.tz());
    let mut response = body.into_response();
    set_download_headers(
        &mut response,
        "application/zip",
        &format!("佐证资料-{tag}.zip"),
    );
    Ok(response)
}
