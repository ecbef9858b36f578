//! Moving a running campaign to another rubric edition, keeping its work. A mapping file
//! ([`crate::rubric::mapping`]) says where each old indicator goes; [`preview`] shows what
//! would move and what needs a decision, [`run`] does it in one audited transaction.
//!
//! What moves: tasks (and with them their evidence, versions, reviews and history, which
//! hang on the task), the office's 有关成员单位 picks, programme links, the plan's proposed
//! members and open problems. What stays: locked rounds (scored on the old edition and read
//! on it forever), evidence files (never copied; a dropped indicator's tasks are withdrawn,
//! their evidence kept). What refuses: a round not yet locked or an organisation
//! evaluation not finalised (their scores hang on the old indicators), and an old
//! indicator with evidence that the mapping leaves undecided.

mod apply;
mod plan;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgPool};

use crate::i18n::{Arg, Lang};
use crate::rubric::Edition;
use crate::rubric::mapping::{MappingRefusal, Relation};
use apply::apply;
use plan::plan;

/// Why a migration cannot run (nothing has changed when one is returned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationRefusal {
    NoSuchCampaign,
    NoSuchEdition {
        code: String,
    },
    AlreadyOnEdition {
        code: String,
    },
    /// The mapping file is malformed, inconsistent, or leaves evidence undecided.
    Mapping(Vec<MappingRefusal>),
    /// The mapping was written for other editions than the campaign's and the target.
    WrongEditions {
        from: String,
        to: String,
    },
    RoundNotLocked {
        name: String,
    },
    EvaluationNotFinalised {
        name: String,
    },
}

impl MigrationRefusal {
    /// Every sentence to show (a mapping refusal gives one per line at fault).
    pub fn messages(&self, lang: Lang) -> Vec<String> {
        let text = |key: &str, name: &str, value: &str| {
            lang.t_args(key, &[(name, Arg::Text(value.to_string()))])
        };
        match self {
            MigrationRefusal::NoSuchCampaign => vec![lang.t("migration-refused-campaign")],
            MigrationRefusal::NoSuchEdition { code } => {
                vec![text("migration-refused-edition", "code", code)]
            }
            MigrationRefusal::AlreadyOnEdition { code } => {
                vec![text("migration-refused-same", "code", code)]
            }
            MigrationRefusal::Mapping(refusals) => {
                refusals.iter().map(|r| r.message(lang)).collect()
            }
            MigrationRefusal::WrongEditions { from, to } => vec![lang.t_args(
                "migration-refused-wrong-editions",
                &[("from", from.clone().into()), ("to", to.clone().into())],
            )],
            MigrationRefusal::RoundNotLocked { name } => {
                vec![text("migration-refused-round", "name", name)]
            }
            MigrationRefusal::EvaluationNotFinalised { name } => {
                vec![text("migration-refused-evaluation", "name", name)]
            }
        }
    }
}

/// The outcome of a migration failing: a refusal, or the database.
#[derive(Debug)]
pub enum MigrationError {
    Refused(MigrationRefusal),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for MigrationError {
    fn from(err: sqlx::Error) -> Self {
        MigrationError::Database(err)
    }
}

impl From<MigrationRefusal> for MigrationError {
    fn from(refusal: MigrationRefusal) -> Self {
        MigrationError::Refused(refusal)
    }
}

/// One old indicator and where its work goes.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorMove {
    pub old_number: i32,
    pub old_content: String,
    /// None when the mapping has no line for it (undecided; without evidence it is
    /// treated as dropped).
    pub relation: Option<Relation>,
    pub new_numbers: Vec<i32>,
    pub tasks: i64,
    pub evidence: i64,
    /// Reviews given on its tasks (approvals and returns).
    pub reviews: i64,
}

