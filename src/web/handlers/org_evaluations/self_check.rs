//! 自查自评 pages: the overview of every organisation (submitted / not / late, self-scores
//! side by side), one organisation's scoring and 自查报告, and the office's return for
//! revision.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{Office, audit_refusal, check_member, load, office, words};
use crate::accounts::User;
use crate::org_evaluations::self_check::{self as sc, Figures};
use crate::org_evaluations::{Deduction, Evaluation, Kind, Refusal, State as EvalState};
use crate::web::AppState;
use crate::web::access::EvaluationPolicy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{EntryValues, SelfOrgPage, SelfOverviewPage, figures_sentence, render};

pub(super) async fn overview(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
) -> AppResult<Response> {
    let campaign = campaign(state).await?;
    let members = sc::members(&state.db, &evaluation).await?;
    let page = SelfOverviewPage {
        ctx,
        members,
        today: campaign.today(),
        can_manage: EvaluationPolicy::can_manage(user),
        evaluation,
    };
    Ok(render(&page)?.into_response())
}

/// What a refused form brings back to the page.
#[derive(Debug, Default)]
pub(super) struct Typed {
    pub entry: Option<EntryValues>,
    pub report: Option<String>,
    pub errors: Vec<String>,
}

pub(super) async fn org_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    org: i64,
    typed: Typed,
    status: StatusCode,
) -> AppResult<Response> {
    let page = load_page(state, ctx, user, evaluation, org, typed).await?;
    Ok((status, render(&page)?).into_response())
}

/// `GET /evaluations/{id}/orgs/{org}/report.docx`: the 自查报告 as a Word document, for
/// whoever may read the organisation's page.
pub async fn report_docx(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, org)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let evaluation = load(&state, id).await?;
    check_member(&state, &user, &evaluation, org).await?;
    if evaluation.kind != Kind::SelfCheck {
        return Err(AppError::NotFound);
    }
    let request = ctx.request.clone();
    let page = load_page(&state, ctx, &user, evaluation, org, Typed::default()).await?;
    let document = crate::web::report_document::self_check_report(&page);
    let bytes = tokio::task::spawn_blocking(move || document.docx())
        .await
        .map_err(|e| AppError::Other(e.into()))?
        .map_err(|e| AppError::Other(anyhow::anyhow!("自查报告 .docx: {e}")))?;
    request
        .audit(
            &state.db,
            "export.self_report_docx",
            "organisation",
            Some(org.to_string()),
            serde_json::json!({ "evaluation": id }),
        )
        .await?;
    let name = format!(
        "{}-{}自查报告.docx",
        page.member.organisation_name, page.evaluation.name
    );
    Ok(crate::web::download::download(
        bytes,
        crate::web::download::DOCX,
        &name,
    ))
}

async fn load_page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    org: i64,
    typed: Typed,
) -> AppResult<SelfOrgPage> {
    let campaign = campaign(state).await?;
    let (member, lines) = tokio::try_join!(
        sc::member(&state.db, &evaluation, org),
        sc::lines(&state.db, &evaluation, org),
    )?;
    let member = member.ok_or(AppError::NotFound)?;
    let figures: Figures = match &member.figures {
        Some(frozen) => frozen.0.clone(),
        None => sc::figures(&state.db, &campaign, org).await?,
    };
    let open = evaluation.state == EvalState::Open;
    let page = SelfOrgPage {
        figures_sentence: figures_sentence(&figures, member.deducted),
        today: campaign.today(),
        can_edit: open && !member.submitted() && EvaluationPolicy::can_self_evaluate(user, org),
        can_return: open && member.submitted() && EvaluationPolicy::can_manage(user),
        entry: typed.entry,
        report: typed.report.unwrap_or_else(|| member.report.clone()),
        errors: typed.errors,
        ctx,
        evaluation,
        member,
        lines,
    };
    Ok(page)
}

/// The self-evaluation (a 404 for a 市级考评) and the organisation, once the user is its
/// own clerk.
async fn own_part(state: &AppState, user: &User, id: i64, org: i64) -> AppResult<Evaluation> {
    let evaluation = load(state, id).await?;
    check_member(state, user, &evaluation, org).await?;
    if evaluation.kind != Kind::SelfCheck {
        return Err(AppError::NotFound);
    }
    if !EvaluationPolicy::can_self_evaluate(user, org) {
        return Err(AppError::Forbidden);
    }
    Ok(evaluation)
}

#[derive(Debug, Default, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    indicator_id: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

