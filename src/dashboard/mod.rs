//! The figures dashboards, bulletins and the JSON API show: completion by part and
//! evaluation point (weighted by the points at stake), the indicator × organisation
//! status matrix, overdue tasks, late monthly reports, organisation rankings and the
//! campaign timeline. Everything is one aggregate query per figure, so the cost stays
//! flat as evidence grows.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::campaigns::{Campaign, Stage};
use crate::reports::{self, Standing};

/// Task counts of one evaluation point (or, for 否决项, of its part).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct PointProgress {
    pub part_seq: i32,
    pub part_numeral: String,
    pub part_title: String,
    pub point_seq: Option<i32>,
    pub point_title: Option<String>,
    /// Points at stake (0 for 否决项, and for 自选项 the city did not choose once it
    /// has chosen some).
    pub points: i32,
    pub tasks: i64,
    pub approved: i64,
    pub submitted: i64,
    pub returned: i64,
}

impl PointProgress {
    /// Share of tasks approved, 0..=1.
    pub fn share(&self) -> f64 {
        if self.tasks == 0 {
            0.0
        } else {
            self.approved as f64 / self.tasks as f64
        }
    }
}

pub async fn by_point(db: &PgPool, campaign: &Campaign) -> sqlx::Result<Vec<PointProgress>> {
    sqlx::query_as(
        "SELECT pa.seq AS part_seq, pa.numeral AS part_numeral, pa.title AS part_title, \
                p.seq AS point_seq, p.title AS point_title, \
                CASE WHEN p.category = 'optional' AND cardinality(c.optional_points) > 0 \
                          AND NOT p.seq = ANY(c.optional_points) THEN 0 \
                     ELSE coalesce(p.points, 0) END AS points, \
                count(t.id) AS tasks, \
                count(t.id) FILTER (WHERE t.status = 'approved') AS approved, \
                count(t.id) FILTER (WHERE t.status = 'submitted') AS submitted, \
                count(t.id) FILTER (WHERE t.status = 'returned') AS returned \
         FROM indicators i JOIN rubric_parts pa ON pa.id = i.part_id \
         JOIN campaigns c ON c.id = $1 \
         LEFT JOIN rubric_points p ON p.id = i.point_id \
         LEFT JOIN tasks t ON t.indicator_id = i.id AND t.campaign_id = $1 AND t.removed_at IS NULL \
         WHERE i.edition_id = $2 \
         GROUP BY pa.seq, pa.numeral, pa.title, p.seq, p.title, p.points, p.category, c.optional_points \
         ORDER BY pa.seq, p.seq NULLS LAST",
    )
    .bind(campaign.id)
    .bind(campaign.edition_id)
    .fetch_all(db)
    .await
}

/// Completion of a part: tasks approved, and the share weighted by each point's value
/// (a 10-point item half done weighs more than a 1-point item done).
#[derive(Debug, Clone, Serialize)]
pub struct PartProgress {
    pub seq: i32,
    pub numeral: String,
    pub title: String,
    pub points: i32,
    pub tasks: i64,
    pub approved: i64,
    /// 0..=100, weighted by points (unweighted for 否决项).
    pub weighted_percent: f64,
}

pub fn by_part(points: &[PointProgress]) -> Vec<PartProgress> {
    let mut parts: Vec<PartProgress> = Vec::new();
    for point in points {
        if parts.last().is_none_or(|p| p.seq != point.part_seq) {
            parts.push(PartProgress {
                seq: point.part_seq,
                numeral: point.part_numeral.clone(),
                title: point.part_title.clone(),
                points: 0,
                tasks: 0,
                approved: 0,
                weighted_percent: 0.0,
            });
        }
        if let Some(part) = parts.last_mut() {
            part.points += point.points;
            part.tasks += point.tasks;
            part.approved += point.approved;
        }
    }
    for part in &mut parts {
        let members: Vec<&PointProgress> =
            points.iter().filter(|p| p.part_seq == part.seq).collect();
        part.weighted_percent = weighted(&members);
    }
    parts
}

/// Share of approved tasks weighted by points, in percent; plain share when no points.
pub fn weighted(points: &[&PointProgress]) -> f64 {
    let stake: i32 = points.iter().map(|p| p.points).sum();
    if stake == 0 {
        let tasks: i64 = points.iter().map(|p| p.tasks).sum();
        let approved: i64 = points.iter().map(|p| p.approved).sum();
        return if tasks == 0 {
            0.0
        } else {
            100.0 * approved as f64 / tasks as f64
        };
    }
    100.0
        * points
            .iter()
            .map(|p| p.points as f64 * p.share())
            .sum::<f64>()
        / stake as f64
}

