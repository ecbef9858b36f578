//! Organisation administration: departments, counties (各县（区）), assessor groups.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use chrono::NaiveDate;

use crate::orgs::{self, OrgKind};
use crate::tasks::hand_over::HandOver;
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};
use crate::web::org_page::webhook_section;
use crate::web::pages::{HandOverView, OrgFormPage, OrgFormValues, OrgsPage, render};

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let organisations = orgs::list_with_counts(&state.db).await?;
    // One created now joins the campaign today: it owes what falls due from now on.
    let today = campaign(&state).await?.today();
    Ok(render(&OrgsPage {
        ctx,
        organisations,
        values: OrgFormValues {
            kind: "county".into(),
            active: true,
            member: true,
            joined_on: today.format("%Y-%m-%d").to_string(),
            ..Default::default()
        },
        errors: Vec::new(),
        preview: None,
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
    /// The day it joined the campaign; blank for a member since it began.
    #[serde(default)]
    joined_on: String,
    /// A member unit of the 食药安委 (checkbox).
    #[serde(default)]
    member: Option<String>,
    /// 单位审核 (checkbox).
    #[serde(default)]
    unit_review: Option<String>,
    /// Deactivating with open tasks: "withdraw", or "move" to `move_to`.
    #[serde(default)]
    open_tasks: String,
    #[serde(default)]
    move_to: String,
    /// "预览任务": show what it would be given, create nothing.
    #[serde(default)]
    preview: Option<String>,
}

impl OrgForm {
    /// The hand-over the form chose, as "withdraw" or "move:<id>".
    fn hand_over_choice(&self) -> String {
        match self.open_tasks.trim() {
            "move" => format!("move:{}", self.move_to.trim()),
            other => other.to_string(),
        }
    }
}

/// An organisation as the form gives it, checked.
struct ValidOrg {
    name: String,
    kind: OrgKind,
    sort_order: i32,
    joined_on: Option<NaiveDate>,
    /// Only a department can be a member unit of the 食药安委.
    member: bool,
    unit_review: bool,
}

impl OrgForm {
    fn unit_review(&self) -> bool {
        self.unit_review.is_some()
    }

    fn values(&self) -> OrgFormValues {
        OrgFormValues {
            name: self.name.trim().to_string(),
            kind: self.kind.clone(),
            sort_order: self.sort_order.trim().to_string(),
            active: self.active.is_some(),
            joined_on: self.joined_on.trim().to_string(),
            member: self.member.is_some(),
            unit_review: self.unit_review.is_some(),
        }
    }

    fn validate(&self, ctx: &PageCtx) -> Result<ValidOrg, Vec<String>> {
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
        let joined_on = match self.joined_on.trim() {
            "" => Ok(None),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some),
        };
        if joined_on.is_err() {
            errors.push(ctx.t("org-error-joined"));
        }
        match (kind, sort_order, joined_on) {
            (Some(kind), Some(sort_order), Ok(joined_on)) if errors.is_empty() => Ok(ValidOrg {
                name: name.to_string(),
                kind,
                sort_order,
                joined_on,
                member: self.member.is_some() && kind == OrgKind::Department,
                unit_review: self.unit_review(),
            }),
            _ => Err(errors),
        }
    }
}

/// Creates the organisation with the day it joined, in one transaction.
async fn insert(state: &AppState, org: &ValidOrg) -> sqlx::Result<i64> {
    let mut tx = state.db.begin().await?;
    let id = orgs::insert(&mut *tx, &org.name, org.kind, org.sort_order).await?;
    orgs::set_joined_on(&mut *tx, id, org.joined_on).await?;
    orgs::set_member(&mut *tx, id, org.member).await?;
    orgs::set_unit_review(&mut *tx, id, org.unit_review).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(_admin): CurrentUser,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    if form.preview.is_some()
        && let Ok(org) = form.validate(&ctx)
    {
        let campaign = campaign(&state).await?;
        let preview =
            crate::tasks::members::preview_for_new(&state.db, campaign.id, org.kind, org.member)
                .await?;
        let organisations = orgs::list_with_counts(&state.db).await?;
        return Ok(render(&OrgsPage {
            ctx,
            organisations,
            values: form.values(),
            errors: Vec::new(),
            preview: Some(preview),
        })?
        .into_response());
    }
    let mut errors = match form.validate(&ctx) {
        Ok(org) => match insert(&state, &org).await {
            Ok(id) => {
                // It gets its tasks from the rubric at once (a county every county task);
                // nobody has to remember to 按评价细则补充任务.
                let added = if org.kind.owns_tasks() {
                    let campaign = campaign(&state).await?;
                    crate::tasks::generate(&state.db, campaign.id).await?
                } else {
                    0
                };
                let ValidOrg { name, kind, .. } = org;
                ctx.request
                    .audit(
                        &state.db,
                        "org.create",
                        "organisation",
                        Some(id.to_string()),
                        serde_json::json!({"name": name, "kind": kind.as_str(), "joined_on": org.joined_on, "member": org.member, "tasks_added": added}),
                    )
                    .await?;
                let message = if added > 0 {
                    ctx.t2("org-created-tasks", "name", name, "count", added as i64)
                } else {
                    ctx.t1("org-created", "name", name)
                };
                set_flash(&session, FlashKind::Success, message).await?;
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
            preview: None,
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
    let webhooks = webhook_section(&state, org.id, Default::default(), Vec::new()).await?;
    Ok(render(&OrgFormPage {
        ctx,
        org_id: org.id,
        values: OrgFormValues::of(&org),
        errors: Vec::new(),
        webhooks,
        hand_over: None,
    })?
    .into_response())
}

async fn update_org(
    state: &AppState,
    id: i64,
    (name, kind, sort_order, active): (&str, OrgKind, i32, bool),
    joined_on: Option<NaiveDate>,
    (member, unit_review): (bool, bool),
    hand_over: Option<(HandOver, i64)>,
) -> sqlx::Result<u64> {
    let mut tx = state.db.begin().await?;
    // Its open work goes where the office said, in the same step as it leaves.
    let handed = match hand_over {
        Some((to, actor)) => crate::tasks::hand_over::hand_over(&mut tx, id, to, actor).await?,
        None => 0,
    };
    orgs::update(&mut *tx, id, name, kind, sort_order, active).await?;
    orgs::set_joined_on(&mut *tx, id, joined_on).await?;
    orgs::set_member(&mut *tx, id, member).await?;
    orgs::set_unit_review(&mut *tx, id, unit_review).await?;
    tx.commit().await?;
    Ok(handed)
}

/// When an organisation with open tasks is being deactivated: how many, and who may
/// take them over.
async fn hand_over_view(state: &AppState, id: i64, choice: &str) -> AppResult<HandOverView> {
    Ok(HandOverView {
        open: crate::tasks::hand_over::open_count(&state.db, id).await?,
        owners: orgs::task_owners(&state.db)
            .await?
            .into_iter()
            .filter(|o| o.id != id)
            .collect(),
        choice: choice.trim().to_string(),
    })
}

pub async fn update(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let before = orgs::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    // Deactivating an organisation with open tasks asks where they go first.
    let leaving = before.active && form.active.is_none();
    let mut hand_over = None;
    if leaving && crate::tasks::hand_over::open_count(&state.db, id).await? > 0 {
        let owners = orgs::task_owners(&state.db).await?;
        match HandOver::parse(&form.hand_over_choice()) {
            Some(HandOver::MoveTo(to)) if !owners.iter().any(|o| o.id == to && o.id != id) => {}
            Some(choice) => hand_over = Some((choice, admin.id)),
            None => {}
        }
        if hand_over.is_none() {
            let webhooks = webhook_section(&state, id, Default::default(), Vec::new()).await?;
            let view = hand_over_view(&state, id, &form.hand_over_choice()).await?;
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&OrgFormPage {
                    errors: vec![ctx.t1("org-hand-over-needed", "count", view.open)],
                    ctx,
                    org_id: id,
                    values: form.values(),
                    webhooks,
                    hand_over: Some(view),
                })?,
            )
                .into_response());
        }
    }
    let errors = match form.validate(&ctx) {
        Ok(ValidOrg {
            name,
            kind,
            sort_order,
            joined_on,
            member,
            ..
        }) => {
            let active = form.active.is_some();
            match update_org(
                &state,
                id,
                (&name, kind, sort_order, active),
                joined_on,
                (member, form.unit_review()),
                hand_over,
            )
            .await
            {
                Ok(handed) => {
                    // Made a member, reactivated or turned into a county: the tasks the
                    // rubric's clauses now give it are made at once.
                    let added = if active && kind.owns_tasks() {
                        crate::tasks::generate(&state.db, campaign(&state).await?.id).await?
                    } else {
                        0
                    };
                    ctx.request.audit(&state.db, "org.update", "organisation", Some(id.to_string()), serde_json::json!({
                                "before": {"name": before.name, "kind": before.kind.as_str(), "active": before.active, "joined_on": before.joined_on, "member": before.member, "unit_review": before.unit_review},
                                "after": {"name": name, "kind": kind.as_str(), "active": active, "joined_on": joined_on, "member": member, "unit_review": form.unit_review()},
                                "tasks_added": added,
                                "open_tasks": hand_over.map(|(to, _)| match to {
                                    HandOver::MoveTo(org) => serde_json::json!({"moved_to": org, "tasks": handed}),
                                    HandOver::Withdraw => serde_json::json!({"withdrawn": handed}),
                                }),
                            })).await?;
                    let message = if added > 0 {
                        ctx.t2("org-saved-tasks", "name", name, "count", added as i64)
                    } else {
                        ctx.t1("org-saved", "name", name)
                    };
                    set_flash(&session, FlashKind::Success, message).await?;
                    return Ok(Redirect::to("/admin/orgs").into_response());
                }
                Err(err) if crate::db::is_unique_violation(&err) => vec![ctx.t("org-error-taken")],
                Err(err) => return Err(err.into()),
            }
        }
        Err(errors) => errors,
    };
    let webhooks = webhook_section(&state, id, Default::default(), Vec::new()).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&OrgFormPage {
            ctx,
            org_id: id,
            values: form.values(),
            errors,
            webhooks,
            hand_over: None,
        })?,
    )
        .into_response())
}
