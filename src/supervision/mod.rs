//! 督查督办: numbered 督办单 through their six steps, the lights that show each task and
//! organisation at a glance (green on time, yellow due within 7 days, red overdue,
//! purple under 督办), and escalation by rule of tasks that stay overdue.

pub mod rules;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::accounts::User;
use crate::notifications;
pub use rules::{Actor, Draft, NewOrder, Refusal, State, Step, Subject};

/// Days ahead within which a task's deadline turns its light yellow.
pub const DUE_SOON_DAYS: i64 = 7;

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Order {
    pub id: i64,
    pub campaign_id: i64,
    pub year: Option<i32>,
    pub seq: Option<i32>,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub head_user_id: Option<i64>,
    pub head_name: Option<String>,
    pub subject: Subject,
    pub task_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub report_period: Option<NaiveDate>,
    pub matter: String,
    pub demand: String,
    pub deadline: NaiveDate,
    pub state: State,
    pub answer: String,
    pub escalated: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// 督办〔2026〕第3号; a draft has no number yet.
    pub fn number(&self) -> Option<String> {
        match (self.year, self.seq) {
            (Some(year), Some(seq)) => Some(format!("督办〔{year}〕第{seq}号")),
            _ => None,
        }
    }

    /// Past its deadline and not answered.
    pub fn late(&self, today: NaiveDate) -> bool {
        self.deadline < today
            && matches!(
                self.state,
                State::Issued | State::Acknowledged | State::InProgress
            )
    }
}

const COLUMNS: &str = "s.id, s.campaign_id, s.year, s.seq, s.organisation_id, o.name AS organisation_name, \
     s.head_user_id, h.display_name AS head_name, s.subject, s.task_id, s.problem_id, s.report_period, \
     s.matter, s.demand, s.deadline, s.state, s.answer, s.escalated, s.created_at, s.updated_at";
const FROM: &str = "FROM supervision_orders s JOIN organisations o ON o.id = s.organisation_id \
     LEFT JOIN users h ON h.id = s.head_user_id";

pub async fn find(db: impl sqlx::PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Order>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} {FROM} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Orders of a campaign, open ones first then newest; one organisation's, or one state's.
pub async fn list(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: Option<i64>,
    state: Option<State>,
) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE s.campaign_id = $1 \
           AND ($2::bigint IS NULL OR s.organisation_id = $2) AND ($3::text IS NULL OR s.state = $3) \
         ORDER BY s.state = 'closed', s.deadline, s.id DESC LIMIT 500"
    ))
    .bind(campaign_id)
    .bind(organisation_id)
    .bind(state.map(State::as_str))
    .fetch_all(db)
    .await
}

/// How many orders of a campaign are issued and not yet closed.
pub async fn open_count(db: &PgPool, campaign_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM supervision_orders WHERE campaign_id = $1 AND state NOT IN ('draft', 'closed')",
    )
    .bind(campaign_id)
    .fetch_one(db)
    .await
}

/// Open orders (issued, not closed) about one task.
pub async fn open_for_task(db: &PgPool, task_id: i64) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE s.task_id = $1 AND s.state NOT IN ('draft', 'closed') ORDER BY s.id"
    ))
    .bind(task_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct StepRecord {
    pub order_id: i64,
    pub step: String,
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub comment: String,
}

pub async fn steps(db: &PgPool, order_id: i64) -> sqlx::Result<Vec<StepRecord>> {
    sqlx::query_as(
        "SELECT st.order_id, st.step, st.at, u.display_name AS actor_name, st.comment FROM supervision_steps st \
         LEFT JOIN users u ON u.id = st.actor_id WHERE st.order_id = $1 ORDER BY st.id",
    )
    .bind(order_id)
    .fetch_all(db)
    .await
}

/// The steps of several orders at once, in order within each.
pub async fn steps_of(db: &PgPool, order_ids: &[i64]) -> sqlx::Result<Vec<StepRecord>> {
    sqlx::query_as(
        "SELECT st.order_id, st.step, st.at, u.display_name AS actor_name, st.comment FROM supervision_steps st \
         LEFT JOIN users u ON u.id = st.actor_id WHERE st.order_id = ANY($1) ORDER BY st.order_id, st.id",
    )
    .bind(order_ids)
    .fetch_all(db)
    .await
}

/// Records a new order: issued at once (numbered, the unit told), or as a draft for the
/// office to confirm (the escalation rule's). Returns its id.
pub async fn create(
    db: &PgPool,
    campaign_id: i64,
    order: &NewOrder,
    created_by: Option<i64>,
    issue_now: bool,
    today: NaiveDate,
) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO supervision_orders (campaign_id, organisation_id, head_user_id, subject, task_id, problem_id, \
             report_period, matter, demand, deadline, state, escalated, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12) RETURNING id",
    )
    .bind(campaign_id)
    .bind(order.organisation_id)
    .bind(order.head_user_id)
    .bind(order.subject.as_str())
    .bind(order.task_id)
    .bind(order.problem_id)
    .bind(order.report_period)
    .bind(&order.matter)
    .bind(&order.demand)
    .bind(order.deadline)
    .bind(!issue_now && created_by.is_none())
    .bind(created_by)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO supervision_steps (order_id, step, actor_id) VALUES ($1, 'drafted', $2)",
    )
    .bind(id)
    .bind(created_by)
    .execute(&mut *tx)
    .await?;
    if issue_now {
        number_and_issue(&mut tx, campaign_id, id, created_by, today).await?;
    }
    tx.commit().await?;
    if issue_now {
        tell_unit(db, id, "supervision_issued", "").await?;
    }
    Ok(id)
}

