//! The inspection plan of a round: its points (点位), typed one at a time as a
//! [`NewPoint`], pasted as a list ([`parse_paste`]), read from a spreadsheet
//! ([`xlsx::read`]) or drawn at random from candidates by 业态 quota ([`draw`]); then
//! edited ([`edit::Change`]) or removed ([`edit::Removal`]) one at a time.
//!
//! Lists use the column order of the office's: 县区, 乡镇街道, 单位名称, 地址, 业态,
//! 方式(明查/暗访), 日期, and optionally 检查组 and 检查人员 (matched to the round's
//! groups and their assessors, [`Lookup`]). A list is all or nothing: every bad line is
//! refused with its line number and reason, and nothing is saved unless every line is good.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;

use super::{Mode, Visibility};

pub mod draw;
pub mod edit;
mod lookup;
mod parse;
pub mod xlsx;

pub use lookup::{Lookup, Member, Team, TeamGroup};
pub use parse::{
    Crew, LineRefusal, MAX_CELL_CHARS, NewPoint, PointInput, PointRefusal, parse_date, parse_paste,
};

/// Saves the points at the end of the round's plan, in one transaction; returns how many.
/// A county name is linked to the active county organisation of that name, if any.
pub async fn insert(
    db: &PgPool,
    round_id: i64,
    points: &[NewPoint],
    created_by: i64,
) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    // Two pastes at once must not take the same 序号.
    sqlx::query("SELECT id FROM assessment_rounds WHERE id = $1 FOR UPDATE")
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    let last: i32 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(seq), 0) FROM inspection_points WHERE round_id = $1",
    )
    .bind(round_id)
    .fetch_one(&mut *tx)
    .await?;
    for (i, p) in points.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_points \
               (round_id, seq, county_id, county_name, town, unit_name, address, kind_code, mode, planned_on, group_id, created_by) \
             VALUES ($1, $2, (SELECT id FROM organisations WHERE kind = 'county' AND active AND name = $3), \
               $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(round_id)
        .bind(last + i as i32 + 1)
        .bind(&p.county_name)
        .bind(&p.town)
        .bind(&p.unit_name)
        .bind(&p.address)
        .bind(&p.kind_code)
        .bind(p.mode)
        .bind(p.planned_on)
        .bind(p.group.as_ref().map(|g| g.id))
        .bind(created_by)
        .fetch_one(&mut *tx)
        .await?;
        set_assessors(&mut tx, id, &p.assessors).await?;
    }
    tx.commit().await?;
    Ok(points.len())
}

/// Replaces the assessors sent to a point.
async fn set_assessors(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    point_id: i64,
    assessors: &[Member],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM inspection_point_assessors WHERE point_id = $1")
        .bind(point_id)
        .execute(&mut **tx)
        .await?;
    let ids: Vec<i64> = assessors.iter().map(|a| a.id).collect();
    sqlx::query(
        "INSERT INTO inspection_point_assessors (point_id, user_id) \
         SELECT $1, u FROM unnest($2::bigint[]) u ON CONFLICT DO NOTHING",
    )
    .bind(point_id)
    .bind(&ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One point of the plan as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Point {
    pub id: i64,
    pub seq: i32,
    pub county_id: Option<i64>,
    pub county_name: String,
    pub town: String,
    pub unit_name: String,
    pub address: String,
    pub kind_code: String,
    pub mode: Mode,
    pub planned_on: Option<NaiveDate>,
    pub group_id: Option<i64>,
    /// The 检查组's name, when the point has one.
    pub group_name: Option<String>,
    /// The ids and names of the 检查人员, in name order.
    pub assessor_ids: Vec<i64>,
    pub assessor_names: Vec<String>,
    pub findings_count: i64,
    /// Whether anything was recorded at the point (a record, a finding or a photo).
    pub recorded: bool,
}

impl Point {
    /// 检查人员 as lists write them.
    pub fn assessors_text(&self) -> String {
        self.assessor_names.join("、")
    }
}

const POINT_COLUMNS: &str = "p.id, p.seq, p.county_id, p.county_name, p.town, p.unit_name, p.address, \
    p.kind_code, p.mode, p.planned_on, p.group_id, g.name AS group_name, \
    ARRAY(SELECT a.user_id FROM inspection_point_assessors a JOIN users u ON u.id = a.user_id \
          WHERE a.point_id = p.id ORDER BY u.display_name, u.id) AS assessor_ids, \
    ARRAY(SELECT u.display_name FROM inspection_point_assessors a JOIN users u ON u.id = a.user_id \
          WHERE a.point_id = p.id ORDER BY u.display_name, u.id) AS assessor_names, \
    (SELECT COUNT(*) FROM inspection_findings f WHERE f.point_id = p.id) AS findings_count, \
    (EXISTS (SELECT 1 FROM inspection_records r WHERE r.point_id = p.id) \
     OR EXISTS (SELECT 1 FROM inspection_findings f WHERE f.point_id = p.id) \
     OR EXISTS (SELECT 1 FROM inspection_photos ph WHERE ph.point_id = p.id)) AS recorded";

/// The round's points the reader may see, in 序号 order (暗访 filtered out in SQL).
pub async fn points(db: &PgPool, round_id: i64, vis: Visibility) -> sqlx::Result<Vec<Point>> {
    sqlx::query_as(&format!(
        "SELECT {POINT_COLUMNS} FROM inspection_points p \
         LEFT JOIN organisations g ON g.id = p.group_id \
         WHERE p.round_id = $1 AND ($2 OR p.mode = 'open') \
         ORDER BY p.seq"
    ))
    .bind(round_id)
    .bind(vis.includes_unannounced())
    .fetch_all(db)
    .await
}

/// One point of the round (for those who plan, who see every point).
pub async fn find(db: &PgPool, round_id: i64, point_id: i64) -> sqlx::Result<Option<Point>> {
    sqlx::query_as(&format!(
        "SELECT {POINT_COLUMNS} FROM inspection_points p \
         LEFT JOIN organisations g ON g.id = p.group_id \
         WHERE p.round_id = $1 AND p.id = $2"
    ))
    .bind(round_id)
    .bind(point_id)
    .fetch_optional(db)
    .await
}

/// Points by mode (暗访 counted only when visible).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub open: i64,
    pub unannounced: i64,
}

impl Counts {
    pub fn of(points: &[Point]) -> Counts {
        let mut counts = Counts::default();
        for p in points {
            match p.mode {
                Mode::Open => counts.open += 1,
                Mode::Unannounced => counts.unannounced += 1,
            }
        }
        counts
    }
}
