//! In-app notifications: task assigned, returned, approved, report due soon, overdue.
//! Messages are stored as a kind plus parameters and worded in the reader's language.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::i18n::{Arg, Lang};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub params: serde_json::Value,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The notification worded in `lang` (messages `notice-<kind>`).
pub fn text(lang: Lang, n: &Notification) -> String {
    let args: Vec<(&str, Arg)> = ["indicator", "comment", "period", "due", "count"]
        .into_iter()
        .map(|name| {
            let value = match n.params.get(name) {
                Some(serde_json::Value::Number(v)) => Arg::Number(v.as_i64().unwrap_or(0)),
                Some(serde_json::Value::String(v)) => Arg::Text(v.clone()),
                _ => Arg::Text(String::new()),
            };
            (name, value)
        })
        .collect();
    lang.t_args(&format!("notice-{}", n.kind), &args)
}

/// Notifies every active user of an organisation. With a `dedupe_key`, a user who was
/// already told under that key is not told again (reminders).
pub async fn notify_organisation(
    db: &PgPool,
    organisation_id: i64,
    kind: &str,
    params: serde_json::Value,
    link: &str,
    dedupe_key: Option<&str>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO notifications (user_id, kind, params, link, dedupe_key) \
         SELECT id, $2, $3, $4, $5 FROM users WHERE organisation_id = $1 AND active \
         ON CONFLICT DO NOTHING",
    )
    .bind(organisation_id)
    .bind(kind)
    .bind(params)
    .bind(link)
    .bind(dedupe_key)
    .execute(db)
    .await?
    .rows_affected())
}

/// Notifies one user (e.g. the colleague named 经办人 of a task).
pub async fn notify_user(
    db: &PgPool,
    user_id: i64,
    kind: &str,
    params: serde_json::Value,
    link: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO notifications (user_id, kind, params, link) SELECT id, $2, $3, $4 FROM users WHERE id = $1 AND active",
    )
    .bind(user_id)
    .bind(kind)
    .bind(params)
    .bind(link)
    .execute(db)
    .await?
    .rows_affected())
}

/// Notifies the active heads (负责人) of an organisation.
pub async fn notify_heads(
    db: &PgPool,
    organisation_id: i64,
    kind: &str,
    params: serde_json::Value,
    link: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO notifications (user_id, kind, params, link) \
         SELECT id, $2, $3, $4 FROM users WHERE organisation_id = $1 AND unit_head AND active",
    )
    .bind(organisation_id)
    .bind(kind)
    .bind(params)
    .bind(link)
    .execute(db)
    .await?
    .rows_affected())
}

/// Notifies every active user of the given roles (e.g. `admin`, `office`), once per
/// `dedupe_key`.
pub async fn notify_roles(
    db: &PgPool,
    roles: &[&str],
    kind: &str,
    params: serde_json::Value,
    link: &str,
    dedupe_key: &str,
) -> sqlx::Result<u64> {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    Ok(sqlx::query(
        "INSERT INTO notifications (user_id, kind, params, link, dedupe_key) \
         SELECT id, $2, $3, $4, $5 FROM users WHERE role = ANY($1) AND active \
         ON CONFLICT DO NOTHING",
    )
    .bind(&roles)
    .bind(kind)
    .bind(params)
    .bind(link)
    .bind(dedupe_key)
    .execute(db)
    .await?
    .rows_affected())
}

pub async fn recent(db: &PgPool, user_id: i64, limit: i64) -> sqlx::Result<Vec<Notification>> {
    sqlx::query_as(
        "SELECT id, kind, params, link, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks one (or, with None, every) notification of the user read; returns its link.
pub async fn mark_read(db: &PgPool, user_id: i64, id: Option<i64>) -> sqlx::Result<Option<String>> {
    match id {
        Some(id) => {
            sqlx::query_scalar(
                "UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING link",
            )
            .bind(id)
            .bind(user_id)
            .fetch_optional(db)
            .await
        }
        None => {
            sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL")
                .bind(user_id)
                .execute(db)
                .await?;
            Ok(None)
        }
    }
}

/// Sends the reminders that are due now: monthly reports due within three days and not
/// yet submitted, and tasks past their due date. Each is sent once (dedupe keys).
pub async fn send_reminders(db: &PgPool) -> anyhow::Result<u64> {
    let Some(campaign) = crate::campaigns::current(db).await? else {
        return Ok(0);
    };
    let mut sent = 0;
    let today = campaign.today();
    let period = crate::campaigns::first_of_month(today);
    let due_at = campaign.report_due_at(period);
    let days_left = (due_at - Utc::now()).num_hours().div_euclid(24);
    if (0..3).contains(&days_left) {
        let missing: Vec<i64> = sqlx::query_scalar(
            "SELECT o.id FROM organisations o WHERE o.active AND o.kind IN ('department', 'county') \
             AND (o.joined_on IS NULL OR o.joined_on < ($3 AT TIME ZONE 'Asia/Shanghai')::date) \
             AND NOT EXISTS (SELECT 1 FROM monthly_reports r WHERE r.campaign_id = $1 AND r.organisation_id = o.id AND r.period = $2)",
        )
        .bind(campaign.id)
        .bind(period)
        .bind(due_at)
        .fetch_all(db)
        .await?;
        for org in missing {
            sent += notify_organisation(
                db,
                org,
                "report_due",
                serde_json::json!({"period": period.format("%Y-%m").to_string(), "due": due_at.with_timezone(&campaign.tz()).format("%Y-%m-%d").to_string()}),
                "/reports",
                Some(&format!("report_due:{period}")),
            )
            .await?;
        }
    }
    // The indicator's number, or the programme's label, names the task in the notice.
    #[derive(sqlx::FromRow)]
    struct Overdue {
        id: i64,
        organisation_id: i64,
        indicator_number: Option<i32>,
        programme_kind: Option<String>,
        programme_number: Option<i32>,
    }
    let overdue: Vec<Overdue> = sqlx::query_as(
        "SELECT t.id, t.organisation_id, i.number AS indicator_number, pg.kind AS programme_kind, \
                pg.number AS programme_number \
         FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.due_on < $2 AND t.status NOT IN ('submitted', 'approved')",
    )
    .bind(campaign.id)
    .bind(today)
    .fetch_all(db)
    .await?;
    for row in overdue {
        let (task, org) = (row.id, row.organisation_id);
        let number = crate::tasks::work_label(
            row.indicator_number,
            &row.programme_kind,
            row.programme_number,
        );
        sent += notify_organisation(
            db,
            org,
            "overdue",
            serde_json::json!({"indicator": number}),
            &format!("/tasks/{task}"),
            Some(&format!("overdue:{task}")),
        )
        .await?;
    }
    Ok(sent)
}
