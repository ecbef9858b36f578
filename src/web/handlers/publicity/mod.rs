//! The public side of 公示, without sign-in: published notices (printable, with the
//! period's state), the objection form, its receipt with the code, and the look-up of an
//! objection's state by that code; and `/api/v1/publicity`.
//!
//! The objection form is protected like every form here: the gate's origin check and the
//! session's CSRF token (anonymous visitors get a session too; multipart forms carry the
//! token in the query). Attempts are limited per client address in PostgreSQL before
//! the body is read; refusals answer 429 and are audited.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower_sessions::Session;

/// The office's side: drafting, publishing and handling objections.
pub(super) mod office;

use crate::publicity::objections::{self, NewObjection};
use crate::publicity::{self, Notice, Period, Refusal, Window, text};
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    NoticeView, ObjectionReceiptPage, ObjectionStatusPage, ObjectionValues, PublicityListPage,
    PublicityPage, render,
};
use crate::web::upload_form::{UploadValues, receive_within};

/// Session key of the receipt shown once after an objection is received.
const RECEIPT_KEY: &str = "publicity_receipt";

/// Everything a page shows about a notice on `today`.
pub(super) async fn view(
    state: &AppState,
    notice: Notice,
    today: chrono::NaiveDate,
) -> AppResult<NoticeView> {
    let rounds = publicity::rounds_of(&state.db, notice.id).await?;
    let counts = objections::counts(&state.db, notice.id).await?;
    let window = notice.window(today);
    let period = Period::new(notice.starts_on, notice.ends_on)
        .unwrap_or_else(|_| Period::default_from(notice.starts_on));
    Ok(NoticeView {
        period_line: text::period_line(&period),
        dated: text::chinese_date(notice.starts_on),
        outcome: (!notice.is_draft())
            .then(|| text::outcome_line(window, &counts))
            .flatten(),
        rounds,
        window,
        counts,
        notice,
    })
}

/// Today in the campaign's time zone (the period's days are the city's days).
pub(super) async fn today(state: &AppState) -> AppResult<chrono::NaiveDate> {
    Ok(campaign(state).await?.today())
}

/// Records a refused objection or office action with its reasons.
pub(super) async fn audit_refusal(
    state: &AppState,
    ctx: &PageCtx,
    action: &str,
    object: (&str, i64),
    reasons: &[Refusal],
) -> AppResult<()> {
    let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
    ctx.request
        .audit(
            &state.db,
            action,
            object.0,
            Some(object.1.to_string()),
            json!({ "reasons": reasons }),
        )
        .await
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let today = today(&state).await?;
    let mut notices = Vec::new();
    for notice in publicity::list_published(&state.db).await? {
        notices.push(view(&state, notice, today).await?);
    }
    Ok(render(&PublicityListPage { ctx, notices })?.into_response())
}

