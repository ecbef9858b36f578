//! `/rounds/{id}/inspections/{point}`: the record made at a point, on a phone — the
//! checklist of its kind, notes, time and position, findings and photos. The text is
//! saved as a draft while the inspector types (the page's script posts it with the
//! version it was based on; without script the 保存草稿 button does the same) and
//! submitted once every item is answered.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Redirect, Response};
use serde_json::json;
use tower_sessions::Session;

use super::{may_record, point_path, visible_point, wants_json};
use crate::accounts::User;
use crate::inspections::records::{
    self, DraftInput, Record, RecordPoint, RecordRefusal, RecordState,
};
use crate::inspections::{findings, photos};
use crate::web::AppState;
use crate::web::access::InspectionPolicy;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::AppResult;
use crate::web::pages::{CheckLine, FindingValues, InspectionRecordPage, render};
use crate::web::round_view::Scope;

/// What was typed and is shown again when something was refused.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub draft: Option<DraftInput>,
    pub finding: FindingValues,
    /// Checklist items to mark as still unanswered.
    pub missing: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn page(
    state: &AppState,
    ctx: PageCtx,
    user: &User,
    scope: Scope,
    point: RecordPoint,
    typed: Typed,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let record = records::record(&state.db, point.id).await?;
    let kind = scope.rubric.establishment_kind_named(&point.kind_code);
    let draft = typed.draft.clone();
    let answer_of = |code: &str| -> String {
        match &draft {
            Some(d) => d
                .answers
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, a)| a.clone())
                .unwrap_or_default(),
            None => record
                .as_ref()
                .and_then(|r| r.answer(code))
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
        }
    };
    let checks: Vec<CheckLine> = kind
        .map(|k| {
            k.checks
                .iter()
                .map(|c| CheckLine {
                    code: c.code.clone(),
                    text: c.text.clone(),
                    indicators: c
                        .indicators
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join("、"),
                    first_indicator: c.indicators.first().copied().unwrap_or_default(),
                    derived: c.source == "derived",
                    answer: answer_of(&c.code),
                    missing: typed.missing.contains(&c.text),
                })
                .collect()
        })
        .unwrap_or_default();
    let point_findings = findings::for_point(&state.db, point.id).await?;
    let point_photos = photos::for_point(&state.db, point.id).await?;
    let submitted = record
        .as_ref()
        .is_some_and(|r| r.state == RecordState::Submitted);
    let can_record =
        InspectionPolicy::can_record(user, &scope.round, point.group_id, &point.assessor_ids)
            .is_ok()
            && !submitted;
    let field = |typed: Option<&str>, stored: Option<String>| -> String {
        typed.map(str::to_string).or(stored).unwrap_or_default()
    };
    let draft_ref = typed.draft.as_ref();
    let page = InspectionRecordPage {
        kind_name: kind
            .map(|k| k.name.clone())
            .unwrap_or_else(|| point.kind_code.clone()),
        checks,
        version: record.as_ref().map_or(0, |r| r.version),
        notes: field(
            draft_ref.map(|d| d.notes.as_str()),
            record.as_ref().map(|r| r.notes.clone()),
        ),
        minutes: field(
            draft_ref.map(|d| d.minutes.as_str()),
            record
                .as_ref()
                .and_then(|r| r.minutes_taken)
                .map(|m| m.to_string()),
        ),
        position: record.as_ref().and_then(position_text),
        submitted,
        can_record,
        findings: point_findings,
        photos: point_photos,
        indicators: finding_indicators(&scope),
        finding: typed.finding,
        record,
        errors,
        round: scope.round,
        point,
        ctx,
    };
    Ok((status, render(&page)?).into_response())
}

/// "29.65°N 91.13°E（±12米）" for the page.
fn position_text(record: &Record) -> Option<String> {
    let (lat, long) = (record.latitude?, record.longitude?);
    let accuracy = record
        .accuracy_m
        .map(|a| format!("（±{}米）", a.round()))
        .unwrap_or_default();
    Some(format!("{lat:.5}, {long:.5}{accuracy}"))
}

