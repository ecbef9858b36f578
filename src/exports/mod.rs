//! Exports: the 指标任务责任分解表 as .xlsx ([`table`]), the evidence archive as a streamed
//! ZIP ([`archive`]) and CSV files of tasks and evidence ([`csv_export`]).
//!
//! Every export reads the same rows, so the numbers agree with each other and with the
//! rest of the application: withdrawn tasks (`removed_at`) and deleted evidence
//! (`deleted_at`) are left out, each piece of evidence appears once with its latest
//! version, and evidence filed under a withdrawn task is left out with the task.
//!
//! The files are official working papers of the campaign, so their headings and labels
//! are always Chinese, whatever language the user reads the interface in.

pub mod archive;
pub mod csv_cell;
pub mod csv_export;
pub mod document;
pub mod ledger;
pub mod table;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{FromRow, PgPool};

use crate::i18n::Lang;
use crate::tasks::Status;

/// Which part of the campaign an evidence export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The whole campaign.
    #[default]
    All,
    /// One part (一 … 六), by its sequence number.
    Part(i32),
    /// One indicator, by its number.
    Indicator(i32),
}

impl Scope {
    fn part(self) -> Option<i32> {
        match self {
            Scope::Part(seq) => Some(seq),
            _ => None,
        }
    }

    fn indicator(self) -> Option<i32> {
        match self {
            Scope::Indicator(number) => Some(number),
            _ => None,
        }
    }

    /// A short tag for file names and the audit trail: 全部, 第一部分, 指标29.
    pub fn tag(self, numeral: Option<&str>) -> String {
        match self {
            Scope::All => "全部".to_string(),
            Scope::Part(seq) => match numeral {
                Some(numeral) => format!("第{numeral}部分"),
                None => format!("第{seq}部分"),
            },
            Scope::Indicator(number) => format!("指标{number}"),
        }
    }
}

/// One task of the responsibility table, with where it sits in the rubric.
#[derive(Debug, Clone, FromRow)]
pub struct TaskExportRow {
    pub id: i64,
    pub part_seq: i32,
    pub part_numeral: String,
    pub part_title: String,
    pub point_seq: Option<i32>,
    pub point_title: Option<String>,
    pub indicator_number: i32,
    pub indicator_content: String,
    pub methods_text: String,
    pub responsibility_text: String,
    /// The number of the rubric's 基本任务 this task came from (None for the office's own).
    pub task_seq: Option<i32>,
    pub text: String,
    pub organisation_name: String,
    pub status: Status,
    pub due_on: Option<NaiveDate>,
    pub evidence_count: i64,
}

impl TaskExportRow {
    /// 评价要点 as the table prints it; veto indicators have no point, only their part.
    pub fn point_label(&self) -> String {
        match (self.point_seq, &self.point_title) {
            (Some(seq), Some(title)) => format!("{seq}. {title}"),
            _ => part_label(&self.part_numeral, &self.part_title),
        }
    }

    /// 基本任务 with its number from the rubric, as in the printed table.
    pub fn task_label(&self) -> String {
        match self.task_seq {
            Some(seq) => format!("{seq}. {}", self.text),
            None => self.text.clone(),
        }
    }
}

/// One task of a programme (治理提升工程, 专项整治行动), for the table's second sheet.
#[derive(Debug, Clone, FromRow)]
pub struct ProgrammeTaskRow {
    pub kind: String,
    pub number: i32,
    pub title: String,
    pub lead_text: String,
    pub responsible_text: String,
    pub text: String,
    pub organisation_name: String,
    pub status: Status,
    pub due_on: Option<NaiveDate>,
    pub evidence_count: i64,
}

