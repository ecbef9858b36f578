//! Objections to a published 公示: received from anyone during the period (real name and
//! contact required — anonymous objections are not accepted, as the provincial notices
//! say), handled by the office (accepted for verification → resolved, or not accepted
//! with a reason), each step recorded. The submitter follows the state with a code shown
//! once at submission; only its SHA-256 is kept.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgPool};

use super::{Refusal, Window};
use crate::storage::{FileType, Stored};

/// Longest name and contact, and longest objection text, in characters.
const MAX_NAME_CHARS: usize = 100;
const MAX_CONTACT_CHARS: usize = 300;
const MAX_TEXT_CHARS: usize = 10_000;
/// The one-hour window of the per-address limit.
const THROTTLE_WINDOW_SECS: f64 = 3600.0;
/// Code symbols: no look-alikes (0/O, 1/I/L), upper case so it reads aloud on the phone.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ObjectionState {
    /// 待处理
    Received,
    /// 已受理，正在核实
    Verifying,
    /// 不予受理
    NotAccepted,
    /// 已办结
    Resolved,
}

impl ObjectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionState::Received => "received",
            ObjectionState::Verifying => "verifying",
            ObjectionState::NotAccepted => "not_accepted",
            ObjectionState::Resolved => "resolved",
        }
    }
}

/// Objections of one notice by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub received: i64,
    pub verifying: i64,
    pub not_accepted: i64,
    pub resolved: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.received + self.verifying + self.not_accepted + self.resolved
    }
}

/// A checked objection from the public form.
#[derive(Debug, Clone)]
pub struct NewObjection {
    real_name: String,
    contact: String,
    text: String,
}

impl NewObjection {
    /// Refuses an anonymous objection (no name, or no contact) and an empty one; returns
    /// every problem at once.
    pub fn parse(real_name: &str, contact: &str, text: &str) -> Result<NewObjection, Vec<Refusal>> {
        let (real_name, contact, text) = (real_name.trim(), contact.trim(), text.trim());
        let mut problems = Vec::new();
        if real_name.is_empty() {
            problems.push(Refusal::NameMissing);
        }
        if contact.is_empty() {
            problems.push(Refusal::ObjectionContactMissing);
        }
        if text.is_empty() {
            problems.push(Refusal::ObjectionTextMissing);
        }
        if real_name.chars().count() > MAX_NAME_CHARS
            || contact.chars().count() > MAX_CONTACT_CHARS
            || text.chars().count() > MAX_TEXT_CHARS
        {
            problems.push(Refusal::TooLong);
        }
        if problems.is_empty() {
            Ok(NewObjection {
                real_name: real_name.to_string(),
                contact: contact.to_string(),
                text: text.to_string(),
            })
        } else {
            Err(problems)
        }
    }
}

/// Attachments must be a document or an image: of what storage accepts for evidence,
/// archives are refused (nobody can tell what an anonymous ZIP holds without opening it).
pub fn attachment_allowed(file_type: FileType) -> bool {
    !matches!(file_type, FileType::Zip)
}

/// One step of the office's handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handling {
    /// 受理核实 (an optional note for the record).
    AcceptForVerification { note: String },
    /// 不予受理, with the reason told to the submitter.
    NotAccepted { reason: String },
    /// 办结, with the outcome of the verification.
    Resolve { outcome: String },
}

impl Handling {
    pub fn parse(action: &str, text: &str) -> Result<Handling, Refusal> {
        let text = text.trim().to_string();
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Refusal::TooLong);
        }
        let needs_text = |t: String| {
            if t.is_empty() {
                Err(Refusal::AnswerMissing)
            } else {
                Ok(t)
            }
        };
        match action {
            "accept" => Ok(Handling::AcceptForVerification { note: text }),
            "reject" => Ok(Handling::NotAccepted {
                reason: needs_text(text)?,
            }),
            "resolve" => Ok(Handling::Resolve {
                outcome: needs_text(text)?,
            }),
            _ => Err(Refusal::UnknownAction),
        }
    }

    pub fn target(&self) -> ObjectionState {
        match self {
            Handling::AcceptForVerification { .. } => ObjectionState::Verifying,
            Handling::NotAccepted { .. } => ObjectionState::NotAccepted,
            Handling::Resolve { .. } => ObjectionState::Resolved,
        }
    }

    /// The state an objection must be in for this step.
    fn required_state(&self) -> ObjectionState {
        match self {
            Handling::AcceptForVerification { .. } | Handling::NotAccepted { .. } => {
                ObjectionState::Received
            }
            Handling::Resolve { .. } => ObjectionState::Verifying,
        }
    }

    fn text(&self) -> &str {
        match self {
            Handling::AcceptForVerification { note } => note,
            Handling::NotAccepted { reason } => reason,
            Handling::Resolve { outcome } => outcome,
        }
    }

    /// Whether the text is told to the submitter (a reason or an outcome) or only kept.
    fn answers(&self) -> bool {
        !matches!(self, Handling::AcceptForVerification { .. })
    }
}

