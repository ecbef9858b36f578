//! Organisations: the city office, departments, counties and assessor groups.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgExecutor, PgPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 市食安办 / 创建办
    Office,
    /// 市直部门
    Department,
    /// 县（区）
    County,
    /// 评审工作组
    AssessorGroup,
    /// Non-government bodies named in the rubric (e.g. 各承保公司).
    External,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::Office,
        OrgKind::Department,
        OrgKind::County,
        OrgKind::AssessorGroup,
        OrgKind::External,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Office => "office",
            OrgKind::Department => "department",
            OrgKind::County => "county",
            OrgKind::AssessorGroup => "assessor_group",
            OrgKind::External => "external",
        }
    }

    pub fn parse(text: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kinds that owe the campaign's work: the office, departments and counties.
    /// Assessor groups and outside bodies never own a task.
    pub fn owns_tasks(self) -> bool {
        matches!(
            self,
            OrgKind::Office | OrgKind::Department | OrgKind::County
        )
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub sort_order: i32,
    pub active: bool,
    /// The day it joined the campaign; `None` for a member since the campaign began.
    pub joined_on: Option<chrono::NaiveDate>,
    /// A member unit of the 食药安委: the rubric's 各成员单位 / 有关成员单位 /
    /// 其他成员单位 reach it.
    pub member: bool,
    /// 单位审核: its head approves its clerks' submissions before the office sees them.
    pub unit_review: bool,
}

/// An organisation with how many indicators and users it has, for the admin list.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OrganisationSummary {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub sort_order: i32,
    pub active: bool,
    pub joined_on: Option<chrono::NaiveDate>,
    pub member: bool,
    pub lead_count: i64,
    pub responsible_count: i64,
    pub user_count: i64,
}

pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as(
        "SELECT id, name, kind, sort_order, active, joined_on, member, unit_review FROM organisations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Looks an organisation up by its current name or any name the rubric used for it.
pub async fn find_by_name_or_alias(
    db: impl PgExecutor<'_>,
    name: &str,
) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind, o.sort_order, o.active, o.joined_on, o.member, o.unit_review FROM organisations o \
         WHERE o.name = $1 OR o.id IN (SELECT organisation_id FROM organisation_aliases WHERE alias = $1) \
         ORDER BY (o.name = $1) DESC LIMIT 1",
    )
    .bind(name.trim())
    .fetch_optional(db)
    .await
}

/// All organisations in display order: office, departments, counties, groups, others.
pub async fn list(
    db: impl PgExecutor<'_>,
    include_inactive: bool,
) -> sqlx::Result<Vec<Organisation>> {
    sqlx::query_as(
        "SELECT id, name, kind, sort_order, active, joined_on, member, unit_review FROM organisations \
         WHERE $1 OR active \
         ORDER BY array_position(ARRAY['office','department','county','assessor_group','external'], kind), \
                  sort_order, id",
    )
    .bind(include_inactive)
    .fetch_all(db)
    .await
}

pub async fn list_with_counts(db: &PgPool) -> sqlx::Result<Vec<OrganisationSummary>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind, o.sort_order, o.active, o.joined_on, o.member, \
                (SELECT count(*) FROM indicator_organisations io WHERE io.body_id = o.body_id AND io.role = 'lead') AS lead_count, \
                (SELECT count(*) FROM indicator_organisations io WHERE io.body_id = o.body_id AND io.role = 'responsible') AS responsible_count, \
                (SELECT count(*) FROM users u WHERE u.organisation_id = o.id AND u.active) AS user_count \
         FROM organisations o \
         ORDER BY array_position(ARRAY['office','department','county','assessor_group','external'], o.kind), \
                  o.sort_order, o.id",
    )
    .fetch_all(db)
    .await
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    name: &str,
    kind: OrgKind,
    sort_order: i32,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, sort_order) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.trim())
    .bind(kind.as_str())
    .bind(sort_order)
    .fetch_one(db)
    .await
}

pub async fn update(
    db: impl PgExecutor<'_>,
    id: i64,
    name: &str,
    kind: OrgKind,
    sort_order: i32,
    active: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE organisations SET name = $2, kind = $3, sort_order = $4, active = $5, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(name.trim())
    .bind(kind.as_str())
    .bind(sort_order)
    .bind(active)
    .execute(db)
    .await?;
    Ok(())
}

/// Active organisations that may own tasks, in display order: where an owner is chosen
/// or filtered by.
pub async fn task_owners(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Organisation>> {
    Ok(list(db, false)
        .await?
        .into_iter()
        .filter(|o| o.kind.owns_tasks())
        .collect())
}

/// Records the day organisation `id` joined the campaign (`None`: since it began).
pub async fn set_joined_on(
    db: impl PgExecutor<'_>,
    id: i64,
    joined_on: Option<chrono::NaiveDate>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE organisations SET joined_on = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(joined_on)
        .execute(db)
        .await?;
    Ok(())
}

/// Active counties, which stand in for 各县（区） wherever the rubric says so.
pub async fn counties(db: &PgPool) -> sqlx::Result<Vec<Organisation>> {
    sqlx::query_as(
        "SELECT id, name, kind, sort_order, active, joined_on, member, unit_review FROM organisations \
         WHERE kind = 'county' AND active ORDER BY sort_order, id",
    )
    .fetch_all(db)
    .await
}

/// On the very first start, creates the configured default counties. Runs once per
/// installation: counties the administrator later deletes or renames are not brought back.
pub async fn seed_default_counties(db: &PgPool, names: &[String]) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let first_time = sqlx::query(
        "INSERT INTO app_settings (key, value) VALUES ('counties_seeded', 'true') ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if first_time {
        for (position, name) in names.iter().enumerate() {
            sqlx::query(
                "INSERT INTO organisations (name, kind, sort_order) VALUES ($1, 'county', $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(position as i32 + 1)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

/// Makes organisation `id` a member of the 食药安委 or not.
pub async fn set_member(db: impl PgExecutor<'_>, id: i64, member: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE organisations SET member = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(member)
        .execute(db)
        .await?;
    Ok(())
}

/// The active member units of the 食药安委 that own tasks, in display order.
pub async fn members(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Organisation>> {
    Ok(task_owners(db)
        .await?
        .into_iter()
        .filter(|o| o.member && o.kind == OrgKind::Department)
        .collect())
}

/// Turns 单位审核 on or off for organisation `id`.
pub async fn set_unit_review(db: impl PgExecutor<'_>, id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE organisations SET unit_review = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(on)
        .execute(db)
        .await?;
    Ok(())
}
