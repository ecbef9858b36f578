//! The office's side of 公示 (`/office/publicity`, admin and office only — the path rule
//! decides, and [`Policy::can_review`] is checked again here): draft a notice from locked
//! rounds, edit it, publish it, handle its objections, read their attachments. Every
//! action and every refusal is audited.

use axum::extract::RawForm;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde_json::json;
use tower_sessions::Session;

use super::{audit_refusal, today, view};
use crate::accounts::User;
use crate::publicity::objections::{self, Handling};
use crate::publicity::{self, DraftText, Period, Refusal, text};
use crate::scoring::locked;
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    DraftValues, NoticeValues, PublicityEditPage, PublicityOfficePage, render,
};

/// The office user, once checked: office handlers take this, not a bare user.
struct Office(User);

fn office(user: User) -> AppResult<Office> {
    if Policy::can_review(&user) {
        Ok(Office(user))
    } else {
        Err(AppError::Forbidden)
    }
}

/// Pairs of a urlencoded form, where a name may repeat (the chosen rounds).
fn pairs(form: &RawForm) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&form.0).into_owned().collect()
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let values = DraftValues {
        rounds: Vec::new(),
        starts_on: today(&state).await?.to_string(),
    };
    list_page(&state, ctx, values, Vec::new(), StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    ctx: PageCtx,
    values: DraftValues,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let today = today(state).await?;
    let mut notices = Vec::new();
    for notice in publicity::list_all(&state.db).await? {
        notices.push(view(state, notice, today).await?);
    }
    let page = PublicityOfficePage {
        ctx,
        notices,
        locked_rounds: locked::all(&state.db).await?,
        values,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

/// Drafts a notice from the chosen locked rounds, its text generated from their results.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    form: RawForm,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let pairs = pairs(&form);
    let values = DraftValues {
        rounds: pairs
            .iter()
            .filter(|(k, _)| k == "round")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect(),
        starts_on: field(&pairs, "starts_on").trim().to_string(),
    };
    let period = NaiveDate::parse_from_str(&values.starts_on, "%Y-%m-%d")
        .map(Period::default_from)
        .map_err(|_| Refusal::BadDate);
    let rounds = locked::by_ids(&state.db, &values.rounds).await?;
    let drafted = match period {
        Ok(period) if !rounds.is_empty() => {
            let issuer = text::default_issuer(&rounds);
            let draft = DraftText {
                title: text::default_title(&rounds),
                body: text::default_body(&rounds, &issuer),
                issuer,
                contact: String::new(),
                period,
            };
            let campaign = crate::web::current::campaign(&state).await?;
            publicity::issue_draft(&state.db, campaign.id, &values.rounds, &draft, user.id).await?
        }
        Ok(_) => Err(if values.rounds.is_empty() {
            Refusal::NoRounds
        } else {
            Refusal::RoundNotLocked
        }),
        Err(refusal) => Err(refusal),
    };
    let id = match drafted {
        Ok(id) => id,
        Err(refusal) => {
            audit_refusal(
                &state,
                &ctx,
                "publicity.draft_refused",
                ("publicity", 0),
                &[refusal],
            )
            .await?;
            let errors = vec![ctx.t(refusal.message_key())];
            return list_page(
                &state,
                ctx,
                values,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    ctx.request
        .audit(
            &state.db,
            "publicity.draft",
            "publicity",
            Some(id.to_string()),
            json!({ "rounds": values.rounds }),
        )
        .await?;
    Ok(Redirect::to(&format!("/office/publicity/{id}")).into_response())
}

async fn edit_page(
    state: &AppState,
    ctx: PageCtx,
    notice: publicity::Notice,
    values: Option<NoticeValues>,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let objections = objections::for_notice(&state.db, notice.id).await?;
    let events = objections::events_for_notice(&state.db, notice.id).await?;
    let values = values.unwrap_or_else(|| NoticeValues::of(&notice));
    let view = view(state, notice, today(state).await?).await?;
    let page = PublicityEditPage {
        ctx,
        view,
        values,
        errors,
        objections,
        events,
    };
    Ok((status, render(&page)?).into_response())
}

async fn notice(state: &AppState, id: i64) -> AppResult<publicity::Notice> {
    publicity::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let notice = notice(&state, id).await?;
    edit_page(&state, ctx, notice, None, Vec::new(), StatusCode::OK).await
}

/// Saves a draft's text; refused with the form as typed when a field is wrong.
pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    form: RawForm,
) -> AppResult<Response> {
    let Office(_) = office(user)?;
    let notice = notice(&state, id).await?;
    let pairs = pairs(&form);
    let values = NoticeValues {
        title: field(&pairs, "title"),
        body: field(&pairs, "body"),
        issuer: field(&pairs, "issuer"),
        contact: field(&pairs, "contact"),
        starts_on: field(&pairs, "starts_on"),
        ends_on: field(&pairs, "ends_on"),
    };
    let parsed = DraftText::parse(
        &values.title,
        &values.body,
        &values.issuer,
        &values.contact,
        &values.starts_on,
        &values.ends_on,
    );
    let outcome = match parsed {
        Ok(text) => publicity::edit_draft(&state.db, id, &text)
            .await?
            .map_err(|r| vec![r]),
        Err(problems) => Err(problems),
    };
    if let Err(problems) = outcome {
        audit_refusal(
            &state,
            &ctx,
            "publicity.edit_refused",
            ("publicity", id),
            &problems,
        )
        .await?;
        let errors = problems.iter().map(|r| ctx.t(r.message_key())).collect();
        let status = if problems.contains(&Refusal::NotDraft) {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return edit_page(&state, ctx, notice, Some(values), errors, status).await;
    }
    ctx.request
        .audit(
            &state.db,
            "publicity.edit",
            "publicity",
            Some(id.to_string()),
            json!({}),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("publicity-saved")).await?;
    Ok(Redirect::to(&format!("/office/publicity/{id}")).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let notice = notice(&state, id).await?;
    if let Err(refusal) = publicity::publish(&state.db, &notice, user.id).await? {
        audit_refusal(
            &state,
            &ctx,
            "publicity.publish_refused",
            ("publicity", id),
            &[refusal],
        )
        .await?;
        let errors = vec![ctx.t(refusal.message_key())];
        return edit_page(&state, ctx, notice, None, errors, StatusCode::CONFLICT).await;
    }
    ctx.request
        .audit(
            &state.db,
            "publicity.publish",
            "publicity",
            Some(id.to_string()),
            json!({ "starts_on": notice.starts_on, "ends_on": notice.ends_on }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("publicity-published")).await?;
    Ok(Redirect::to(&format!("/office/publicity/{id}")).into_response())
}

/// One handling step: accept for verification, not accept (reason), resolve (outcome).
pub async fn handle(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(objection_id): Path<i64>,
    form: RawForm,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let pairs = pairs(&form);
    let action = field(&pairs, "action");
    let notice_id: i64 = field(&pairs, "notice").trim().parse().unwrap_or(0);
    let done = match Handling::parse(&action, &field(&pairs, "text")) {
        Ok(step) => objections::handle(&state.db, objection_id, &step, user.id)
            .await?
            .map(|notice| (notice, step)),
        Err(refusal) => Err(refusal),
    };
    match done {
        Ok((notice, step)) => {
            ctx.request
                .audit(
                    &state.db,
                    "publicity.objection_handle",
                    "publicity_objection",
                    Some(objection_id.to_string()),
                    json!({ "notice": notice, "state": step.target().as_str() }),
                )
                .await?;
            set_flash(
                &session,
                FlashKind::Success,
                ctx.t("publicity-objection-handled"),
            )
            .await?;
            Ok(Redirect::to(&format!(
                "/office/publicity/{notice}#objection-{objection_id}"
            ))
            .into_response())
        }
        Err(refusal) => {
            audit_refusal(
                &state,
                &ctx,
                "publicity.objection_handle_refused",
                ("publicity_objection", objection_id),
                &[refusal],
            )
            .await?;
            set_flash(&session, FlashKind::Error, ctx.t(refusal.message_key())).await?;
            let back = if notice_id > 0 {
                format!("/office/publicity/{notice_id}#objection-{objection_id}")
            } else {
                "/office/publicity".to_string()
            };
            Ok(Redirect::to(&back).into_response())
        }
    }
}

/// An objection's attachment, for the office only; every read is audited.
pub async fn attachment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(objection_id): Path<i64>,
) -> AppResult<Response> {
    let (key, name, content_type, size) = objections::attachment(&state.db, objection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.request
        .audit(
            &state.db,
            "file.download",
            "publicity_objection",
            Some(objection_id.to_string()),
            json!({ "name": name }),
        )
        .await?;
    state
        .storage
        .response(&key, &name, size as u64, &content_type, false)
        .await
        .map_err(|e| AppError::Other(e.into()))
}