/// A code as typed (any case, spaces or hyphens) to the form it is hashed in.
fn canonical_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn code_hash(code: &str) -> String {
    Sha256::digest(canonical_code(code).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records an objection (and its attachment, already stored and type-checked) if the
/// notice is published and within its period on `today`. Returns the id and the code.
pub async fn receive(
    db: &PgPool,
    notice_id: i64,
    today: NaiveDate,
    objection: &NewObjection,
    attachment: Option<&(Stored, String)>,
    client_addr: Option<&str>,
) -> Result<Result<(i64, String), Refusal>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Shared lock: the notice cannot change state while the objection is recorded.
    let notice: Option<(String, NaiveDate, NaiveDate)> = sqlx::query_as(
        "SELECT state, starts_on, ends_on FROM publicity_notices WHERE id = $1 FOR SHARE",
    )
    .bind(notice_id)
    .fetch_optional(&mut *tx)
    .await?;
    match notice {
        Some((state, starts_on, ends_on))
            if state == "published" && Window::on(starts_on, ends_on, today) == Window::Open => {}
        _ => return Ok(Err(Refusal::WindowClosed)),
    }
    let file_id = match attachment {
        // Nobody is signed in: the file has no uploader; the objection names who sent it.
        Some((stored, name)) => Some(
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO stored_files (storage_key, original_name, content_type, size_bytes, sha256) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&stored.key)
            .bind(name.trim())
            .bind(stored.file_type.mime())
            .bind(stored.size as i64)
            .bind(&stored.sha256)
            .fetch_one(&mut *tx)
            .await?,
        ),
        None => None,
    };
    let code = crate::accounts::password::grouped_code(CODE_ALPHABET, 4);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publicity_objections (notice_id, code_sha256, real_name, contact, body, file_id, client_addr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(notice_id)
    .bind(code_hash(&code))
    .bind(&objection.real_name)
    .bind(&objection.contact)
    .bind(&objection.text)
    .bind(file_id)
    .bind(client_addr)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO publicity_objection_events (objection_id, state) VALUES ($1, 'received')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok((id, code)))
}

/// Applies one handling step by `user_id`; refused unless it follows from the state.
/// Returns the notice the objection belongs to.
pub async fn handle(
    db: &PgPool,
    objection_id: i64,
    step: &Handling,
    user_id: i64,
) -> Result<Result<i64, Refusal>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let notice: Option<i64> = sqlx::query_scalar(
        "UPDATE publicity_objections SET state = $2, \
                answer = CASE WHEN $4 THEN $3 ELSE answer END, handled_by = $5, handled_at = now() \
         WHERE id = $1 AND state = $6 RETURNING notice_id",
    )
    .bind(objection_id)
    .bind(step.target())
    .bind(step.text())
    .bind(step.answers())
    .bind(user_id)
    .bind(step.required_state())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(notice) = notice else {
        return Ok(Err(Refusal::WrongState));
    };
    sqlx::query(
        "INSERT INTO publicity_objection_events (objection_id, state, note, actor_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(objection_id)
    .bind(step.target())
    .bind(step.text())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(notice))
}

/// What the submitter sees with their code.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Status {
    pub id: i64,
    pub notice_id: i64,
    pub notice_title: String,
    pub state: ObjectionState,
    pub answer: String,
    pub received_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
}

pub async fn status_by_code(db: &PgPool, code: &str) -> sqlx::Result<Option<Status>> {
    if canonical_code(code).is_empty() {
        return Ok(None);
    }
    sqlx::query_as(
        "SELECT o.id, o.notice_id, n.title AS notice_title, o.state, o.answer, o.received_at, o.handled_at \
         FROM publicity_objections o JOIN publicity_notices n ON n.id = o.notice_id WHERE o.code_sha256 = $1",
    )
    .bind(code_hash(code))
    .fetch_optional(db)
    .await
}

/// An objection as the office sees it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Objection {
    pub id: i64,
    pub notice_id: i64,
    pub real_name: String,
    pub contact: String,
    pub body: String,
    pub file_name: Option<String>,
    pub state: ObjectionState,
    pub answer: String,
    pub received_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by_name: Option<String>,
}

