//! Who the rubric's member clauses reach in a campaign: 各成员单位 → every member,
//! 有关成员单位 → the members the office picked for the indicator (nobody until it has
//! confirmed a pick), 其他（有关）成员单位 → every member the same cell does not name.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgPool};

use crate::orgs::{self, Organisation};
use crate::rubric::clause::MemberClause;

/// One indicator's clause and the members it reaches.
#[derive(Debug, Clone, Serialize)]
pub struct Expansion {
    pub indicator_id: i64,
    pub indicator_number: i32,
    pub clause: MemberClause,
    /// The members reached, in display order.
    pub members: Vec<Organisation>,
    /// For 有关成员单位: whether the office has confirmed its pick. Always true otherwise.
    pub confirmed: bool,
}

#[derive(FromRow)]
struct Cell {
    id: i64,
    number: i32,
    responsibility_text: String,
}

/// The clause of every indicator in the campaign's edition whose cell names the members
/// as a class, with whom it reaches today.
pub async fn expansions(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<Expansion>> {
    let mut conn = db.acquire().await?;
    expansions_in(&mut conn, campaign_id).await
}

/// [`expansions`] inside a transaction (task generation after an edition migration reads
/// the campaign's new edition and moved picks before they are committed).
pub async fn expansions_in(
    conn: &mut PgConnection,
    campaign_id: i64,
) -> sqlx::Result<Vec<Expansion>> {
    let db = conn;
    let cells: Vec<Cell> = sqlx::query_as(
        "SELECT i.id, i.number, i.responsibility_text FROM indicators i \
         JOIN campaigns c ON c.edition_id = i.edition_id WHERE c.id = $1 ORDER BY i.number",
    )
    .bind(campaign_id)
    .fetch_all(&mut *db)
    .await?;
    let members = orgs::members(&mut *db).await?;
    let named: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT io.indicator_id, o.id FROM indicator_organisations io \
             JOIN organisations o ON o.body_id = io.body_id",
    )
    .fetch_all(&mut *db)
    .await?;
    let mut named_by_indicator: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (indicator, organisation) in named {
        named_by_indicator
            .entry(indicator)
            .or_default()
            .insert(organisation);
    }
    let picks = picks(db, campaign_id).await?;

    let mut out = Vec::new();
    for cell in cells {
        let Some(clause) = MemberClause::parse(&cell.responsibility_text) else {
            continue;
        };
        let (reached, confirmed): (Vec<Organisation>, bool) = match clause {
            MemberClause::All => (members.clone(), true),
            MemberClause::Others => {
                let named = named_by_indicator.get(&cell.id);
                (
                    members
                        .iter()
                        .filter(|m| !named.is_some_and(|n| n.contains(&m.id)))
                        .cloned()
                        .collect(),
                    true,
                )
            }
            MemberClause::Relevant => match picks.get(&cell.id) {
                Some(picked) => (
                    members
                        .iter()
                        .filter(|m| picked.contains(&m.id))
                        .cloned()
                        .collect(),
                    true,
                ),
                None => (Vec::new(), false),
            },
        };
        out.push(Expansion {
            indicator_id: cell.id,
            indicator_number: cell.number,
            clause,
            members: reached,
            confirmed,
        });
    }
    Ok(out)
}

/// The expansion of one indicator, if its cell names the members as a class.
pub async fn expansion_of(
    db: &PgPool,
    campaign_id: i64,
    indicator_id: i64,
) -> sqlx::Result<Option<Expansion>> {
    Ok(expansions(db, campaign_id)
        .await?
        .into_iter()
        .find(|e| e.indicator_id == indicator_id))
}

/// Confirmed picks for 有关成员单位, by indicator.
async fn picks(
    db: &mut PgConnection,
    campaign_id: i64,
) -> sqlx::Result<HashMap<i64, BTreeSet<i64>>> {
    let confirmed: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.indicator_id, p.organisation_id FROM indicator_member_choices c \
         LEFT JOIN indicator_member_picks p ON p.campaign_id = c.campaign_id AND p.indicator_id = c.indicator_id \
         WHERE c.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *db)
    .await?;
    let mut out: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (indicator, organisation) in confirmed {
        let entry = out.entry(indicator).or_default();
        if let Some(organisation) = organisation {
            entry.insert(organisation);
        }
    }
    Ok(out)
}

