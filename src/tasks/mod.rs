//! Tasks: what each organisation owes for each indicator, and the review loop that closes
//! them (闭环). Generated from the rubric; the office adds, reassigns and removes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgExecutor, PgPool, Postgres, QueryBuilder, Transaction};

pub mod due;
pub mod hand_over;
pub mod members;
pub mod people;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    InProgress,
    /// 待单位审核: submitted by a clerk, waiting for its unit head's approval before it
    /// reaches the office (organisations with 单位审核 only).
    UnitReview,
    Submitted,
    Returned,
    Approved,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::NotStarted,
        Status::InProgress,
        Status::UnitReview,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::UnitReview => "unit_review",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The organisation may still add, replace or delete evidence.
    pub fn editable(self) -> bool {
        matches!(
            self,
            Status::NotStarted | Status::InProgress | Status::Returned
        )
    }
}

/// Text of the task made for a named organisation that no numbered rubric task addresses.
pub(crate) const GENERIC_TASK: &str = "按照评价内容落实本指标要求，收集并报送佐证资料。";

/// Creates the campaign's tasks from its rubric edition: one per numbered rubric task and
/// organisation it addresses (各县（区） → every active county, 各责任单位 → the
/// indicator's named organisations, or the members its cell's clause reaches — see
/// [`members`]), plus a general task for each named organisation or reached member the
/// numbered tasks leave out. Safe to run again: only what is missing is added (e.g. for a
/// county created later or a department made a member). Returns how many were added.
pub async fn generate(db: &PgPool, campaign_id: i64) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    let added = generate_in(&mut tx, campaign_id).await?;
    tx.commit().await?;
    Ok(added)
}

