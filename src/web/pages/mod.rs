//! Page templates (askama, compiled in) and the data each one shows.

use askama::Template;
use axum::response::Html;

use super::context::{PageCtx, RequestContext};
use super::error::{AppError, ErrorPage};
use super::handlers::{ListQuery, TreeQuery};
use super::task_query::TasksQuery;
use super::upload_form::UploadValues;
use crate::accounts::csv_import::Created;
use crate::accounts::{Role, User};
use crate::orgs::{OrgKind, Organisation, OrganisationSummary};
use crate::rubric::{Edition, IndicatorDetail, Part, PartNode};

/// Bumped with the crate version so browsers fetch new assets after an upgrade.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn render<T: Template>(page: &T) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}

pub fn error_page(
    request: &RequestContext,
    page: ErrorPage,
) -> Result<Html<String>, askama::Error> {
    let ctx = PageCtx {
        request: request.clone(),
        flash: None,
    };
    let message = ctx.t(page.message_key);
    let title = ctx.t(match page.status.as_u16() {
        404 => "error-title-not-found",
        403 => "error-title-forbidden",
        503 => "error-title-unavailable",
        500..=599 => "error-title-internal",
        _ => "error-title-request",
    });
    ErrorTemplate {
        ctx,
        status: page.status.as_u16(),
        title,
        message,
    }
    .render()
    .map(Html)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate {
    pub ctx: PageCtx,
    pub status: u16,
    pub title: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "rubric/tree.html")]
pub struct RubricPage {
    pub ctx: PageCtx,
    pub edition: Edition,
    pub parts: Vec<PartNode>,
    pub all_parts: Vec<Part>,
    pub methods: Vec<String>,
    pub organisations: Vec<Organisation>,
    pub filtered: bool,
    pub selected_org: Option<i64>,
    pub query: TreeQuery,
    pub match_count: usize,
}

impl RubricPage {
    pub fn part_selected(&self, seq: &i32) -> bool {
        self.query.part.trim() == seq.to_string()
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.selected_org == Some(*id)
    }
    pub fn method_selected(&self, method: &str) -> bool {
        self.query.method == method
    }
    /// How the selected organisation relates to an indicator (lead, responsible, county, task).
    pub fn relation(&self, node: &crate::rubric::IndicatorNode) -> &'static str {
        let Some(org) = self.selected_org else {
            return "";
        };
        if node.lead.iter().any(|l| l.organisation_id == org) {
            "lead"
        } else if node.responsible.iter().any(|l| l.organisation_id == org) {
            "responsible"
        } else if node.summary.counties
            && self
                .organisations
                .iter()
                .any(|o| o.id == org && o.kind == OrgKind::County)
        {
            "county"
        } else {
            "task"
        }
    }
}

#[derive(Template)]
#[template(path = "rubric/indicator.html")]
pub struct IndicatorPage {
    pub ctx: PageCtx,
    pub edition: Edition,
    pub detail: IndicatorDetail,
    /// How the cell's 成员单位 clause reaches the members, if it has one.
    pub members: Option<MemberView>,
}

/// A member clause's expansion, and for 有关成员单位 every member with whether it is
/// (or, before the office has chosen, would by default be) picked.
pub struct MemberView {
    pub expansion: crate::tasks::members::Expansion,
    pub choices: Vec<(crate::orgs::Organisation, bool)>,
}

#[derive(Template)]
#[template(path = "account/index.html")]
pub struct AccountPage {
    pub ctx: PageCtx,
    pub tokens: Vec<crate::accounts::tokens::Token>,
    /// A token just made, shown this once.
    pub new_token: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub users: Vec<User>,
    pub organisations: Vec<Organisation>,
    pub query: ListQuery,
}

impl UsersPage {
    pub fn org_selected(&self, id: &i64) -> bool {
        self.query.org.trim() == id.to_string()
    }
}

