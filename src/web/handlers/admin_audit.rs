//! The audit trail's page and its CSV export; admins only (the `/admin` rule).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::audit::{self, Cursor};
use crate::exports::csv_cell;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::context::{PageCtx, RequestContext};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{AuditPage, action_label, render};
use crate::{accounts, orgs};

/// Rows on one page of the audit trail.
pub const AUDIT_PAGE_ROWS: i64 = 100;
/// Rows fetched per query while streaming the export.
const EXPORT_BATCH: i64 = 2000;

#[derive(Debug, Default, Deserialize, Clone)]
pub struct AuditQuery {
    /// Part of the object id, the details or the address.
    #[serde(default)]
    pub q: String,
    /// A username, exactly (any case).
    #[serde(default)]
    pub user: String,
    /// An organisation id.
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Rows older than this id.
    #[serde(default)]
    pub before: String,
    /// Rows newer than this id.
    #[serde(default)]
    pub after: String,
}

/// The filter a query asks for, or the messages that say what is wrong with it.
async fn parse_filter(
    state: &AppState,
    lang: Lang,
    query: &AuditQuery,
) -> AppResult<Result<audit::Filter, Vec<String>>> {
    let mut errors = Vec::new();
    let mut date = |text: &str| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.push(lang.t_args("audit-error-date", &[("value", text.into())]));
        }
        parsed
    };
    let from = date(&query.from);
    let to = date(&query.to);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.push(lang.t("audit-error-range"));
    }
    let organisation_id = match query.org.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(lang.t("audit-error-org"));
                None
            }
        },
    };
    let actor_id = match query.user.trim() {
        "" => None,
        username => match accounts::id_by_username(&state.db, username).await? {
            Some(id) => Some(id),
            None => {
                errors.push(lang.t_args("audit-error-user", &[("username", username.into())]));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(Ok(audit::Filter {
        actor_id,
        organisation_id,
        action: text(&query.action),
        from,
        to,
        text: text(&query.q),
    }))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<AuditQuery>,
) -> AppResult<Response> {
    let cursor = match (query.before.trim().parse(), query.after.trim().parse()) {
        (Ok(id), _) => Cursor::Before(id),
        (_, Ok(id)) => Cursor::After(id),
        _ => Cursor::Newest,
    };
    let (page, errors) = match parse_filter(&state, ctx.lang(), &query).await? {
        Ok(filter) => (
            audit::search(&state.db, &filter, cursor, AUDIT_PAGE_ROWS).await?,
            Vec::new(),
        ),
        Err(errors) => (audit::Page::default(), errors),
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let actions = audit::actions(&state.db).await?;
    let organisations = orgs::list(&state.db, true).await?;
    Ok((
        status,
        render(&AuditPage {
            ctx,
            page,
            actions,
            organisations,
            query,
            errors,
        })?,
    )
        .into_response())
}

/// Every row the filter matches as CSV, newest first, streamed batch by batch so that
/// millions of rows never sit in memory. Cells are neutralised like every CSV export.
pub async fn export(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(query): Query<AuditQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let filter = match parse_filter(&state, lang, &query).await? {
        Ok(filter) => filter,
        Err(_) => return Err(AppError::BadRequest("audit-error-export")),
    };
    ctx.audit(
        &state.db,
        "export.audit_csv",
        "audit",
        None,
        serde_json::json!({
            "user": query.user.trim(), "org": query.org.trim(), "action": query.action.trim(),
            "from": query.from.trim(), "to": query.to.trim(), "q": query.q.trim(),
        }),
    )
    .await?;
    let headings = [
        "audit-col-id",
        "audit-time",
        "audit-actor",
        "audit-col-organisation",
        "audit-action",
        "audit-col-code",
        "audit-object",
        "audit-summary",
        "audit-address",
    ]
    .map(|key| lang.t(key));
    let mut first = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    csv_cell::write_record(&mut first, &headings).map_err(|e| AppError::Other(e.into()))?;
    let first = first
        .into_inner()
        .map_err(|e| AppError::Other(anyhow::anyhow!("{e}")))?;
    let (yes, no) = (lang.t("audit-yes"), lang.t("audit-no"));
    let rows = audit::search::export(state.db.clone(), filter, EXPORT_BATCH).map(move |batch| {
        let batch = batch.map_err(std::io::Error::other)?;
        let mut out = csv::Writer::from_writer(Vec::new());
        for row in batch {
            let at = row
                .at
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            csv_cell::write_record(
                &mut out,
                [
                    row.id.to_string(),
                    at,
                    row.actor.clone().unwrap_or_default(),
                    row.organisation.clone().unwrap_or_default(),
                    action_label(lang, &row.action),
                    row.action.clone(),
                    format!(
                        "{} {}",
                        row.object_type,
                        row.object_id.as_deref().unwrap_or("")
                    )
                    .trim()
                    .to_string(),
                    audit::readable_summary(&row.summary, &yes, &no),
                    row.client_addr.clone().unwrap_or_default(),
                ],
            )
            .map_err(std::io::Error::other)?;
        }
        out.into_inner()
            .map(bytes::Bytes::from)
            .map_err(|e| std::io::Error::other(e.to_string()))
    });
    let body = futures_util::stream::once(async move { Ok(bytes::Bytes::from(first)) }).chain(rows);
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = crate::storage::content_disposition("attachment", "审计日志.csv");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