async fn notice_page(
    state: &AppState,
    ctx: PageCtx,
    notice: Notice,
    values: ObjectionValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let view = view(state, notice, today(state).await?).await?;
    let page = PublicityPage {
        ctx,
        view,
        values,
        errors,
        max_upload: crate::evidence::human_size(state.config.objection_attachment_bytes as i64),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let notice = publicity::find_published(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    notice_page(
        &state,
        ctx,
        notice,
        ObjectionValues::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

fn typed(values: &UploadValues) -> ObjectionValues {
    let field = |name: &str| values.other.get(name).cloned().unwrap_or_default();
    ObjectionValues {
        real_name: field("real_name"),
        contact: field("contact"),
        body: field("body"),
    }
}

/// Receives an objection from the public form (multipart: name, contact, text and an
/// optional attachment).
pub async fn object(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let notice = publicity::find_published(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Counted before anything is read or stored, so a flood costs one statement each.
    let address = ctx
        .request
        .client_addr
        .clone()
        .unwrap_or_else(|| "unknown".into());
    let limit = state.config.objection_limit_per_hour;
    if let Err(wait) = objections::reserve(&state.db, &address, limit).await? {
        tracing::warn!(%address, "objection attempts over the limit");
        ctx.request
            .audit(
                &state.db,
                "publicity.objection_throttled",
                "publicity",
                Some(id.to_string()),
                json!({ "limit_per_hour": limit, "retry_after": wait }),
            )
            .await?;
        let message = ctx.t("publicity-refused-throttled");
        let mut response = notice_page(
            &state,
            ctx,
            notice,
            ObjectionValues::default(),
            vec![message],
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }
    if notice.window(today(&state).await?) != Window::Open {
        return refuse(
            &state,
            ctx,
            notice,
            ObjectionValues::default(),
            vec![Refusal::WindowClosed],
            Vec::new(),
        )
        .await;
    }

    let mut values = UploadValues::default();
    let limit = state.config.objection_attachment_bytes;
    let files =
        match receive_within(&state, &ctx, &mut multipart, &mut values, 1, false, limit).await? {
            Ok(files) => files,
            Err(problems) => {
                let typed = typed(&values);
                return refuse(&state, ctx, notice, typed, Vec::new(), problems).await;
            }
        };
    let typed = typed(&values);
    let mut refusals = Vec::new();
    if files
        .iter()
        .any(|(file, _)| !objections::attachment_allowed(file.file_type))
    {
        refusals.push(Refusal::AttachmentType);
    }
    let objection = NewObjection::parse(&typed.real_name, &typed.contact, &typed.body)
        .map_err(|problems| refusals.extend(problems))
        .ok();
    let Some(objection) = objection.filter(|_| refusals.is_empty()) else {
        state.storage.discard(&files).await;
        return refuse(&state, ctx, notice, typed, refusals, Vec::new()).await;
    };
    let received = objections::receive(
        &state.db,
        id,
        today(&state).await?,
        &objection,
        files.first(),
        ctx.request.client_addr.as_deref(),
    )
    .await;
    let (objection_id, code) = match received {
        Ok(Ok(done)) => done,
        Ok(Err(refusal)) => {
            state.storage.discard(&files).await;
            return refuse(&state, ctx, notice, typed, vec![refusal], Vec::new()).await;
        }
        Err(err) => {
            state.storage.discard(&files).await;
            return Err(err.into());
        }
    };
    ctx.request
        .audit(
            &state.db,
            "publicity.objection_received",
            "publicity_objection",
            Some(objection_id.to_string()),
            json!({
                "notice": id,
                "files": files.iter().map(|(f, n)| json!({"name": n, "size": f.size, "sha256": f.sha256})).collect::<Vec<_>>(),
            }),
        )
        .await?;
    session
        .insert(
            RECEIPT_KEY,
            Receipt {
                code,
                notice_id: id,
                notice_title: notice.title,
            },
        )
        .await?;
    Ok(Redirect::to("/publicity/objections/receipt").into_response())
}

/// Refuses an objection: audited, and the notice shown again with the messages and what
/// was typed (a chosen file must be chosen again: browsers do not refill file inputs).
async fn refuse(
    state: &AppState,
    ctx: PageCtx,
    notice: Notice,
    values: ObjectionValues,
    refusals: Vec<Refusal>,
    upload_problems: Vec<String>,
) -> AppResult<Response> {
    let mut reasons = refusals.clone();
    if !upload_problems.is_empty() {
        reasons.push(Refusal::AttachmentType);
    }
    audit_refusal(
        state,
        &ctx,
        "publicity.objection_refused",
        ("publicity", notice.id),
        &reasons,
    )
    .await?;
    let mut errors: Vec<String> = refusals.iter().map(|r| ctx.t(r.message_key())).collect();
    errors.extend(upload_problems);
    let status = if refusals.contains(&Refusal::WindowClosed) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    notice_page(state, ctx, notice, values, errors, status).await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Receipt {
    code: String,
    notice_id: i64,
    notice_title: String,
}

/// The code, shown once (a reload shows the look-up form instead).
pub async fn receipt(ctx: PageCtx, session: Session) -> AppResult<Response> {
    let Some(receipt) = session.remove::<Receipt>(RECEIPT_KEY).await? else {
        return Ok(Redirect::to("/publicity/objections/status").into_response());
    };
    Ok(render(&ObjectionReceiptPage {
        ctx,
        code: receipt.code,
        notice_id: receipt.notice_id,
        notice_title: receipt.notice_title,
    })?
    .into_response())
}

pub async fn status_page(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&ObjectionStatusPage {
        ctx,
        code: String::new(),
        looked_up: false,
        status: None,
    })?
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Looks an objection up by its code. A form post rather than a query string, so the
/// code stays out of addresses, histories and logs.
pub async fn status_lookup(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let code: String = form.code.trim().chars().take(64).collect();
    let status = objections::status_by_code(&state.db, &code).await?;
    let http = if status.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = ObjectionStatusPage {
        ctx,
        code,
        looked_up: true,
        status,
    };
    Ok((http, render(&page)?).into_response())
}

/// `/api/v1/publicity`: every published notice with its period, the period's state and
/// the objections by outcome. Needs no sign-in; names and contacts are never included.
pub async fn api(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let today = today(&state).await?;
    let mut list = Vec::new();
    for notice in publicity::list_published(&state.db).await? {
        let view = view(&state, notice, today).await?;
        list.push(json!({
            "id": view.notice.id,
            "title": view.notice.title,
            "issuer": view.notice.issuer,
            "starts_on": view.notice.starts_on,
            "ends_on": view.notice.ends_on,
            "state": view.window,
            "objections": {
                "total": view.counts.total(),
                "received": view.counts.received,
                "verifying": view.counts.verifying,
                "not_accepted": view.counts.not_accepted,
                "resolved": view.counts.resolved,
            },
            "outcome": view.outcome,
            "rounds": view.rounds.iter().map(|r| json!({
                "city": r.city_name, "kind": r.kind, "name": r.name,
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(Json(json!({ "publicity": list })))
}
