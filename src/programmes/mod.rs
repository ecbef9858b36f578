//! Programmes: the campaign plan's 治理提升工程 and 专项整治行动, and the office's own.
//! Each runs under a 牵头单位 with 责任单位 (各县（区） expanded to the counties) and
//! makes one task per organisation, reviewed like any indicator task.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{FromRow, PgPool};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Programme {
    pub id: i64,
    pub campaign_id: i64,
    pub kind: String,
    pub number: i32,
    pub title: String,
    pub text: String,
    pub lead_text: String,
    pub responsible_text: String,
    pub counties: bool,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl Programme {
    /// "工程1" / "行动3" / "专项1": how lists label a programme.
    pub fn label(&self) -> String {
        label(&self.kind, self.number)
    }
}

/// The short label of a programme of `kind` and `number`.
pub fn label(kind: &str, number: i32) -> String {
    let word = match kind {
        "project" => "工程",
        "campaign" => "行动",
        _ => "专项",
    };
    format!("{word}{number}")
}

/// A programme with its progress, for the list.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ProgrammeRow {
    pub id: i64,
    pub kind: String,
    pub number: i32,
    pub title: String,
    pub lead_names: String,
    pub task_count: i64,
    pub approved_count: i64,
    pub indicator_numbers: Vec<i32>,
}

impl ProgrammeRow {
    pub fn label(&self) -> String {
        label(&self.kind, self.number)
    }
}

