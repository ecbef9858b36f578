//! Bulletins (通报/简报): the office issues a numbered bulletin for a month or a custom
//! period; every signed-in user can read and print it, and download its table.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tower_sessions::Session;

use crate::bulletins::{self, NewBulletin};
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{BulletinPage, BulletinValues, BulletinsPage, render};

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    // By default: last month.
    let this_month = crate::campaigns::first_of_month(campaign.today());
    let last_month = (this_month - chrono::Duration::days(1))
        .with_day(1)
        .unwrap_or(this_month);
    // The plan's issuing body signs; without a plan, the office.
    let issuing_body = crate::plans::issuing_body(&state.db, campaign.id)
        .await?
        .unwrap_or_else(|| format!("{}食品安全委员会办公室", campaign.city_name));
    let values = BulletinValues {
        series: "briefing".into(),
        notice_kind: "progress".into(),
        issuing_body,
        month: last_month.format("%Y-%m").to_string(),
        ..Default::default()
    };
    list_page(&state, ctx, values, Vec::new(), StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    ctx: PageCtx,
    values: BulletinValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let bulletins = bulletins::list(&state.db, campaign.id).await?;
    let page = BulletinsPage {
        ctx,
        bulletins,
        values,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct BulletinForm {
    #[serde(default)]
    series: String,
    #[serde(default)]
    notice_kind: String,
    #[serde(default)]
    issuing_body: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    copy_to: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    remarks: String,
}

/// The period a form asks for: a month ("2025-06"), or a custom start and end.
fn period(form: &BulletinForm) -> Result<(NaiveDate, NaiveDate), &'static str> {
    let date = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
    if !form.start.trim().is_empty() || !form.end.trim().is_empty() {
        return match (date(&form.start), date(&form.end)) {
            (Some(s), Some(e)) if s <= e => Ok((s, e)),
            _ => Err("bulletin-error-period"),
        };
    }
    let start = NaiveDate::parse_from_str(&format!("{}-01", form.month.trim()), "%Y-%m-%d")
        .map_err(|_| "bulletin-error-period")?;
    let end = crate::campaigns::next_month(start) - chrono::Duration::days(1);
    Ok((start, end))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<BulletinForm>,
) -> AppResult<Response> {
    if !Policy::can_review(&user) {
        return Err(AppError::Forbidden);
    }
    let campaign = campaign(&state).await?;
    // Left blank: a 简报 signed by the plan's issuing body (the form always proposes both).
    let default_body = crate::plans::issuing_body(&state.db, campaign.id)
        .await?
        .unwrap_or_else(|| format!("{}食品安全委员会办公室", campaign.city_name));
    let values = BulletinValues {
        series: match form.series.trim() {
            "" => "briefing".to_string(),
            series => series.to_string(),
        },
        notice_kind: form.notice_kind.trim().to_string(),
        issuing_body: match form.issuing_body.trim() {
            "" => default_body,
            body => body.to_string(),
        },
        doc_number: form.doc_number.trim().to_string(),
        copy_to: form.copy_to.trim().to_string(),
        title: form.title.trim().to_string(),
        month: form.month.trim().to_string(),
        start: form.start.trim().to_string(),
        end: form.end.trim().to_string(),
        remarks: form.remarks.trim().to_string(),
    };
    let mut errors = Vec::new();
    let series = bulletins::Series::parse(&values.series);
    if series.is_none() {
        errors.push(ctx.t("bulletin-error-series"));
    }
    let notice_kind = (series == Some(bulletins::Series::Notice))
        .then(|| {
            bulletins::NOTICE_KINDS
                .into_iter()
                .find(|k| *k == values.notice_kind)
        })
        .flatten();
    if series == Some(bulletins::Series::Notice) && notice_kind.is_none() {
        errors.push(ctx.t("bulletin-error-notice-kind"));
    }
    if values.issuing_body.is_empty() || values.issuing_body.chars().count() > 100 {
        errors.push(ctx.t("bulletin-error-issuer"));
    }
    if values.doc_number.chars().count() > 60 || values.copy_to.chars().count() > 500 {
        errors.push(ctx.t("report-too-long"));
    }
    let range = period(&form).map_err(|key| errors.push(ctx.t(key))).ok();
    if values.remarks.chars().count() > 20_000 {
        errors.push(ctx.t("report-too-long"));
    }
    let (Some((start, end)), Some(series)) = (range.filter(|_| errors.is_empty()), series) else {
        return list_page(
            &state,
            ctx,
            values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let title = if values.title.is_empty() {
        ctx.request.lang.t_args(
            &format!("bulletin-default-title-{}", series.as_str()),
            &[
                ("city", campaign.city_name.clone().into()),
                ("start", ctx.date(&start).into()),
                ("end", ctx.date(&end).into()),
            ],
        )
    } else {
        values.title.clone()
    };
    let figures = bulletins::figures(&state.db, &campaign, start, end).await?;
    let (id, number) = bulletins::issue(
        &state.db,
        campaign.id,
        &NewBulletin {
            series,
            notice_kind,
            issuing_body: &values.issuing_body,
            doc_number: &values.doc_number,
            copy_to: &values.copy_to,
            title: &title,
            start,
            end,
            remarks: &values.remarks,
        },
        &figures,
        user.id,
    )
    .await?;
    ctx.request
        .audit(
            &state.db,
            "bulletin.issue",
            "bulletin",
            Some(id.to_string()),
            serde_json::json!({"series": series.as_str(), "number": number, "start": start, "end": end,
                               "issuing_body": values.issuing_body, "doc_number": values.doc_number}),
        )
        .await?;
    set_flash(
        &session,
        FlashKind::Success,
        ctx.t2(
            "bulletin-issued-series",
            "series",
            series.name(),
            "number",
            number as i64,
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/bulletins/{id}")).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let bulletin = bulletins::find(&state.db, campaign.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&BulletinPage {
        ctx,
        city: campaign.city_name,
        bulletin,
    })?
    .into_response())
}

pub async fn export(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let campaign = campaign(&state).await?;
    let bulletin = bulletins::find(&state.db, campaign.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let h = |k: &str| ctx.t(k);
    let headers = [
        h("field-organisation"),
        h("bulletin-col-tasks"),
        h("dash-approved"),
        h("bulletin-col-percent"),
        h("dash-overdue"),
        h("bulletin-col-returned"),
        h("bulletin-col-approved"),
    ];
    let body = bulletins::csv(&bulletin, headers.each_ref().map(|s| s.as_str()))
        .map_err(|e| AppError::Other(e.into()))?;
    let name = format!("{}-第{}期.csv", campaign.city_name, bulletin.number);
    ctx.request
        .audit(
            &state.db,
            "export.bulletin_csv",
            "bulletin",
            Some(id.to_string()),
            serde_json::json!({"number": bulletin.number}),
        )
        .await?;
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&crate::storage::content_disposition("attachment", &name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
