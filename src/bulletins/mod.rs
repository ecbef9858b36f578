//! Progress bulletins in two series, 简报 (work briefings) and 通报 (official notices of
//! progress, praise or criticism): the office issues one for a period; its figures are
//! computed once and stored with it, numbered 第N期 per campaign and series, so a bulletin
//! reads the same years later whatever happened since.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};

use crate::campaigns::Campaign;
use crate::dashboard;
use crate::reports::{self, Standing};

/// How many upcoming deadlines a bulletin lists at most (the count covers them all).
const NEXT_DEADLINES: i64 = 10;
/// How far after the period the "next deadlines" look: as long as the period itself
/// (the next bulletin covers what comes after), within these bounds.
const LOOK_AHEAD_DAYS: (i64, i64) = (7, 31);

/// The two numbered series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Series {
    /// 简报
    Briefing,
    /// 通报
    Notice,
}

impl Series {
    pub fn as_str(self) -> &'static str {
        match self {
            Series::Briefing => "briefing",
            Series::Notice => "notice",
        }
    }

    pub fn parse(text: &str) -> Option<Series> {
        match text {
            "briefing" => Some(Series::Briefing),
            "notice" => Some(Series::Notice),
            _ => None,
        }
    }

    /// The series' name as printed in its title block.
    pub fn name(self) -> &'static str {
        match self {
            Series::Briefing => "工作简报",
            Series::Notice => "工作通报",
        }
    }
}

/// What a 通报 is about.
pub const NOTICE_KINDS: [&str; 3] = ["progress", "praise", "criticism"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgLine {
    pub organisation: String,
    /// "department" or "county": the two are ranked separately. Bulletins issued before
    /// the ranking have none.
    #[serde(default)]
    pub kind: String,
    pub tasks: i64,
    pub approved: i64,
    pub percent: f64,
    pub overdue: i64,
    /// Tasks returned during the period.
    pub returned_in_period: i64,
    /// Tasks approved during the period.
    pub approved_in_period: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LateReport {
    pub organisation: String,
    pub month: NaiveDate,
    /// None: not submitted at all when the bulletin was made.
    pub days_late: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, FromRow)]
pub struct Deadline {
    pub indicator_number: i32,
    pub organisation: String,
    pub text: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, FromRow)]
pub struct Approved {
    pub indicator_number: i32,
    pub organisation: String,
    pub evidence: i64,
    pub at: DateTime<Utc>,
}

/// A problem past its 整改时限 and not closed (销号) when the bulletin was made.
#[derive(Debug, Clone, Serialize, Deserialize, FromRow)]
pub struct OverdueProblem {
    pub organisation: String,
    pub source_label: String,
    pub indicator_number: Option<i32>,
    pub description: String,
    pub deadline: NaiveDate,
    pub days_overdue: i32,
}

/// How many overdue problems a bulletin lists (the count covers them all).
const OVERDUE_PROBLEMS: i64 = 50;

/// Everything a bulletin states, frozen when it is issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figures {
    pub as_of: NaiveDate,
    pub tasks: i64,
    pub approved: i64,
    pub overdue: i64,
    pub weighted_percent: f64,
    pub organisations: Vec<OrgLine>,
    pub late_reports: Vec<LateReport>,
    pub returned_in_period: i64,
    pub newly_approved: Vec<Approved>,
    pub next_deadlines: Vec<Deadline>,
    /// Problems not yet rectified, and those past their deadline (worst first). Bulletins
    /// issued before the problem list existed have none.
    #[serde(default)]
    pub open_problems: i64,
    #[serde(default)]
    pub overdue_problem_count: i64,
    #[serde(default)]
    pub overdue_problems: Vec<OverdueProblem>,
    /// Upcoming deadlines in all (the list shows the first [`NEXT_DEADLINES`]).
    #[serde(default)]
    pub next_deadline_count: i64,
    /// 调度 meetings held in the period, by kind (code, count).
    #[serde(default)]
    pub meetings: Vec<(String, i64)>,
}

impl Figures {
    /// Departments, best completion first (ties: fewer overdue, then name).
    pub fn departments(&self) -> Vec<&OrgLine> {
        self.ranked("department")
    }

    /// Counties, best completion first.
    pub fn counties(&self) -> Vec<&OrgLine> {
        self.ranked("county")
    }

    fn ranked(&self, kind: &str) -> Vec<&OrgLine> {
        let mut lines: Vec<&OrgLine> = self
            .organisations
            .iter()
            .filter(|o| o.kind == kind)
            .collect();
        lines.sort_by(|a, b| {
            b.percent
                .total_cmp(&a.percent)
                .then(a.overdue.cmp(&b.overdue))
                .then(a.organisation.cmp(&b.organisation))
        });
        lines
    }

    /// Units that had not submitted a report due in the period when it was issued.
    pub fn unreported(&self) -> Vec<&LateReport> {
        self.late_reports
            .iter()
            .filter(|r| r.days_late.is_none())
            .collect()
    }

