//! `POST /rounds/{id}/inspections/draw`: points drawn at random from pasted candidates by
//! 业态 quota, shown for confirmation; `POST …/draw/confirm` adds them to the plan. The
//! seed (typed, or chosen here when none was) is audited with the draw and shown, so the
//! draw can be repeated.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::plan::{PlanForms, audited_lines, line_messages, may_plan, page, save, team};
use crate::inspections::Mode;
use crate::inspections::plan::draw::{self, DrawRefusal};
use crate::inspections::plan::{self, Lookup};
use crate::web::AppState;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::error::AppResult;
use crate::web::pages::{DrawPreviewPage, DrawValues, DrawnRow, render};
use crate::web::round_view::Scope;

#[derive(Debug, Default, Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    pub candidates: String,
    #[serde(default)]
    pub quotas: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub seed: String,
}

pub async fn draw(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DrawForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    may_plan(&state, &ctx, &user, &scope.round).await?;
    let team = team(&state, &scope.round).await?;
    let lookup = Lookup::new(&scope.rubric.establishment_kinds, &team);
    let lang = ctx.lang();
    let mut errors = Vec::new();
    let mut why = Vec::new();
    let mode = Mode::parse(&form.mode);
    if mode.is_none() {
        errors.push(ctx.t("draw-refused-mode"));
        why.push(serde_json::json!("mode"));
    }
    let seed = if form.seed.trim().is_empty() {
        Some(draw::fresh_seed())
    } else {
        draw::parse_seed(&form.seed)
    };
    if seed.is_none() {
        errors.push(ctx.t("draw-refused-seed"));
        why.push(serde_json::json!("seed"));
    }
    let candidates = match plan::parse_paste(&form.candidates, &lookup) {
        Ok(points) if points.is_empty() => {
            errors.push(ctx.t("draw-refused-no-candidates"));
            why.push(serde_json::json!("no_candidates"));
            None
        }
        Ok(points) => Some(points),
        Err(refusals) => {
            errors.push(ctx.t("draw-refused-candidates"));
            errors.extend(line_messages(lang, &refusals));
            why.push(serde_json::json!({"candidates": audited_lines(&refusals)}));
            None
        }
    };
    let quotas = match draw::parse_quotas(&form.quotas, &lookup) {
        Ok(quotas) => Some(quotas),
        Err(refusals) => {
            for r in &refusals {
                errors.push(lang.t_args(
                    r.refusal.message_key(),
                    &[
                        ("line", (r.line as i64).into()),
                        ("text", r.refusal.argument().into()),
                    ],
                ));
            }
            let lines: Vec<_> = refusals
                .iter()
                .map(|r| serde_json::json!({"line": r.line, "why": r.refusal.as_str()}))
                .collect();
            why.push(serde_json::json!({"quotas": lines}));
            None
        }
    };
    let drawn = match (candidates, quotas, mode, seed) {
        (Some(candidates), Some(quotas), Some(mode), Some(seed)) if errors.is_empty() => {
            match draw::draw(&candidates, &quotas, mode, seed) {
                Ok(drawn) => Some((drawn, candidates.len(), quotas, mode, seed)),
                Err(refusals) => {
                    for r in &refusals {
                        errors.push(draw_message(&ctx, r));
                        why.push(serde_json::json!(r.as_str()));
                    }
                    None
                }
            }
        }
        _ => None,
    };
    let Some((drawn, candidate_count, quotas, mode, seed)) = drawn else {
        ctx.request
            .audit(
                &state.db,
                "inspection.plan.draw.refused",
                "round",
                Some(id.to_string()),
                serde_json::json!({"why": why}),
            )
            .await?;
        let forms = PlanForms {
            draw: DrawValues {
                candidates: form.candidates,
                quotas: form.quotas,
                mode: form.mode,
                seed: form.seed,
            },
            draw_errors: errors,
            ..Default::default()
        };
        return page(&state, ctx, scope, forms).await;
    };
    // The draw is audited when made, whether or not it is then confirmed.
    ctx.request
        .audit(
            &state.db,
            "inspection.plan.draw",
            "round",
            Some(id.to_string()),
            serde_json::json!({
                "seed": seed,
                "seed_typed": !form.seed.trim().is_empty(),
                "mode": mode.as_str(),
                "candidates": candidate_count,
                "quotas": quotas.iter().map(|q| serde_json::json!({"kind": q.kind_code, "count": q.count})).collect::<Vec<_>>(),
                "drawn": drawn.iter().map(|p| p.unit_name()).collect::<Vec<_>>(),
            }),
        )
        .await?;
    let rows = drawn
        .iter()
        .map(|p| DrawnRow {
            county: p.county_name().to_string(),
            town: p.town().to_string(),
            unit: p.unit_name().to_string(),
            address: p.address().to_string(),
            kind: lookup.kind_name(p.kind_code()),
            mode: p.mode().official(),
            date: p.planned_on(),
            group: p.group().map(|g| g.name.clone()).unwrap_or_default(),
            assessors: p
                .assessors()
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    let lines: Vec<String> = drawn.iter().map(|p| p.to_line()).collect();
    let intro = lang.t_args(
        "draw-preview-intro",
        &[
            ("drawn", (drawn.len() as i64).into()),
            ("candidates", (candidate_count as i64).into()),
        ],
    );
    let page = DrawPreviewPage {
        intro,
        ctx,
        round: scope.round,
        rows,
        text: lines.join("\n"),
        seed,
    };
    Ok(render(&page)?.into_response())
}

fn draw_message(ctx: &PageCtx, refusal: &DrawRefusal) -> String {
    match refusal {
        DrawRefusal::NoQuota => ctx.t(refusal.message_key()),
        DrawRefusal::TooFew {
            kind,
            wanted,
            available,
        } => ctx.lang().t_args(
            refusal.message_key(),
            &[
                ("kind", kind.clone().into()),
                ("wanted", (*wanted as i64).into()),
                ("available", (*available as i64).into()),
            ],
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub seed: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let scope = Scope::load(&state, id).await?;
    may_plan(&state, &ctx, &user, &scope.round).await?;
    let team = team(&state, &scope.round).await?;
    let lookup = Lookup::new(&scope.rubric.establishment_kinds, &team);
    // The drawn points come back as the lines the preview carried, checked again (the
    // round's groups may have changed meanwhile).
    let errors = match plan::parse_paste(&form.text, &lookup) {
        Ok(points) if !points.is_empty() => {
            let audit = (
                "inspection.plan.draw.confirm",
                serde_json::json!({"seed": draw::parse_seed(&form.seed)}),
            );
            return save(&state, &ctx, &session, &user, &scope.round, &points, audit).await;
        }
        Ok(_) => vec![ctx.t("draw-refused-no-candidates")],
        Err(refusals) => line_messages(ctx.lang(), &refusals),
    };
    let forms = PlanForms {
        draw_errors: errors,
        ..Default::default()
    };
    page(&state, ctx, scope, forms).await
}
