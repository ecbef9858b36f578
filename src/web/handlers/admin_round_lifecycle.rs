//! The administrator's lock page: what is unfinished, locking (with a reason when
//! something is), reopening a locked round (always with a reason), and deleting a round
//! that holds nothing. Each change and each refusal is in the audit trail.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::Event;
use crate::scoring::commands::{
    DeleteRefusal, DeleteRound, Lock, LockRefusal, Reopen, ReopenRefusal,
};
use crate::scoring::completeness::{self, Completeness};
use crate::scoring::locks;
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{LockPage, render};
use crate::web::round_view::Scope;

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    scope: Scope,
    completeness: Completeness,
    typed: (String, String),
    errors: Vec<String>,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let locks = locks::list(&state.db, scope.round.id).await?;
    let page = LockPage {
        ctx,
        round: scope.round,
        completeness,
        reason: typed.0,
        reopen_reason: typed.1,
        errors,
        locks,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn lock_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let completeness = completeness::load(&state.db, &scope.rubric, &scope.round).await?;
    page(
        &state,
        ctx,
        scope,
        completeness,
        Default::default(),
        Vec::new(),
    )
    .await
}

pub async fn lock(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let completeness = completeness::load(&state.db, &scope.rubric, &scope.round).await?;
    let lock = match Lock::check(&scope.round, &completeness, &form.reason) {
        Ok(lock) => lock,
        Err(refusal) => {
            let (why, message, unfinished) = match &refusal {
                LockRefusal::NotOpen(state) => (
                    "not_open",
                    ctx.t(&format!("lock-refused-{}", state.as_str())),
                    0,
                ),
                LockRefusal::Unfinished(list) => (
                    "unfinished",
                    ctx.t1("lock-refused-unfinished", "count", list.len()),
                    list.len(),
                ),
                LockRefusal::TooLong => ("too_long", ctx.t("lock-refused-too-long"), 0),
            };
            tracing::warn!(round = id, reason = why, "lock refused");
            ctx.request
                .audit(
                    &state.db,
                    "round.lock.refused",
                    "round",
                    Some(id.to_string()),
                    serde_json::json!({"why": why, "unfinished": unfinished}),
                )
                .await?;
            let typed = (form.reason, String::new());
            return page(&state, ctx, scope, completeness, typed, vec![message]).await;
        }
    };
    let outcome = scope.outcome(&state).await?;
    let summary = serde_json::json!({
        "from": "open",
        "to": "locked",
        "total": outcome.total,
        "passed": outcome.decision.passed(),
        "unfinished": lock.unfinished().len(),
        "reason": lock.reason(),
    });
    let object_id = Some(id.to_string());
    let event = Event {
        actor_id: Some(user.id),
        action: "round.lock",
        object_type: "round",
        object_id,
        summary,
        client_addr: ctx.request.client_addr.as_deref(),
    };
    if lock
        .record(&state.db, &outcome, user.id, event)
        .await?
        .is_none()
    {
        set_flash(&session, FlashKind::Error, ctx.t("round-error-state")).await?;
        return Ok(Redirect::to(&format!("/rounds/{id}")).into_response());
    }
    set_flash(&session, FlashKind::Success, ctx.t("round-now-locked")).await?;
    Ok(Redirect::to(&format!("/rounds/{id}")).into_response())
}

pub async fn reopen(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let holdings = locks::holdings(&state.db, id).await?;
    let reopen = match Reopen::check(&scope.round, holdings, &form.reason) {
        Ok(reopen) => reopen,
        Err(refusal) => {
            let (why, message) = match refusal {
                ReopenRefusal::NotLocked(_) => ("not_locked", ctx.t("reopen-refused-not-locked")),
                ReopenRefusal::InPublishedNotice => {
                    ("in_published_notice", ctx.t("reopen-refused-publicity"))
                }
                ReopenRefusal::EmptyReason => ("no_reason", ctx.t("reopen-refused-reason")),
                ReopenRefusal::TooLong => ("too_long", ctx.t("lock-refused-too-long")),
            };
            tracing::warn!(round = id, reason = why, "reopen refused");
            ctx.request
                .audit(
                    &state.db,
                    "round.reopen.refused",
                    "round",
                    Some(id.to_string()),
                    serde_json::json!({"why": why}),
                )
                .await?;
            let completeness = completeness::load(&state.db, &scope.rubric, &scope.round).await?;
            let typed = (String::new(), form.reason);
            return page(&state, ctx, scope, completeness, typed, vec![message]).await;
        }
    };
    let total = scope.round.frozen_outcome.as_ref().map(|o| o.0.total);
    let event = Event {
        actor_id: Some(user.id),
        action: "round.reopen",
        object_type: "round",
        object_id: Some(id.to_string()),
        summary: serde_json::json!({
            "from": "locked", "to": "open", "total": total, "reason": reopen.reason(),
        }),
        client_addr: ctx.request.client_addr.as_deref(),
    };
    if !reopen.record(&state.db, user.id, event).await? {
        set_flash(&session, FlashKind::Error, ctx.t("round-error-state")).await?;
    } else {
        set_flash(&session, FlashKind::Success, ctx.t("reopen-done")).await?;
    }
    Ok(Redirect::to(&format!("/rounds/{id}")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    let holdings = locks::holdings(&state.db, id).await?;
    let refused = |refusal: DeleteRefusal| match refusal {
        DeleteRefusal::Locked => ("locked", "delete-refused-locked"),
        DeleteRefusal::HasRecords => ("has_records", "delete-refused-records"),
        DeleteRefusal::InPublicity => ("in_publicity", "delete-refused-publicity"),
        DeleteRefusal::HasLocks => ("has_locks", "delete-refused-locks"),
    };
    let outcome = match DeleteRound::check(&scope.round, holdings) {
        Ok(delete) => {
            if delete.delete(&state.db).await? {
                Ok(())
            } else {
                // Something was recorded meanwhile.
                Err(DeleteRefusal::HasRecords)
            }
        }
        Err(refusal) => Err(refusal),
    };
    if let Err(refusal) = outcome {
        let (why, key) = refused(refusal);
        tracing::warn!(round = id, reason = why, "round deletion refused");
        ctx.request
            .audit(
                &state.db,
                "round.delete.refused",
                "round",
                Some(id.to_string()),
                serde_json::json!({"why": why}),
            )
            .await?;
        return Err(AppError::AuditedRefusal(key));
    }
    ctx.request
        .audit(
            &state.db,
            "round.delete",
            "round",
            Some(id.to_string()),
            serde_json::json!({
                "name": scope.round.name,
                "kind": scope.round.kind.as_str(),
                "state": scope.round.state.as_str(),
            }),
        )
        .await?;
    set_flash(&session, FlashKind::Success, ctx.t("round-deleted")).await?;
    Ok(Redirect::to("/rounds").into_response())
}