    /// Units that reported late in the period.
    pub fn reported_late(&self) -> Vec<&LateReport> {
        self.late_reports
            .iter()
            .filter(|r| r.days_late.is_some())
            .collect()
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Bulletin {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub remarks: String,
    pub figures: sqlx::types::Json<Figures>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub series: Series,
    pub notice_kind: Option<String>,
    pub issuing_body: String,
    pub doc_number: String,
    pub copy_to: String,
}

/// Computes the figures for `start..=end`.
pub async fn figures(
    db: &PgPool,
    campaign: &Campaign,
    start: NaiveDate,
    end: NaiveDate,
) -> sqlx::Result<Figures> {
    let points = dashboard::by_point(db, campaign).await?;
    let overall = dashboard::overall(db, campaign, &points).await?;
    let completion = dashboard::org_completion(db, campaign).await?;
    // Task events in the period, by organisation, in the campaign's time zone.
    let events: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT t.organisation_id, e.action, count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id \
         JOIN campaigns c ON c.id = t.campaign_id \
         WHERE t.campaign_id = $1 AND e.action IN ('returned', 'approved') \
           AND (e.at AT TIME ZONE c.time_zone)::date BETWEEN $2 AND $3 \
         GROUP BY t.organisation_id, e.action",
    )
    .bind(campaign.id)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await?;
    let in_period = |org: i64, action: &str| {
        events
            .iter()
            .filter(|(o, a, _)| *o == org && a == action)
            .map(|(_, _, n)| *n)
            .sum::<i64>()
    };
    let organisations: Vec<OrgLine> = completion
        .iter()
        .map(|c| OrgLine {
            organisation: c.organisation_name.clone(),
            kind: c.kind.clone(),
            tasks: c.tasks,
            approved: c.approved,
            percent: (c.percent() * 10.0).round() / 10.0,
            overdue: c.overdue,
            returned_in_period: in_period(c.organisation_id, "returned"),
            approved_in_period: in_period(c.organisation_id, "approved"),
        })
        .collect();
    let returned_in_period = events
        .iter()
        .filter(|(_, a, _)| a == "returned")
        .map(|(_, _, n)| n)
        .sum();

    // Monthly reports due within the period that came late or not at all.
    let all = reports::for_campaign(db, campaign.id).await?;
    let now = Utc::now();
    let mut late_reports = Vec::new();
    let months: Vec<NaiveDate> = campaign
        .report_periods()
        .into_iter()
        .filter(|m| {
            let due = campaign
                .report_due_at(*m)
                .with_timezone(&campaign.tz())
                .date_naive();
            due >= start && due <= end && campaign.report_due_at(*m) < now
        })
        .collect();
    for (org_id, name, joined_on) in dashboard::reporting_organisations(db).await? {
        for month in &months {
            let report = all
                .iter()
                .find(|r| r.organisation_id == org_id && r.period == *month);
            match reports::standing(report, campaign.report_due_at(*month), now, joined_on) {
                Standing::Late(days) => late_reports.push(LateReport {
                    organisation: name.clone(),
                    month: *month,
                    days_late: Some(days as i64),
                }),
                Standing::Missing(_) => late_reports.push(LateReport {
                    organisation: name.clone(),
                    month: *month,
                    days_late: None,
                }),
                Standing::OnTime | Standing::Open | Standing::NotOwed => {}
            }
        }
    }

    let newly_approved: Vec<Approved> = sqlx::query_as(
        "SELECT i.number AS indicator_number, o.name AS organisation, \
                (SELECT count(*) FROM evidence_uses eu JOIN evidence ev ON ev.id = eu.evidence_id WHERE eu.task_id = t.id AND ev.deleted_at IS NULL) AS evidence, \
                e.at \
         FROM task_events e JOIN tasks t ON t.id = e.task_id JOIN indicators i ON i.id = t.indicator_id \
         JOIN organisations o ON o.id = t.organisation_id JOIN campaigns c ON c.id = t.campaign_id \
         WHERE t.campaign_id = $1 AND e.action = 'approved' AND t.status = 'approved' AND t.removed_at IS NULL \
           AND (e.at AT TIME ZONE c.time_zone)::date BETWEEN $2 AND $3 \
         ORDER BY e.at, i.number",
    )
    .bind(campaign.id)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await?;
    let look_ahead = ((end - start).num_days() + 1).clamp(LOOK_AHEAD_DAYS.0, LOOK_AHEAD_DAYS.1);
    let next_deadlines: Vec<Deadline> = sqlx::query_as(
        "SELECT i.number AS indicator_number, o.name AS organisation, t.text, t.due_on \
         FROM tasks t JOIN indicators i ON i.id = t.indicator_id JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.status NOT IN ('submitted', 'approved') \
           AND t.due_on > $2 AND t.due_on <= $2 + $3::int \
         ORDER BY t.due_on, i.number, o.sort_order LIMIT $4",
    )
    .bind(campaign.id)
    .bind(end)
    .bind(look_ahead as i32)
    .bind(NEXT_DEADLINES)
    .fetch_all(db)
    .await?;
    let next_deadline_count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
           AND t.status NOT IN ('submitted', 'approved') AND t.due_on > $2 AND t.due_on <= $2 + $3::int",
    )
    .bind(campaign.id)
    .bind(end)
    .bind(look_ahead as i32)
    .fetch_one(db)
    .await?;
    let today = campaign.today();
    let (open_problems, overdue_problem_count): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE deadline < $2) FROM problems \
         WHERE campaign_id = $1 AND state <> 'closed'",
    )
    .bind(campaign.id)
    .bind(today)
    .fetch_one(db)
    .await?;
    let overdue_problems: Vec<OverdueProblem> = sqlx::query_as(
        "SELECT o.name AS organisation, p.source_label, i.number AS indicator_number, p.description, \
                p.deadline, ($2 - p.deadline)::int AS days_overdue \
         FROM problems p JOIN organisations o ON o.id = p.organisation_id \
         LEFT JOIN indicators i ON i.id = p.indicator_id \
         WHERE p.campaign_id = $1 AND p.state <> 'closed' AND p.deadline < $2 \
         ORDER BY p.deadline, o.sort_order, p.id LIMIT $3",
    )
    .bind(campaign.id)
    .bind(today)
    .bind(OVERDUE_PROBLEMS)
    .fetch_all(db)
    .await?;
    Ok(Figures {
        open_problems,
        overdue_problem_count,
        overdue_problems,
        as_of: today,
        tasks: overall.tasks,
        approved: overall.approved,
        overdue: overall.overdue,
        weighted_percent: (overall.weighted_percent * 10.0).round() / 10.0,
        organisations,
        late_reports,
        returned_in_period,
        newly_approved,
        next_deadlines,
        next_deadline_count,
        // Only the kinds held: a bulletin names what happened, not a row of zeros.
        meetings: crate::meetings::counts(db, campaign.id, start, end)
            .await?
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .collect(),
    })
}