/// What a migration does (or did), in figures the office can check.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub campaign_id: i64,
    pub city_name: String,
    pub from: Edition,
    pub to: Edition,
    pub moves: Vec<IndicatorMove>,
    /// New indicators no old one reaches: their tasks are generated afresh.
    pub new_indicators: Vec<(i32, String)>,
    pub tasks_moved: i64,
    /// Moved tasks whose text matches no task of the new indicator: they keep their own.
    pub tasks_kept_own_text: i64,
    pub tasks_withdrawn: i64,
    pub evidence_moved: i64,
    /// Evidence kept under withdrawn tasks (dropped indicators).
    pub evidence_under_withdrawn: i64,
    pub reviews_moved: i64,
    pub member_picks_moved: i64,
    pub programme_links_moved: i64,
    pub problems_moved: i64,
    pub problems_unlinked: i64,
    /// Quantitative targets with values whose code the new edition has no more.
    pub targets_not_carried: Vec<String>,
    /// Locked rounds that stay on the old edition.
    pub locked_rounds: Vec<String>,
    /// Set by [`run`]: tasks generated for the new edition's indicators.
    pub tasks_generated: Option<u64>,
}

/// What the migration would do; changes nothing.
pub async fn preview(
    db: &PgPool,
    campaign_id: i64,
    to_code: &str,
    mapping_text: &str,
) -> Result<Preview, MigrationError> {
    let mut conn = db.acquire().await?;
    Ok(plan(&mut conn, campaign_id, to_code, mapping_text)
        .await?
        .preview)
}

/// Who runs a migration, for its history and the audit log (nobody for the command line).
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor<'a> {
    pub user_id: Option<i64>,
    pub client_addr: Option<&'a str>,
}

/// Runs the migration in one transaction, records it in the campaign's history and the
/// audit log, and generates the tasks of indicators new to the campaign in it too.
pub async fn run(
    db: &PgPool,
    campaign_id: i64,
    to_code: &str,
    mapping_text: &str,
    actor: Actor<'_>,
) -> Result<Preview, MigrationError> {
    let actor_id = actor.user_id;
    let mut tx = db.begin().await?;
    // One migration of a campaign at a time; a second waits and then finds the campaign
    // already on the edition.
    sqlx::query("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE")
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
    let plan = plan(&mut tx, campaign_id, to_code, mapping_text).await?;
    apply(&mut tx, &plan, actor_id).await?;
    let summary = serde_json::to_value(&plan.preview).unwrap_or_default();
    sqlx::query(
        "INSERT INTO campaign_edition_changes \
             (campaign_id, from_edition_id, to_edition_id, mapping_sha256, mapping_text, summary, changed_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(campaign_id)
    .bind(plan.preview.from.id)
    .bind(plan.preview.to.id)
    .bind(format!("{:x}", Sha256::digest(mapping_text.as_bytes())))
    .bind(mapping_text)
    .bind(&summary)
    .bind(actor_id)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut *tx,
        crate::audit::Event {
            actor_id,
            action: "campaign.edition_migrated",
            object_type: "campaign",
            object_id: Some(campaign_id.to_string()),
            summary: json!({
                "from": plan.preview.from.code,
                "to": plan.preview.to.code,
                "tasks_moved": plan.preview.tasks_moved,
                "tasks_withdrawn": plan.preview.tasks_withdrawn,
                "evidence_moved": plan.preview.evidence_moved,
            }),
            client_addr: actor.client_addr,
        },
    )
    .await?;
    let generated = crate::tasks::generate_in(&mut tx, campaign_id).await?;
    tx.commit().await?;
    let mut preview = plan.preview;
    preview.tasks_generated = Some(generated);
    Ok(preview)
}

/// A campaign's edition changes, newest first: (from code, to code, when, by whom).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct EditionChange {
    pub from_code: String,
    pub to_code: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    pub changed_by: Option<String>,
}

pub async fn history(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<EditionChange>> {
    sqlx::query_as(
        "SELECT f.code AS from_code, t.code AS to_code, c.changed_at, u.display_name AS changed_by \
         FROM campaign_edition_changes c \
         JOIN rubric_editions f ON f.id = c.from_edition_id \
         JOIN rubric_editions t ON t.id = c.to_edition_id \
         LEFT JOIN users u ON u.id = c.changed_by \
         WHERE c.campaign_id = $1 ORDER BY c.id DESC",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}