/// The pick the office is offered for an indicator's 有关成员单位 before it has chosen:
/// the members the campaign plan proposes for that indicator, else the members the
/// rubric names (as lead or responsible) for at least three indicators — the units that
/// carry the food-safety work — other than those the same cell names.
pub async fn default_pick(
    db: &PgPool,
    campaign_id: i64,
    indicator_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let proposed: Vec<i64> = sqlx::query_scalar(
        "SELECT p.organisation_id FROM plan_relevant_members p \
         JOIN indicators i ON i.number = p.indicator_number AND i.id = $2 \
         JOIN organisations o ON o.id = p.organisation_id AND o.member AND o.active \
         WHERE p.campaign_id = $1 ORDER BY o.sort_order, o.id",
    )
    .bind(campaign_id)
    .bind(indicator_id)
    .fetch_all(db)
    .await?;
    if !proposed.is_empty() {
        return Ok(proposed);
    }
    sqlx::query_scalar(
        "SELECT o.id FROM organisations o \
         WHERE o.member AND o.active AND o.kind = 'department' \
           AND (SELECT count(DISTINCT io.indicator_id) FROM indicator_organisations io \
                JOIN indicators i ON i.id = io.indicator_id \
                WHERE io.body_id = o.body_id \
                  AND i.edition_id = (SELECT edition_id FROM indicators WHERE id = $1)) >= 3 \
           AND (o.body_id IS NULL \
                OR o.body_id NOT IN (SELECT body_id FROM indicator_organisations WHERE indicator_id = $1)) \
         ORDER BY o.sort_order, o.id",
    )
    .bind(indicator_id)
    .fetch_all(db)
    .await
}

/// Why a pick of 有关成员单位 is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickRefusal {
    #[error("the indicator's cell does not name 有关成员单位")]
    NotRelevantClause,
    #[error("organisation {0} is not an active member of the committee")]
    NotAMember(i64),
}

/// What confirming a pick changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PickOutcome {
    pub added: u64,
    /// Tasks of members no longer picked that had not been started, withdrawn.
    pub withdrawn: u64,
    /// Tasks of members no longer picked that carry work, kept for the office to decide.
    pub kept: u64,
}

