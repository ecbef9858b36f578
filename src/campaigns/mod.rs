//! The campaign: the city, the rubric edition it is judged by, its dates and stages.
//! Today's date and deadlines are always taken in the campaign's time zone.

pub mod migration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

/// The stages of a campaign, in order (labels in the locale files as `stage-<code>`).
pub const STAGES: [&str; 7] = [
    "preparation",         // 筹备
    "mobilisation",        // 动员
    "implementation",      // 组织实施
    "self_assessment",     // 自查自评
    "application",         // 初评申请
    "provincial_review",   // 省级初评
    "national_acceptance", // 国家验收
];

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub city_name: String,
    pub edition_id: i64,
    pub population: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub time_zone: String,
    pub report_due_day: i32,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Stage {
    pub seq: i32,
    pub code: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl Campaign {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.tz()).date_naive()
    }

    /// The moment a monthly report for `period` (first day of a month) is due: the end of
    /// the due day, local time.
    pub fn report_due_at(&self, period: NaiveDate) -> DateTime<Utc> {
        let day =
            NaiveDate::from_ymd_opt(period.year(), period.month(), self.report_due_day as u32)
                .unwrap_or(period);
        let end_of_day = day
            .succ_opt()
            .unwrap_or(day)
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists");
        self.tz()
            .from_local_datetime(&end_of_day)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| end_of_day.and_utc())
    }

    /// Months a report is owed for: from the campaign's first month to the current one
    /// (or the last, once the campaign has ended), newest first.
    pub fn report_periods(&self) -> Vec<NaiveDate> {
        let last = self.today().min(self.ends_on);
        let mut periods = Vec::new();
        let mut month = first_of_month(self.starts_on);
        while month <= last {
            periods.push(month);
            month = next_month(month);
        }
        periods.reverse();
        periods
    }
}

pub fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("day 1 exists")
}

pub fn next_month(month: NaiveDate) -> NaiveDate {
    let (year, month) = if month.month() == 12 {
        (month.year() + 1, 1)
    } else {
        (month.year(), month.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("valid month")
}

const COLUMNS: &str =
    "id, name, city_name, edition_id, population, starts_on, ends_on, time_zone, report_due_day";

/// The campaign the application shows (the first one; the schema allows several).
pub async fn current(db: &PgPool) -> sqlx::Result<Option<Campaign>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM campaigns ORDER BY id LIMIT 1"
    ))
    .fetch_optional(db)
    .await
}

pub async fn stages(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Stage>> {
    sqlx::query_as("SELECT seq, code, starts_on, ends_on FROM campaign_stages WHERE campaign_id = $1 ORDER BY seq")
        .bind(campaign_id)
        .fetch_all(db)
        .await
}

/// On first start: a campaign for the configured city on the current rubric edition,
/// running two years from today, with its tasks generated from the rubric.
pub async fn ensure_default(db: &PgPool, city_name: &str) -> anyhow::Result<()> {
    if current(db).await?.is_some() {
        return Ok(());
    }
    let Some(edition) = crate::rubric::current_edition(db).await? else {
        return Ok(());
    };
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let ends = today
        .with_year(today.year() + 2)
        .unwrap_or(today + chrono::Days::new(730));
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (name, city_name, edition_id, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(format!("{city_name}创建国家食品安全示范城市"))
    .bind(city_name)
    .bind(edition.id)
    .bind(today)
    .bind(ends)
    .fetch_one(&mut *tx)
    .await?;
    for (seq, code) in STAGES.iter().enumerate() {
        sqlx::query("INSERT INTO campaign_stages (campaign_id, seq, code) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(seq as i32 + 1)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let created = crate::tasks::generate(db, id).await?;
    tracing::info!(
        campaign = id,
        tasks = created,
        "campaign created with tasks from the rubric"
    );
    Ok(())
}

/// What the administrator edits.
#[derive(Debug, Clone)]
pub struct CampaignUpdate {
    pub name: String,
    pub city_name: String,
    pub population: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub report_due_day: i32,
    pub stages: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

pub async fn update(db: &PgPool, id: i64, update: &CampaignUpdate) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE campaigns SET name = $2, city_name = $3, population = $4, starts_on = $5, ends_on = $6, \
         report_due_day = $7, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&update.name)
    .bind(&update.city_name)
    .bind(update.population)
    .bind(update.starts_on)
    .bind(update.ends_on)
    .bind(update.report_due_day)
    .execute(&mut *tx)
    .await?;
    for (index, (starts, ends)) in update.stages.iter().enumerate() {
        sqlx::query("UPDATE campaign_stages SET starts_on = $3, ends_on = $4 WHERE campaign_id = $1 AND seq = $2")
            .bind(id)
            .bind(index as i32 + 1)
            .bind(starts)
            .bind(ends)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(starts: NaiveDate, ends: NaiveDate) -> Campaign {
        Campaign {
            id: 1,
            name: "c".into(),
            city_name: "昌都市".into(),
            edition_id: 1,
            population: None,
            starts_on: starts,
            ends_on: ends,
            time_zone: "Asia/Shanghai".into(),
            report_due_day: 25,
        }
    }

    #[test]
    fn reports_are_due_at_the_end_of_the_25th_in_beijing_time() {
        let c = campaign(
            NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        );
        let due = c.report_due_at(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        // 2025-03-26 00:00 at UTC+8 is 2025-03-25 16:00 UTC.
        assert_eq!(due.to_rfc3339(), "2025-03-25T16:00:00+00:00");
    }

    #[test]
    fn periods_run_from_the_first_month_to_now_newest_first() {
        let c = campaign(
            NaiveDate::from_ymd_opt(2025, 11, 20).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
        );
        let periods: Vec<String> = c.report_periods().iter().map(|d| d.to_string()).collect();
        assert_eq!(
            periods,
            ["2026-02-01", "2026-01-01", "2025-12-01", "2025-11-01"]
        );
    }
}