pub struct NewBulletin<'a> {
    pub series: Series,
    /// For a 通报: progress, praise or criticism.
    pub notice_kind: Option<&'a str>,
    pub issuing_body: &'a str,
    pub doc_number: &'a str,
    pub copy_to: &'a str,
    pub title: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub remarks: &'a str,
}

/// Issues the next numbered bulletin of its series with `figures`; returns (id, number).
pub async fn issue(
    db: &PgPool,
    campaign_id: i64,
    new: &NewBulletin<'_>,
    figures: &Figures,
    user_id: i64,
) -> sqlx::Result<(i64, i32)> {
    let mut tx = db.begin().await?;
    // Two clerks issuing at once must not get the same number.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('shian.bulletin'), $1::int)")
        .bind(campaign_id as i32)
        .execute(&mut *tx)
        .await?;
    let number: i32 = sqlx::query_scalar(
        "SELECT coalesce(max(number), 0) + 1 FROM bulletins WHERE campaign_id = $1 AND series = $2",
    )
    .bind(campaign_id)
    .bind(new.series.as_str())
    .fetch_one(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO bulletins (campaign_id, number, title, period_start, period_end, remarks, figures, created_by, \
             series, notice_kind, issuing_body, doc_number, copy_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(campaign_id)
    .bind(number)
    .bind(new.title)
    .bind(new.start)
    .bind(new.end)
    .bind(new.remarks)
    .bind(sqlx::types::Json(figures))
    .bind(user_id)
    .bind(new.series.as_str())
    .bind(new.notice_kind)
    .bind(new.issuing_body.trim())
    .bind(new.doc_number.trim())
    .bind(new.copy_to.trim())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((id, number))
}

const COLUMNS: &str = "b.id, b.number, b.title, b.period_start, b.period_end, b.remarks, b.figures, \
     u.display_name AS created_by_name, b.created_at, b.series, b.notice_kind, b.issuing_body, b.doc_number, b.copy_to";

pub async fn list(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Bulletin>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM bulletins b LEFT JOIN users u ON u.id = b.created_by \
         WHERE b.campaign_id = $1 ORDER BY b.created_at DESC, b.id DESC"
    ))
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

pub async fn find(db: &PgPool, campaign_id: i64, id: i64) -> sqlx::Result<Option<Bulletin>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM bulletins b LEFT JOIN users u ON u.id = b.created_by \
         WHERE b.campaign_id = $1 AND b.id = $2"
    ))
    .bind(campaign_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The completion table as CSV (with a BOM so spreadsheet programs read the Chinese).
pub fn csv(bulletin: &Bulletin, headers: [&str; 7]) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        // Organisation names are typed by the admin: neutralised like every CSV cell.
        crate::exports::csv_cell::write_record(&mut writer, headers)?;
        for line in &bulletin.figures.organisations {
            crate::exports::csv_cell::write_record(
                &mut writer,
                [
                    line.organisation.clone(),
                    line.tasks.to_string(),
                    line.approved.to_string(),
                    format!("{:.1}", line.percent),
                    line.overdue.to_string(),
                    line.returned_in_period.to_string(),
                    line.approved_in_period.to_string(),
                ],
            )?;
        }
        writer.flush()?;
    }
    Ok(out)
}
