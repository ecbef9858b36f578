//! Account administration: list, create, edit, disable, reset passwords, import CSV.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::parse_opt_i64;
use crate::accounts::{self, NewUser, Role, UserFilter, csv_import, password};
use crate::orgs::{self, Organisation};
use crate::web::AppState;
use crate::web::context::{CurrentUser, FlashKind, PageCtx, set_flash};
use crate::web::error::{AppError, AppResult};
use crate::web::pages::{
    ImportPage, ImportResultPage, PasswordIssuedPage, UserFormPage, UserFormValues, UsersPage,
    render,
};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub disabled: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = UserFilter {
        role: Role::parse(&query.role),
        organisation_id: parse_opt_i64(&query.org).unwrap_or(None),
        query: Some(query.q.clone()),
        include_disabled: !query.disabled.is_empty(),
    };
    let users = accounts::list(&state.db, &filter).await?;
    let organisations = orgs::list(&state.db, true).await?;
    Ok(render(&UsersPage {
        ctx,
        users,
        organisations,
        query,
    })?
    .into_response())
}

pub async fn new_form(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let organisations = orgs::list(&state.db, false).await?;
    Ok(render(&UserFormPage {
        ctx,
        user_id: None,
        values: UserFormValues {
            must_change: true,
            role: "department".into(),
            ..Default::default()
        },
        organisations,
        errors: Vec::new(),
        active: true,
        two_factor: false,
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    must_change: Option<String>,
    #[serde(default)]
    email: String,
    /// The organisation's head (单位负责人), told when its work stays overdue.
    #[serde(default)]
    unit_head: Option<String>,
}

impl UserForm {
    fn values(&self) -> UserFormValues {
        UserFormValues {
            username: self.username.trim().to_string(),
            display_name: self.display_name.trim().to_string(),
            role: self.role.clone(),
            organisation_id: self.organisation_id.clone(),
            must_change: self.must_change.is_some(),
            email: self.email.trim().to_string(),
            unit_head: self.unit_head.is_some(),
        }
    }
}

/// Checks role and organisation together; returns them or the messages to show.
async fn validate_role_and_org(
    state: &AppState,
    ctx: &PageCtx,
    form: &UserForm,
    errors: &mut Vec<String>,
) -> AppResult<Option<(Role, Option<Organisation>)>> {
    if !form.email.trim().is_empty() && !accounts::valid_email(form.email.trim()) {
        errors.push(ctx.t("user-error-email"));
    }
    let Some(role) = Role::parse(&form.role) else {
        errors.push(ctx.t("user-error-role"));
        return Ok(None);
    };
    let organisation = match parse_opt_i64(&form.organisation_id) {
        Ok(Some(id)) => orgs::find(&state.db, id).await?,
        Ok(None) => None,
        Err(()) => None,
    };
    match &organisation {
        None if role.requires_org() => {
            errors.push(ctx.t("user-error-org-required"));
            return Ok(None);
        }
        Some(org) if !role.allowed_org_kinds().contains(&org.kind) => {
            errors.push(ctx.t("user-error-org-kind"));
            return Ok(None);
        }
        _ => {}
    }
    Ok(Some((role, organisation)))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(_admin): CurrentUser,
    Form(form): Form<UserForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let values = form.values();
    if !accounts::valid_username(&values.username) {
        errors.push(ctx.t("user-error-username"));
    }
    if values.display_name.is_empty() {
        errors.push(ctx.t("user-error-display-name"));
    }
    if !form.password.is_empty()
        && let Err(weakness) = password::check_strength(&form.password, &values.username)
    {
        errors.push(ctx.password_weakness(weakness));
    }
    let checked = validate_role_and_org(&state, &ctx, &form, &mut errors).await?;
    let rerender = |ctx: PageCtx, errors: Vec<String>, organisations| -> AppResult<Response> {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&UserFormPage {
                ctx,
                user_id: None,
                values: values.clone(),
                organisations,
                errors,
                active: true,
                two_factor: false,
            })?,
        )
            .into_response())
    };
    let organisations = orgs::list(&state.db, false).await?;
    let Some((role, organisation)) = checked.filter(|_| errors.is_empty()) else {
        return rerender(ctx, errors, organisations);
    };

    let generated = form.password.is_empty().then(password::generate);
    let chosen = generated.clone().unwrap_or_else(|| form.password.clone());
    let new = NewUser {
        username: values.username.clone(),
        display_name: values.display_name.clone(),
        role,
        organisation_id: organisation.as_ref().map(|o| o.id),
        password_hash: password::hash(chosen).await?,
        // A generated password is known to the admin, so it must be replaced.
        must_change_password: values.must_change || generated.is_some(),
        email: Some(values.email.clone()).filter(|e| !e.is_empty()),
    };
    let id = match accounts::insert(&state.db, &new).await {
        Ok(id) => id,
        Err(err) if crate::db::is_unique_violation(&err) => {
            return rerender(
                ctx.clone(),
                vec![ctx.t("user-error-username-taken")],
                organisations,
            );
        }
        Err(err) => return Err(err.into()),
    };
    ctx.request
        .audit(
            &state.db,
            "user.create",
            "user",
            Some(id.to_string()),
            serde_json::json!({
                "username": new.username, "role": role.as_str(),
                "organisation": organisation.as_ref().map(|o| &o.name),
            }),
        )
        .await?;
    let user = accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&PasswordIssuedPage {
        ctx,
        user,
        password: generated,
        created: true,
    })?
    .into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let organisations = orgs::list(&state.db, true).await?;
    Ok(render(&UserFormPage {
        ctx,
        user_id: Some(user.id),
        active: user.active,
        two_factor: user.two_factor_enabled,
        values: UserFormValues {
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role.as_str().to_string(),
            organisation_id: user
                .organisation_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            must_change: user.must_change_password,
            email: user.email.clone().unwrap_or_default(),
            unit_head: user.unit_head,
        },
        organisations,
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
    Form(mut form): Form<UserForm>,
) -> AppResult<Response> {
    let user = accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The username is the account's identity in the audit trail; it does not change.
    form.username = user.username.clone();
    let mut errors = Vec::new();
    let values = form.values();
    if values.display_name.is_empty() {
        errors.push(ctx.t("user-error-display-name"));
    }
    let checked = validate_role_and_org(&state, &ctx, &form, &mut errors).await?;
    if let Some((role, _)) = &checked
        && user.role == Role::Admin
        && *role != Role::Admin
        && accounts::count_other_active_admins(&state.db, user.id).await? == 0
    {
        errors.push(ctx.t("user-error-last-admin"));
    }
    let Some((role, organisation)) = checked.filter(|_| errors.is_empty()) else {
        let organisations = orgs::list(&state.db, true).await?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&UserFormPage {
                ctx,
                user_id: Some(user.id),
                active: user.active,
                two_factor: user.two_factor_enabled,
                values,
                organisations,
                errors,
            })?,
        )
            .into_response());
    };
    let organisation_id = organisation.as_ref().map(|o| o.id);
    let email = Some(values.email.as_str()).filter(|e| !e.is_empty());
    accounts::update_profile(
        &state.db,
        id,
        &values.display_name,
        role,
        organisation_id,
        email,
    )
    .await?;
    let unit_head = values.unit_head && role == Role::Department;
    accounts::set_unit_head(&state.db, id, unit_head).await?;
    ctx.request.audit(&state.db, "user.update", "user", Some(id.to_string()), serde_json::json!({
                "before": {"display_name": user.display_name, "role": user.role.as_str(), "organisation": user.organisation_name, "unit_head": user.unit_head},
                "after": {"display_name": values.display_name, "role": role.as_str(), "organisation": organisation.map(|o| o.name), "unit_head": unit_head},
            })).await?;
    set_flash(&session, FlashKind::Success, ctx.t("user-saved")).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(_admin): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let temporary = password::generate();
    let hash = password::hash(temporary.clone()).await?;
    accounts::set_password(&state.db, id, &hash, true).await?;
    ctx.request
        .audit(
            &state.db,
            "user.password.reset",
            "user",
            Some(id.to_string()),
            serde_json::json!({"username": user.username}),
        )
        .await?;
    Ok(render(&PasswordIssuedPage {
        ctx,
        user,
        password: Some(temporary),
        created: false,
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    ctx: PageCtx,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> AppResult<Response> {
    let user = accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let active = form.active == "true";
    let back = Redirect::to(&format!("/admin/users/{id}")).into_response();
    if !active && user.id == admin.id {
        set_flash(&session, FlashKind::Error, ctx.t("user-error-disable-self")).await?;
        return Ok(back);
    }
    if !active
        && user.role == Role::Admin
        && accounts::count_other_active_admins(&state.db, user.id).await? == 0
    {
        set_flash(&session, FlashKind::Error, ctx.t("user-error-last-admin")).await?;
        return Ok(back);
    }
    accounts::set_active(&state.db, id, active).await?;
    ctx.request
        .audit(
            &state.db,
            if active {
                "user.enable"
            } else {
                "user.disable"
            },
            "user",
            Some(id.to_string()),
            serde_json::json!({"username": user.username}),
        )
        .await?;
    let key = if active {
        "user-enabled"
    } else {
        "user-disabled"
    };
    set_flash(&session, FlashKind::Success, ctx.t(key)).await?;
    Ok(back)
}

pub async fn import_form(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&ImportPage {
        ctx,
        text: String::new(),
        problems: Vec::new(),
    })?
    .into_response())
}

/// The CSV arrives as an uploaded file or pasted text (multipart form).
pub async fn import(
    State(state): State<AppState>,
    ctx: PageCtx,
    CurrentUser(_admin): CurrentUser,
    mut multipart: Multipart,
) -> AppResult<Response> {
    const MAX_CSV_BYTES: usize = 1024 * 1024;
    let mut file_bytes: Vec<u8> = Vec::new();
    let mut pasted = String::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error-bad-upload"))?
    {
        let name = field.name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|_| AppError::BadRequest("error-bad-upload"))?
        {
            if bytes.len() + chunk.len() > MAX_CSV_BYTES {
                return Err(AppError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file_bytes = bytes,
            "text" => pasted = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let text = if !file_bytes.is_empty() {
        match csv_import::decode(&file_bytes) {
            Ok(text) => text,
            Err(problem) => return import_failed(&ctx, pasted, vec![problem]),
        }
    } else {
        pasted.clone()
    };
    let rows = match csv_import::parse(&text) {
        Ok(rows) => rows,
        Err(problems) => return import_failed(&ctx, text, problems),
    };
    match csv_import::import(&state.db, rows).await? {
        Err(problems) => import_failed(&ctx, text, problems),
        Ok(created) => {
            ctx.request
                .audit(
                    &state.db,
                    "user.import",
                    "user",
                    None,
                    serde_json::json!({
                        "count": created.len(),
                        "usernames": created.iter().map(|c| &c.username).collect::<Vec<_>>(),
                    }),
                )
                .await?;
            Ok(render(&ImportResultPage { ctx, created })?.into_response())
        }
    }
}

/// Shows the problems with the text kept in the form, so nothing typed is lost.
fn import_failed(
    ctx: &PageCtx,
    text: String,
    problems: Vec<csv_import::LineProblem>,
) -> AppResult<Response> {
    let problems = problems.iter().map(|p| describe_problem(ctx, p)).collect();
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&ImportPage {
            ctx: ctx.clone(),
            text: csv_import::visible(&text),
            problems,
        })?,
    )
        .into_response())
}

fn describe_problem(ctx: &PageCtx, problem: &csv_import::LineProblem) -> String {
    use csv_import::Problem::*;
    let lang = ctx.lang();
    let message = match &problem.problem {
        NotText => ctx.t("import-not-text"),
        MissingColumn(column) => {
            lang.t_args("import-missing-column", &[("column", (*column).into())])
        }
        Empty => ctx.t("import-empty"),
        TooManyRows => lang.t_args("import-too-many", &[("max", csv_import::MAX_ROWS.into())]),
        BadUsername(u) => lang.t_args("import-bad-username", &[("username", u.clone().into())]),
        DuplicateInFile(u) => lang.t_args("import-duplicate", &[("username", u.clone().into())]),
        UsernameTaken(u) => lang.t_args("import-taken", &[("username", u.clone().into())]),
        MissingDisplayName => ctx.t("user-error-display-name"),
        UnknownRole(r) => lang.t_args("import-unknown-role", &[("role", r.clone().into())]),
        UnknownOrganisation(o) => lang.t_args("import-unknown-org", &[("org", o.clone().into())]),
        OrganisationRequired => ctx.t("user-error-org-required"),
        OrganisationNotAllowed(o) => {
            lang.t_args("import-org-not-allowed", &[("org", o.clone().into())])
        }
        WeakPassword => ctx.t1("password-too-weak", "min", password::MIN_LENGTH),
        BadEmail(e) => lang.t_args("import-bad-email", &[("email", e.clone().into())]),
        Malformed(detail) => lang.t_args("import-malformed", &[("detail", detail.clone().into())]),
        ControlCharacter(code) => lang.t_args(
            "import-control-character",
            &[("code", format!("U+{code:04X}").into())],
        ),
    };
    if problem.line == 0 {
        message
    } else {
        lang.t_args(
            "import-line",
            &[("line", problem.line.into()), ("message", message.into())],
        )
    }
}