/// Overall completion: approved / all tasks, and the points-weighted share.
#[derive(Debug, Clone, Serialize)]
pub struct Overall {
    pub tasks: i64,
    pub approved: i64,
    pub submitted: i64,
    pub returned: i64,
    pub in_progress: i64,
    pub not_started: i64,
    pub overdue: i64,
    pub weighted_percent: f64,
}

pub async fn overall(
    db: &PgPool,
    campaign: &Campaign,
    points: &[PointProgress],
) -> sqlx::Result<Overall> {
    let counts = crate::tasks::status_counts(db, campaign.id, None).await?;
    let count = |status: crate::tasks::Status| {
        counts
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    use crate::tasks::Status;
    let overdue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE campaign_id = $1 AND removed_at IS NULL \
           AND due_on < $2 AND status NOT IN ('submitted', 'approved')",
    )
    .bind(campaign.id)
    .bind(campaign.today())
    .fetch_one(db)
    .await?;
    let scored: Vec<&PointProgress> = points.iter().collect();
    Ok(Overall {
        tasks: counts.iter().map(|(_, n)| n).sum(),
        approved: count(Status::Approved),
        submitted: count(Status::Submitted),
        returned: count(Status::Returned),
        in_progress: count(Status::InProgress),
        not_started: count(Status::NotStarted),
        overdue,
        weighted_percent: weighted(&scored),
    })
}

/// One cell of the indicator × organisation matrix.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Cell {
    pub indicator_number: i32,
    pub organisation_id: i64,
    pub tasks: i64,
    pub approved: i64,
    pub submitted: i64,
    pub returned: i64,
    pub started: i64,
    pub overdue: i64,
}

impl Cell {
    /// The colour class: the most urgent state among the cell's tasks.
    pub fn state(&self) -> &'static str {
        if self.overdue > 0 || self.returned > 0 {
            "bad"
        } else if self.approved == self.tasks {
            "done"
        } else if self.submitted > 0 && self.submitted + self.approved == self.tasks {
            "waiting"
        } else if self.started > 0 || self.submitted > 0 || self.approved > 0 {
            "going"
        } else {
            "idle"
        }
    }
}

pub async fn matrix(db: &PgPool, campaign: &Campaign) -> sqlx::Result<Vec<Cell>> {
    sqlx::query_as(
        "SELECT i.number AS indicator_number, t.organisation_id, count(*) AS tasks, \
                count(*) FILTER (WHERE t.status = 'approved') AS approved, \
                count(*) FILTER (WHERE t.status = 'submitted') AS submitted, \
                count(*) FILTER (WHERE t.status = 'returned') AS returned, \
                count(*) FILTER (WHERE t.status = 'in_progress') AS started, \
                count(*) FILTER (WHERE t.due_on < $2 AND t.status NOT IN ('submitted', 'approved')) AS overdue \
         FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         GROUP BY i.number, t.organisation_id",
    )
    .bind(campaign.id)
    .bind(campaign.today())
    .fetch_all(db)
    .await
}

/// One organisation's work in one part of the rubric, for the dashboard's
/// organisations × parts grid.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct PartCell {
    pub organisation_id: i64,
    pub part_seq: i32,
    pub tasks: i64,
    pub approved: i64,
    pub overdue: i64,
    pub returned: i64,
}

impl PartCell {
    pub fn percent(&self) -> f64 {
        if self.tasks == 0 {
            0.0
        } else {
            self.approved as f64 * 100.0 / self.tasks as f64
        }
    }

    /// A shade from 0 (nothing approved) to 4 (all), for the cell's colour.
    pub fn shade(&self) -> u8 {
        (self.percent() / 25.0).floor().clamp(0.0, 4.0) as u8
    }
}

