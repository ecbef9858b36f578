//! Organisation administration: departments, counties (各县（区）), assessor groups.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::orgs::{self, OrgKind};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{OrgFormPage, OrgFormValues, OrgsPage, render};

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let organisations = orgs::list_with_counts(&state.db).await?;
    Ok(render(&OrgsPage {
        ctx,
        organisations,
        values: OrgFormValues {
            kind: "county".into(),
            active: true,
            ..Default::default()
        },
        errors: Vec::new(),
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    active: Option<String>,
}

impl OrgForm {
    fn values(&self) -> OrgFormValues {
        OrgFormValues {
            name: self.name.trim().to_string(),
            kind: self.kind.clone(),
            sort_order: self.sort_order.trim().to_string(),
            active: self.active.is_some(),
        }
    }

    fn validate(&self, ctx: &PageCtx) -> Result<(String, OrgKind, i32), Vec<String>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(ctx.t("org-error-name"));
        }
        let kind = OrgKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(ctx.t("org-error-kind"));
        }
        let sort_order = match self.sort_order.trim() {
            "" => Some(0),
            text => text.parse::<i32>().ok(),
        };
        if sort_order.is_none() {
            errors.push(ctx.t("org-error-sort"));
        }
        match (kind, sort_order) {
            (Some(kind), Some(sort)) if errors.is_empty() => Ok((name.to_string(), kind, sort)),
            _ => Err(errors),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(_admin): CurrentUser,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let mut errors = match form.validate(&ctx) {
        Ok((name, kind, sort)) => match orgs::insert(&state.db, &name, kind, sort).await {
            Ok(id) => {
                ctx.request
                    .audit(
                        &state.db,
                        "org.create",
                        "organisation",
                        Some(id.to_string()),
                        serde_json::json!({"name": name, "kind": kind.as_str()}),
                    )
                    .await?;
                set_flash(
                    &session,
                    FlashKind::Success,
                    ctx.t1("org-created", "name", name),
                )
                .await?;
                return Ok(Redirect::to("/admin/orgs").into_response());
            }
            Err(err) if crate::db::is_unique_violation(&err) => vec![ctx.t("org-error-taken")],
            Err(err) => return Err(err.into()),
        },
        Err(errors) => errors,
    };
    errors.dedup();
    let organisations = orgs::list_with_counts(&state.db).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&OrgsPage {
            ctx,
            organisations,
            values: form.values(),
            errors,
        })?,
    )
        .into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let org = orgs::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(render(&OrgFormPage {
        ctx,
        org_id: org.id,
        values: OrgFormValues {
            name: org.name,
            kind: org.kind.as_str().to_string(),
            sort_order: org.sort_order.to_string(),
            active: org.active,
        },
        errors: Vec::new(),
    })?
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(_admin): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let before = orgs::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let errors = match form.validate(&ctx) {
        Ok((name, kind, sort)) => {
            let active = form.active.is_some();
            match orgs::update(&state.db, id, &name, kind, sort, active).await {
                Ok(()) => {
                    ctx.request.audit(&state.db, "org.update", "organisation", Some(id.to_string()), serde_json::json!({
                                "before": {"name": before.name, "kind": before.kind.as_str(), "active": before.active},
                                "after": {"name": name, "kind": kind.as_str(), "active": active},
                            })).await?;
                    set_flash(
                        &session,
                        FlashKind::Success,
                        ctx.t1("org-saved", "name", name),
                    )
                    .await?;
                    return Ok(Redirect::to("/admin/orgs").into_response());
                }
                Err(err) if crate::db::is_unique_violation(&err) => vec![ctx.t("org-error-taken")],
                Err(err) => return Err(err.into()),
            }
        }
        Err(errors) => errors,
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&OrgFormPage {
            ctx,
            org_id: id,
            values: form.values(),
            errors,
        })?,
    )
        .into_response())
}