/// The clerk records a self-deduction for one indicator, or marks the rest 无扣分.
pub async fn save_entry(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, org)): Path<(i64, i64)>,
    Form(form): Form<EntryForm>,
) -> AppResult<Response> {
    let evaluation = own_part(&state, &user, id, org).await?;
    let back = format!("/evaluations/{id}/orgs/{org}");
    if form.action == "rest_zero" {
        return match sc::rest_without_deduction(&state.db, &evaluation, org, user.id).await? {
            Ok(count) => {
                ctx.request
                    .audit(
                        &state.db,
                        "orgeval.self_rest_zero",
                        "org_evaluation",
                        Some(id.to_string()),
                        json!({ "organisation": org, "count": count }),
                    )
                    .await?;
                set_flash(&session, FlashKind::Success, ctx.t("orgeval-entry-saved")).await?;
                Ok(Redirect::to(&format!("{back}#entries")).into_response())
            }
            Err(refusal) => {
                refused_entry(&state, ctx, &user, evaluation, org, None, vec![refusal]).await
            }
        };
    }
    let Ok(indicator_id) = form.indicator_id.trim().parse::<i64>() else {
        // The form always names one of its own indicators: this is a forged request.
        audit_refusal(
            &state,
            &ctx,
            "orgeval.self_entry_refused",
            &evaluation,
            Some(org),
            &[Refusal::NotOwnIndicator],
        )
        .await?;
        return Err(AppError::AuditedRefusal(
            "orgeval-refused-not-own-indicator",
        ));
    };
    let typed = EntryValues {
        indicator_id,
        points: form.points.trim().to_string(),
        reason: form.reason.trim().to_string(),
    };
    let entry = match Deduction::parse(&form.points, &form.reason) {
        Ok(entry) => entry,
        Err(refusals) => {
            return refused_entry(&state, ctx, &user, evaluation, org, Some(typed), refusals).await;
        }
    };
    match sc::save_entry(&state.db, &evaluation, org, indicator_id, &entry, user.id).await? {
        Ok(()) => {
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.self_entry",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "organisation": org, "indicator": indicator_id,
                            "points": entry.points(), "reason": entry.reason() }),
                )
                .await?;
            set_flash(&session, FlashKind::Success, ctx.t("orgeval-entry-saved")).await?;
            Ok(Redirect::to(&format!("{back}#entries")).into_response())
        }
        Err(Refusal::NotOwnIndicator) => {
            // The form offers only its own indicators: this is a forged request.
            audit_refusal(
                &state,
                &ctx,
                "orgeval.self_entry_refused",
                &evaluation,
                Some(org),
                &[Refusal::NotOwnIndicator],
            )
            .await?;
            Err(AppError::AuditedRefusal(
                "orgeval-refused-not-own-indicator",
            ))
        }
        Err(refusal) => {
            refused_entry(
                &state,
                ctx,
                &user,
                evaluation,
                org,
                Some(typed),
                vec![refusal],
            )
            .await
        }
    }
}

async fn refused_entry(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    evaluation: Evaluation,
    org: i64,
    entry: Option<EntryValues>,
    refusals: Vec<Refusal>,
) -> AppResult<Response> {
    audit_refusal(
        state,
        &ctx,
        "orgeval.self_entry_refused",
        &evaluation,
        Some(org),
        &refusals,
    )
    .await?;
    let typed = Typed {
        entry,
        report: None,
        errors: words(&ctx, &refusals),
    };
    org_page(
        state,
        ctx,
        user,
        evaluation,
        org,
        typed,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    report: String,
}

/// The clerk saves the 自查报告, or submits it (locking its entries).
pub async fn save_report(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, org)): Path<(i64, i64)>,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let evaluation = own_part(&state, &user, id, org).await?;
    let campaign = campaign(&state).await?;
    let submit = form.action == "submit";
    match sc::save_report(
        &state.db,
        &campaign,
        &evaluation,
        org,
        &form.report,
        submit,
        user.id,
    )
    .await?
    {
        Ok(days_late) => {
            let action = if submit {
                "orgeval.self_submit"
            } else {
                "orgeval.self_report"
            };
            ctx.request
                .audit(
                    &state.db,
                    action,
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "organisation": org, "days_late": days_late }),
                )
                .await?;
            let message = match (submit, days_late) {
                (false, _) => ctx.t("orgeval-report-saved"),
                (true, 0) => ctx.t("orgeval-report-submitted"),
                (true, days) => ctx.t1("orgeval-report-submitted-late", "days", days as i64),
            };
            set_flash(&session, FlashKind::Success, message).await?;
            Ok(Redirect::to(&format!("/evaluations/{id}/orgs/{org}#report")).into_response())
        }
        Err(refusals) => {
            audit_refusal(
                &state,
                &ctx,
                "orgeval.self_report_refused",
                &evaluation,
                Some(org),
                &refusals,
            )
            .await?;
            let typed = Typed {
                entry: None,
                report: Some(form.report.trim().to_string()),
                errors: words(&ctx, &refusals),
            };
            org_page(
                &state,
                ctx,
                &user,
                evaluation,
                org,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    reason: String,
}

/// The office returns a submitted 自查报告 for revision, with a reason.
pub async fn return_report(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path((id, org)): Path<(i64, i64)>,
    Form(form): Form<ReturnForm>,
) -> AppResult<Response> {
    let Office(user) = office(user)?;
    let evaluation = load(&state, id).await?;
    check_member(&state, &user, &evaluation, org).await?;
    match sc::return_for_revision(&state.db, &evaluation, org, &form.reason).await? {
        Ok(()) => {
            ctx.request
                .audit(
                    &state.db,
                    "orgeval.self_return",
                    "org_evaluation",
                    Some(id.to_string()),
                    json!({ "organisation": org, "reason": form.reason.trim() }),
                )
                .await?;
            crate::notifications::notify_organisation(
                &state.db,
                org,
                "orgeval_returned",
                json!({ "comment": form.reason.trim() }),
                &format!("/evaluations/{id}"),
                None,
            )
            .await?;
            set_flash(
                &session,
                FlashKind::Success,
                ctx.t("orgeval-report-returned"),
            )
            .await?;
            Ok(Redirect::to(&format!("/evaluations/{id}/orgs/{org}")).into_response())
        }
        Err(refusal) => {
            audit_refusal(
                &state,
                &ctx,
                "orgeval.self_return_refused",
                &evaluation,
                Some(org),
                &[refusal],
            )
            .await?;
            let typed = Typed {
                errors: words(&ctx, &[refusal]),
                ..Default::default()
            };
            org_page(
                &state,
                ctx,
                &user,
                evaluation,
                org,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