/// The office confirms which members 有关成员单位 means for an indicator: records the
/// pick, withdraws the untouched tasks of members no longer picked, and generates the
/// tasks of those newly picked — in one transaction.
pub async fn confirm_pick(
    db: &PgPool,
    campaign_id: i64,
    indicator_id: i64,
    organisation_ids: &[i64],
    user_id: i64,
) -> anyhow::Result<Result<PickOutcome, PickRefusal>> {
    let Some(expansion) = expansion_of(db, campaign_id, indicator_id).await? else {
        return Ok(Err(PickRefusal::NotRelevantClause));
    };
    if expansion.clause != MemberClause::Relevant {
        return Ok(Err(PickRefusal::NotRelevantClause));
    }
    let members: BTreeSet<i64> = orgs::members(db).await?.iter().map(|m| m.id).collect();
    if let Some(stranger) = organisation_ids.iter().find(|id| !members.contains(id)) {
        return Ok(Err(PickRefusal::NotAMember(*stranger)));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO indicator_member_choices (campaign_id, indicator_id, confirmed_by) VALUES ($1, $2, $3) \
         ON CONFLICT (campaign_id, indicator_id) DO UPDATE SET confirmed_by = $3, confirmed_at = now()",
    )
    .bind(campaign_id)
    .bind(indicator_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM indicator_member_picks WHERE campaign_id = $1 AND indicator_id = $2")
        .bind(campaign_id)
        .bind(indicator_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO indicator_member_picks (campaign_id, indicator_id, organisation_id) \
         SELECT $1, $2, unnest($3::bigint[]) ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .bind(indicator_id)
    .bind(organisation_ids)
    .execute(&mut *tx)
    .await?;
    // Members no longer picked: a task nobody has touched goes; one with work stays.
    let (withdrawn, kept): (i64, i64) = sqlx::query_as(
        "WITH dropped AS ( \
             SELECT t.id, (t.status = 'not_started' AND NOT EXISTS (SELECT 1 FROM evidence_uses eu WHERE eu.task_id = t.id)) AS untouched \
             FROM tasks t WHERE t.campaign_id = $1 AND t.indicator_id = $2 AND t.expansion = 'relevant_members' \
               AND t.removed_at IS NULL AND t.organisation_id <> ALL($3::bigint[]) \
         ), gone AS ( \
             UPDATE tasks SET removed_at = now(), updated_at = now() WHERE id IN (SELECT id FROM dropped WHERE untouched) RETURNING id \
         ), logged AS ( \
             INSERT INTO task_events (task_id, action, actor_id, comment) \
             SELECT id, 'removed', $4, '有关成员单位调整' FROM gone RETURNING task_id \
         ) \
         SELECT (SELECT count(*) FROM logged), (SELECT count(*) FROM dropped WHERE NOT untouched)",
    )
    .bind(campaign_id)
    .bind(indicator_id)
    .bind(organisation_ids)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let added = super::generate(db, campaign_id).await?;
    Ok(Ok(PickOutcome {
        added,
        withdrawn: withdrawn as u64,
        kept: kept as u64,
    }))
}

/// A task a new organisation would be given, as the preview lists it.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct PreviewTask {
    /// The indicator number, or the programme's label.
    pub work: String,
    pub text: String,
}

/// The tasks [`super::generate`] would give a new organisation of `kind` (a member of the
/// 食药安委 or not), before it is created: a county every 各县（区） task, rubric and
/// programme alike; a member department every task of the 各成员单位 and 其他成员单位
/// clauses (a new unit is named in no cell and picked for no 有关成员单位).
pub async fn preview_for_new(
    db: &PgPool,
    campaign_id: i64,
    kind: crate::orgs::OrgKind,
    member: bool,
) -> sqlx::Result<Vec<PreviewTask>> {
    use crate::orgs::OrgKind;
    match kind {
        OrgKind::County => {
            let mut preview: Vec<PreviewTask> = sqlx::query_as(
                "SELECT i.number::text AS work, t.text FROM indicator_tasks t JOIN indicators i ON i.id = t.indicator_id \
                 JOIN campaigns c ON c.edition_id = i.edition_id WHERE c.id = $1 AND t.counties \
                 UNION ALL \
                 SELECT i.number::text, $2 FROM indicators i JOIN campaigns c ON c.edition_id = i.edition_id \
                 WHERE c.id = $1 AND i.counties \
                   AND NOT EXISTS (SELECT 1 FROM indicator_tasks t WHERE t.indicator_id = i.id AND t.counties) \
                 ORDER BY 1",
            )
            .bind(campaign_id)
            .bind(super::GENERIC_TASK)
            .fetch_all(db)
            .await?;
            // And one per programme whose 责任单位 include 各县（区）, worded as
            // generation words it.
            for programme in crate::programmes::all(db, campaign_id).await? {
                if programme.counties {
                    preview.push(PreviewTask {
                        work: programme.label(),
                        text: crate::programmes::task_text("county", &programme.title),
                    });
                }
            }
            Ok(preview)
        }
        OrgKind::Department if member => {
            let reaching: Vec<i64> = expansions(db, campaign_id)
                .await?
                .into_iter()
                .filter(|e| matches!(e.clause, MemberClause::All | MemberClause::Others))
                .map(|e| e.indicator_id)
                .collect();
            sqlx::query_as(
                "SELECT i.number::text AS work, t.text FROM indicator_tasks t JOIN indicators i ON i.id = t.indicator_id \
                 WHERE t.all_responsible AND i.id = ANY($1) \
                 UNION ALL \
                 SELECT i.number::text, $2 FROM indicators i WHERE i.id = ANY($1) \
                   AND NOT EXISTS (SELECT 1 FROM indicator_tasks t WHERE t.indicator_id = i.id AND t.all_responsible) \
                 ORDER BY 1",
            )
            .bind(&reaching)
            .bind(super::GENERIC_TASK)
            .fetch_all(db)
            .await
        }
        _ => Ok(Vec::new()),
    }
}