/// [`generate`] inside the caller's transaction (an edition migration generates the new
/// indicators' tasks in the transaction that moves the old ones).
pub async fn generate_in(conn: &mut sqlx::PgConnection, campaign_id: i64) -> sqlx::Result<u64> {
    let expansions = members::expansions_in(&mut *conn, campaign_id).await?;
    let mut indicator_ids = Vec::new();
    let mut member_ids = Vec::new();
    let mut rules = Vec::new();
    for expansion in &expansions {
        for member in &expansion.members {
            indicator_ids.push(expansion.indicator_id);
            member_ids.push(member.id);
            rules.push(expansion.clause.expansion());
        }
    }
    // Indicators whose 各责任单位 tasks go to the members rather than the named bodies.
    let clause_indicators: Vec<i64> = expansions.iter().map(|e| e.indicator_id).collect();

    let rows = sqlx::query(
        "WITH reached AS ( \
             SELECT * FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS r (indicator_id, organisation_id, expansion) \
         ), targets AS ( \
             SELECT t.id AS rubric_task_id, t.indicator_id, t.text, ob.id AS organisation_id, NULL::text AS expansion \
             FROM indicator_tasks t JOIN indicator_task_organisations tto ON tto.task_id = t.id \
             JOIN organisations ob ON ob.body_id = tto.body_id \
           UNION \
             SELECT t.id, t.indicator_id, t.text, o.id, NULL FROM indicator_tasks t \
             JOIN organisations o ON o.kind = 'county' AND o.active WHERE t.counties \
           UNION \
             SELECT t.id, t.indicator_id, t.text, ob.id, NULL FROM indicator_tasks t \
             JOIN indicator_organisations io ON io.indicator_id = t.indicator_id \
             JOIN organisations ob ON ob.body_id = io.body_id \
             WHERE t.all_responsible AND t.indicator_id <> ALL($5::bigint[]) \
           UNION \
             SELECT t.id, t.indicator_id, t.text, r.organisation_id, r.expansion FROM indicator_tasks t \
             JOIN reached r ON r.indicator_id = t.indicator_id WHERE t.all_responsible \
         ), inserted AS ( \
             INSERT INTO tasks (campaign_id, indicator_id, organisation_id, rubric_task_id, relation, expansion, text) \
             SELECT c.id, tg.indicator_id, tg.organisation_id, tg.rubric_task_id, \
                    coalesce(io.role, CASE WHEN o.kind = 'county' THEN 'county' \
                                           WHEN tg.expansion IS NOT NULL THEN 'member' ELSE 'task' END), \
                    CASE WHEN io.role IS NULL THEN tg.expansion END, tg.text \
             FROM campaigns c \
             JOIN indicators i ON i.edition_id = c.edition_id \
             JOIN targets tg ON tg.indicator_id = i.id \
             JOIN organisations o ON o.id = tg.organisation_id \
             LEFT JOIN indicator_organisations io ON io.indicator_id = i.id AND io.body_id = o.body_id \
             WHERE c.id = $1 \
             ON CONFLICT DO NOTHING \
             RETURNING id \
         ) \
         INSERT INTO task_events (task_id, action) SELECT id, 'assigned' FROM inserted",
    )
    .bind(campaign_id)
    .bind(&indicator_ids)
    .bind(&member_ids)
    .bind(&rules)
    .bind(&clause_indicators)
    .execute(&mut *conn)
    .await?
    .rows_affected();

    // Named organisations, the counties (for 各县（区）) and the reached members that no
    // numbered task reaches; a named body that is also a member keeps its named role.
    let generic = sqlx::query(
        "WITH owed AS ( \
             SELECT DISTINCT ON (indicator_id, organisation_id) indicator_id, organisation_id, relation, expansion FROM ( \
                 SELECT io.indicator_id, ob.id AS organisation_id, io.role AS relation, NULL::text AS expansion, 0 AS rank \
                 FROM indicator_organisations io JOIN organisations ob ON ob.body_id = io.body_id \
               UNION ALL \
                 SELECT i.id, o.id, 'county', NULL, 1 FROM indicators i \
                 JOIN organisations o ON o.kind = 'county' AND o.active WHERE i.counties \
               UNION ALL \
                 SELECT r.indicator_id, r.organisation_id, 'member', r.expansion, 2 \
                 FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS r (indicator_id, organisation_id, expansion) \
             ) candidates ORDER BY indicator_id, organisation_id, rank \
         ), inserted AS ( \
             INSERT INTO tasks (campaign_id, indicator_id, organisation_id, relation, expansion, text) \
             SELECT c.id, ow.indicator_id, ow.organisation_id, ow.relation, ow.expansion, $2 \
             FROM campaigns c JOIN indicators i ON i.edition_id = c.edition_id \
             JOIN owed ow ON ow.indicator_id = i.id \
             WHERE c.id = $1 AND NOT EXISTS ( \
                 SELECT 1 FROM tasks x WHERE x.campaign_id = c.id AND x.indicator_id = ow.indicator_id \
                   AND x.organisation_id = ow.organisation_id) \
             RETURNING id \
         ) \
         INSERT INTO task_events (task_id, action) SELECT id, 'assigned' FROM inserted",
    )
    .bind(campaign_id)
    .bind(GENERIC_TASK)
    .bind(&indicator_ids)
    .bind(&member_ids)
    .bind(&rules)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // The campaign plan's programmes reach organisations too (a new county among them).
    let programme_tasks = crate::programmes::generate_tasks_in(conn, campaign_id).await?;
    Ok(rows + generic + programme_tasks)
}

/// A task as lists show it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct TaskRow {
    pub id: i64,
    /// None for a programme's task.
    pub indicator_number: Option<i32>,
    /// The indicator's content, or the programme's title.
    pub indicator_content: String,
    pub programme_id: Option<i64>,
    pub programme_kind: Option<String>,
    pub programme_number: Option<i32>,
    /// The member clause the task came from (`all_members`, `relevant_members`,
    /// `other_members`), if a cell's clause made it.
    pub expansion: Option<String>,
    /// The colleague who handles it (经办人), if one is named.
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub relation: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub status: Status,
    pub evidence_count: i64,
    /// Under an open 督办单 (its light is purple).
    pub supervised: bool,
    pub updated_at: DateTime<Utc>,
}