/// Gives a draft the next number of its campaign and year and marks it issued.
async fn number_and_issue(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    campaign_id: i64,
    id: i64,
    actor: Option<i64>,
    today: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('shian.supervision'), $1::int)")
        .bind(campaign_id as i32)
        .execute(&mut **tx)
        .await?;
    let year = today.year();
    sqlx::query(
        "UPDATE supervision_orders SET state = 'issued', year = $2, updated_at = now(), \
             seq = (SELECT coalesce(max(seq), 0) + 1 FROM supervision_orders WHERE campaign_id = $3 AND year = $2) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(year)
    .bind(campaign_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO supervision_steps (order_id, step, actor_id) VALUES ($1, 'issued', $2)",
    )
    .bind(id)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes `step` on order `id` as `user`: checked against the order's state and side,
/// recorded with its time, and the other side told.
pub async fn take_step(
    db: &PgPool,
    id: i64,
    step: Step,
    user: &User,
    today: NaiveDate,
) -> anyhow::Result<Result<State, Refusal>> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT 1 FROM supervision_orders WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let Some(order) = find(&mut *tx, id).await? else {
        anyhow::bail!("no 督办单 {id}");
    };
    let next = match rules::next(order.state, &step, Actor::of(user), order.organisation_id) {
        Ok(next) => next,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if step == Step::Issue {
        number_and_issue(&mut tx, order.campaign_id, id, Some(user.id), today).await?;
    } else {
        sqlx::query(
            "UPDATE supervision_orders SET state = $2, updated_at = now(), \
                 answer = CASE WHEN $3 <> '' THEN $3 ELSE answer END WHERE id = $1",
        )
        .bind(id)
        .bind(next.as_str())
        .bind(match &step {
            Step::Answer { answer } => answer.trim(),
            _ => "",
        })
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO supervision_steps (order_id, step, actor_id, comment) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(step.code())
        .bind(user.id)
        .bind(step.comment().trim())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    match &step {
        Step::Issue => tell_unit(db, id, "supervision_issued", "").await?,
        Step::Review {
            accepted: false,
            comment,
        } => tell_unit(db, id, "supervision_sent_back", comment).await?,
        Step::Close => tell_unit(db, id, "supervision_closed", "").await?,
        Step::Answer { .. } => {
            notifications::notify_roles(
                db,
                &["office"],
                "supervision_answered",
                serde_json::json!({"comment": order.organisation_name}),
                &format!("/supervision/{id}"),
                &format!("supervision-answered:{id}:{}", Utc::now().timestamp()),
            )
            .await?;
        }
        _ => {}
    }
    Ok(Ok(next))
}

/// Tells the organisation an order is addressed to (its clerks, and its head).
async fn tell_unit(db: &PgPool, id: i64, kind: &str, comment: &str) -> sqlx::Result<()> {
    let Some(order) = find(db, id).await? else {
        return Ok(());
    };
    let params = serde_json::json!({
        "comment": if comment.is_empty() { order.matter.clone() } else { comment.to_string() },
        "due": order.deadline.format("%Y年%-m月%-d日").to_string(),
    });
    notifications::notify_organisation(
        db,
        order.organisation_id,
        kind,
        params,
        &format!("/supervision/{id}"),
        Some(&format!("{kind}:{id}:{}", order.updated_at.timestamp())),
    )
    .await?;
    Ok(())
}

/// A task's light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
    Purple,
}

impl Light {
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
            Light::Purple => "purple",
        }
    }
}

