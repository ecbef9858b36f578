//! Working out a migration from the campaign's rows and the mapping, before anything
//! changes: where each task goes, what is withdrawn, what else moves.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sqlx::{FromRow, PgConnection};

use super::{IndicatorMove, MigrationError, MigrationRefusal, Preview};
use crate::rubric::mapping::{CheckedMapping, Mapping};
use crate::rubric::{self, Edition};

#[derive(FromRow)]
struct OldTask {
    id: i64,
    number: i32,
    organisation_id: i64,
    rubric_text: Option<String>,
    removed: bool,
    evidence: i64,
    reviews: i64,
}

#[derive(FromRow)]
struct NewRubricTask {
    id: i64,
    number: i32,
    text: String,
}

/// Where one task goes.
pub(super) struct TaskMove {
    pub(super) task_id: i64,
    pub(super) old_number: i32,
    pub(super) new_number: i32,
    pub(super) new_indicator_id: i64,
    pub(super) rubric_task_id: Option<i64>,
}

/// Everything computed before anything is changed.
pub(super) struct Plan {
    pub(super) preview: Preview,
    pub(super) task_moves: Vec<TaskMove>,
    pub(super) withdrawn: Vec<(i64, i32)>,
    /// Old indicator id → new indicator ids.
    pub(super) indicator_map: Vec<(i64, Vec<i64>)>,
    /// Old number → new numbers (for rows keyed by number).
    pub(super) number_map: BTreeMap<i32, Vec<i32>>,
}