/// What the user form shows (kept as typed when the form is refused).
#[derive(Debug, Clone, Default)]
pub struct UserFormValues {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: String,
    pub must_change: bool,
    pub email: String,
    pub unit_head: bool,
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
pub struct UserFormPage {
    pub ctx: PageCtx,
    /// None when creating.
    pub user_id: Option<i64>,
    pub values: UserFormValues,
    pub organisations: Vec<Organisation>,
    pub errors: Vec<String>,
    pub active: bool,
    /// The account signs in with a second factor.
    pub two_factor: bool,
}

impl UserFormPage {
    pub fn roles(&self) -> [Role; 5] {
        Role::ALL
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.values.organisation_id == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "admin/password_issued.html")]
pub struct PasswordIssuedPage {
    pub ctx: PageCtx,
    pub user: User,
    /// The generated password, shown this once; None when the admin chose it.
    pub password: Option<String>,
    pub created: bool,
}

#[derive(Template)]
#[template(path = "admin/import.html")]
pub struct ImportPage {
    pub ctx: PageCtx,
    pub text: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/import_result.html")]
pub struct ImportResultPage {
    pub ctx: PageCtx,
    pub created: Vec<Created>,
}

#[derive(Debug, Clone, Default)]
pub struct OrgFormValues {
    pub name: String,
    pub kind: String,
    pub sort_order: String,
    pub active: bool,
    /// `YYYY-MM-DD`, or blank for a member since the campaign began.
    pub joined_on: String,
    pub member: bool,
    pub unit_review: bool,
}

impl OrgFormValues {
    pub fn kinds(&self) -> [OrgKind; 5] {
        OrgKind::ALL
    }