/// How lists and notices name what a task hangs on: the indicator's number ("46") or the
/// programme's label ("工程3"). The one place it is worded; queries select the parts.
pub fn work_label(indicator: Option<i32>, kind: &Option<String>, number: Option<i32>) -> String {
    match (indicator, kind, number) {
        (Some(n), _, _) => n.to_string(),
        (None, Some(kind), Some(number)) => crate::programmes::label(kind, number),
        _ => String::new(),
    }
}

impl Task {
    /// The indicator number, or the programme's label.
    pub fn work_label(&self) -> String {
        work_label(
            self.indicator_number,
            &self.programme_kind,
            self.programme_number,
        )
    }
}

impl TaskRow {
    /// The indicator number, or the programme's label.
    pub fn work_label(&self) -> String {
        work_label(
            self.indicator_number,
            &self.programme_kind,
            self.programme_number,
        )
    }

    pub fn overdue(&self, today: &NaiveDate) -> bool {
        self.due_on.is_some_and(|d| d < *today)
            && !matches!(self.status, Status::Submitted | Status::Approved)
    }

    /// The task's 督办灯, as its own page shows it.
    pub fn light(&self, today: NaiveDate) -> crate::supervision::Light {
        crate::supervision::task_light(
            self.due_on,
            matches!(self.status, Status::Submitted | Status::Approved),
            self.supervised,
            today,
        )
    }
}

#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub organisation_id: Option<i64>,
    pub status: Option<Status>,
    pub indicator_number: Option<i32>,
    pub overdue_on: Option<NaiveDate>,
    /// A programme's tasks; `Some(0)` for every programme's.
    pub programme_id: Option<i64>,
    /// The tasks one colleague handles (经办人).
    pub assignee_id: Option<i64>,
}

/// `WHERE` and the conditions `filter` sets, over `tasks t` joined with `indicators i`;
/// shared by listing, counting and bulk changes.
///
/// Only the set conditions are written, as the audit search does, rather than one fixed
/// clause of `($n IS NULL OR …)` alternatives: sqlx prepares every statement and
/// PostgreSQL plans a prepared statement once for any arguments; the fixed clause made it
/// expect one task where there were 1,690 and join them by nested loops (the office's
/// list took 8 ms instead of 1).
pub(super) fn push_filter(
    qb: &mut QueryBuilder<'_, Postgres>,
    campaign_id: i64,
    filter: &TaskFilter,
) {
    qb.push(" WHERE t.campaign_id = ")
        .push_bind(campaign_id)
        .push(" AND t.removed_at IS NULL");
    if let Some(org) = filter.organisation_id {
        qb.push(" AND t.organisation_id = ").push_bind(org);
    }
    if let Some(status) = filter.status {
        qb.push(" AND t.status = ").push_bind(status.as_str());
    }
    if let Some(number) = filter.indicator_number {
        qb.push(" AND i.number = ").push_bind(number);
    }
    if let Some(day) = filter.overdue_on {
        qb.push(" AND t.due_on < ")
            .push_bind(day)
            .push(" AND t.status NOT IN ('submitted', 'approved')");
    }
    match filter.programme_id {
        None => {}
        // The work of every programme.
        Some(0) => {
            qb.push(" AND t.programme_id IS NOT NULL");
        }
        Some(id) => {
            qb.push(" AND t.programme_id = ").push_bind(id);
        }
    }
    if let Some(assignee) = filter.assignee_id {
        qb.push(" AND t.assignee_id = ").push_bind(assignee);
    }
}

const ROW_COLUMNS: &str = "t.id, i.number AS indicator_number, coalesce(i.content, pg.title) AS indicator_content, \
     t.programme_id, pg.kind AS programme_kind, pg.number AS programme_number, t.expansion, \
     t.assignee_id, (SELECT display_name FROM users WHERE id = t.assignee_id) AS assignee_name, \
     t.organisation_id, o.name AS organisation_name, t.relation, t.text, t.due_on, t.status, \
     t.evidence_count::bigint AS evidence_count, \
     EXISTS (SELECT 1 FROM supervision_orders s WHERE s.task_id = t.id AND s.state NOT IN ('draft', 'closed')) AS supervised, \
     t.updated_at";

