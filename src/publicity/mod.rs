//! 公示: the office issues a notice for one or more locked rounds (one city's, or several
//! cities' together), edits the generated draft, and publishes it on a public page for a
//! period (15 days by default, as the campaign plan and the provincial notices have it).
//! The public may object during the period ([`objections`]); after it the notice records
//! "公示期满，无异议" or the count and outcomes.
//!
//! Commands take parsed values ([`Period`], [`DraftText`]) so an unchecked period or an
//! empty title cannot reach the database; every refusal is a [`Refusal`] the handlers word
//! in the user's language.

pub mod objections;
pub mod text;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::scoring::locked::{self, LockedRound};

/// Default length of a 公示, in days, counting the first and the last.
pub const DEFAULT_DAYS: i64 = 15;
/// Longest title, issuer and contact text, in characters.
const MAX_LINE_CHARS: usize = 200;
const MAX_CONTACT_CHARS: usize = 1_000;
/// Longest notice text, in characters.
const MAX_BODY_CHARS: usize = 20_000;
/// A 公示 longer than this is a mistake, not a choice.
const MAX_DAYS: i64 = 366;

/// Why a command was refused. Each has a message key (`publicity-refused-…`) and a code
/// for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A date that is missing or not a date.
    BadDate,
    /// The period ends before it starts.
    PeriodBackwards,
    PeriodTooLong,
    TitleMissing,
    IssuerMissing,
    /// Publishing without contact details (objections need somewhere to go).
    ContactMissing,
    TooLong,
    NoRounds,
    /// A chosen round is not locked (or does not exist).
    RoundNotLocked,
    /// Editing or publishing a notice that is already published.
    NotDraft,
    /// An objection outside the period, or to a notice not published.
    WindowClosed,
    /// An objection without a real name.
    NameMissing,
    /// An objection without contact details.
    ObjectionContactMissing,
    ObjectionTextMissing,
    /// An attachment that is neither a document nor an image.
    AttachmentType,
    /// A handling step that does not follow from the objection's state.
    WrongState,
    /// Not accepted or resolved without saying why or how.
    AnswerMissing,
    UnknownAction,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadDate => "bad_date",
            Refusal::PeriodBackwards => "period_backwards",
            Refusal::PeriodTooLong => "period_too_long",
            Refusal::TitleMissing => "title_missing",
            Refusal::IssuerMissing => "issuer_missing",
            Refusal::ContactMissing => "contact_missing",
            Refusal::TooLong => "too_long",
            Refusal::NoRounds => "no_rounds",
            Refusal::RoundNotLocked => "round_not_locked",
            Refusal::NotDraft => "not_draft",
            Refusal::WindowClosed => "window_closed",
            Refusal::NameMissing => "anonymous_name",
            Refusal::ObjectionContactMissing => "anonymous_contact",
            Refusal::ObjectionTextMissing => "text_missing",
            Refusal::AttachmentType => "attachment_type",
            Refusal::WrongState => "wrong_state",
            Refusal::AnswerMissing => "answer_missing",
            Refusal::UnknownAction => "unknown_action",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::BadDate => "publicity-refused-bad-date",
            Refusal::PeriodBackwards => "publicity-refused-period-backwards",
            Refusal::PeriodTooLong => "publicity-refused-period-too-long",
            Refusal::TitleMissing => "publicity-refused-title",
            Refusal::IssuerMissing => "publicity-refused-issuer",
            Refusal::ContactMissing => "publicity-refused-contact",
            Refusal::TooLong => "publicity-refused-too-long",
            Refusal::NoRounds => "publicity-refused-no-rounds",
            Refusal::RoundNotLocked => "publicity-refused-round-not-locked",
            Refusal::NotDraft => "publicity-refused-not-draft",
            Refusal::WindowClosed => "publicity-refused-window-closed",
            Refusal::NameMissing => "publicity-refused-anonymous-name",
            Refusal::ObjectionContactMissing => "publicity-refused-anonymous-contact",
            Refusal::ObjectionTextMissing => "publicity-refused-objection-text",
            Refusal::AttachmentType => "publicity-refused-attachment-type",
            Refusal::WrongState => "publicity-refused-wrong-state",
            Refusal::AnswerMissing => "publicity-refused-answer",
            Refusal::UnknownAction => "publicity-refused-unknown-action",
        }
    }
}