/// Every organisation's tasks counted per part (indicator tasks only).
pub async fn part_grid(db: &PgPool, campaign: &Campaign) -> sqlx::Result<Vec<PartCell>> {
    sqlx::query_as(
        "SELECT t.organisation_id, p.seq AS part_seq, count(*) AS tasks, \
                count(*) FILTER (WHERE t.status = 'approved') AS approved, \
                count(*) FILTER (WHERE t.due_on < $2 AND t.status NOT IN ('submitted', 'approved')) AS overdue, \
                count(*) FILTER (WHERE t.status = 'returned') AS returned \
         FROM tasks t JOIN indicators i ON i.id = t.indicator_id JOIN rubric_parts p ON p.id = i.part_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         GROUP BY t.organisation_id, p.seq",
    )
    .bind(campaign.id)
    .bind(campaign.today())
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OverdueTask {
    pub id: i64,
    /// None for a programme's task.
    pub indicator_number: Option<i32>,
    pub programme_kind: Option<String>,
    pub programme_number: Option<i32>,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub text: String,
    pub due_on: NaiveDate,
    pub status: crate::tasks::Status,
    pub days_overdue: i32,
}

impl OverdueTask {
    /// The indicator number, or the programme's label ("工程3").
    pub fn work_label(&self) -> String {
        match (
            self.indicator_number,
            &self.programme_kind,
            self.programme_number,
        ) {
            (Some(n), _, _) => n.to_string(),
            (None, Some(kind), Some(number)) => crate::programmes::label(kind, number),
            _ => String::new(),
        }
    }
}

/// Overdue tasks, longest overdue first (optionally one organisation's).
pub async fn overdue(
    db: &PgPool,
    campaign: &Campaign,
    organisation_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<OverdueTask>> {
    sqlx::query_as(
        "SELECT t.id, i.number AS indicator_number, pg.kind AS programme_kind, pg.number AS programme_number, \
                t.organisation_id, o.name AS organisation_name, t.text, \
                t.due_on, t.status, ($2::date - t.due_on)::int AS days_overdue \
         FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.due_on < $2 \
           AND t.status NOT IN ('submitted', 'approved') AND ($3::bigint IS NULL OR t.organisation_id = $3) \
         ORDER BY t.due_on, i.number, o.sort_order LIMIT $4",
    )
    .bind(campaign.id)
    .bind(campaign.today())
    .bind(organisation_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How an organisation has kept to the monthly reporting deadline.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRecord {
    pub organisation_id: i64,
    pub organisation_name: String,
    /// Months whose deadline passed.
    pub owed: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    /// Days late, summed over late and missing months.
    pub days_late: i64,
}

impl ReportRecord {
    /// On-time share, 0..=100 (100 when nothing was owed yet).
    pub fn timeliness(&self) -> f64 {
        if self.owed == 0 {
            100.0
        } else {
            100.0 * self.on_time as f64 / self.owed as f64
        }
    }
}

/// Every reporting organisation's record over the campaign, worst first.
pub async fn report_records(db: &PgPool, campaign: &Campaign) -> sqlx::Result<Vec<ReportRecord>> {
    let all = reports::for_campaign(db, campaign.id).await?;
    let by_key: HashMap<(i64, NaiveDate), &reports::Report> = all
        .iter()
        .map(|r| ((r.organisation_id, r.period), r))
        .collect();
    let now = Utc::now();
    let periods: Vec<NaiveDate> = campaign
        .report_periods()
        .into_iter()
        .filter(|p| campaign.report_due_at(*p) < now)
        .collect();
    let organisations = reporting_organisations(db).await?;
    let mut records: Vec<ReportRecord> = organisations
        .into_iter()
        .map(|(id, name, joined_on)| {
            let mut record = ReportRecord {
                organisation_id: id,
                organisation_name: name,
                owed: periods
                    .iter()
                    .filter(|p| reports::owed(joined_on, campaign.report_due_at(**p)))
                    .count() as i64,
                on_time: 0,
                late: 0,
                missing: 0,
                days_late: 0,
            };
            for period in &periods {
                match reports::standing(
                    by_key.get(&(id, *period)).copied(),
                    campaign.report_due_at(*period),
                    now,
                    joined_on,
                ) {
                    Standing::OnTime => record.on_time += 1,
                    Standing::Late(days) => {
                        record.late += 1;
                        record.days_late += days as i64;
                    }
                    Standing::Missing(days) => {
                        record.missing += 1;
                        record.days_late += days;
                    }
                    Standing::Open | Standing::NotOwed => {}
                }
            }
            record
        })
        .collect();
    records.sort_by(|a, b| {
        b.missing
            .cmp(&a.missing)
            .then(b.days_late.cmp(&a.days_late))
            .then(a.organisation_name.cmp(&b.organisation_name))
    });
    Ok(records)
}

/// Departments and counties: the organisations that owe monthly reports.
/// Departments and counties that send monthly reports: id, name, the day each joined.
pub async fn reporting_organisations(
    db: &PgPool,
) -> sqlx::Result<Vec<(i64, String, Option<NaiveDate>)>> {
    sqlx::query_as(
        "SELECT id, name, joined_on FROM organisations WHERE active AND kind IN ('department', 'county') \
         ORDER BY kind, sort_order, id",
    )
    .fetch_all(db)
    .await
}

/// Completion per organisation, for rankings.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OrgCompletion {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub kind: String,
    pub tasks: i64,
    pub approved: i64,
    pub overdue: i64,
    pub returned: i64,
}

impl OrgCompletion {
    pub fn percent(&self) -> f64 {
        if self.tasks == 0 {
            0.0
        } else {
            100.0 * self.approved as f64 / self.tasks as f64
        }
    }
}

/// Organisations with tasks, best completion first.
pub async fn org_completion(db: &PgPool, campaign: &Campaign) -> sqlx::Result<Vec<OrgCompletion>> {
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name AS organisation_name, o.kind, count(*) AS tasks, \
                count(*) FILTER (WHERE t.status = 'approved') AS approved, \
                count(*) FILTER (WHERE t.due_on < $2 AND t.status NOT IN ('submitted', 'approved')) AS overdue, \
                count(*) FILTER (WHERE t.status = 'returned') AS returned \
         FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         GROUP BY o.id \
         ORDER BY count(*) FILTER (WHERE t.status = 'approved')::float8 / count(*) DESC, o.sort_order, o.id",
    )
    .bind(campaign.id)
    .bind(campaign.today())
    .fetch_all(db)
    .await
}

/// Where the campaign stands on its timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub stages: Vec<Stage>,
    /// Index into `stages` of the stage today falls in.
    pub current: Option<usize>,
    /// The next dated milestone after today: (stage code, date, days away).
    pub next: Option<(String, NaiveDate, i64)>,
    pub today: NaiveDate,
}

impl Timeline {
    pub fn is_current(&self, index: &usize) -> bool {
        self.current == Some(*index)
    }

    pub fn is_past(&self, stage: &Stage) -> bool {
        stage.ends_on.is_some_and(|d| d < self.today)
    }
}

pub fn timeline(stages: Vec<Stage>, today: NaiveDate) -> Timeline {
    let current = stages.iter().position(|s| {
        s.starts_on.is_some_and(|d| d <= today) && s.ends_on.is_none_or(|d| d >= today)
    });
    let next = stages
        .iter()
        .filter_map(|s| s.starts_on.map(|d| (s.code.clone(), d)))
        .filter(|(_, d)| *d > today)
        .min_by_key(|(_, d)| *d)
        .map(|(code, d)| {
            let days = (d - today).num_days();
            (code, d, days)
        });
    Timeline {
        stages,
        current,
        next,
        today,
    }
}

/// Tasks of one organisation due in the current month and not yet done.
pub async fn due_this_month(
    db: &PgPool,
    campaign: &Campaign,
    organisation_id: i64,
) -> sqlx::Result<Vec<OverdueTask>> {
    let today = campaign.today();
    let first = crate::campaigns::first_of_month(today);
    let next = crate::campaigns::next_month(first);
    sqlx::query_as(
        "SELECT t.id, i.number AS indicator_number, pg.kind AS programme_kind, pg.number AS programme_number, \
                t.organisation_id, o.name AS organisation_name, t.text, \
                t.due_on, t.status, ($4::date - t.due_on)::int AS days_overdue \
         FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.organisation_id = $2 AND t.removed_at IS NULL \
           AND t.due_on >= $3 AND t.due_on < $5 AND t.status NOT IN ('submitted', 'approved') \
         ORDER BY t.due_on, i.number",
    )
    .bind(campaign.id)
    .bind(organisation_id)
    .bind(first)
    .bind(today)
    .bind(next)
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(part: i32, points: i32, tasks: i64, approved: i64) -> PointProgress {
        PointProgress {
            part_seq: part,
            part_numeral: "一".into(),
            part_title: String::new(),
            point_seq: Some(1),
            point_title: None,
            points,
            tasks,
            approved,
            submitted: 0,
            returned: 0,
        }
    }

    #[test]
    fn completion_is_weighted_by_points() {
        // A 10-point item half done and a 2-point item fully done: (5 + 2) / 12.
        let points = [point(1, 10, 4, 2), point(1, 2, 1, 1)];
        let refs: Vec<&PointProgress> = points.iter().collect();
        assert!((weighted(&refs) - 100.0 * 7.0 / 12.0).abs() < 1e-9);
        let parts = by_part(&points);
        assert_eq!(parts.len(), 1);
        assert_eq!(
            (parts[0].tasks, parts[0].approved, parts[0].points),
            (5, 3, 12)
        );
        // Without points (否决项) the plain share counts.
        let veto = [point(6, 0, 4, 1)];
        let refs: Vec<&PointProgress> = veto.iter().collect();
        assert_eq!(weighted(&refs), 25.0);
    }

    #[test]
    fn the_timeline_knows_today_and_the_next_milestone() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
        let stage = |seq, code: &str, s: Option<NaiveDate>, e: Option<NaiveDate>| Stage {
            seq,
            code: code.into(),
            starts_on: s,
            ends_on: e,
        };
        let stages = vec![
            stage(1, "preparation", Some(day(1)), Some(day(9))),
            stage(2, "mobilisation", Some(day(10)), Some(day(19))),
            stage(3, "implementation", Some(day(20)), None),
        ];
        let t = timeline(stages, day(12));
        assert_eq!(t.current, Some(1));
        assert_eq!(t.next, Some(("implementation".into(), day(20), 8)));
    }
}
