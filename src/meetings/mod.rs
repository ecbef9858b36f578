//! 调度 meetings (issue 16 §5): the register of the meetings that drive the campaign —
//! the office's and departments' 月调度, 季调度 of the member units, the government's
//! 常务会调度, the 领导小组's meetings, 专题调度 — with who convened, chaired and attended,
//! and the decisions each took. A decision becomes a task in the review loop or a
//! milestone of a programme ([`outcomes`]). Progress reports and bulletins count the
//! meetings per kind and per convening organisation ([`counts`], [`counts_by_convener`]).
//! What may be recorded is [`rules`]; who may record is the web layer's policy.

pub mod outcomes;
pub mod rules;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

pub use rules::{
    Choices, DecisionInput, MeetingInput, MilestoneFromDecision, MilestoneInput, NewDecision,
    NewMeeting, Refusal, Standing, TaskFromDecision, TaskInput, Work,
};

/// The kinds of meeting, stored as codes (labels `meeting-kind-<code>` in the locales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 月调度
    Monthly,
    /// 季调度
    Quarterly,
    /// 常务会调度 (the government's executive meeting taking up the campaign)
    Executive,
    /// 领导小组会议
    LeadingGroup,
    /// 专题调度
    Special,
    /// 其他
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Monthly,
        Kind::Quarterly,
        Kind::Executive,
        Kind::LeadingGroup,
        Kind::Special,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Monthly => "monthly",
            Kind::Quarterly => "quarterly",
            Kind::Executive => "executive",
            Kind::LeadingGroup => "leading_group",
            Kind::Special => "special",
            Kind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The name as reports write it (task history, the JSON API).
    pub fn official(self) -> &'static str {
        match self {
            Kind::Monthly => "月调度",
            Kind::Quarterly => "季调度",
            Kind::Executive => "常务会调度",
            Kind::LeadingGroup => "领导小组会议",
            Kind::Special => "专题调度",
            Kind::Other => "其他会议",
        }
    }
}

/// One meeting as its page shows it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub campaign_id: i64,
    pub kind: Kind,
    pub held_on: NaiveDate,
    pub title: String,
    pub chair: String,
    pub convener_id: i64,
    pub convener_name: String,
    pub summary: String,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A meeting in the register's list.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct MeetingRow {
    pub id: i64,
    pub kind: Kind,
    pub held_on: NaiveDate,
    pub title: String,
    pub chair: String,
    pub convener_id: i64,
    pub convener_name: String,
    pub summary: String,
    pub decision_count: i64,
    /// Decisions that became a task or a milestone.
    pub became_count: i64,
}

/// A decision with what it became.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Decision {
    pub id: i64,
    pub meeting_id: i64,
    pub seq: i32,
    pub text: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub task_id: Option<i64>,
    /// The task's indicator number or programme label ("46", "工程3"), worded by
    /// [`crate::tasks::work_label`] once the row is read.
    #[sqlx(skip)]
    pub task_work: Option<String>,
    #[serde(skip)]
    pub task_programme_kind: Option<String>,
    #[serde(skip)]
    pub task_programme_number: Option<i32>,
    pub task_indicator: Option<i32>,
    pub task_programme_id: Option<i64>,
    pub task_organisation_id: Option<i64>,
    pub task_organisation_name: Option<String>,
    pub task_status: Option<crate::tasks::Status>,
    pub task_due_on: Option<NaiveDate>,
    pub milestone_id: Option<i64>,
    pub milestone_programme_id: Option<i64>,
    /// The milestone's programme label, worded by [`crate::programmes::label`].
    #[sqlx(skip)]
    pub milestone_programme: Option<String>,
    #[serde(skip)]
    pub milestone_programme_kind: Option<String>,
    #[serde(skip)]
    pub milestone_programme_number: Option<i32>,
    pub milestone_title: Option<String>,
    pub milestone_due_on: Option<NaiveDate>,
    pub milestone_done_on: Option<NaiveDate>,
}

impl Decision {
    /// Whether it has become a task or a milestone (it then becomes nothing else).
    pub fn became(&self) -> bool {
        self.task_id.is_some() || self.milestone_id.is_some()
    }
}

/// An attending organisation of a meeting.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Attendee {
    pub meeting_id: i64,
    pub organisation_id: i64,
    pub name: String,
}

/// The register's filters. An organisation matches the meetings it convened or attended;
/// the period is inclusive at both ends.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub organisation_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The WHERE clause of listing and counting ($1 campaign, $2 kind, $3 organisation, $4
/// from, $5 to).
const FILTER: &str = "m.campaign_id = $1 AND ($2::text IS NULL OR m.kind = $2) \
     AND ($3::bigint IS NULL OR m.convener_id = $3 OR EXISTS \
          (SELECT 1 FROM meeting_attendees a WHERE a.meeting_id = m.id AND a.organisation_id = $3)) \
     AND ($4::date IS NULL OR m.held_on >= $4) AND ($5::date IS NULL OR m.held_on <= $5)";

