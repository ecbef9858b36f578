//! Loads a rubric file into the database. Idempotent: rows are matched by their natural
//! keys (edition code, part/point/indicator numbers, task sequence), so ids stay stable
//! and an unchanged file is skipped by its checksum.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

use super::data::{IndicatorEntry, RubricFile};
use crate::orgs;

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Unchanged { edition: String },
    Imported { edition: String, indicators: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the rubric file is invalid:\n{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn import(db: &PgPool, text: &str) -> Result<Outcome, ImportError> {
    let file = RubricFile::parse(text).map_err(ImportError::Invalid)?;
    let checksum: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let mut tx = db.begin().await?;
    // Two instances starting at once must not import the same edition side by side.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('shian.rubric.import'))")
        .execute(&mut *tx)
        .await?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT content_sha256 FROM rubric_editions WHERE code = $1")
            .bind(&file.edition)
            .fetch_optional(&mut *tx)
            .await?;
    if stored.as_deref() == Some(checksum.as_str()) {
        // Editions imported before the source was kept get it now.
        sqlx::query("UPDATE rubric_editions SET source = $2 WHERE code = $1 AND source IS NULL")
            .bind(&file.edition)
            .bind(text)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(Outcome::Unchanged {
            edition: file.edition,
        });
    }

    let edition_id: i64 = sqlx::query_scalar(
        "INSERT INTO rubric_editions (code, title, total_points, content_sha256, source) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, total_points = EXCLUDED.total_points, \
             content_sha256 = EXCLUDED.content_sha256, source = EXCLUDED.source, imported_at = now() \
         RETURNING id",
    )
    .bind(&file.edition)
    .bind(&file.title)
    .bind(file.total_points)
    .bind(&checksum)
    .bind(text)
    .fetch_one(&mut *tx)
    .await?;

    let body_ids = resolve_bodies(&mut tx, &file).await?;

    let mut part_ids = Vec::new();
    for part in &file.parts {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rubric_parts (edition_id, seq, numeral, title, points, heading) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (edition_id, seq) DO UPDATE SET numeral = EXCLUDED.numeral, title = EXCLUDED.title, \
                 points = EXCLUDED.points, heading = EXCLUDED.heading \
             RETURNING id",
        )
        .bind(edition_id)
        .bind(part.seq)
        .bind(&part.numeral)
        .bind(&part.title)
        .bind(part.max_points)
        .bind(&part.heading)
        .fetch_one(&mut *tx)
        .await?;
        part_ids.push(id);
    }

    let mut point_ids: HashMap<i32, i64> = HashMap::new();
    for (part, point) in file.points() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rubric_points (edition_id, part_id, seq, title, points, category, note, heading) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (edition_id, seq) DO UPDATE SET part_id = EXCLUDED.part_id, title = EXCLUDED.title, \
                 points = EXCLUDED.points, category = EXCLUDED.category, note = EXCLUDED.note, heading = EXCLUDED.heading \
             RETURNING id",
        )
        .bind(edition_id)
        .bind(part_ids[(part.seq - 1) as usize])
        .bind(point.seq)
        .bind(&point.title)
        .bind(point.points)
        .bind(point.category.as_str())
        .bind(&point.note)
        .bind(&point.heading)
        .fetch_one(&mut *tx)
        .await?;
        point_ids.insert(point.seq, id);
    }

    let mut count = 0;
    for (part, point, indicator) in file.indicators() {
        let part_id = part_ids[(part.seq - 1) as usize];
        let point_id = point.map(|p| point_ids[&p.seq]);
        upsert_indicator(&mut tx, edition_id, part_id, point_id, indicator, &body_ids).await?;
        count += 1;
    }

    // Whatever the new file no longer has goes (indicators cascade to tasks and links).
    sqlx::query("DELETE FROM indicators WHERE edition_id = $1 AND number > $2")
        .bind(edition_id)
        .bind(count as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM rubric_points WHERE edition_id = $1 AND seq > $2")
        .bind(edition_id)
        .bind(point_ids.len() as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM rubric_parts WHERE edition_id = $1 AND seq > $2")
        .bind(edition_id)
        .bind(part_ids.len() as i32)
        .execute(&mut *tx)
        .await?;

    tx.commit().await?;
    Ok(Outcome::Imported {
        edition: file.edition,
        indicators: count,
    })
}

/// Maps every body name the file uses (canonical names and aliases) to a rubric body,
/// creating bodies the database does not know yet, and makes sure an organisation plays
/// each body (the city's 市市场监管局 for the body 市市场监管局).
async fn resolve_bodies(
    tx: &mut Transaction<'_, Postgres>,
    file: &RubricFile,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut ids = HashMap::new();
    for (position, entry) in file.organisations.iter().enumerate() {
        let sort_order = position as i32 + 1;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM rubric_bodies WHERE name = $1 \
             UNION ALL SELECT body_id FROM rubric_body_aliases WHERE alias = $1 LIMIT 1",
        )
        .bind(&entry.name)
        .fetch_optional(&mut **tx)
        .await?;
        let id = match found {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO rubric_bodies (name, kind, sort_order) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(&entry.name)
                .bind(entry.kind.as_str())
                .bind(sort_order)
                .fetch_one(&mut **tx)
                .await?
            }
        };
        add_alias(tx, &entry.name, id).await?;
        ensure_playing(tx, id, entry, sort_order).await?;
        ids.insert(entry.name.clone(), id);
    }
    for (alias, target) in &file.aliases {
        let id = ids[target];
        add_alias(tx, alias, id).await?;
        ids.insert(alias.clone(), id);
    }
    Ok(ids)
}

