//! The evaluation rubric: parts → evaluation points → indicators → tasks, with the
//! organisations responsible. Read-only for the application; written by [`import`].

pub mod clause;
pub mod data;
pub mod import;
pub mod mapping;

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::accounts::escape_like;
use crate::orgs::OrgKind;
pub use data::PointCategory;

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Edition {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub total_points: i32,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Part {
    pub id: i64,
    pub seq: i32,
    pub numeral: String,
    pub title: String,
    pub points: Option<i32>,
    pub heading: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Point {
    pub id: i64,
    pub part_id: i64,
    pub seq: i32,
    pub title: String,
    pub points: i32,
    pub category: PointCategory,
    pub note: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct IndicatorSummary {
    pub id: i64,
    pub part_id: i64,
    pub point_id: Option<i64>,
    pub number: i32,
    pub content: String,
    pub methods: Vec<String>,
    pub counties: bool,
    pub all_members: bool,
    pub task_count: i64,
}

/// An organisation named for an indicator, as lead (牵头) or responsible (责任).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OrgLink {
    pub indicator_id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorNode {
    pub summary: IndicatorSummary,
    pub lead: Vec<OrgLink>,
    pub responsible: Vec<OrgLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PointNode {
    pub point: Point,
    pub indicators: Vec<IndicatorNode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartNode {
    pub part: Part,
    pub points: Vec<PointNode>,
    /// Indicators directly under the part (否决项).
    pub indicators: Vec<IndicatorNode>,
}

impl PartNode {
    pub fn indicator_count(&self) -> usize {
        self.indicators.len()
            + self
                .points
                .iter()
                .map(|p| p.indicators.len())
                .sum::<usize>()
    }
}

/// What the rubric browser narrows the tree by; all optional.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub part_seq: Option<i32>,
    pub method: Option<String>,
    pub organisation_id: Option<i64>,
    pub query: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.part_seq.is_none()
            && self.method.is_none()
            && self.organisation_id.is_none()
            && self.query.is_none()
    }
}

/// The newest edition (by code), which the browser shows unless told otherwise.
/// One edition by id: the one a campaign (or a locked round) was set up on.
pub async fn edition(db: &PgPool, id: i64) -> sqlx::Result<Option<Edition>> {
    sqlx::query_as("SELECT id, code, title, total_points FROM rubric_editions WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn edition_by_code(db: &PgPool, code: &str) -> sqlx::Result<Option<Edition>> {
    sqlx::query_as("SELECT id, code, title, total_points FROM rubric_editions WHERE code = $1")
        .bind(code)
        .fetch_optional(db)
        .await
}

/// Every imported edition, newest first.
pub async fn editions(db: &PgPool) -> sqlx::Result<Vec<Edition>> {
    sqlx::query_as("SELECT id, code, title, total_points FROM rubric_editions ORDER BY code DESC")
        .fetch_all(db)
        .await
}

/// The newest imported edition: what a new campaign is set up on unless it names one.
/// Pages never use it: they follow their campaign's edition ([`edition`]).
pub async fn current_edition(db: &PgPool) -> sqlx::Result<Option<Edition>> {
    sqlx::query_as(
        "SELECT id, code, title, total_points FROM rubric_editions ORDER BY code DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await
}

pub async fn parts(db: &PgPool, edition_id: i64) -> sqlx::Result<Vec<Part>> {
    sqlx::query_as(
        "SELECT id, seq, numeral, title, points, heading FROM rubric_parts WHERE edition_id = $1 ORDER BY seq",
    )
    .bind(edition_id)
    .fetch_all(db)
    .await
}

/// Every evaluation method used in the edition, for the filter list.
pub async fn methods(db: &PgPool, edition_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT m FROM (SELECT DISTINCT unnest(methods) AS m FROM indicators WHERE edition_id = $1) s ORDER BY m",
    )
    .bind(edition_id)
    .fetch_all(db)
    .await
}

/// The tree of parts, points and indicators matching `filter`. With a filter, parts and
/// points without a matching indicator are left out. Four queries whatever the size.
pub async fn tree(db: &PgPool, edition_id: i64, filter: &Filter) -> sqlx::Result<Vec<PartNode>> {
    let parts = parts(db, edition_id).await?;
    let points: Vec<Point> = sqlx::query_as(
        "SELECT id, part_id, seq, title, points, category, note FROM rubric_points WHERE edition_id = $1 ORDER BY seq",
    )
    .bind(edition_id)
    .fetch_all(db)
    .await?;

    let query = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty());
    let pattern = query.map(|q| format!("%{}%", escape_like(q)));
    let number = query.and_then(|q| {
        q.trim_matches(|c: char| matches!(c, '(' | ')' | '（' | '）'))
            .parse::<i32>()
            .ok()
    });
    let indicators: Vec<IndicatorSummary> = sqlx::query_as(
        "SELECT i.id, i.part_id, i.point_id, i.number, i.content, i.methods, i.counties, i.all_members, \
                (SELECT count(*) FROM indicator_tasks t WHERE t.indicator_id = i.id) AS task_count \
         FROM indicators i \
         JOIN rubric_parts p ON p.id = i.part_id \
         LEFT JOIN rubric_points pt ON pt.id = i.point_id \
         WHERE i.edition_id = $1 \
           AND ($2::int IS NULL OR p.seq = $2) \
           AND ($3::text IS NULL OR $3 = ANY (i.methods)) \
           AND ($4::text IS NULL OR i.content ILIKE $4 OR i.tasks_text ILIKE $4 \
                OR i.responsibility_text ILIKE $4 OR pt.title ILIKE $4 OR i.number = $5) \
           AND ($6::bigint IS NULL \
                OR EXISTS (SELECT 1 FROM indicator_organisations io JOIN organisations ob ON ob.body_id = io.body_id \
                           WHERE io.indicator_id = i.id AND ob.id = $6) \
                OR EXISTS (SELECT 1 FROM indicator_tasks t JOIN indicator_task_organisations tto ON tto.task_id = t.id \
                           JOIN organisations ob ON ob.body_id = tto.body_id \
                           WHERE t.indicator_id = i.id AND ob.id = $6) \
                OR (i.counties AND EXISTS (SELECT 1 FROM organisations o WHERE o.id = $6 AND o.kind = 'county'))) \
         ORDER BY i.number",
    )
    .bind(edition_id)
    .bind(filter.part_seq)
    .bind(filter.method.as_deref())
    .bind(pattern)
    .bind(number)
    .bind(filter.organisation_id)
    .fetch_all(db)
    .await?;

    let mut links = org_links(db, edition_id).await?;
    let mut node = |summary: IndicatorSummary| {
        let mine = links.remove(&summary.id).unwrap_or_default();
        let (lead, responsible) = mine.into_iter().partition(|l| l.role == "lead");
        IndicatorNode {
            summary,
            lead,
            responsible,
        }
    };
    let mut by_point: HashMap<i64, Vec<IndicatorNode>> = HashMap::new();
    let mut by_part: HashMap<i64, Vec<IndicatorNode>> = HashMap::new();
    for summary in indicators {
        match summary.point_id {
            Some(point_id) => by_point.entry(point_id).or_default().push(node(summary)),
            None => by_part
                .entry(summary.part_id)
                .or_default()
                .push(node(summary)),
        }
    }

    let keep_empty = filter.is_empty();
    let mut tree = Vec::new();
    for part in parts {
        let point_nodes: Vec<PointNode> = points
            .iter()
            .filter(|p| p.part_id == part.id)
            .filter_map(|p| {
                let indicators = by_point.remove(&p.id).unwrap_or_default();
                (keep_empty || !indicators.is_empty()).then(|| PointNode {
                    point: p.clone(),
                    indicators,
                })
            })
            .collect();
        let direct = by_part.remove(&part.id).unwrap_or_default();
        let node = PartNode {
            part,
            points: point_nodes,
            indicators: direct,
        };
        if keep_empty || node.indicator_count() > 0 {
            tree.push(node);
        }
    }
    Ok(tree)
}

async fn org_links(db: &PgPool, edition_id: i64) -> sqlx::Result<HashMap<i64, Vec<OrgLink>>> {
    let rows: Vec<OrgLink> = sqlx::query_as(
        "SELECT io.indicator_id, o.id AS organisation_id, o.name, o.kind, io.role \
         FROM indicator_organisations io \
         JOIN indicators i ON i.id = io.indicator_id \
         JOIN organisations o ON o.body_id = io.body_id \
         WHERE i.edition_id = $1 ORDER BY io.indicator_id, io.position",
    )
    .bind(edition_id)
    .fetch_all(db)
    .await?;
    let mut map: HashMap<i64, Vec<OrgLink>> = HashMap::new();
    for row in rows {
        map.entry(row.indicator_id).or_default().push(row);
    }
    Ok(map)
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct IndicatorRecord {
    pub id: i64,
    pub number: i32,
    pub content: String,
    pub methods: Vec<String>,
    pub methods_text: String,
    pub responsibility_text: String,
    pub tasks_text: String,
    pub counties: bool,
    pub all_members: bool,
    pub part_seq: i32,
    pub part_numeral: String,
    pub part_title: String,
    pub point_seq: Option<i32>,
    pub point_title: Option<String>,
    pub point_points: Option<i32>,
    pub point_category: Option<PointCategory>,
    pub point_note: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Task {
    pub id: i64,
    pub seq: i32,
    pub text: String,
    pub counties: bool,
    pub all_responsible: bool,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct NamedOrg {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskDetail {
    pub task: Task,
    pub organisations: Vec<NamedOrg>,
}

/// One indicator with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorDetail {
    pub record: IndicatorRecord,
    pub lead: Vec<NamedOrg>,
    pub responsible: Vec<NamedOrg>,
    pub tasks: Vec<TaskDetail>,
    /// The counties standing in for 各县（区）, when the rubric names them.
    pub counties: Vec<NamedOrg>,
    pub previous: Option<i32>,
    pub next: Option<i32>,
}

pub async fn indicator(
    db: &PgPool,
    edition_id: i64,
    number: i32,
) -> sqlx::Result<Option<IndicatorDetail>> {
    let record: Option<IndicatorRecord> = sqlx::query_as(
        "SELECT i.id, i.number, i.content, i.methods, i.methods_text, i.responsibility_text, i.tasks_text, \
                i.counties, i.all_members, p.seq AS part_seq, p.numeral AS part_numeral, p.title AS part_title, \
                pt.seq AS point_seq, pt.title AS point_title, pt.points AS point_points, \
                pt.category AS point_category, pt.note AS point_note \
         FROM indicators i JOIN rubric_parts p ON p.id = i.part_id LEFT JOIN rubric_points pt ON pt.id = i.point_id \
         WHERE i.edition_id = $1 AND i.number = $2",
    )
    .bind(edition_id)
    .bind(number)
    .fetch_optional(db)
    .await?;
    let Some(record) = record else {
        return Ok(None);
    };

    let links: Vec<(String, i64, String, OrgKind)> = sqlx::query_as(
        "SELECT io.role, o.id, o.name, o.kind FROM indicator_organisations io \
         JOIN organisations o ON o.body_id = io.body_id WHERE io.indicator_id = $1 ORDER BY io.position",
    )
    .bind(record.id)
    .fetch_all(db)
    .await?;
    let (mut lead, mut responsible) = (Vec::new(), Vec::new());
    for (role, id, name, kind) in links {
        let org = NamedOrg { id, name, kind };
        if role == "lead" {
            lead.push(org)
        } else {
            responsible.push(org)
        }
    }

    let tasks: Vec<Task> = sqlx::query_as(
        "SELECT id, seq, text, counties, all_responsible FROM indicator_tasks WHERE indicator_id = $1 ORDER BY seq",
    )
    .bind(record.id)
    .fetch_all(db)
    .await?;
    let task_orgs: Vec<(i64, i64, String, OrgKind)> = sqlx::query_as(
        "SELECT tto.task_id, o.id, o.name, o.kind FROM indicator_task_organisations tto \
         JOIN indicator_tasks t ON t.id = tto.task_id JOIN organisations o ON o.body_id = tto.body_id \
         WHERE t.indicator_id = $1 ORDER BY tto.task_id, tto.position",
    )
    .bind(record.id)
    .fetch_all(db)
    .await?;
    let tasks = tasks
        .into_iter()
        .map(|task| TaskDetail {
            organisations: task_orgs
                .iter()
                .filter(|(task_id, ..)| *task_id == task.id)
                .map(|(_, id, name, kind)| NamedOrg {
                    id: *id,
                    name: name.clone(),
                    kind: *kind,
                })
                .collect(),
            task,
        })
        .collect();

    let counties = if record.counties {
        sqlx::query_as(
            "SELECT id, name, kind FROM organisations WHERE kind = 'county' AND active ORDER BY sort_order, id",
        )
        .fetch_all(db)
        .await?
    } else {
        Vec::new()
    };
    let (previous, next): (Option<i32>, Option<i32>) = sqlx::query_as(
        "SELECT (SELECT max(number) FROM indicators WHERE edition_id = $1 AND number < $2), \
                (SELECT min(number) FROM indicators WHERE edition_id = $1 AND number > $2)",
    )
    .bind(edition_id)
    .bind(number)
    .fetch_one(db)
    .await?;

    Ok(Some(IndicatorDetail {
        record,
        lead,
        responsible,
        tasks,
        counties,
        previous,
        next,
    }))
}

/// Headline counts for the home page.
#[derive(Debug, Clone, Default, FromRow, Serialize)]
pub struct Totals {
    pub parts: i64,
    pub points: i64,
    pub indicators: i64,
    pub tasks: i64,
}

pub async fn totals(db: &PgPool, edition_id: i64) -> sqlx::Result<Totals> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM rubric_parts WHERE edition_id = $1) AS parts, \
                (SELECT count(*) FROM rubric_points WHERE edition_id = $1) AS points, \
                (SELECT count(*) FROM indicators WHERE edition_id = $1) AS indicators, \
                (SELECT count(*) FROM indicator_tasks t JOIN indicators i ON i.id = t.indicator_id WHERE i.edition_id = $1) AS tasks",
    )
    .bind(edition_id)
    .fetch_one(db)
    .await
}

/// Parsed rubric files by edition, for the scoring rules and targets they declare. The
/// edition's checksum is compared on every use, so a re-import is picked up at once.
#[derive(Clone, Default)]
pub struct RulesCache {
    parsed: std::sync::Arc<tokio::sync::RwLock<HashMap<i64, ParsedEdition>>>,
}

/// An edition's checksum and its parsed file.
type ParsedEdition = (String, std::sync::Arc<data::RubricFile>);

impl RulesCache {
    pub async fn get(
        &self,
        db: &PgPool,
        edition_id: i64,
    ) -> anyhow::Result<std::sync::Arc<data::RubricFile>> {
        let checksum: String =
            sqlx::query_scalar("SELECT content_sha256 FROM rubric_editions WHERE id = $1")
                .bind(edition_id)
                .fetch_one(db)
                .await?;
        if let Some((seen, file)) = self.parsed.read().await.get(&edition_id)
            && *seen == checksum
        {
            return Ok(file.clone());
        }
        let source: Option<String> =
            sqlx::query_scalar("SELECT source FROM rubric_editions WHERE id = $1")
                .bind(edition_id)
                .fetch_one(db)
                .await?;
        let source = source.ok_or_else(|| anyhow::anyhow!("edition {edition_id} has no source"))?;
        let file = std::sync::Arc::new(
            data::RubricFile::parse(&source).map_err(|e| anyhow::anyhow!("stored rubric: {e}"))?,
        );
        self.parsed
            .write()
            .await
            .insert(edition_id, (checksum, file.clone()));
        Ok(file)
    }
}
