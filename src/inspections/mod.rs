//! On-site inspections (明查暗访) of a round and its leader interviews (领导访谈): the plan of
//! points, the record made at each point with its checklist, findings and photos, how
//! findings feed the score, and the figures the evaluation report states.
//!
//! Who may see an unannounced (暗访) point is decided here, once: [`Visibility`].

use serde::Serialize;
use sqlx::PgExecutor;

use crate::accounts::{Role, User};
use crate::scoring::rounds::{Round, RoundKind, RoundState};

pub mod figures;
pub mod findings;
pub mod interviews;
pub mod photos;
pub mod plan;
pub mod records;

/// 明查 or 暗访.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// 明查: announced; the city knows and may accompany.
    Open,
    /// 暗访: unannounced; the city must not learn where until the results are published.
    Unannounced,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Open => "open",
            Mode::Unannounced => "unannounced",
        }
    }

    /// The official wording, used in pasted plans and printed reports.
    pub fn official(self) -> &'static str {
        match self {
            Mode::Open => "明查",
            Mode::Unannounced => "暗访",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim() {
            "open" | "明查" | "明察" => Some(Mode::Open),
            "unannounced" | "暗访" | "暗查" => Some(Mode::Unannounced),
            _ => None,
        }
    }
}

/// Whether a reader may see a round's 暗访 points (and anything derived from them:
/// findings, photos, problems, counts by place). Computed once per request with
/// [`Visibility::for_round`] and passed to every query that lists points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// 明查 and 暗访 alike.
    All,
    /// 明查 only: 暗访 points are filtered out in SQL, never merely not rendered.
    OpenOnly,
}

impl Visibility {
    /// The assessors (who plan and make the visits) and the administrator (who sets up
    /// rounds) see every point. The city's own users — the office, departments and
    /// counties, leaders — see 暗访 points only once the round's results are published:
    /// a published 公示 names the round, or, for the city's own rounds (自评, 市级考评),
    /// the round is locked.
    pub fn for_round(user: &User, round: &Round, named_by_published_notice: bool) -> Visibility {
        match user.role {
            Role::Admin | Role::Assessor => Visibility::All,
            Role::Office | Role::Department | Role::Viewer => {
                if results_published(round, named_by_published_notice) {
                    Visibility::All
                } else {
                    Visibility::OpenOnly
                }
            }
        }
    }

    /// Whether a point of this mode is visible.
    pub fn shows(self, mode: Mode) -> bool {
        self == Visibility::All || mode == Mode::Open
    }

    /// For SQL: `($n OR p.mode = 'open')` with this bound as `$n`.
    pub fn includes_unannounced(self) -> bool {
        self == Visibility::All
    }
}

/// Whether a round's results are published to the city (see [`Visibility::for_round`]).
pub fn results_published(round: &Round, named_by_published_notice: bool) -> bool {
    named_by_published_notice
        || (round.state == RoundState::Locked
            && matches!(round.kind, RoundKind::SelfAssessment | RoundKind::City))
}

/// Whether a published 公示 names the round.
pub async fn named_by_published_notice(
    db: impl PgExecutor<'_>,
    round_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM publicity_rounds pr JOIN publicity_notices n ON n.id = pr.notice_id \
         WHERE pr.round_id = $1 AND n.state = 'published')",
    )
    .bind(round_id)
    .fetch_one(db)
    .await
}

/// [`Visibility::for_round`] with the notice looked up.
pub async fn visibility(
    db: impl PgExecutor<'_>,
    user: &User,
    round: &Round,
) -> sqlx::Result<Visibility> {
    if matches!(user.role, Role::Admin | Role::Assessor) {
        return Ok(Visibility::All);
    }
    let named = named_by_published_notice(db, round.id).await?;
    Ok(Visibility::for_round(user, round, named))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_from_official_words() {
        assert_eq!(Mode::parse("明查"), Some(Mode::Open));
        assert_eq!(Mode::parse(" 暗访 "), Some(Mode::Unannounced));
        assert_eq!(Mode::parse("unannounced"), Some(Mode::Unannounced));
        assert_eq!(Mode::parse("抽查"), None);
    }

    #[test]
    fn open_only_hides_unannounced() {
        assert!(Visibility::OpenOnly.shows(Mode::Open));
        assert!(!Visibility::OpenOnly.shows(Mode::Unannounced));
        assert!(Visibility::All.shows(Mode::Unannounced));
    }
}