/// The light of a task: purple under an open 督办单, red overdue, yellow due within
/// [`DUE_SOON_DAYS`], green otherwise (on time, done or without a deadline).
pub fn task_light(
    due_on: Option<NaiveDate>,
    done: bool,
    under_order: bool,
    today: NaiveDate,
) -> Light {
    if under_order {
        return Light::Purple;
    }
    match due_on {
        Some(due) if !done && due < today => Light::Red,
        Some(due) if !done && (due - today).num_days() <= DUE_SOON_DAYS => Light::Yellow,
        _ => Light::Green,
    }
}

/// One organisation's lights: how many of its tasks show each, its open orders, and the
/// light it shows itself (the worst of them; purple while any order is open).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OrgLights {
    pub organisation_id: i64,
    pub name: String,
    pub kind: crate::orgs::OrgKind,
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
    pub purple: i64,
    pub open_orders: i64,
}

impl OrgLights {
    pub fn light(&self) -> Light {
        if self.open_orders > 0 || self.purple > 0 {
            Light::Purple
        } else if self.red > 0 {
            Light::Red
        } else if self.yellow > 0 {
            Light::Yellow
        } else {
            Light::Green
        }
    }
}

/// Every task-owning organisation's lights, counted in one pass with the same rule as
/// [`task_light`].
pub async fn org_lights(
    db: &PgPool,
    campaign_id: i64,
    today: NaiveDate,
) -> sqlx::Result<Vec<OrgLights>> {
    sqlx::query_as(
        "WITH lit AS ( \
             SELECT t.organisation_id, CASE \
                 WHEN EXISTS (SELECT 1 FROM supervision_orders s WHERE s.task_id = t.id AND s.state NOT IN ('draft', 'closed')) THEN 'purple' \
                 WHEN t.due_on < $2 AND t.status NOT IN ('submitted', 'approved') THEN 'red' \
                 WHEN t.due_on <= $2 + $3::int AND t.status NOT IN ('submitted', 'approved') THEN 'yellow' \
                 ELSE 'green' END AS light \
             FROM tasks t WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         ) \
         SELECT o.id AS organisation_id, o.name, o.kind, \
                count(*) FILTER (WHERE l.light = 'green') AS green, \
                count(*) FILTER (WHERE l.light = 'yellow') AS yellow, \
                count(*) FILTER (WHERE l.light = 'red') AS red, \
                count(*) FILTER (WHERE l.light = 'purple') AS purple, \
                (SELECT count(*) FROM supervision_orders s WHERE s.campaign_id = $1 AND s.organisation_id = o.id \
                   AND s.state NOT IN ('draft', 'closed')) AS open_orders \
         FROM organisations o LEFT JOIN lit l ON l.organisation_id = o.id \
         WHERE o.active AND o.kind IN ('office', 'department', 'county') \
         GROUP BY o.id \
         ORDER BY array_position(ARRAY['office','department','county'], o.kind), o.sort_order, o.id",
    )
    .bind(campaign_id)
    .bind(today)
    .bind(DUE_SOON_DAYS as i32)
    .fetch_all(db)
    .await
}

/// The escalation rule of a campaign: after how many days overdue the clerk is reminded,
/// then the unit head, then a 督办单 is drafted for the office to confirm.
#[derive(Debug, Clone, Copy, FromRow, Serialize)]
pub struct EscalationRule {
    pub remind_clerk_days: i32,
    pub remind_head_days: i32,
    pub draft_order_days: i32,
}

impl Default for EscalationRule {
    fn default() -> Self {
        EscalationRule {
            remind_clerk_days: 1,
            remind_head_days: 7,
            draft_order_days: 14,
        }
    }
}

pub async fn escalation_rule(db: &PgPool, campaign_id: i64) -> sqlx::Result<EscalationRule> {
    Ok(sqlx::query_as(
        "SELECT remind_clerk_days, remind_head_days, draft_order_days FROM escalation_rules WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_optional(db)
    .await?
    .unwrap_or_default())
}

/// What one run of the escalation did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Escalated {
    pub clerk_reminders: u64,
    pub head_reminders: u64,
    pub drafts: u64,
}