pub async fn for_notice(db: &PgPool, notice_id: i64) -> sqlx::Result<Vec<Objection>> {
    sqlx::query_as(
        "SELECT o.id, o.notice_id, o.real_name, o.contact, o.body, f.original_name AS file_name, o.state, \
                o.answer, o.received_at, o.handled_at, u.display_name AS handled_by_name \
         FROM publicity_objections o LEFT JOIN stored_files f ON f.id = o.file_id \
         LEFT JOIN users u ON u.id = o.handled_by WHERE o.notice_id = $1 ORDER BY o.id",
    )
    .bind(notice_id)
    .fetch_all(db)
    .await
}

/// One recorded step.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Event {
    pub objection_id: i64,
    pub state: ObjectionState,
    pub note: String,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn events_for_notice(db: &PgPool, notice_id: i64) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT e.objection_id, e.state, e.note, u.display_name AS actor_name, e.at \
         FROM publicity_objection_events e JOIN publicity_objections o ON o.id = e.objection_id \
         LEFT JOIN users u ON u.id = e.actor_id WHERE o.notice_id = $1 ORDER BY e.id",
    )
    .bind(notice_id)
    .fetch_all(db)
    .await
}

pub async fn counts(db: &PgPool, notice_id: i64) -> sqlx::Result<Counts> {
    let rows: Vec<(ObjectionState, i64)> = sqlx::query_as(
        "SELECT state, count(*) FROM publicity_objections WHERE notice_id = $1 GROUP BY state",
    )
    .bind(notice_id)
    .fetch_all(db)
    .await?;
    let mut counts = Counts::default();
    for (state, n) in rows {
        match state {
            ObjectionState::Received => counts.received = n,
            ObjectionState::Verifying => counts.verifying = n,
            ObjectionState::NotAccepted => counts.not_accepted = n,
            ObjectionState::Resolved => counts.resolved = n,
        }
    }
    Ok(counts)
}

/// An objection's attachment: storage key, name, content type, size.
pub async fn attachment(
    db: &PgPool,
    objection_id: i64,
) -> sqlx::Result<Option<(String, String, String, i64)>> {
    sqlx::query_as(
        "SELECT f.storage_key, f.original_name, f.content_type, f.size_bytes \
         FROM publicity_objections o JOIN stored_files f ON f.id = o.file_id WHERE o.id = $1",
    )
    .bind(objection_id)
    .fetch_optional(db)
    .await
}

/// Counts an objection attempt from `address` before anything is read, in one statement
/// (concurrent attempts queue on the address's row). Past `limit` attempts in the hour,
/// refused with the seconds until the hour is over.
pub async fn reserve(db: &PgPool, address: &str, limit: u32) -> sqlx::Result<Result<(), u64>> {
    let (attempts, left): (i32, f64) = sqlx::query_as(
        "INSERT INTO publicity_objection_throttle AS t (address, window_start, attempts) VALUES ($1, now(), 1) \
         ON CONFLICT (address) DO UPDATE SET \
           window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN now() ELSE t.window_start END, \
           attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE t.attempts + 1 END \
         RETURNING attempts, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8",
    )
    .bind(address)
    .bind(THROTTLE_WINDOW_SECS)
    .fetch_one(db)
    .await?;
    Ok(if attempts as i64 > limit as i64 {
        Err(left.ceil().max(1.0) as u64)
    } else {
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_objections_are_refused() {
        assert_eq!(
            NewObjection::parse(" ", "", "有异议").unwrap_err(),
            vec![Refusal::NameMissing, Refusal::ObjectionContactMissing]
        );
        assert_eq!(
            NewObjection::parse("张三", "13800000000", "").unwrap_err(),
            vec![Refusal::ObjectionTextMissing]
        );
        assert!(NewObjection::parse("张三", "13800000000", "数据有误").is_ok());
    }

    #[test]
    fn handling_needs_a_reason_or_outcome() {
        assert_eq!(Handling::parse("reject", " "), Err(Refusal::AnswerMissing));
        assert_eq!(Handling::parse("resolve", ""), Err(Refusal::AnswerMissing));
        assert_eq!(Handling::parse("delete", "x"), Err(Refusal::UnknownAction));
        assert_eq!(
            Handling::parse("accept", "").unwrap().target(),
            ObjectionState::Verifying
        );
    }

    #[test]
    fn codes_match_however_they_are_typed() {
        assert_eq!(code_hash("abcd-efgh"), code_hash(" ABCD EFGH "));
        assert_ne!(code_hash("ABCD-EFGH"), code_hash("ABCD-EFGK"));
        assert!(!attachment_allowed(FileType::Zip));
        assert!(attachment_allowed(FileType::Pdf) && attachment_allowed(FileType::Jpeg));
    }
}
