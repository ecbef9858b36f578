//! Monthly reports: each organisation reports by the due day; the office sees who is late.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tower_sessions::Session;

use super::parse_opt_i64;
use crate::accounts::Role;
use crate::orgs::{self, OrgKind};
use crate::reports::{self, Standing};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, RequestContext, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{OrgReportsPage, ReportCell, ReportLine, ReportsMatrixPage, render};
use crate::web::upload_form::{UploadValues, receive};

/// At most this many attachments to one monthly report.
pub const MAX_FILES: usize = 10;

/// Months shown side by side in the office's overview.
const MATRIX_MONTHS: usize = 6;

#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    #[serde(default)]
    org: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ReportsQuery>,
) -> AppResult<Response> {
    let org_id = match user.role {
        Role::Department => user.organisation_id,
        _ => parse_opt_i64(&query.org).unwrap_or(None),
    };
    match org_id {
        Some(org_id) => {
            org_page(
                &state,
                ctx,
                &user,
                org_id,
                Vec::new(),
                UploadValues::default(),
                StatusCode::OK,
            )
            .await
        }
        None => matrix(&state, ctx).await,
    }
}

async fn matrix(state: &AppState, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let periods: Vec<NaiveDate> = campaign
        .report_periods()
        .into_iter()
        .take(MATRIX_MONTHS)
        .collect();
    let all = reports::for_campaign(&state.db, campaign.id).await?;
    let by_key: HashMap<(i64, NaiveDate), &reports::Report> = all
        .iter()
        .map(|r| ((r.organisation_id, r.period), r))
        .collect();
    let now = Utc::now();
    let organisations: Vec<_> = orgs::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|o| matches!(o.kind, OrgKind::Department | OrgKind::County))
        .collect();
    let mut rows = Vec::new();
    for org in organisations {
        let cells: Vec<ReportCell> = periods
            .iter()
            .map(|p| ReportCell {
                standing: reports::standing(
                    by_key.get(&(org.id, *p)).copied(),
                    campaign.report_due_at(*p),
                    now,
                    org.joined_on,
                ),
            })
            .collect();
        let missing = cells
            .iter()
            .filter(|c| matches!(c.standing, Standing::Missing(_)))
            .count();
        let late_days: i64 = cells
            .iter()
            .map(|c| match c.standing {
                Standing::Late(d) => d as i64,
                Standing::Missing(d) => d,
                _ => 0,
            })
            .sum();
        rows.push((org, cells, missing, late_days));
    }
    // Worst first: most months missing, then most days late.
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(b.3.cmp(&a.3)));
    Ok(render(&ReportsMatrixPage {
        ctx,
        campaign,
        periods,
        rows,
    })?
    .into_response())
}

async fn org_page(
    state: &AppState,
    ctx: PageCtx,
    user: &crate::accounts::User,
    org_id: i64,
    errors: Vec<String>,
    values: UploadValues,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let organisation = orgs::find(&state.db, org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let existing = reports::for_organisation(&state.db, campaign.id, org_id).await?;
    let ids: Vec<i64> = existing.iter().map(|r| r.id).collect();
    let attachments = reports::attachments(&state.db, &ids).await?;
    let now = Utc::now();
    let lines: Vec<ReportLine> = campaign
        .report_periods()
        .into_iter()
        .map(|period| {
            let report = existing.iter().find(|r| r.period == period).cloned();
            let files = report
                .as_ref()
                .map(|r| {
                    attachments
                        .iter()
                        .filter(|a| a.report_id == r.id)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            ReportLine {
                period,
                due_at: campaign.report_due_at(period),
                standing: reports::standing(
                    report.as_ref(),
                    campaign.report_due_at(period),
                    now,
                    organisation.joined_on,
                ),
                report,
                files,
            }
        })
        .collect();
    // Reports come from the organisation's own clerks.
    let can_submit = user.role == Role::Department && user.organisation_id == Some(org_id);
    let page = OrgReportsPage {
        ctx,
        campaign,
        organisation,
        lines,
        can_submit,
        errors,
        values,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let Some(org_id) = user
        .organisation_id
        .filter(|_| user.role == Role::Department)
    else {
        return Err(AppError::Forbidden);
    };
    let mut values = UploadValues::default();
    let files = match receive(&state, &ctx, &mut multipart, &mut values, MAX_FILES, false).await? {
        Ok(files) => files,
        Err(problems) => {
            return org_page(
                &state,
                ctx,
                &user,
                org_id,
                problems,
                values,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let campaign = campaign(&state).await?;
    let body = values.other.get("body").cloned().unwrap_or_default();
    let period = values
        .other
        .get("period")
        .and_then(|p| NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").ok())
        .filter(|p| campaign.report_periods().contains(p));
    let mut problems = Vec::new();
    if period.is_none() {
        problems.push(ctx.t("report-error-period"));
    }
    if body.trim().is_empty() || body.chars().count() > 20_000 {
        problems.push(ctx.t("report-error-body"));
    }
    let Some(period) = period.filter(|_| problems.is_empty()) else {
        state.storage.discard(&files).await;
        return org_page(
            &state,
            ctx,
            &user,
            org_id,
            problems,
            values,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let late =
        match reports::submit(&state.db, &campaign, org_id, period, &body, &files, user.id).await {
            Ok(late) => late,
            Err(err) => {
                state.storage.discard(&files).await;
                return Err(err.into());
            }
        };
    ctx.request
        .audit(
            &state.db,
            "report.submit",
            "monthly_report",
            Some(format!("{org_id}:{}", period.format("%Y-%m"))),
            serde_json::json!({"late_days": late, "files": files.len()}),
        )
        .await?;
    let message = if late > 0 {
        ctx.t1("report-saved-late", "days", late as i64)
    } else {
        ctx.t("report-saved")
    };
    set_flash(&session, FlashKind::Success, message).await?;
    Ok(Redirect::to("/reports").into_response())
}

pub async fn download(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(file_id): Path<i64>,
) -> AppResult<Response> {
    let (key, name, size, org_id) = reports::attachment_file(&state.db, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.role == Role::Department && user.organisation_id != Some(org_id) {
        return Err(AppError::Forbidden);
    }
    let response = state
        .storage
        .response(&key, &name, size as u64, "application/octet-stream", false)
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("stored file {key} missing: {e}")))?;
    ctx.audit(
        &state.db,
        "file.download",
        "report_file",
        Some(file_id.to_string()),
        serde_json::json!({"file": name, "organisation": org_id, "inline": false}),
    )
    .await?;
    Ok(response)
}