/// Applies the escalation rule to the campaign's overdue tasks not under an open order.
/// Each level happens once per task (dedupe keys and the one-draft index), so the hourly
/// job can run it again and again. A unit has at most one draft waiting at a time — for
/// its longest-overdue task — so a backlog does not bury the office in drafts; the next
/// is drafted once the office has issued (or the unit has cleared) that one.
pub async fn escalate(
    db: &PgPool,
    campaign_id: i64,
    today: NaiveDate,
) -> anyhow::Result<Escalated> {
    let rule = escalation_rule(db, campaign_id).await?;
    #[derive(FromRow)]
    struct Overdue {
        id: i64,
        organisation_id: i64,
        indicator_number: Option<i32>,
        programme_kind: Option<String>,
        programme_number: Option<i32>,
        days: i32,
    }
    let overdue: Vec<Overdue> = sqlx::query_as(
        "SELECT t.id, t.organisation_id, ($2::date - t.due_on)::int AS days, \
                i.number AS indicator_number, pg.kind AS programme_kind, pg.number AS programme_number \
         FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
         JOIN organisations o ON o.id = t.organisation_id AND o.active \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.due_on < $2 \
           AND t.status NOT IN ('submitted', 'approved') \
           AND NOT EXISTS (SELECT 1 FROM supervision_orders s WHERE s.task_id = t.id AND s.state <> 'closed') \
         ORDER BY t.due_on, t.id",
    )
    .bind(campaign_id)
    .bind(today)
    .fetch_all(db)
    .await?;
    let mut out = Escalated::default();
    for task in overdue {
        let label = crate::tasks::work_label(
            task.indicator_number,
            &task.programme_kind,
            task.programme_number,
        );
        let params = serde_json::json!({"indicator": label, "count": task.days});
        let link = format!("/tasks/{}", task.id);
        if task.days >= rule.remind_clerk_days {
            out.clerk_reminders += notifications::notify_organisation(
                db,
                task.organisation_id,
                "escalation_clerk",
                params.clone(),
                &link,
                Some(&format!("escalation-clerk:{}", task.id)),
            )
            .await?;
        }
        if task.days >= rule.remind_head_days {
            out.head_reminders += sqlx::query(
                "INSERT INTO notifications (user_id, kind, params, link, dedupe_key) \
                 SELECT id, 'escalation_head', $2, $3, $4 FROM users \
                 WHERE organisation_id = $1 AND unit_head AND active ON CONFLICT DO NOTHING",
            )
            .bind(task.organisation_id)
            .bind(&params)
            .bind(&link)
            .bind(format!("escalation-head:{}", task.id))
            .execute(db)
            .await?
            .rows_affected();
        }
        if task.days >= rule.draft_order_days {
            let drafted = sqlx::query(
                "INSERT INTO supervision_orders (campaign_id, organisation_id, head_user_id, subject, task_id, \
                     matter, demand, deadline, state, escalated) \
                 SELECT $1, $2, (SELECT min(id) FROM users WHERE organisation_id = $2 AND unit_head AND active), \
                        'task', $3, $4, $5, $6, 'draft', true \
                 WHERE NOT EXISTS (SELECT 1 FROM supervision_orders d WHERE d.organisation_id = $2 AND d.state = 'draft') \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(campaign_id)
            .bind(task.organisation_id)
            .bind(task.id)
            .bind(match task.indicator_number {
                Some(_) => format!("指标（{label}）任务已逾期{}天，仍未报送。", task.days),
                None => format!("{label}任务已逾期{}天，仍未报送。", task.days),
            })
            .bind("请于期限内完成任务并报送佐证资料，同时书面反馈逾期原因及整改措施。")
            .bind(today + chrono::Duration::days(7))
            .fetch_optional(db)
            .await?;
            if let Some(id) = drafted {
                let id: i64 = sqlx::Row::get(&id, 0);
                sqlx::query(
                    "INSERT INTO supervision_steps (order_id, step) VALUES ($1, 'drafted')",
                )
                .bind(id)
                .execute(db)
                .await?;
                notifications::notify_roles(
                    db,
                    &["office"],
                    "supervision_draft",
                    serde_json::json!({"indicator": label, "count": task.days}),
                    &format!("/supervision/{id}"),
                    &format!("supervision-draft:{id}"),
                )
                .await?;
                out.drafts += 1;
            }
        }
    }
    Ok(out)
}

/// Sets a campaign's escalation rule (from its plan file).
pub async fn set_escalation_rule(
    db: impl sqlx::PgExecutor<'_>,
    campaign_id: i64,
    rule: EscalationRule,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO escalation_rules (campaign_id, remind_clerk_days, remind_head_days, draft_order_days) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (campaign_id) DO UPDATE SET remind_clerk_days = $2, \
             remind_head_days = $3, draft_order_days = $4",
    )
    .bind(campaign_id)
    .bind(rule.remind_clerk_days)
    .bind(rule.remind_head_days)
    .bind(rule.draft_order_days)
    .execute(db)
    .await?;
    Ok(())
}