/// Tasks of a campaign in the order a clerk works through them: overdue first, then
/// returned (needing a fix), in progress, not started, waiting for review, approved;
/// within that by due date and indicator.
pub async fn list(
    db: &PgPool,
    campaign_id: i64,
    today: NaiveDate,
    filter: &TaskFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<TaskRow>> {
    // The page's ids are sorted first on narrow rows; the wide columns are read for
    // those rows only (sorting all 1,690 tasks with their texts was half the query).
    let mut qb = QueryBuilder::<Postgres>::new(
        "WITH page AS ( \
           SELECT id, position FROM unnest(ARRAY( \
             SELECT t.id FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
             JOIN organisations o ON o.id = t.organisation_id",
    );
    push_filter(&mut qb, campaign_id, filter);
    qb.push(" ORDER BY coalesce(t.due_on < ")
        .push_bind(today)
        .push(
            " AND t.status NOT IN ('submitted', 'approved'), false) DESC, \
             CASE t.status WHEN 'returned' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'not_started' THEN 2 \
                           WHEN 'submitted' THEN 3 ELSE 4 END, \
             t.due_on NULLS LAST, i.number, pg.kind, pg.number, o.sort_order, t.id LIMIT ",
        )
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset)
        .push(format!(
            ")) WITH ORDINALITY AS page (id, position)) \
             SELECT {ROW_COLUMNS} FROM page JOIN tasks t ON t.id = page.id \
             LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
             JOIN organisations o ON o.id = t.organisation_id \
             ORDER BY page.position"
        ));
    qb.build_query_as().fetch_all(db).await
}

/// The office's review queue: submitted tasks, oldest submission first, `limit` from
/// `offset`.
pub async fn review_queue(
    db: &PgPool,
    campaign_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<TaskRow>> {
    sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.status = 'submitted' \
         ORDER BY t.updated_at, t.id LIMIT $2 OFFSET $3"
    ))
    .bind(campaign_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// How many tasks wait in the review queue.
pub async fn review_queue_len(db: &PgPool, campaign_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE campaign_id = $1 AND removed_at IS NULL AND status = 'submitted'",
    )
    .bind(campaign_id)
    .fetch_one(db)
    .await
}

/// One task with what its page shows.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Task {
    pub id: i64,
    pub campaign_id: i64,
    /// None for a programme's task.
    pub indicator_id: Option<i64>,
    pub indicator_number: Option<i32>,
    /// The indicator's content, or the programme's title.
    pub indicator_content: String,
    pub programme_id: Option<i64>,
    pub programme_kind: Option<String>,
    pub programme_number: Option<i32>,
    /// The member clause the task came from (`all_members`, …), if any.
    pub expansion: Option<String>,
    /// The colleague who handles it (经办人), if one is named.
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub rubric_task_id: Option<i64>,
    pub relation: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub status: Status,
    pub removed_at: Option<DateTime<Utc>>,
}

pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Task>> {
    sqlx::query_as(
        "SELECT t.id, t.campaign_id, t.indicator_id, i.number AS indicator_number, coalesce(i.content, pg.title) AS indicator_content, \
                t.programme_id, pg.kind AS programme_kind, pg.number AS programme_number, t.expansion, \
                t.assignee_id, (SELECT display_name FROM users WHERE id = t.assignee_id) AS assignee_name, \
                t.organisation_id, o.name AS organisation_name, t.rubric_task_id, t.relation, t.text, t.due_on, \
                t.status, t.removed_at \
         FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN programmes pg ON pg.id = t.programme_id JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Locks the task row for a state change inside `tx`.
pub async fn lock(tx: &mut Transaction<'_, Postgres>, id: i64) -> sqlx::Result<Option<Task>> {
    sqlx::query("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    find(&mut **tx, id).await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub actor_org: Option<String>,
    pub action: String,
    pub comment: String,
    pub detail: serde_json::Value,
}

pub async fn events(db: &PgPool, task_id: i64) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT e.id, e.at, u.display_name AS actor_name, o.name AS actor_org, e.action, e.comment, e.detail \
         FROM task_events e LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN organisations o ON o.id = u.organisation_id \
         WHERE e.task_id = $1 ORDER BY e.id",
    )
    .bind(task_id)
    .fetch_all(db)
    .await
}

pub async fn record_event(
    tx: &mut Transaction<'_, Postgres>,
    task_id: i64,
    actor_id: i64,
    action: &str,
    comment: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO task_events (task_id, actor_id, action, comment, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(task_id)
        .bind(actor_id)
        .bind(action)
        .bind(comment)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_status(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    status: Status,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tasks SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Why a step of the review loop is refused (the web layer words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopError {
    NotFound,
    WrongState,
    NoEvidence,
    CommentRequired,
}

/// The clerk sends the task for review; it needs at least one piece of evidence.
pub async fn submit(
    db: &PgPool,
    task_id: i64,
    actor_id: i64,
    comment: &str,
) -> anyhow::Result<Result<Status, LoopError>> {
    let mut tx = db.begin().await?;
    let Some(task) = lock(&mut tx, task_id)
        .await?
        .filter(|t| t.removed_at.is_none())
    else {
        return Ok(Err(LoopError::NotFound));
    };
    if !task.status.editable() {
        return Ok(Err(LoopError::WrongState));
    }
    let evidence: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM evidence_uses eu JOIN evidence e ON e.id = eu.evidence_id WHERE eu.task_id = $1 AND e.deleted_at IS NULL",
    )
    .bind(task_id)
    .fetch_one(&mut *tx)
    .await?;
    if evidence == 0 {
        return Ok(Err(LoopError::NoEvidence));
    }
    // 单位审核: a clerk's submission waits for its head first; the head's own goes on.
    let to_unit: bool = sqlx::query_scalar(
        "SELECT o.unit_review AND NOT coalesce((SELECT unit_head FROM users WHERE id = $2), false) \
         FROM organisations o WHERE o.id = $1",
    )
    .bind(task.organisation_id)
    .bind(actor_id)
    .fetch_one(&mut *tx)
    .await?;
    let next = if to_unit {
        Status::UnitReview
    } else {
        Status::Submitted
    };
    let action = match (to_unit, task.status == Status::Returned) {
        (true, _) => "submitted_to_unit",
        (false, true) => "resubmitted",
        (false, false) => "submitted",
    };
    set_status(&mut tx, task_id, next).await?;
    record_event(
        &mut tx,
        task_id,
        actor_id,
        action,
        comment.trim(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(next))
}

/// The office approves a submitted task, or returns it with a comment saying what to fix.
pub async fn review(
    db: &PgPool,
    task_id: i64,
    actor_id: i64,
    approve: bool,
    comment: &str,
) -> anyhow::Result<Result<Task, LoopError>> {
    let step = if approve {
        (Status::Approved, "approved")
    } else {
        (Status::Returned, "returned")
    };
    decide(db, task_id, actor_id, Status::Submitted, step, comment).await
}

/// A reviewer's decision on a task waiting in `waiting`: it moves to `to` with the event
/// `action`. Returning (to [`Status::Returned`]) needs a comment saying what to fix.
/// Shared by the office's review and the unit head's 单位审核.
pub(crate) async fn decide(
    db: &PgPool,
    task_id: i64,
    actor_id: i64,
    waiting: Status,
    (status, action): (Status, &str),
    comment: &str,
) -> anyhow::Result<Result<Task, LoopError>> {
    if status == Status::Returned && comment.trim().is_empty() {
        return Ok(Err(LoopError::CommentRequired));
    }
    let mut tx = db.begin().await?;
    let Some(task) = lock(&mut tx, task_id)
        .await?
        .filter(|t| t.removed_at.is_none())
    else {
        return Ok(Err(LoopError::NotFound));
    };
    if task.status != waiting {
        return Ok(Err(LoopError::WrongState));
    }
    set_status(&mut tx, task_id, status).await?;
    record_event(
        &mut tx,
        task_id,
        actor_id,
        action,
        comment.trim(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(task))
}

/// Returns a task for rectification (限期整改) after an evaluation found a problem: like
/// the office's 退回 in [`review`] (status returned, a `returned` event with the reason,
/// which the organisation is notified of), but from any state and with a new due date.
/// Runs inside the caller's transaction, so the caller can record why in the same step.
/// A removed task is left alone (None).
pub async fn return_for_rectification(
    tx: &mut Transaction<'_, Postgres>,
    task_id: i64,
    actor_id: i64,
    comment: &str,
    due_on: NaiveDate,
    detail: serde_json::Value,
) -> sqlx::Result<Option<Task>> {
    let Some(task) = lock(tx, task_id).await?.filter(|t| t.removed_at.is_none()) else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE tasks SET status = 'returned', due_on = $2, updated_at = now() WHERE id = $1",
    )
    .bind(task_id)
    .bind(due_on)
    .execute(&mut **tx)
    .await?;
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("before".into(), serde_json::json!(task.status.as_str()));
        map.insert("due_on".into(), serde_json::json!(due_on));
    }
    record_event(tx, task_id, actor_id, "returned", comment.trim(), detail).await?;
    Ok(Some(task))
}

/// Per organisation: how often its tasks came back, and were sent again.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct LoopCounts {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub total: i64,
    pub approved: i64,
    pub submitted: i64,
    pub returned_now: i64,
    pub times_returned: i64,
    pub times_resubmitted: i64,
}

pub async fn loop_counts(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<LoopCounts>> {
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name AS organisation_name, \
                count(*) AS total, \
                count(*) FILTER (WHERE t.status = 'approved') AS approved, \
                count(*) FILTER (WHERE t.status = 'submitted') AS submitted, \
                count(*) FILTER (WHERE t.status = 'returned') AS returned_now, \
                coalesce(sum(r.returned), 0)::bigint AS times_returned, \
                coalesce(sum(r.resubmitted), 0)::bigint AS times_resubmitted \
         FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         LEFT JOIN (SELECT task_id, count(*) FILTER (WHERE action = 'returned') AS returned, \
                           count(*) FILTER (WHERE action = 'resubmitted') AS resubmitted \
                    FROM task_events WHERE action IN ('returned', 'resubmitted') GROUP BY task_id) r \
                ON r.task_id = t.id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         GROUP BY o.id ORDER BY times_returned DESC, o.kind, o.sort_order, o.id",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// How many tasks `list` would return without paging.
pub async fn count(db: &PgPool, campaign_id: i64, filter: &TaskFilter) -> sqlx::Result<i64> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT count(*) FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id",
    );
    push_filter(&mut qb, campaign_id, filter);
    qb.build_query_scalar().fetch_one(db).await
}

/// Counts by status for one organisation (or all, with None).
pub async fn status_counts(
    db: &PgPool,
    campaign_id: i64,
    organisation_id: Option<i64>,
) -> sqlx::Result<Vec<(Status, i64)>> {
    sqlx::query_as(
        "SELECT status, count(*) FROM tasks WHERE campaign_id = $1 AND removed_at IS NULL \
           AND ($2::bigint IS NULL OR organisation_id = $2) GROUP BY status",
    )
    .bind(campaign_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_writes_only_the_conditions_it_sets() {
        let sql = |filter: &TaskFilter| {
            let mut qb = QueryBuilder::<Postgres>::new("SELECT 1 FROM tasks t");
            push_filter(&mut qb, 7, filter);
            qb.sql().to_string()
        };
        assert_eq!(
            sql(&TaskFilter::default()),
            "SELECT 1 FROM tasks t WHERE t.campaign_id = $1 AND t.removed_at IS NULL"
        );
        assert_eq!(
            sql(&TaskFilter {
                organisation_id: Some(3),
                overdue_on: NaiveDate::from_ymd_opt(2026, 12, 25),
                programme_id: Some(0),
                ..TaskFilter::default()
            }),
            "SELECT 1 FROM tasks t WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
             AND t.organisation_id = $2 AND t.due_on < $3 AND t.status NOT IN ('submitted', 'approved') \
             AND t.programme_id IS NOT NULL"
        );
    }
}