/// The indicators a finding may name: those the round scores, in order.
fn finding_indicators(scope: &Scope) -> Vec<i32> {
    let mut numbers: Vec<i32> = scope
        .items
        .iter()
        .flat_map(|i| i.indicators.iter().copied())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (scope, point, _) = visible_point(&state, &user, id, point_id).await?;
    page(
        &state,
        ctx,
        &user,
        scope,
        point,
        Typed::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The record form: checklist answers as `a.<check code>`, the rest by name; `action` is
/// `submit` for 提交 (anything else saves a draft).
fn draft_input(fields: &[(String, String)]) -> (DraftInput, bool) {
    let mut input = DraftInput::default();
    let mut submit = false;
    for (name, value) in fields {
        match name.as_str() {
            "notes" => input.notes = value.clone(),
            "minutes" => input.minutes = value.clone(),
            "latitude" => input.latitude = value.clone(),
            "longitude" => input.longitude = value.clone(),
            "accuracy" => input.accuracy = value.clone(),
            "started_at" => input.started_at = value.clone(),
            "version" => input.version = value.clone(),
            "action" => submit = value == "submit",
            other => {
                if let Some(code) = other.strip_prefix("a.") {
                    input.answers.push((code.to_string(), value.clone()));
                }
            }
        }
    }
    (input, submit)
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path((id, point_id)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (scope, point, _vis) = visible_point(&state, &user, id, point_id).await?;
    may_record(&state, &ctx.request, &user, &scope, &point).await?;
    let json = wants_json(&headers);
    let (input, submit) = draft_input(&fields);
    let kind = scope.rubric.establishment_kind_named(&point.kind_code);
    let stored = records::record(&state.db, point.id).await?;
    let refused = |refusals: Vec<RecordRefusal>| (refusals, input.clone());
    let outcome = match records::Draft::check(kind, stored.as_ref(), &input) {
        Err(refusals) => Err(refused(refusals)),
        Ok(draft) if submit => match kind.map(|k| draft.submission(k)) {
            Some(Ok(submission)) => submission
                .submit(&state.db, point.id, user.id)
                .await?
                .ok_or_else(|| refused(vec![RecordRefusal::Stale])),
            Some(Err(refusal)) => Err(refused(vec![refusal])),
            None => Err(refused(vec![RecordRefusal::UnknownKind])),
        },
        Ok(draft) => draft
            .save(&state.db, point.id, user.id)
            .await?
            .ok_or_else(|| refused(vec![RecordRefusal::Stale])),
    };
    let lang = ctx.lang();
    match outcome {
        Ok(version) => {
            if submit {
                // Drafts are saved every few seconds and are not audited one by one (the
                // record keeps who saved last and when); the submission is.
                let failed = stored_answers_failed(&fields);
                ctx.request
                    .audit(
                        &state.db,
                        "inspection.record.submit",
                        "inspection_point",
                        Some(point.id.to_string()),
                        json!({"round": id, "seq": point.seq, "failed": failed, "version": version}),
                    )
                    .await?;
            }
            if json {
                let saved_at = crate::web::round_history::when(lang, &chrono::Utc::now());
                return Ok(Json(json!({
                    "version": version,
                    "message": lang.t_args("record-draft-saved", &[("at", saved_at.into())]),
                }))
                .into_response());
            }
            let key = if submit {
                "record-submitted"
            } else {
                "record-saved"
            };
            set_flash(&session, FlashKind::Success, ctx.t(key)).await?;
            Ok(Redirect::to(&point_path(id, point_id)).into_response())
        }
        Err((refusals, input)) => {
            let stale = refusals.contains(&RecordRefusal::Stale);
            let status = if stale || refusals.contains(&RecordRefusal::Submitted) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let messages: Vec<String> = refusals
                .iter()
                .map(|r| lang.t_args(r.message_key(), &[("text", r.argument().into())]))
                .collect();
            let missing = refusals
                .iter()
                .find_map(|r| match r {
                    RecordRefusal::Unanswered(items) => Some(items.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            if json {
                return Ok((status, Json(json!({"message": messages.join(" ")}))).into_response());
            }
            let typed = Typed {
                draft: Some(input),
                missing,
                ..Typed::default()
            };
            page(&state, ctx, &user, scope, point, typed, messages, status).await
        }
    }
}

/// How many items were answered 不合格 (for the audit line).
fn stored_answers_failed(fields: &[(String, String)]) -> usize {
    fields
        .iter()
        .filter(|(name, value)| name.starts_with("a.") && value == "fail")
        .count()
}