/// Every current programme task of the campaign: projects, then campaigns, then the
/// office's own, each by number; lead before responsible units before counties.
pub async fn programme_rows(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<ProgrammeTaskRow>> {
    sqlx::query_as(
        "SELECT p.kind, p.number, p.title, p.lead_text, p.responsible_text, t.text, o.name AS organisation_name, \
                t.status, t.due_on, \
                t.evidence_count::bigint AS evidence_count \
         FROM tasks t JOIN programmes p ON p.id = t.programme_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         ORDER BY array_position(ARRAY['project','campaign','office'], p.kind), p.number, \
                  array_position(ARRAY['lead','responsible','county'], t.relation), o.sort_order, o.id",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// One piece of evidence (its latest version) with where it belongs: an indicator of the
/// rubric (part, point, number), or a programme of the plan (治理提升工程 or 专项整治行动,
/// whose evidence is none of the rubric's).
#[derive(Debug, Clone, FromRow)]
pub struct EvidenceExportRow {
    pub id: i64,
    pub task_id: i64,
    pub part_seq: Option<i32>,
    pub part_numeral: Option<String>,
    pub part_title: Option<String>,
    pub point_seq: Option<i32>,
    pub point_title: Option<String>,
    pub indicator_number: Option<i32>,
    pub programme_kind: Option<String>,
    pub programme_number: Option<i32>,
    pub programme_title: Option<String>,
    pub organisation_name: String,
    pub title: String,
    pub kind: String,
    pub year: Option<i32>,
    pub original_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub version: i32,
    pub uploaded_at: DateTime<Utc>,
    pub task_status: Status,
    pub storage_key: String,
}

impl EvidenceExportRow {
    /// The rubric's part ("一、基础工作"), or the programme's kind ("治理提升工程").
    pub fn section_label(&self) -> String {
        match (&self.part_numeral, &self.part_title, &self.programme_kind) {
            (Some(numeral), Some(title), _) => part_label(numeral, title),
            (_, _, Some(kind)) => crate::programmes::kind_name(kind).to_string(),
            _ => String::new(),
        }
    }

    /// 评价要点, the part for veto indicators (which have no point), or the programme's
    /// title.
    pub fn point_label(&self) -> String {
        match (self.point_seq, &self.point_title, &self.programme_title) {
            (Some(seq), Some(title), _) => format!("{seq}. {title}"),
            (_, _, Some(title)) if self.indicator_number.is_none() => title.clone(),
            _ => self.section_label(),
        }
    }

    /// The indicator's number ("29") or the programme's label ("工程3").
    pub fn work_label(&self) -> String {
        crate::tasks::work_label(
            self.indicator_number,
            &self.programme_kind,
            self.programme_number,
        )
    }
}

/// "一、基础工作"
pub fn part_label(numeral: &str, title: &str) -> String {
    format!("{numeral}、{title}")
}

/// The Chinese label of a task status (未开始, 进行中, 已提交, 已退回, 已通过).
pub fn status_label(status: Status) -> String {
    Lang::Zh.t(&format!("status-{}", status.as_str()))
}

/// The Chinese label of a kind of evidence (文件, 台账, …).
pub fn kind_label(kind: &str) -> String {
    Lang::Zh.t(&format!("evidence-kind-{kind}"))
}

/// Every current task of the campaign in rubric order: part, point, indicator, the
/// rubric's task number, then departments before counties in their usual order.
pub async fn task_rows(db: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<TaskExportRow>> {
    sqlx::query_as(
        "SELECT t.id, p.seq AS part_seq, p.numeral AS part_numeral, p.title AS part_title, \
                pt.seq AS point_seq, pt.title AS point_title, \
                i.number AS indicator_number, i.content AS indicator_content, i.methods_text, \
                i.responsibility_text, it.seq AS task_seq, t.text, o.name AS organisation_name, \
                t.status, t.due_on, \
                t.evidence_count::bigint AS evidence_count \
         FROM tasks t \
         JOIN indicators i ON i.id = t.indicator_id \
         JOIN rubric_parts p ON p.id = i.part_id \
         LEFT JOIN rubric_points pt ON pt.id = i.point_id \
         LEFT JOIN indicator_tasks it ON it.id = t.rubric_task_id \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
         ORDER BY p.seq, pt.seq NULLS FIRST, i.number, it.seq NULLS LAST, \
                  o.kind = 'county', o.sort_order, o.id, t.id",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// The FROM and WHERE shared by the evidence rows and their count ($1 campaign, $2 part
/// seq, $3 indicator number): current evidence with its latest version's file, once for
/// every indicator it serves (a file linked to indicators 1, 3 and 7 is three rows; two
/// tasks of one indicator sharing it are one).
const EVIDENCE_FROM: &str = "FROM evidence e \
     JOIN LATERAL (SELECT * FROM evidence_versions WHERE evidence_id = e.id \
                   ORDER BY version DESC LIMIT 1) v ON true \
     JOIN stored_files f ON f.id = v.file_id \
     JOIN (SELECT DISTINCT ON (eu.evidence_id, t.indicator_id) eu.evidence_id, t.id, t.indicator_id, \
                  t.status, t.removed_at \
           FROM evidence_uses eu JOIN tasks t ON t.id = eu.task_id \
           WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
           ORDER BY eu.evidence_id, t.indicator_id, t.id) t ON t.evidence_id = e.id \
     JOIN indicators i ON i.id = t.indicator_id \
     JOIN rubric_parts p ON p.id = i.part_id \
     LEFT JOIN rubric_points pt ON pt.id = i.point_id \
     JOIN organisations o ON o.id = e.organisation_id \
     WHERE e.campaign_id = $1 AND e.deleted_at IS NULL AND t.removed_at IS NULL \
       AND ($2::int IS NULL OR p.seq = $2) AND ($3::int IS NULL OR i.number = $3)";

/// The programmes' evidence (once for every programme it serves), for the whole
/// campaign's exports: a part or an indicator of the rubric holds none of it.
const PROGRAMME_EVIDENCE_FROM: &str = "FROM evidence e \
     JOIN LATERAL (SELECT * FROM evidence_versions WHERE evidence_id = e.id \
                   ORDER BY version DESC LIMIT 1) v ON true \
     JOIN stored_files f ON f.id = v.file_id \
     JOIN (SELECT DISTINCT ON (eu.evidence_id, t.programme_id) eu.evidence_id, t.id, t.programme_id, t.status \
           FROM evidence_uses eu JOIN tasks t ON t.id = eu.task_id \
           WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.programme_id IS NOT NULL \
           ORDER BY eu.evidence_id, t.programme_id, t.id) t ON t.evidence_id = e.id \
     JOIN programmes pg ON pg.id = t.programme_id \
     JOIN organisations o ON o.id = e.organisation_id \
     WHERE e.campaign_id = $1 AND e.deleted_at IS NULL";

/// The current evidence within `scope`, each with its latest version, in archive order:
/// the rubric's parts, then (for the whole campaign) the programmes of the plan.
pub async fn evidence_rows(
    db: &PgPool,
    campaign_id: i64,
    scope: Scope,
) -> sqlx::Result<Vec<EvidenceExportRow>> {
    const FILE: &str = "o.name AS organisation_name, e.title, e.kind, e.year, f.original_name, f.size_bytes, \
                f.sha256, v.version, v.created_at AS uploaded_at, t.status AS task_status, f.storage_key";
    let programmes = if scope == Scope::All {
        format!(
            " UNION ALL \
             SELECT e.id, t.id, NULL::int, NULL::text, NULL::text, NULL::int, NULL::text, NULL::int, \
                    pg.kind, pg.number, pg.title, {FILE}, \
                    2, array_position(ARRAY['project','campaign','office'], pg.kind), pg.number, o.kind = 'county', o.sort_order, o.id \
             {PROGRAMME_EVIDENCE_FROM}"
        )
    } else {
        String::new()
    };
    sqlx::query_as(&format!(
        "SELECT id, task_id, part_seq, part_numeral, part_title, point_seq, point_title, indicator_number, \
                programme_kind, programme_number, programme_title, organisation_name, title, kind, year, \
                original_name, size_bytes, sha256, version, uploaded_at, task_status, storage_key \
         FROM ( \
           SELECT e.id, t.id AS task_id, p.seq AS part_seq, p.numeral AS part_numeral, p.title AS part_title, \
                  pt.seq AS point_seq, pt.title AS point_title, i.number AS indicator_number, \
                  NULL::text AS programme_kind, NULL::int AS programme_number, NULL::text AS programme_title, {FILE}, \
                  1 AS sort_section, p.seq AS sort_a, coalesce(pt.seq, 0) * 1000 + i.number AS sort_b, \
                  o.kind = 'county' AS sort_county, o.sort_order AS sort_org, o.id AS sort_org_id \
           {EVIDENCE_FROM}{programmes} \
         ) rows \
         ORDER BY sort_section, sort_a, sort_b, sort_county, sort_org, sort_org_id, id"
    ))
    .bind(campaign_id)
    .bind(scope.part())
    .bind(scope.indicator())
    .fetch_all(db)
    .await
}

/// What an evidence archive for `scope` would hold: (tasks, evidence files, bytes).
#[derive(Debug, Clone, Copy, Default, FromRow)]
pub struct ScopeCounts {
    pub tasks: i64,
    pub files: i64,
    pub bytes: i64,
}

pub async fn scope_counts(
    db: &PgPool,
    campaign_id: i64,
    scope: Scope,
) -> sqlx::Result<ScopeCounts> {
    let tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         JOIN rubric_parts p ON p.id = i.part_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL \
           AND ($2::int IS NULL OR p.seq = $2) AND ($3::int IS NULL OR i.number = $3)",
    )
    .bind(campaign_id)
    .bind(scope.part())
    .bind(scope.indicator())
    .fetch_one(db)
    .await?;
    let (files, bytes): (i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*), coalesce(sum(f.size_bytes), 0)::bigint {EVIDENCE_FROM}"
    ))
    .bind(campaign_id)
    .bind(scope.part())
    .bind(scope.indicator())
    .fetch_one(db)
    .await?;
    Ok(ScopeCounts {
        tasks,
        files,
        bytes,
    })
}

/// The counts of every part at once (two grouped queries instead of two per part), by
/// part seq; the whole campaign's counts are their sum, as every task and every
/// (evidence, indicator) pair falls in exactly one part.
pub async fn counts_by_part(
    db: &PgPool,
    campaign_id: i64,
) -> sqlx::Result<std::collections::BTreeMap<i32, ScopeCounts>> {
    let tasks: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT p.seq, count(*) FROM tasks t JOIN indicators i ON i.id = t.indicator_id \
         JOIN rubric_parts p ON p.id = i.part_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL GROUP BY p.seq",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await?;
    let files: Vec<(i32, i64, i64)> = sqlx::query_as(&format!(
        "SELECT p.seq, count(*), coalesce(sum(f.size_bytes), 0)::bigint {EVIDENCE_FROM} GROUP BY p.seq"
    ))
    .bind(campaign_id)
    .bind(None::<i32>)
    .bind(None::<i32>)
    .fetch_all(db)
    .await?;
    let mut out = std::collections::BTreeMap::new();
    for (seq, count) in tasks {
        out.entry(seq).or_insert_with(ScopeCounts::default).tasks = count;
    }
    for (seq, count, bytes) in files {
        let entry = out.entry(seq).or_insert_with(ScopeCounts::default);
        entry.files = count;
        entry.bytes = bytes;
    }
    Ok(out)
}

/// What the programmes' evidence adds to the whole campaign's archive: their tasks, and
/// their files once for every programme each serves.
pub async fn programme_counts(db: &PgPool, campaign_id: i64) -> sqlx::Result<ScopeCounts> {
    let tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.programme_id IS NOT NULL",
    )
    .bind(campaign_id)
    .fetch_one(db)
    .await?;
    let (files, bytes): (i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*), coalesce(sum(f.size_bytes), 0)::bigint {PROGRAMME_EVIDENCE_FROM}"
    ))
    .bind(campaign_id)
    .fetch_one(db)
    .await?;
    Ok(ScopeCounts {
        tasks,
        files,
        bytes,
    })
}

/// A part of the campaign's rubric, for choosing an archive's scope.
#[derive(Debug, Clone, FromRow)]
pub struct PartChoice {
    pub seq: i32,
    pub numeral: String,
    pub title: String,
}

pub async fn parts(db: &PgPool, edition_id: i64) -> sqlx::Result<Vec<PartChoice>> {
    sqlx::query_as(
        "SELECT seq, numeral, title FROM rubric_parts WHERE edition_id = $1 ORDER BY seq",
    )
    .bind(edition_id)
    .fetch_all(db)
    .await
}

/// Whether the campaign's rubric has an indicator with this number.
pub async fn indicator_exists(db: &PgPool, edition_id: i64, number: i32) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM indicators WHERE edition_id = $1 AND number = $2)",
    )
    .bind(edition_id)
    .bind(number)
    .fetch_one(db)
    .await
}