/// The organisation that plays body `body_id`: the one already linked, else one of its
/// name (or a name it was known by, if an administrator renamed it), else a new one.
async fn ensure_playing(
    tx: &mut Transaction<'_, Postgres>,
    body_id: i64,
    entry: &super::data::OrgEntry,
    sort_order: i32,
) -> Result<(), sqlx::Error> {
    let linked: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE body_id = $1")
        .bind(body_id)
        .fetch_optional(&mut **tx)
        .await?;
    if linked.is_some() {
        return Ok(());
    }
    let id = match orgs::find_by_name_or_alias(&mut **tx, &entry.name).await? {
        Some(org) => org.id,
        None => orgs::insert(&mut **tx, &entry.name, entry.kind, sort_order).await?,
    };
    sqlx::query("UPDATE organisations SET body_id = $2 WHERE id = $1 AND body_id IS NULL")
        .bind(id)
        .bind(body_id)
        .execute(&mut **tx)
        .await?;
    // The rubric's name stays a name the organisation is found by (CSV imports, plans).
    sqlx::query(
        "INSERT INTO organisation_aliases (alias, organisation_id) VALUES ($1, $2) ON CONFLICT (alias) DO NOTHING",
    )
    .bind(&entry.name)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn add_alias(
    tx: &mut Transaction<'_, Postgres>,
    alias: &str,
    body_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO rubric_body_aliases (alias, body_id) VALUES ($1, $2) ON CONFLICT (alias) DO NOTHING",
    )
    .bind(alias)
    .bind(body_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn upsert_indicator(
    tx: &mut Transaction<'_, Postgres>,
    edition_id: i64,
    part_id: i64,
    point_id: Option<i64>,
    indicator: &IndicatorEntry,
    body_ids: &HashMap<String, i64>,
) -> Result<(), sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO indicators (edition_id, part_id, point_id, number, content, methods, methods_text, \
             responsibility_text, tasks_text, counties, all_members) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (edition_id, number) DO UPDATE SET part_id = EXCLUDED.part_id, point_id = EXCLUDED.point_id, \
             content = EXCLUDED.content, methods = EXCLUDED.methods, methods_text = EXCLUDED.methods_text, \
             responsibility_text = EXCLUDED.responsibility_text, tasks_text = EXCLUDED.tasks_text, \
             counties = EXCLUDED.counties, all_members = EXCLUDED.all_members \
         RETURNING id",
    )
    .bind(edition_id)
    .bind(part_id)
    .bind(point_id)
    .bind(indicator.number)
    .bind(&indicator.content)
    .bind(&indicator.methods)
    .bind(&indicator.methods_text)
    .bind(&indicator.responsibility_text)
    .bind(&indicator.tasks_text)
    .bind(indicator.counties)
    .bind(indicator.all_members)
    .fetch_one(&mut **tx)
    .await?;

    sqlx::query("DELETE FROM indicator_organisations WHERE indicator_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let links = indicator.lead.iter().map(|name| (name, "lead")).chain(
        indicator
            .responsible
            .iter()
            .map(|name| (name, "responsible")),
    );
    for (position, (name, role)) in links.enumerate() {
        sqlx::query(
            "INSERT INTO indicator_organisations (indicator_id, body_id, role, position) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(body_ids[name])
        .bind(role)
        .bind(position as i32)
        .execute(&mut **tx)
        .await?;
    }

    for task in &indicator.tasks {
        let task_id: i64 = sqlx::query_scalar(
            "INSERT INTO indicator_tasks (indicator_id, seq, text, counties, all_responsible) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (indicator_id, seq) DO UPDATE SET text = EXCLUDED.text, counties = EXCLUDED.counties, \
                 all_responsible = EXCLUDED.all_responsible \
             RETURNING id",
        )
        .bind(id)
        .bind(task.seq)
        .bind(&task.text)
        .bind(task.counties)
        .bind(task.all_responsible)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM indicator_task_organisations WHERE task_id = $1")
            .bind(task_id)
            .execute(&mut **tx)
            .await?;
        for (position, name) in task.orgs.iter().enumerate() {
            sqlx::query(
                "INSERT INTO indicator_task_organisations (task_id, body_id, position) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(task_id)
            .bind(body_ids[name])
            .bind(position as i32)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("DELETE FROM indicator_tasks WHERE indicator_id = $1 AND seq > $2")
        .bind(id)
        .bind(indicator.tasks.len() as i32)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