    /// The form filled with the organisation as stored.
    pub fn of(org: &Organisation) -> OrgFormValues {
        OrgFormValues {
            name: org.name.clone(),
            kind: org.kind.as_str().to_string(),
            sort_order: org.sort_order.to_string(),
            active: org.active,
            member: org.member,
            unit_review: org.unit_review,
            joined_on: org
                .joined_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/orgs.html")]
pub struct OrgsPage {
    pub ctx: PageCtx,
    pub organisations: Vec<OrganisationSummary>,
    pub values: OrgFormValues,
    pub errors: Vec<String>,
    /// The tasks the organisation being added would be given (预览), before it is created.
    pub preview: Option<Vec<crate::tasks::members::PreviewTask>>,
}

#[derive(Template)]
#[template(path = "admin/org_form.html")]
pub struct OrgFormPage {
    pub ctx: PageCtx,
    pub org_id: i64,
    pub values: OrgFormValues,
    pub errors: Vec<String>,
    /// 工作群通知: the organisation's group robots.
    pub webhooks: WebhookSection,
    /// Being deactivated with open tasks: the question where they go.
    pub hand_over: Option<HandOverView>,
}

/// The open tasks of an organisation being deactivated, and who may take them over.
pub struct HandOverView {
    pub open: i64,
    pub owners: Vec<Organisation>,
    /// What the form chose ("withdraw", "move:<id>"), kept when it is refused.
    pub choice: String,
}

#[derive(Template)]
#[template(path = "tasks/list.html")]
pub struct TasksPage {
    pub ctx: PageCtx,
    pub campaign: crate::campaigns::Campaign,
    pub today: chrono::NaiveDate,
    pub rows: Vec<crate::tasks::TaskRow>,
    pub counts: Vec<(crate::tasks::Status, i64)>,
    pub organisations: Vec<Organisation>,
    pub query: TasksQuery,
    /// A clerk's own list (no organisation filter).
    pub own_org: bool,
    pub page: i64,
    pub total: i64,
}

impl TasksPage {
    pub fn statuses(&self) -> [crate::tasks::Status; 6] {
        crate::tasks::Status::ALL
    }
    pub fn count(&self, status: &crate::tasks::Status) -> i64 {
        self.counts
            .iter()
            .find(|(s, _)| s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
    pub fn org_selected(&self, id: &i64) -> bool {
        self.query.org.trim() == id.to_string()
    }

    /// The list's URL for another page, keeping the filters.
    pub fn page_link(&self, page: i64) -> String {
        let q = &self.query;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "/tasks?org={}&status={}&indicator={}&overdue={}&programme={}&assignee={}&page={page}",
            enc(&q.org),
            enc(&q.status),
            enc(&q.indicator),
            enc(&q.overdue),
            enc(&q.programme),
            enc(&q.assignee)
        )
    }

    pub fn last_page(&self) -> i64 {
        ((self.total + crate::web::task_query::PAGE_SIZE - 1) / crate::web::task_query::PAGE_SIZE)
            .max(1)
    }
}

#[derive(Template)]
#[template(path = "tasks/show.html")]
pub struct TaskPage {
    pub ctx: PageCtx,
    pub campaign: crate::campaigns::Campaign,
    pub today: chrono::NaiveDate,
    pub task: crate::tasks::Task,
    pub evidence: Vec<crate::evidence::EvidenceRow>,
    pub versions: Vec<crate::evidence::Version>,
    pub events: Vec<crate::tasks::Event>,
    /// Open 督办单 about this task (its light is purple while there is one).
    pub orders: Vec<crate::supervision::Order>,
    /// Who may be named 经办人: (user id, name, is the one named); empty for readers who
    /// may not.
    pub colleagues: Vec<(i64, String, bool)>,
    /// The reader is the unit head who approves this organisation's submissions.
    pub can_unit_review: bool,
    pub organisations: Vec<Organisation>,
    pub errors: Vec<String>,
    pub upload: UploadValues,
    pub can_edit: bool,
    pub can_submit: bool,
    pub can_review: bool,
    pub max_upload: String,
    pub duplicates: Vec<crate::evidence::uses::SameFile>,
    pub candidates: Vec<crate::evidence::uses::Candidate>,
    pub link_words: Option<String>,
}

impl TaskPage {
    pub fn kinds(&self) -> [&'static str; 6] {
        crate::evidence::KINDS
    }
    /// The task's 督办灯.
    pub fn light(&self) -> crate::supervision::Light {
        crate::supervision::task_light(
            self.task.due_on,
            matches!(
                self.task.status,
                crate::tasks::Status::Submitted | crate::tasks::Status::Approved
            ),
            !self.orders.is_empty(),
            self.today,
        )
    }
    pub fn overdue(&self) -> bool {
        self.task.due_on.is_some_and(|d| d < self.today)
            && !matches!(
                self.task.status,
                crate::tasks::Status::Submitted | crate::tasks::Status::Approved
            )
    }
    /// While the task is returned, the return that sent it back (the office's 退回整改 or
    /// the unit head's): shown first on the page, above everything else, so the clerk
    /// reads why before uploading again.
    pub fn return_note(&self) -> Option<&crate::tasks::Event> {
        if self.task.status != crate::tasks::Status::Returned {
            return None;
        }
        self.events
            .iter()
            .rev()
            .find(|e| e.action == "returned" || e.action == "unit_returned")
    }
    /// A row of this page that was uploaded for another task and linked here.
    pub fn is_linked(&self, item: &crate::evidence::EvidenceRow) -> bool {
        item.task_id != self.task.id
    }
    pub fn upload_other(&self, name: &str) -> &str {
        self.upload
            .other
            .get(name)
            .map(String::as_str)
            .unwrap_or("")
    }
    pub fn indicator_list(numbers: &[i32]) -> String {
        indicator_list(numbers)
    }
    pub fn can_delete(&self, item: &crate::evidence::EvidenceRow) -> bool {
        !self.is_linked(item)
            && self.can_edit
            && item.deleted_at.is_none()
            && self
                .ctx
                .user()
                .is_some_and(|u| item.created_by == Some(u.id) || u.role == Role::Admin)
    }
    /// The versions of one piece of evidence before its current one.
    pub fn older_versions(
        &self,
        item: &crate::evidence::EvidenceRow,
    ) -> Vec<&crate::evidence::Version> {
        self.versions
            .iter()
            .filter(|v| v.evidence_id == item.id && v.version < item.version)
            .collect()
    }

    pub fn is_submitted(&self) -> bool {
        self.task.status == crate::tasks::Status::Submitted
    }
    pub fn due_value(&self) -> String {
        self.task.due_on.map(|d| d.to_string()).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "tasks/review.html")]
pub struct ReviewPage {
    pub ctx: PageCtx,
    /// This page of the queue, oldest submission first.
    pub rows: Vec<crate::tasks::TaskRow>,
    pub counts: Vec<crate::tasks::LoopCounts>,
    pub page: i64,
    pub last_page: i64,
    /// Tasks waiting in the whole queue.
    pub total: i64,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub ctx: PageCtx,
    pub items: Vec<crate::notifications::Notification>,
}

pub struct ReportCell {
    pub standing: crate::reports::Standing,
}

#[derive(Template)]
#[template(path = "reports/matrix.html")]
pub struct ReportsMatrixPage {
    pub ctx: PageCtx,
    pub campaign: crate::campaigns::Campaign,
    pub periods: Vec<chrono::NaiveDate>,
    /// Organisation, its cells, months missing, days late in all.
    pub rows: Vec<(Organisation, Vec<ReportCell>, usize, i64)>,
}

pub struct ReportLine {
    pub period: chrono::NaiveDate,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub standing: crate::reports::Standing,
    pub report: Option<crate::reports::Report>,
    pub files: Vec<crate::reports::Attachment>,
}

#[derive(Template)]
#[template(path = "reports/org.html")]
pub struct OrgReportsPage {
    pub ctx: PageCtx,
    pub campaign: crate::campaigns::Campaign,
    pub organisation: Organisation,
    pub lines: Vec<ReportLine>,
    pub can_submit: bool,
    pub errors: Vec<String>,
    pub values: UploadValues,
}

impl OrgReportsPage {
    pub fn field(&self, name: &str) -> String {
        self.values.other.get(name).cloned().unwrap_or_default()
    }
    pub fn period_selected(&self, period: &chrono::NaiveDate) -> bool {
        let chosen = self.field("period");
        if chosen.is_empty() {
            self.lines.first().is_some_and(|l| l.period == *period)
        } else {
            chosen == period.format("%Y-%m").to_string()
        }
    }
}

impl PageCtx {
    pub fn standing_text(&self, standing: &crate::reports::Standing) -> String {
        use crate::reports::Standing::*;
        match standing {
            OnTime => self.t("report-on-time"),
            Late(days) => self.t1("report-late", "days", *days as i64),
            Missing(days) => self.t1("report-missing", "days", *days),
            Open => self.t("report-open"),
            NotOwed => self.t("report-not-owed"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CampaignValues {
    pub name: String,
    pub city_name: String,
    pub population: String,
    pub starts_on: String,
    pub ends_on: String,
    pub report_due_day: String,
    /// Stage code, start, end (as typed).
    pub stages: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "admin/campaign.html")]
pub struct CampaignPage {
    pub ctx: PageCtx,
    pub campaign: crate::campaigns::Campaign,
    pub values: CampaignValues,
    pub errors: Vec<String>,
}

mod scoring;
pub use scoring::*;

mod dashboard;
pub use dashboard::*;

mod bulletins;
pub use bulletins::*;
mod edition;
pub use edition::*;
mod exports;
pub use exports::*;
mod audit;
pub use audit::*;
mod two_factor;
pub use two_factor::*;
mod publicity;
pub use publicity::*;
mod org_evaluations;
pub use org_evaluations::*;
mod lifecycle;
pub use lifecycle::*;
mod problems;
pub use problems::*;
mod supervision;
pub use supervision::*;
mod inspections;
pub use inspections::*;
mod interviews;
pub use interviews::*;
mod preview;
pub use preview::*;
mod webhooks;
pub use webhooks::*;
mod meetings;
pub use meetings::*;
mod screen;
pub use screen::*;

/// Indicator numbers as a Chinese list ("1、3、7").
pub fn indicator_list(numbers: &[i32]) -> String {
    numbers
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

#[derive(Template)]
#[template(path = "programmes/list.html")]
pub struct ProgrammesPage {
    pub ctx: PageCtx,
    pub programmes: Vec<crate::programmes::ProgrammeRow>,
    pub plan_title: Option<String>,
}

#[derive(Template)]
#[template(path = "programmes/show.html")]
pub struct ProgrammePage {
    pub ctx: PageCtx,
    pub programme: crate::programmes::Programme,
    pub organisations: Vec<crate::programmes::ProgrammeOrg>,
    pub indicators: Vec<i32>,
    pub milestones: Vec<crate::programmes::Milestone>,
    pub task_rows: Vec<crate::tasks::TaskRow>,
    pub today: chrono::NaiveDate,
}

impl ProgrammesPage {
    /// The programmes of one kind, in their order.
    pub fn of_kind(&self, kind: &str) -> Vec<&crate::programmes::ProgrammeRow> {
        self.programmes.iter().filter(|p| p.kind == kind).collect()
    }
}
