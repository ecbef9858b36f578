//! The printable evaluation report and its narrative.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::audit_score;
use super::wording::{Answer, Worded};
use crate::accounts::User;
use crate::i18n::Lang;
use crate::inspections::figures;
use crate::scoring::commands::ReportEdit;
use crate::scoring::report_framing::{self, FramingFacts};
use crate::scoring::rounds;
use crate::web::AppState;
use crate::web::access::Policy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{ReportPage, render};
use crate::web::round_view::{RoundView, Scope, assessors_by_group, part_lines};
use crate::web::verdict::verdict_text;

/// `?fill=problems`: the form's 存在问题 filled with the default drawn from the problems,
/// for the lead to edit (nothing is saved until the form is).
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    pub fill: String,
}

/// The printable evaluation report: statistics from the data, narrative by the lead.
pub async fn report(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    let view = RoundView::load(&state, id).await?;
    let fill = query.fill == "problems";
    report_page(&state, ctx, &user, &view, None, Vec::new(), fill).await
}

/// `GET /rounds/{id}/report.docx`: the same report as a Word document.
pub async fn report_docx(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let view = RoundView::load(&state, id).await?;
    let request = ctx.request.clone();
    let page = load_page(&state, ctx, &user, &view, None, Vec::new(), false).await?;
    let document = page.document();
    let bytes = tokio::task::spawn_blocking(move || document.docx())
        .await
        .map_err(|e| AppError::Other(e.into()))?
        .map_err(|e| AppError::Other(anyhow::anyhow!("report .docx: {e}")))?;
    request
        .audit(
            &state.db,
            "export.report_docx",
            "round",
            Some(id.to_string()),
            serde_json::json!({ "bytes": bytes.len() }),
        )
        .await?;
    let name = format!("{}-{}评价报告.docx", page.city, page.round.name);
    Ok(crate::web::download::download(
        bytes,
        crate::web::download::DOCX,
        &name,
    ))
}

async fn report_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    view: &RoundView,
    typed: Option<rounds::ReportText>,
    errors: Vec<String>,
    fill: bool,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = load_page(state, ctx, user, view, typed, errors, fill).await?;
    Ok((status, render(&page)?).into_response())
}

/// Everything the report says, for its page and its Word file.
async fn load_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    view: &RoundView,
    typed: Option<rounds::ReportText>,
    errors: Vec<String>,
    fill: bool,
) -> AppResult<ReportPage> {
    // The figures come from the round's computed view (one computation per change of
    // the data), not from fresh queries per reader.
    let (scope, outcome, rule, reviews, evidence) = (
        &view.scope,
        view.outcome.clone(),
        &view.rule,
        &view.reviews,
        &view.evidence,
    );
    let deductions = view
        .deductions
        .iter()
        .filter(|d| d.withdrawn_at.is_none())
        .collect::<Vec<_>>();
    let assessors = assessors_by_group(state, scope).await?;
    let files: i64 = evidence.values().map(|(all, _)| all).sum();
    let marked: i64 = evidence.values().map(|(_, m)| m).sum();
    let scored = scope
        .items
        .iter()
        .filter(|i| reviews.get(&i.key).is_some_and(|r| r.done))
        .count();
    let figures = figures::load(
        &state.db,
        &scope.rubric,
        scope.round.id,
        deductions
            .iter()
            .map(|d| (d.indicator_number, d.reason.clone()))
            .collect(),
        marked,
        crate::inspections::visibility(&state.db, user, &scope.round).await?,
    )
    .await?;
    let can_edit = Policy::can_write_report(user, &scope.round);
    let mut text = typed.unwrap_or_else(|| rounds::ReportText::of(&scope.round));
    if fill && can_edit {
        text.shortcomings = figures.shortcomings();
    }
    let verdict = verdict_text(ctx.lang(), &outcome, rule);
    let indicator_count = scope.items.iter().map(|i| i.indicators.len()).sum();
    let round_scope = scope.round.scope(&scope.rubric);
    let kind = Lang::Zh.t(&format!("round-kind-{}", scope.round.kind.as_str()));
    let scope_text = round_scope.describe(&scope.rubric);
    let facts = FramingFacts {
        city: &scope.campaign.city_name,
        kind: &kind,
        basis_documents: &scope.round.basis_documents,
        implementing_body: &scope.round.implementing_body,
        cooperating_bodies: &scope.round.cooperating_bodies,
        starts_on: scope.round.starts_on,
        ends_on: scope.round.ends_on,
        assessors: assessors.iter().map(|(_, n)| n.len()).sum(),
        groups: assessors.len(),
        scope: &scope_text,
    };
    let (opening, implementation, content) = (
        report_framing::opening(&facts),
        report_framing::implementation(&facts),
        report_framing::content(&facts),
    );
    let veto_sentence =
        report_framing::veto_sentence(&outcome, round_scope.has_vetoes(&scope.rubric));
    let zh_verdict = verdict_text(Lang::Zh, &outcome, rule);
    let conclusion = report_framing::conclusion(&zh_verdict.1, &zh_verdict.2);
    let dated = scope.round.report_date.map(report_framing::chinese_date);
    // A lock with a reason: the report says the scoring was unfinished, and what was.
    let unfinished_lock = match scope.round.lock_reason {
        Some(_) => crate::scoring::locks::current(&state.db, scope.round.id).await?,
        None => None,
    };
    Ok(ReportPage {
        ctx,
        errors,
        can_edit,
        figures: figures.sentence(),
        default_shortcomings: figures.shortcomings(),
        city: scope.campaign.city_name.clone(),
        parts: part_lines(&scope.rubric, &outcome),
        assessor_count: assessors.iter().map(|(_, n)| n.len()).sum(),
        group_count: assessors.len(),
        assessors,
        files,
        marked,
        scored,
        item_count: scope.items.len(),
        indicator_count,
        deduction_count: deductions.len(),
        deducted: deductions.iter().map(|d| d.points).sum(),
        verdict,
        outcome,
        text,
        opening,
        implementation,
        content,
        veto_sentence,
        conclusion,
        dated,
        kind_name: kind.clone(),
        unfinished_lock,
        round: scope.round.clone(),
    })
}

pub async fn save_report(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<rounds::ReportText>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    if !Policy::can_write_report(&user, &scope.round) {
        tracing::warn!(round = id, user = %user.username, "report edit refused");
        ctx.request
            .audit(
                &state.db,
                "report.refused",
                "round",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        return Err(AppError::AuditedRefusal("report-refused"));
    }
    let edit = match ReportEdit::check(id, &form) {
        Ok(edit) => edit,
        Err(refusal) => {
            let errors = match refusal.answer(&ctx) {
                Answer::Page(err) => return Err(err),
                Answer::Form(message) => vec![message],
            };
            let view = RoundView::load(&state, id).await?;
            return report_page(&state, ctx, &user, &view, Some(form), errors, false).await;
        }
    };
    edit.save(&state.db).await?;
    audit_score(
        &state,
        &ctx.request,
        &scope,
        "report.save",
        serde_json::json!({"chars": edit.chars()}),
    )
    .await?;
    set_flash(&session, FlashKind::Success, ctx.t("round-report-saved")).await?;
    Ok(Redirect::to(&format!("/rounds/{id}/report")).into_response())
}