/// Meetings of the campaign, latest first.
pub async fn list(
    db: &PgPool,
    campaign_id: i64,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<MeetingRow>> {
    sqlx::query_as(&format!(
        "SELECT m.id, m.kind, m.held_on, m.title, m.chair, m.convener_id, o.name AS convener_name, m.summary, \
                (SELECT count(*) FROM meeting_decisions d WHERE d.meeting_id = m.id) AS decision_count, \
                (SELECT count(*) FROM meeting_decisions d WHERE d.meeting_id = m.id \
                   AND (d.task_id IS NOT NULL OR d.milestone_id IS NOT NULL)) AS became_count \
         FROM meetings m JOIN organisations o ON o.id = m.convener_id \
         WHERE {FILTER} ORDER BY m.held_on DESC, m.id DESC LIMIT $6 OFFSET $7"
    ))
    .bind(campaign_id)
    .bind(filter.kind.map(Kind::as_str))
    .bind(filter.organisation_id)
    .bind(filter.from)
    .bind(filter.to)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// How many meetings `list` would return without paging.
pub async fn count(db: &PgPool, campaign_id: i64, filter: &Filter) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM meetings m WHERE {FILTER}"))
        .bind(campaign_id)
        .bind(filter.kind.map(Kind::as_str))
        .bind(filter.organisation_id)
        .bind(filter.from)
        .bind(filter.to)
        .fetch_one(db)
        .await
}

pub async fn find(db: impl sqlx::PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Meeting>> {
    sqlx::query_as(
        "SELECT m.id, m.campaign_id, m.kind, m.held_on, m.title, m.chair, m.convener_id, \
                o.name AS convener_name, m.summary, u.display_name AS created_by_name, m.created_at, m.updated_at \
         FROM meetings m JOIN organisations o ON o.id = m.convener_id LEFT JOIN users u ON u.id = m.created_by \
         WHERE m.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The attending organisations of these meetings, in display order.
pub async fn attendees(db: &PgPool, meeting_ids: &[i64]) -> sqlx::Result<Vec<Attendee>> {
    sqlx::query_as(
        "SELECT a.meeting_id, a.organisation_id, o.name FROM meeting_attendees a \
         JOIN organisations o ON o.id = a.organisation_id WHERE a.meeting_id = ANY($1) \
         ORDER BY a.meeting_id, array_position(ARRAY['office','department','county','assessor_group','external'], o.kind), \
                  o.sort_order, o.id",
    )
    .bind(meeting_ids)
    .fetch_all(db)
    .await
}

/// The decisions of these meetings, in order, with what each became.
pub async fn decisions(db: &PgPool, meeting_ids: &[i64]) -> sqlx::Result<Vec<Decision>> {
    let mut decisions: Vec<Decision> = sqlx::query_as(
        "SELECT d.id, d.meeting_id, d.seq, d.text, d.owner_id, ow.name AS owner_name, d.deadline, \
                d.task_id, tp.kind AS task_programme_kind, tp.number AS task_programme_number, \
                i.number AS task_indicator, t.programme_id AS task_programme_id, \
                t.organisation_id AS task_organisation_id, tor.name AS task_organisation_name, \
                t.status AS task_status, t.due_on AS task_due_on, \
                d.milestone_id, ms.programme_id AS milestone_programme_id, \
                mp.kind AS milestone_programme_kind, mp.number AS milestone_programme_number, \
                ms.title AS milestone_title, ms.due_on AS milestone_due_on, ms.done_on AS milestone_done_on \
         FROM meeting_decisions d \
         LEFT JOIN organisations ow ON ow.id = d.owner_id \
         LEFT JOIN tasks t ON t.id = d.task_id \
         LEFT JOIN indicators i ON i.id = t.indicator_id \
         LEFT JOIN programmes tp ON tp.id = t.programme_id \
         LEFT JOIN organisations tor ON tor.id = t.organisation_id \
         LEFT JOIN programme_milestones ms ON ms.id = d.milestone_id \
         LEFT JOIN programmes mp ON mp.id = ms.programme_id \
         WHERE d.meeting_id = ANY($1) ORDER BY d.meeting_id, d.seq",
    )
    .bind(meeting_ids)
    .fetch_all(db)
    .await?;
    for d in &mut decisions {
        if d.task_id.is_some() {
            d.task_work = Some(crate::tasks::work_label(
                d.task_indicator,
                &d.task_programme_kind,
                d.task_programme_number,
            ));
        }
        if let (Some(kind), Some(number)) =
            (&d.milestone_programme_kind, d.milestone_programme_number)
        {
            d.milestone_programme = Some(crate::programmes::label(kind, number));
        }
    }
    Ok(decisions)
}

/// The organisations and plan a meeting's forms choose from and are checked against.
pub async fn choices(db: &PgPool, campaign: &crate::campaigns::Campaign) -> sqlx::Result<Choices> {
    let organisations = crate::orgs::list(db, false).await?;
    let indicators: Vec<(i32, i64)> =
        sqlx::query_as("SELECT number, id FROM indicators WHERE edition_id = $1 ORDER BY number")
            .bind(campaign.edition_id)
            .fetch_all(db)
            .await?;
    let programmes = crate::programmes::list(db, campaign.id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.label(), p.title))
        .collect();
    Ok(Choices {
        organisations,
        indicators,
        programmes,
    })
}

/// Stores a meeting with its attending units and the decisions typed with it; returns
/// its id.
pub async fn record(
    db: &PgPool,
    campaign_id: i64,
    meeting: &NewMeeting,
    actor_id: i64,
) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (campaign_id, kind, held_on, title, chair, convener_id, summary, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(campaign_id)
    .bind(meeting.kind.as_str())
    .bind(meeting.held_on)
    .bind(&meeting.title)
    .bind(&meeting.chair)
    .bind(meeting.convener_id)
    .bind(&meeting.summary)
    .bind(actor_id)
    .fetch_one(&mut *tx)
    .await?;
    set_attendees(&mut tx, id, &meeting.attending).await?;
    sqlx::query(
        "INSERT INTO meeting_decisions (meeting_id, seq, text) \
         SELECT $1, seq, text FROM unnest($2::text[]) WITH ORDINALITY AS d (text, seq)",
    )
    .bind(id)
    .bind(&meeting.decisions)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn set_attendees(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    meeting_id: i64,
    attending: &[i64],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM meeting_attendees WHERE meeting_id = $1")
        .bind(meeting_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO meeting_attendees (meeting_id, organisation_id) SELECT $1, unnest($2::bigint[])",
    )
    .bind(meeting_id)
    .bind(attending)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The office's correction of a meeting: its fields and attending units. Its decisions
/// are left as they are (the edit form does not carry them). False when there is none.
pub async fn update(db: &PgPool, id: i64, meeting: &NewMeeting) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE meetings SET kind = $2, held_on = $3, title = $4, chair = $5, convener_id = $6, \
                summary = $7, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(meeting.kind.as_str())
    .bind(meeting.held_on)
    .bind(&meeting.title)
    .bind(&meeting.chair)
    .bind(meeting.convener_id)
    .bind(&meeting.summary)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if changed {
        set_attendees(&mut tx, id, &meeting.attending).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Adds a decision at the end of the meeting's list; returns its id and number.
pub async fn add_decision(
    db: &PgPool,
    meeting_id: i64,
    decision: &NewDecision,
) -> sqlx::Result<(i64, i32)> {
    let mut tx = db.begin().await?;
    // The meeting's row serialises numbering, so two clerks adding at once get 3 and 4.
    sqlx::query("SELECT 1 FROM meetings WHERE id = $1 FOR UPDATE")
        .bind(meeting_id)
        .execute(&mut *tx)
        .await?;
    let added: (i64, i32) = sqlx::query_as(
        "INSERT INTO meeting_decisions (meeting_id, seq, text, owner_id, deadline) \
         SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4 FROM meeting_decisions WHERE meeting_id = $1 \
         RETURNING id, seq",
    )
    .bind(meeting_id)
    .bind(&decision.text)
    .bind(decision.owner_id)
    .bind(decision.deadline)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Meetings per kind held from `from` to `to` (both included): every kind, in the order
/// of [`Kind::ALL`], zeros included, as `(kind code, count)`.
pub async fn counts(
    db: &PgPool,
    campaign_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count(*) FROM meetings WHERE campaign_id = $1 AND held_on BETWEEN $2 AND $3 GROUP BY kind",
    )
    .bind(campaign_id)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(Kind::ALL
        .iter()
        .map(|kind| {
            let count = rows
                .iter()
                .find(|(code, _)| code == kind.as_str())
                .map_or(0, |(_, n)| *n);
            (kind.as_str().to_string(), count)
        })
        .collect())
}

/// How many meetings of one kind one organisation convened in a period.
#[derive(Debug, Clone, PartialEq, Eq, FromRow, Serialize)]
pub struct ConvenerCount {
    pub organisation_id: i64,
    pub organisation_name: String,
    /// The kind's code (`monthly`, …).
    pub kind: String,
    pub count: i64,
}

/// Meetings per convening organisation and kind held from `from` to `to` (both
/// included), e.g. 县市场监管局 · monthly · 7. Only what was held (no zero rows), in the
/// organisations' display order, then the order of [`Kind::ALL`].
pub async fn counts_by_convener(
    db: &PgPool,
    campaign_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<ConvenerCount>> {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name AS organisation_name, m.kind, count(*) AS count \
         FROM meetings m JOIN organisations o ON o.id = m.convener_id \
         WHERE m.campaign_id = $1 AND m.held_on BETWEEN $2 AND $3 \
         GROUP BY o.id, m.kind \
         ORDER BY array_position(ARRAY['office','department','county','assessor_group','external'], o.kind), \
                  o.sort_order, o.id, array_position($4::text[], m.kind)",
    )
    .bind(campaign_id)
    .bind(from)
    .bind(to)
    .bind(&kinds)
    .fetch_all(db)
    .await
}