pub(super) async fn plan(
    conn: &mut PgConnection,
    campaign_id: i64,
    to_code: &str,
    mapping_text: &str,
) -> Result<Plan, MigrationError> {
    let campaign: (String, i64) =
        sqlx::query_as("SELECT city_name, edition_id FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(MigrationRefusal::NoSuchCampaign)?;
    let (city_name, from_id) = campaign;
    let from = edition(conn, from_id)
        .await?
        .ok_or(MigrationRefusal::NoSuchCampaign)?;
    let to: Edition =
        sqlx::query_as("SELECT id, code, title, total_points FROM rubric_editions WHERE code = $1")
            .bind(to_code)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| MigrationRefusal::NoSuchEdition {
                code: to_code.to_string(),
            })?;
    if to.id == from.id {
        return Err(MigrationRefusal::AlreadyOnEdition { code: to.code }.into());
    }
    refuse_unfinished_scoring(conn, campaign_id).await?;

    let mapping = Mapping::parse(mapping_text).map_err(MigrationRefusal::Mapping)?;
    if let Some(declared) = mapping.editions.as_ref()
        && (declared.0 != from.code || declared.1 != to.code)
    {
        return Err(MigrationRefusal::WrongEditions {
            from: declared.0.clone(),
            to: declared.1.clone(),
        }
        .into());
    }
    let old_indicators = indicators(conn, from.id).await?;
    let new_indicators = indicators(conn, to.id).await?;
    let old_numbers: BTreeSet<i32> = old_indicators.keys().copied().collect();
    let new_numbers: BTreeSet<i32> = new_indicators.keys().copied().collect();
    let checked = mapping
        .check(&old_numbers, &new_numbers)
        .map_err(MigrationRefusal::Mapping)?;

    let tasks: Vec<OldTask> = sqlx::query_as(
        "SELECT t.id, i.number, t.organisation_id, rt.text AS rubric_text, \
                (t.removed_at IS NOT NULL) AS removed, \
                (SELECT count(*) FROM evidence_uses eu JOIN evidence e ON e.id = eu.evidence_id \
                  WHERE eu.task_id = t.id AND e.deleted_at IS NULL) AS evidence, \
                (SELECT count(*) FROM task_events ev \
                  WHERE ev.task_id = t.id AND ev.action IN ('approved', 'returned')) AS reviews \
         FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         LEFT JOIN indicator_tasks rt ON rt.id = t.rubric_task_id \
         WHERE t.campaign_id = $1 AND i.edition_id = $2 ORDER BY i.number, t.id",
    )
    .bind(campaign_id)
    .bind(from.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut evidence_by_number: HashMap<i32, i64> = HashMap::new();
    for task in &tasks {
        *evidence_by_number.entry(task.number).or_default() += task.evidence;
    }
    checked
        .decided(|n| evidence_by_number.get(&n).copied().unwrap_or(0))
        .map_err(MigrationRefusal::Mapping)?;

    let new_rubric_tasks: Vec<NewRubricTask> = sqlx::query_as(
        "SELECT it.id, i.number, it.text FROM indicator_tasks it \
         JOIN indicators i ON i.id = it.indicator_id WHERE i.edition_id = $1 ORDER BY it.id",
    )
    .bind(to.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut task_moves = Vec::new();
    let mut withdrawn = Vec::new();
    let mut taken: HashSet<(i64, i64)> = HashSet::new();
    let mut per_old: BTreeMap<i32, (i64, i64, i64)> = BTreeMap::new();
    let mut preview_counts = Counts::default();
    for task in &tasks {
        let entry = per_old.entry(task.number).or_default();
        entry.0 += 1;
        entry.1 += task.evidence;
        entry.2 += task.reviews;
        let Some(destinations) = checked.destinations.get(&task.number) else {
            // Dropped, or undecided without evidence: withdrawn, evidence kept.
            if !task.removed {
                withdrawn.push((task.id, task.number));
                preview_counts.withdrawn += 1;
                preview_counts.evidence_under_withdrawn += task.evidence;
            }
            continue;
        };
        let same_text = |number: i32| {
            new_rubric_tasks.iter().find(|rt| {
                rt.number == number
                    && task.rubric_text.as_deref() == Some(rt.text.as_str())
                    && !taken.contains(&(rt.id, task.organisation_id))
            })
        };
        // A split indicator's task goes where its text went; otherwise to the first.
        let (new_number, rubric_task) = destinations
            .iter()
            .find_map(|&n| same_text(n).map(|rt| (n, Some(rt.id))))
            .unwrap_or((destinations[0], None));
        if let Some(rt) = rubric_task {
            taken.insert((rt, task.organisation_id));
        } else {
            preview_counts.own_text += 1;
        }
        preview_counts.moved += 1;
        preview_counts.evidence += task.evidence;
        preview_counts.reviews += task.reviews;
        task_moves.push(TaskMove {
            task_id: task.id,
            old_number: task.number,
            new_number,
            new_indicator_id: new_indicators[&new_number].0,
            rubric_task_id: rubric_task,
        });
    }

    let moves = move_lines(&checked, &old_indicators, &per_old);
    let indicator_map: Vec<(i64, Vec<i64>)> = old_indicators
        .iter()
        .map(|(number, (id, _))| {
            let new = checked
                .destinations
                .get(number)
                .map(|list| list.iter().map(|n| new_indicators[n].0).collect())
                .unwrap_or_default();
            (*id, new)
        })
        .collect();
    let old_ids: Vec<i64> = indicator_map.iter().map(|(id, _)| *id).collect();
    let mapped_old_ids: Vec<i64> = indicator_map
        .iter()
        .filter(|(_, new)| !new.is_empty())
        .map(|(id, _)| *id)
        .collect();
    let member_picks_moved = count_in(
        conn,
        "SELECT count(*) FROM indicator_member_choices WHERE campaign_id = $1 AND indicator_id = ANY($2)",
        campaign_id,
        &mapped_old_ids,
    )
    .await?;
    let programme_links_moved = count_in(
        conn,
        "SELECT count(*) FROM programme_indicators pi JOIN programmes p ON p.id = pi.programme_id \
         WHERE p.campaign_id = $1 AND pi.indicator_id = ANY($2)",
        campaign_id,
        &mapped_old_ids,
    )
    .await?;
    let problems_sql =
        "SELECT count(*) FROM problems WHERE campaign_id = $1 AND indicator_id = ANY($2)";
    let problems_moved = count_in(conn, problems_sql, campaign_id, &mapped_old_ids).await?;
    let problems_total = count_in(conn, problems_sql, campaign_id, &old_ids).await?;
    let target_codes: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT target_code FROM target_values WHERE campaign_id = $1 ORDER BY 1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let new_target_codes = edition_target_codes(conn, to.id).await?;
    let locked_rounds: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM assessment_rounds WHERE campaign_id = $1 AND state = 'locked' ORDER BY id",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;

    let number_map = checked.destinations.clone();
    let preview = Preview {
        campaign_id,
        city_name,
        new_indicators: checked
            .unreached_new
            .iter()
            .map(|n| (*n, new_indicators[n].1.clone()))
            .collect(),
        from,
        to,
        moves,
        tasks_moved: preview_counts.moved,
        tasks_kept_own_text: preview_counts.own_text,
        tasks_withdrawn: preview_counts.withdrawn,
        evidence_moved: preview_counts.evidence,
        evidence_under_withdrawn: preview_counts.evidence_under_withdrawn,
        reviews_moved: preview_counts.reviews,
        member_picks_moved,
        programme_links_moved,
        problems_moved,
        problems_unlinked: problems_total - problems_moved,
        targets_not_carried: target_codes
            .into_iter()
            .filter(|code| !new_target_codes.contains(code))
            .collect(),
        locked_rounds,
        tasks_generated: None,
    };
    Ok(Plan {
        preview,
        task_moves,
        withdrawn,
        indicator_map,
        number_map,
    })
}

#[derive(Default)]
struct Counts {
    moved: i64,
    own_text: i64,
    withdrawn: i64,
    evidence: i64,
    evidence_under_withdrawn: i64,
    reviews: i64,
}

fn move_lines(
    checked: &CheckedMapping,
    old_indicators: &BTreeMap<i32, (i64, String)>,
    per_old: &BTreeMap<i32, (i64, i64, i64)>,
) -> Vec<IndicatorMove> {
    old_indicators
        .iter()
        .map(|(number, (_, content))| {
            let (tasks, evidence, reviews) = per_old.get(number).copied().unwrap_or_default();
            IndicatorMove {
                old_number: *number,
                old_content: content.clone(),
                relation: checked.relations.get(number).copied(),
                new_numbers: checked
                    .destinations
                    .get(number)
                    .cloned()
                    .unwrap_or_default(),
                tasks,
                evidence,
                reviews,
            }
        })
        .collect()
}

/// Scores hang on the old indicators while a round or an organisation evaluation is
/// under way: those must be finished (locked, finalised) or deleted first.
async fn refuse_unfinished_scoring(
    conn: &mut PgConnection,
    campaign_id: i64,
) -> Result<(), MigrationError> {
    let round: Option<String> = sqlx::query_scalar(
        "SELECT name FROM assessment_rounds WHERE campaign_id = $1 AND state <> 'locked' ORDER BY id LIMIT 1",
    )
    .bind(campaign_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(name) = round {
        return Err(MigrationRefusal::RoundNotLocked { name }.into());
    }
    let evaluation: Option<String> = sqlx::query_scalar(
        "SELECT name FROM org_evaluations WHERE campaign_id = $1 AND state <> 'finalised' ORDER BY id LIMIT 1",
    )
    .bind(campaign_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(name) = evaluation {
        return Err(MigrationRefusal::EvaluationNotFinalised { name }.into());
    }
    Ok(())
}

/// A count of the campaign's rows that hang on some of the old indicators.
async fn count_in(
    conn: &mut PgConnection,
    sql: &'static str,
    campaign_id: i64,
    indicator_ids: &[i64],
) -> sqlx::Result<i64> {
    sqlx::query_scalar(sql)
        .bind(campaign_id)
        .bind(indicator_ids)
        .fetch_one(conn)
        .await
}

async fn edition(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Edition>> {
    sqlx::query_as("SELECT id, code, title, total_points FROM rubric_editions WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// An edition's indicators by number: (id, content).
async fn indicators(
    conn: &mut PgConnection,
    edition_id: i64,
) -> sqlx::Result<BTreeMap<i32, (i64, String)>> {
    let rows: Vec<(i32, i64, String)> =
        sqlx::query_as("SELECT number, id, content FROM indicators WHERE edition_id = $1")
            .bind(edition_id)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(number, id, content)| (number, (id, content)))
        .collect())
}

/// The quantitative targets an edition's file declares.
async fn edition_target_codes(
    conn: &mut PgConnection,
    edition_id: i64,
) -> Result<BTreeSet<String>, MigrationError> {
    let source: Option<String> =
        sqlx::query_scalar("SELECT source FROM rubric_editions WHERE id = $1")
            .bind(edition_id)
            .fetch_one(conn)
            .await?;
    let file = source
        .as_deref()
        .map(rubric::data::RubricFile::parse)
        .transpose()
        .map_err(|e| MigrationError::Database(sqlx::Error::Protocol(e)))?;
    Ok(file
        .map(|f| f.targets.iter().map(|t| t.code.clone()).collect())
        .unwrap_or_default())
}