/// A 公示 period: first and last day, both included, the last never before the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl Period {
    pub fn new(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<Period, Refusal> {
        if ends_on < starts_on {
            return Err(Refusal::PeriodBackwards);
        }
        if (ends_on - starts_on).num_days() >= MAX_DAYS {
            return Err(Refusal::PeriodTooLong);
        }
        Ok(Period { starts_on, ends_on })
    }

    /// [`DEFAULT_DAYS`] days from `starts_on` (2023年10月25日 → 11月8日).
    pub fn default_from(starts_on: NaiveDate) -> Period {
        Period {
            starts_on,
            ends_on: starts_on + Duration::days(DEFAULT_DAYS - 1),
        }
    }

    /// From form text (`YYYY-MM-DD`); an empty end means the default length.
    pub fn parse(start: &str, end: &str) -> Result<Period, Refusal> {
        let date = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
        let starts_on = date(start).ok_or(Refusal::BadDate)?;
        if end.trim().is_empty() {
            return Ok(Period::default_from(starts_on));
        }
        Period::new(starts_on, date(end).ok_or(Refusal::BadDate)?)
    }

    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }
}

/// Where a published notice's period stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// 未开始
    NotStarted,
    /// 公示中
    Open,
    /// 已期满
    Ended,
}

impl Window {
    pub fn on(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> Window {
        if today < starts_on {
            Window::NotStarted
        } else if today <= ends_on {
            Window::Open
        } else {
            Window::Ended
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Window::NotStarted => "not_started",
            Window::Open => "open",
            Window::Ended => "ended",
        }
    }
}

/// A notice's editable text, checked.
#[derive(Debug, Clone)]
pub struct DraftText {
    pub title: String,
    pub body: String,
    pub issuer: String,
    pub contact: String,
    pub period: Period,
}

impl DraftText {
    /// Checks every field; returns every problem at once, so the form can show them all.
    pub fn parse(
        title: &str,
        body: &str,
        issuer: &str,
        contact: &str,
        start: &str,
        end: &str,
    ) -> Result<DraftText, Vec<Refusal>> {
        let mut problems = Vec::new();
        let period = Period::parse(start, end).map_err(|r| problems.push(r)).ok();
        let (title, body, issuer, contact) =
            (title.trim(), body.trim(), issuer.trim(), contact.trim());
        if title.is_empty() {
            problems.push(Refusal::TitleMissing);
        }
        if issuer.is_empty() {
            problems.push(Refusal::IssuerMissing);
        }
        let long = |t: &str, max: usize| t.chars().count() > max;
        if long(title, MAX_LINE_CHARS)
            || long(issuer, MAX_LINE_CHARS)
            || long(contact, MAX_CONTACT_CHARS)
            || long(body, MAX_BODY_CHARS)
        {
            problems.push(Refusal::TooLong);
        }
        match period {
            Some(period) if problems.is_empty() => Ok(DraftText {
                title: title.to_string(),
                body: body.to_string(),
                issuer: issuer.to_string(),
                contact: contact.to_string(),
                period,
            }),
            _ => Err(problems),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum NoticeState {
    Draft,
    Published,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Notice {
    pub id: i64,
    pub campaign_id: i64,
    pub title: String,
    pub body: String,
    pub issuer: String,
    pub contact: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: NoticeState,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Notice {
    pub fn window(&self, today: NaiveDate) -> Window {
        Window::on(self.starts_on, self.ends_on, today)
    }

    pub fn is_draft(&self) -> bool {
        self.state == NoticeState::Draft
    }
}

const COLUMNS: &str = "id, campaign_id, title, body, issuer, contact, starts_on, ends_on, state, created_at, published_at";

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a notice's text as the next six parameters (title, body, issuer, contact, first
/// and last day), in the order both the insert and the update name them.
fn bind_text<'q>(query: Query<'q>, text: &'q DraftText) -> Query<'q> {
    query
        .bind(&text.title)
        .bind(&text.body)
        .bind(&text.issuer)
        .bind(&text.contact)
        .bind(text.period.starts_on)
        .bind(text.period.ends_on)
}

/// Drafts a notice for `round_ids` (each must be locked), with `text` (usually generated
/// by [`text::draft`] and shown for editing first).
pub async fn issue_draft(
    db: &PgPool,
    campaign_id: i64,
    round_ids: &[i64],
    text: &DraftText,
    user_id: i64,
) -> Result<Result<i64, Refusal>, sqlx::Error> {
    if round_ids.is_empty() {
        return Ok(Err(Refusal::NoRounds));
    }
    if locked::by_ids(db, round_ids).await?.len() != round_ids.len() {
        return Ok(Err(Refusal::RoundNotLocked));
    }
    let mut tx = db.begin().await?;
    let row = bind_text(
        sqlx::query(
            "INSERT INTO publicity_notices (campaign_id, title, body, issuer, contact, starts_on, ends_on, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(campaign_id),
        text,
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = sqlx::Row::try_get(&row, 0)?;
    sqlx::query(
        "INSERT INTO publicity_rounds (notice_id, round_id) SELECT $1, unnest($2::bigint[])",
    )
    .bind(id)
    .bind(round_ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Replaces a draft's text; a published notice is never changed.
pub async fn edit_draft(
    db: &PgPool,
    id: i64,
    text: &DraftText,
) -> Result<Result<(), Refusal>, sqlx::Error> {
    let done = bind_text(
        sqlx::query(
            "UPDATE publicity_notices SET title = $2, body = $3, issuer = $4, contact = $5, starts_on = $6, \
             ends_on = $7, updated_at = now() WHERE id = $1 AND state = 'draft'",
        )
        .bind(id),
        text,
    )
    .execute(db)
    .await?;
    Ok(if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Refusal::NotDraft)
    })
}

/// Publishes a draft: from now on it is public and frozen.
pub async fn publish(
    db: &PgPool,
    notice: &Notice,
    user_id: i64,
) -> Result<Result<(), Refusal>, sqlx::Error> {
    if notice.contact.trim().is_empty() {
        return Ok(Err(Refusal::ContactMissing));
    }
    let done = sqlx::query(
        "UPDATE publicity_notices SET state = 'published', published_at = now(), published_by = $2, \
         updated_at = now() WHERE id = $1 AND state = 'draft'",
    )
    .bind(notice.id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Refusal::NotDraft)
    })
}

pub async fn find(db: &PgPool, id: i64) -> sqlx::Result<Option<Notice>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM publicity_notices WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A published notice (drafts are not public: they answer as if they did not exist).
pub async fn find_published(db: &PgPool, id: i64) -> sqlx::Result<Option<Notice>> {
    Ok(find(db, id).await?.filter(|n| !n.is_draft()))
}

/// Every notice, drafts first, then the latest published.
pub async fn list_all(db: &PgPool) -> sqlx::Result<Vec<Notice>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM publicity_notices ORDER BY state = 'published', starts_on DESC, id DESC"
    ))
    .fetch_all(db)
    .await
}

pub async fn list_published(db: &PgPool) -> sqlx::Result<Vec<Notice>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM publicity_notices WHERE state = 'published' ORDER BY starts_on DESC, id DESC"
    ))
    .fetch_all(db)
    .await
}