/// The campaign's programmes with their lead units, linked indicators and task counts,
/// each gathered once for the whole campaign and joined (not a subquery per programme).
pub async fn list(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<ProgrammeRow>> {
    sqlx::query_as(
        "WITH counts AS ( \
             SELECT t.programme_id, count(*) AS task_count, \
                    count(*) FILTER (WHERE t.status = 'approved') AS approved_count \
             FROM tasks t WHERE t.campaign_id = $1 AND t.programme_id IS NOT NULL AND t.removed_at IS NULL \
             GROUP BY t.programme_id), \
         leads AS ( \
             SELECT po.programme_id, string_agg(o.name, '、' ORDER BY po.position) AS names \
             FROM programme_organisations po JOIN programmes p ON p.id = po.programme_id \
             JOIN organisations o ON o.id = po.organisation_id \
             WHERE p.campaign_id = $1 AND po.role = 'lead' GROUP BY po.programme_id), \
         linked AS ( \
             SELECT pi.programme_id, array_agg(i.number ORDER BY i.number) AS numbers \
             FROM programme_indicators pi JOIN programmes p ON p.id = pi.programme_id \
             JOIN indicators i ON i.id = pi.indicator_id \
             WHERE p.campaign_id = $1 GROUP BY pi.programme_id) \
         SELECT p.id, p.kind, p.number, p.title, coalesce(l.names, '') AS lead_names, \
                coalesce(c.task_count, 0) AS task_count, coalesce(c.approved_count, 0) AS approved_count, \
                coalesce(x.numbers, '{}') AS indicator_numbers \
         FROM programmes p LEFT JOIN counts c ON c.programme_id = p.id \
         LEFT JOIN leads l ON l.programme_id = p.id LEFT JOIN linked x ON x.programme_id = p.id \
         WHERE p.campaign_id = $1 \
         ORDER BY array_position(ARRAY['project','campaign','office'], p.kind), p.number",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

const PROGRAMME_COLUMNS: &str = "id, campaign_id, kind, number, title, text, lead_text, responsible_text, counties, starts_on, ends_on";

/// Every programme of a campaign, in the list's order.
pub async fn all(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Programme>> {
    sqlx::query_as(&format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE campaign_id = $1 \
         ORDER BY array_position(ARRAY['project','campaign','office'], kind), number"
    ))
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

pub async fn find(db: &PgPool, id: i64) -> sqlx::Result<Option<Programme>> {
    sqlx::query_as(&format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// An organisation a programme names, with its role.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ProgrammeOrg {
    pub programme_id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub role: String,
}

pub async fn organisations(db: &PgPool, programme_id: i64) -> sqlx::Result<Vec<ProgrammeOrg>> {
    sqlx::query_as(
        "SELECT po.programme_id, po.organisation_id, o.name, po.role FROM programme_organisations po \
         JOIN organisations o ON o.id = po.organisation_id WHERE po.programme_id = $1 ORDER BY po.position",
    )
    .bind(programme_id)
    .fetch_all(db)
    .await
}

/// The organisations of every programme of a campaign (grouped by `programme_id`).
pub async fn organisations_of_campaign(
    db: &PgPool,
    campaign_id: i64,
) -> sqlx::Result<Vec<ProgrammeOrg>> {
    sqlx::query_as(
        "SELECT po.programme_id, po.organisation_id, o.name, po.role FROM programme_organisations po \
         JOIN programmes p ON p.id = po.programme_id JOIN organisations o ON o.id = po.organisation_id \
         WHERE p.campaign_id = $1 ORDER BY po.programme_id, po.position",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

pub async fn indicator_numbers(db: &PgPool, programme_id: i64) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar(
        "SELECT i.number FROM programme_indicators pi JOIN indicators i ON i.id = pi.indicator_id \
         WHERE pi.programme_id = $1 ORDER BY i.number",
    )
    .bind(programme_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Milestone {
    pub id: i64,
    pub programme_id: i64,
    pub title: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
}

pub async fn milestones(db: &PgPool, programme_id: i64) -> sqlx::Result<Vec<Milestone>> {
    sqlx::query_as(
        "SELECT id, programme_id, title, due_on, done_on FROM programme_milestones WHERE programme_id = $1 \
         ORDER BY due_on NULLS LAST, id",
    )
    .bind(programme_id)
    .fetch_all(db)
    .await
}

/// The milestones of every programme of a campaign (grouped by `programme_id`).
pub async fn milestones_of_campaign(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Milestone>> {
    sqlx::query_as(
        "SELECT m.id, m.programme_id, m.title, m.due_on, m.done_on FROM programme_milestones m \
         JOIN programmes p ON p.id = m.programme_id WHERE p.campaign_id = $1 \
         ORDER BY m.programme_id, m.due_on NULLS LAST, m.id",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// Adds a milestone (e.g. a decision of a 调度 meeting) to a programme.
pub async fn add_milestone(
    db: impl sqlx::PgExecutor<'_>,
    programme_id: i64,
    title: &str,
    due_on: Option<NaiveDate>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO programme_milestones (programme_id, title, due_on) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(programme_id)
    .bind(title.trim())
    .bind(due_on)
    .fetch_one(db)
    .await
}

/// The task text a programme gives an organisation in each role (our wording; the
/// programme's own text is shown above it on the task page).
pub fn task_text(role: &str, title: &str) -> String {
    match role {
        "lead" => format!(
            "牵头实施“{title}”：制定推进方案和进度安排，组织责任单位落实，汇总工作进展和佐证资料。"
        ),
        "county" => format!("在本辖区落实“{title}”，报送工作进展和佐证资料。"),
        _ => format!("按照“{title}”的分工落实本单位任务，报送工作进展和佐证资料。"),
    }
}

/// Makes the missing programme tasks of a campaign: one per programme and named
/// organisation (its role as relation) and, where 各县（区） is among the 责任单位, one
/// per active county. Safe to run again. Returns how many were added.
pub async fn generate_tasks(db: &PgPool, campaign_id: i64) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    let added = generate_tasks_in(&mut tx, campaign_id).await?;
    tx.commit().await?;
    Ok(added)
}

/// [`generate_tasks`] inside the caller's transaction.
pub async fn generate_tasks_in(
    conn: &mut sqlx::PgConnection,
    campaign_id: i64,
) -> sqlx::Result<u64> {
    #[derive(FromRow)]
    struct Owed {
        programme_id: i64,
        organisation_id: i64,
        relation: String,
        title: String,
    }
    let owed: Vec<Owed> = sqlx::query_as(
        "SELECT p.id AS programme_id, po.organisation_id, po.role AS relation, p.title FROM programmes p \
         JOIN programme_organisations po ON po.programme_id = p.id \
         JOIN organisations o ON o.id = po.organisation_id AND o.active \
         WHERE p.campaign_id = $1 \
         UNION ALL \
         SELECT p.id, o.id, 'county', p.title FROM programmes p \
         JOIN organisations o ON o.kind = 'county' AND o.active \
         WHERE p.campaign_id = $1 AND p.counties",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut added = 0;
    for row in owed {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO tasks (campaign_id, programme_id, organisation_id, relation, text) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(campaign_id)
        .bind(row.programme_id)
        .bind(row.organisation_id)
        .bind(&row.relation)
        .bind(task_text(&row.relation, &row.title))
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = id {
            sqlx::query("INSERT INTO task_events (task_id, action) VALUES ($1, 'assigned')")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            added += 1;
        }
    }
    Ok(added)
}

/// The kind's name as the plan writes it.
pub fn kind_name(kind: &str) -> &'static str {
    match kind {
        "project" => "治理提升工程",
        "campaign" => "专项整治行动",
        _ => "专项工作",
    }
}
