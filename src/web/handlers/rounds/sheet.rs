//! The .xlsx score sheet of a round.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;

use crate::i18n::Lang;
use crate::scoring::rounds::ItemKey;
use crate::scoring::sheet;
use crate::web::AppState;
use crate::web::context::PageCtx;
use crate::web::error::{AppError, AppResult};
use crate::web::round_view::{RoundView, assessors_by_group, part_lines};
use crate::web::verdict::verdict_text;

pub async fn score_sheet(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let view = RoundView::load(&state, id).await?;
    let lang = ctx.lang();
    // The workbook is the same for every reader of a language until the data changes.
    let what = match lang {
        Lang::Zh => "score-sheet-zh",
        Lang::En => "score-sheet-en",
    };
    let bytes = state
        .derived
        .get(what, id, || build_score_sheet(&state, &view, lang))
        .await?;
    let scope = &view.scope;
    let name = format!("{}-{}.xlsx", scope.campaign.city_name, scope.round.name);
    ctx.request
        .audit(
            &state.db,
            "export.score_sheet",
            "round",
            Some(id.to_string()),
            serde_json::json!({"round": scope.round.name}),
        )
        .await?;
    let disposition = crate::storage::content_disposition("attachment", &name);
    let mut response = bytes::Bytes::clone(&bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn build_score_sheet(
    state: &AppState,
    view: &RoundView,
    lang: Lang,
) -> AppResult<bytes::Bytes> {
    let (scope, outcome, groups, reviews) =
        (&view.scope, &view.outcome, &view.groups, &view.reviews);
    let (deductions, vetoes) = (&view.deductions, &view.vetoes);
    let t = |k: &str| lang.t(k);
    let points = scope
        .items
        .iter()
        .filter_map(|item| {
            let ItemKey::Point(seq) = item.key else {
                return None;
            };
            let score = outcome.points.iter().find(|p| p.seq == seq);
            Some(sheet::SheetPoint {
                part: item.part_numeral.clone(),
                label: item.label(),
                max: item.max.map(Decimal::from),
                score: score.map(|s| s.score),
                counted: score.is_none_or(|s| s.counted),
                group: scope
                    .owners
                    .get(&item.key)
                    .and_then(|g| groups.get(g).cloned())
                    .unwrap_or_default(),
                remark: reviews
                    .get(&item.key)
                    .map(|r| r.remark.clone())
                    .unwrap_or_default(),
                deductions: deductions
                    .iter()
                    .filter(|d| {
                        d.withdrawn_at.is_none() && item.indicators.contains(&d.indicator_number)
                    })
                    .map(|d| {
                        (
                            d.indicator_number,
                            d.points,
                            d.reason.clone(),
                            d.created_by_name.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
        })
        .collect();
    let vetoes = scope
        .items
        .iter()
        .filter_map(|item| {
            let ItemKey::Veto(n) = item.key else {
                return None;
            };
            // A veto defined by a measured value follows it, whatever was marked.
            if let Some(derived) = outcome.derived_vetoes.iter().find(|d| d.indicator == n) {
                return Some(sheet::SheetVeto {
                    label: item.title.clone(),
                    triggered: Some(derived.triggered),
                    note: lang.t_args(
                        "veto-decided-by-measure",
                        &[
                            ("measure", (derived.measure as i64).into()),
                            ("value", derived.value.normalize().to_string().into()),
                            ("below", derived.below.normalize().to_string().into()),
                            (
                                "source",
                                view.measurements
                                    .iter()
                                    .find(|m| m.indicator_number == derived.measure)
                                    .map(|m| m.source.clone())
                                    .unwrap_or_default()
                                    .into(),
                            ),
                            (
                                "state",
                                lang.t(if derived.triggered {
                                    "veto-triggered"
                                } else {
                                    "veto-not-triggered"
                                })
                                .into(),
                            ),
                        ],
                    ),
                });
            }
            let mark = vetoes.iter().find(|v| v.indicator_number == n);
            Some(sheet::SheetVeto {
                label: item.title.clone(),
                triggered: mark.map(|m| m.triggered),
                note: mark.map(|m| m.note.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let (_, headline, reason) = verdict_text(lang, outcome, &view.rule);
    let data = sheet::Sheet {
        title: format!("{} {}", scope.campaign.city_name, scope.round.name),
        subtitle: format!(
            "{} · {} · {}",
            lang.t(&format!("round-kind-{}", scope.round.kind.as_str())),
            lang.t(&format!("round-state-{}", scope.round.state.as_str())),
            scope.round.scope(&scope.rubric).describe(&scope.rubric)
        ),
        labels: sheet::Labels {
            part: t("sheet-part"),
            point: t("sheet-point"),
            max: t("sheet-max"),
            score: t("sheet-score"),
            group: t("sheet-group"),
            remark: t("sheet-remark"),
            deduction: t("sheet-deduction"),
            not_counted: t("sheet-not-counted"),
            part_total: t("sheet-part-total"),
            total: t("sheet-total"),
            veto: t("sheet-veto"),
            triggered: t("veto-triggered"),
            not_triggered: t("veto-not-triggered"),
            verdict: t("sheet-verdict"),
            assessors: t("sheet-assessors"),
            sign_leader: t("sheet-sign-leader"),
            sign_experts: t("sheet-sign-experts"),
            sign_date: t("sheet-sign-date"),
        },
        points,
        parts: part_lines(&scope.rubric, outcome),
        total: outcome.total,
        max_total: outcome.max_total,
        vetoes,
        verdict: format!("{headline}：{reason}"),
        assessors: assessors_by_group(state, scope)
            .await?
            .into_iter()
            .map(|(g, names)| (g, names.join("、")))
            .collect(),
    };
    let bytes = tokio::task::spawn_blocking(move || sheet::build(&data))
        .await
        .map_err(|e| AppError::Other(e.into()))?
        .map_err(|e| AppError::Other(anyhow::anyhow!("score sheet: {e}")))?;
    Ok(bytes::Bytes::from(bytes))
}