/// The rounds a notice is about, with their frozen results.
pub async fn rounds_of(db: &PgPool, notice_id: i64) -> sqlx::Result<Vec<LockedRound>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT round_id FROM publicity_rounds WHERE notice_id = $1 ORDER BY round_id",
    )
    .bind(notice_id)
    .fetch_all(db)
    .await?;
    locked::by_ids(db, &ids).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_period_is_fifteen_days_like_the_provincial_notice() {
        let p = Period::default_from(d(2023, 10, 25));
        assert_eq!(p.ends_on(), d(2023, 11, 8));
        assert_eq!(Period::parse("2023-10-25", "").unwrap(), p);
    }

    #[test]
    fn a_period_that_ends_before_it_starts_is_refused() {
        assert_eq!(
            Period::parse("2026-12-10", "2026-12-01"),
            Err(Refusal::PeriodBackwards)
        );
        assert_eq!(Period::parse("", "2026-12-01"), Err(Refusal::BadDate));
        assert_eq!(Period::parse("2026-12-01", "x"), Err(Refusal::BadDate));
        assert!(Period::parse("2026-12-01", "2026-12-01").is_ok());
        assert_eq!(
            Period::parse("2026-01-01", "2027-06-01"),
            Err(Refusal::PeriodTooLong)
        );
    }

    #[test]
    fn window_states() {
        let (s, e) = (d(2026, 12, 2), d(2026, 12, 16));
        assert_eq!(Window::on(s, e, d(2026, 12, 1)), Window::NotStarted);
        assert_eq!(Window::on(s, e, s), Window::Open);
        assert_eq!(Window::on(s, e, e), Window::Open);
        assert_eq!(Window::on(s, e, d(2026, 12, 17)), Window::Ended);
    }

    #[test]
    fn draft_text_reports_every_problem() {
        let problems =
            DraftText::parse(" ", "正文", "", "", "2026-12-10", "2026-12-01").unwrap_err();
        assert_eq!(
            problems,
            vec![
                Refusal::PeriodBackwards,
                Refusal::TitleMissing,
                Refusal::IssuerMissing
            ]
        );
    }
}
