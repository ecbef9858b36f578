//! Full-text search inside evidence files (检索): the words of each file's text and of
//! its record (title, description, organisation, file name), in PostgreSQL.
//!
//! - [`extract`]: the text of PDFs, Office files and text files, typed outcomes.
//! - [`terms`]: jieba's words and Han bigrams as `tsvector` literals.
//! - [`query`]: what was typed, parsed into terms or a typed refusal.
//! - [`worker`]: the queue (`evidence_text`) and the background indexer.
//! - here: the search itself, with the visibility of the pages
//!   ([`crate::evidence::readable_clause`]), filters, counts per part and passages.
//!
//! Why PostgreSQL and not a separate engine: README "Full-text search".

pub mod extract;
pub mod query;
pub mod terms;
pub mod worker;

use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::evidence::{Reader, readable_clause};
use query::Query;
use terms::Scheme;

/// Hits per page.
pub const PAGE_SIZE: i64 = 20;
/// Characters of text shown around a match.
const PASSAGE_BEFORE: i32 = 30;
const PASSAGE_CHARS: i32 = 100;
/// Words looked for when placing a passage (the best first).
const MAX_NEEDLES: usize = 8;
/// Searches matching at most this many records are ranked by `ts_rank` over the whole
/// vector (title weight A, file text D); beyond it (a common word) by the record's own
/// words (title, description, organisation, file name), then newest first, so that a
/// common word costs about what a rare one does: ranking reads every match's vector.
pub const RANK_ALL_MAX: i64 = 2_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// A rubric part (its `seq`): evidence used by a task of an indicator in it.
    pub part: Option<i32>,
    pub organisation_id: Option<i64>,
    pub kind: Option<String>,
    pub year: Option<i32>,
}

/// Text with the matched words marked (character offsets, end exclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Marked {
    pub text: String,
    pub marks: Vec<(usize, usize)>,
    /// Text was left out before / after the passage.
    pub cut_before: bool,
    pub cut_after: bool,
}

impl Marked {
    /// Escaped HTML with each match in `<mark>`.
    pub fn html(&self) -> String {
        let chars: Vec<char> = self.text.chars().collect();
        let mut out = String::with_capacity(self.text.len() + 32);
        if self.cut_before {
            out.push('…');
        }
        let mut at = 0;
        for &(start, end) in &self.marks {
            escape_into(&mut out, &chars[at..start]);
            out.push_str("<mark>");
            escape_into(&mut out, &chars[start..end]);
            out.push_str("</mark>");
            at = end;
        }
        escape_into(&mut out, &chars[at..]);
        if self.cut_after {
            out.push('…');
        }
        out
    }
}

fn escape_into(out: &mut String, chars: &[char]) {
    for c in chars {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(*c),
        }
    }
}

/// The character as matching sees it: full-width ASCII as ASCII, Latin lower-cased.
fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase().next().unwrap_or(c)
}

/// Marks every occurrence of any needle in `text` (longest needle first at each place).
pub fn mark(text: &str, needles: &[String]) -> Vec<(usize, usize)> {
    let folded: Vec<char> = text.chars().map(fold).collect();
    let mut needles: Vec<Vec<char>> = needles
        .iter()
        .map(|n| n.chars().collect::<Vec<char>>())
        .filter(|n| !n.is_empty())
        .collect();
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut marks = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        match needles.iter().find(|n| folded[i..].starts_with(n)) {
            Some(n) => {
                marks.push((i, i + n.len()));
                i += n.len();
            }
            None => i += 1,
        }
    }
    marks
}

/// The extraction state of a hit's file, as the page words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextState {
    Done,
    /// Queued or being extracted: "正在提取".
    Pending,
    /// "无文字层".
    NoTextLayer,
    /// "无法提取文字".
    Failed,
    /// Photos, archives.
    NotText,
}

impl TextState {
    fn from_db(state: Option<&str>) -> TextState {
        match state {
            Some("done") => TextState::Done,
            Some("no_text") => TextState::NoTextLayer,
            Some("failed") => TextState::Failed,
            Some("not_text") => TextState::NotText,
            _ => TextState::Pending,
        }
    }

    pub fn message_key(self) -> Option<&'static str> {
        match self {
            TextState::Done | TextState::NotText => None,
            TextState::Pending => Some("search-state-pending"),
            TextState::NoTextLayer => Some("search-state-no-text"),
            TextState::Failed => Some("search-state-failed"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub evidence_id: i64,
    pub version_id: i64,
    pub title: Marked,
    pub organisation_id: i64,
    pub organisation: String,
    pub indicators: Vec<i32>,
    pub kind: String,
    pub year: Option<i32>,
    pub file_name: String,
    pub passage: Marked,
    pub text_state: TextState,
    pub rank: f32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Hits with every filter.
    pub total: i64,
    /// Hits per rubric part (seq, count), with every filter but the part.
    pub parts: Vec<(i32, i64)>,
}

/// The conditions every search shares, over the records whose vectors matched (`m.id`
/// from `unnest($1)`): the campaign, not deleted, readable by the reader (bound at `$3`),
/// and the filters but the part. Binds: $1 matched ids, $2 campaign, $3 reader's
/// organisation, $4 organisation, $5 kind, $6 year.
fn matching() -> String {
    format!(
        "e.campaign_id = $2 AND e.deleted_at IS NULL \
         AND {} \
         AND ($4::bigint IS NULL OR e.organisation_id = $4) \
         AND ($5::text IS NULL OR e.kind = $5) \
         AND ($6::int IS NULL OR e.year = $6)",
        readable_clause(3)
    )
}

/// Used by a live task (of an indicator in part `$7`, when given).
const IN_PART: &str = "EXISTS (SELECT 1 FROM evidence_uses u JOIN tasks t ON t.id = u.task_id \
     JOIN indicators i ON i.id = t.indicator_id JOIN rubric_parts p ON p.id = i.part_id \
     WHERE u.evidence_id = e.id AND t.removed_at IS NULL AND ($7::int IS NULL OR p.seq = $7))";

#[derive(Debug, FromRow)]
struct HitRow {
    id: i64,
    rank: f32,
    title: String,
    description: String,
    organisation_id: i64,
    organisation: String,
    kind: String,
    year: Option<i32>,
    version_id: i64,
    original_name: String,
    state: Option<String>,
    indicators: Vec<i32>,
    snippet: Option<String>,
    snippet_start: Option<i32>,
    body_chars: Option<i32>,
}

/// Searches the campaign's evidence `reader` may read. `page` is 1-based.
pub async fn search(
    db: &PgPool,
    campaign_id: i64,
    reader: Reader,
    query: &Query,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Results> {
    let tsquery = query.tsquery(Scheme::WordsAndBigrams);
    let reader_org = reader.organisation();
    let matching = matching();
    let mut tx = db.begin().await?;
    // The vectors are large and kept out of line (TOAST): a sequential scan that tests
    // each one costs far more than the GIN index, which the planner, counting only the
    // table's own pages, does not see. The match is therefore its own statement, planned
    // without sequential scans; everything else works on the ids it found.
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT evidence_id FROM evidence_search WHERE vector @@ $1::tsquery AND campaign_id = $2",
    )
    .bind(&tsquery)
    .bind(campaign_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("SET LOCAL enable_seqscan = on")
        .execute(&mut *tx)
        .await?;
    let counts: Vec<(Option<i32>, i64)> = sqlx::query_as(&format!(
        "SELECT p.seq, count(DISTINCT e.id) FROM unnest($1::bigint[]) AS m(id) JOIN evidence e ON e.id = m.id \
         JOIN evidence_uses u ON u.evidence_id = e.id JOIN tasks t ON t.id = u.task_id AND t.removed_at IS NULL \
         JOIN indicators i ON i.id = t.indicator_id JOIN rubric_parts p ON p.id = i.part_id \
         WHERE {matching} \
         GROUP BY GROUPING SETS ((p.seq), ()) ORDER BY p.seq NULLS FIRST"
    ))
    .bind(&ids)
    .bind(campaign_id)
    .bind(reader_org)
    .bind(filters.organisation_id)
    .bind(filters.kind.as_deref())
    .bind(filters.year)
    .fetch_all(&mut *tx)
    .await?;
    let parts: Vec<(i32, i64)> = counts
        .iter()
        .filter_map(|(seq, n)| seq.map(|s| (s, *n)))
        .collect();
    let total = match filters.part {
        Some(part) => parts.iter().find(|(s, _)| *s == part).map_or(0, |p| p.1),
        None => counts
            .iter()
            .find(|(seq, _)| seq.is_none())
            .map_or(0, |p| p.1),
    };
    if total == 0 || offset >= total {
        return Ok(Results {
            hits: Vec::new(),
            total,
            parts,
        });
    }
    let needles: Vec<String> = query.needles().into_iter().take(MAX_NEEDLES).collect();
    let ranked = if total <= RANK_ALL_MAX {
        "s.vector"
    } else {
        "s.meta"
    };
    let rows: Vec<HitRow> = sqlx::query_as(&format!(
        "WITH page AS ( \
             SELECT e.id, ts_rank({ranked}, $11::tsquery) AS rank FROM unnest($1::bigint[]) AS m(id) \
             JOIN evidence_search s ON s.evidence_id = m.id JOIN evidence e ON e.id = m.id \
             WHERE {matching} AND {IN_PART} \
             ORDER BY rank DESC, e.id DESC OFFSET $8 LIMIT $9) \
         SELECT page.id, page.rank, e.title, e.description, e.organisation_id, o.name AS organisation, \
                e.kind, e.year, v.id AS version_id, f.original_name, x.state, \
                coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
                          JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
                          WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{{}}') AS indicators, \
                w.snippet, w.snippet_start, length(x.body) AS body_chars \
         FROM page JOIN evidence e ON e.id = page.id JOIN organisations o ON o.id = e.organisation_id \
         JOIN LATERAL (SELECT id, file_id FROM evidence_versions WHERE evidence_id = e.id \
                       ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id \
         LEFT JOIN evidence_text x ON x.file_id = v.file_id \
         LEFT JOIN LATERAL ( \
             SELECT substr(x.body, greatest(found.pos - {PASSAGE_BEFORE}, 1), {PASSAGE_CHARS}) AS snippet, \
                    greatest(found.pos - {PASSAGE_BEFORE}, 1) AS snippet_start \
             FROM (SELECT coalesce((SELECT p FROM unnest($10::text[]) WITH ORDINALITY AS n(needle, ord), \
                                          LATERAL (SELECT strpos(lower(x.body), n.needle) AS p) hit \
                                    WHERE hit.p > 0 ORDER BY n.ord LIMIT 1), 1) AS pos) found \
             WHERE x.body IS NOT NULL AND x.body <> '') w ON true \
         ORDER BY page.rank DESC, page.id DESC"
    ))
    .bind(&ids)
    .bind(campaign_id)
    .bind(reader_org)
    .bind(filters.organisation_id)
    .bind(filters.kind.as_deref())
    .bind(filters.year)
    .bind(filters.part)
    .bind(offset)
    .bind(limit)
    .bind(&needles)
    .bind(&tsquery)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let hits = rows
        .into_iter()
        .map(|row| {
            let passage = match (&row.snippet, row.snippet_start) {
                (Some(snippet), Some(start)) => Marked {
                    marks: mark(snippet, &needles),
                    cut_before: start > 1,
                    cut_after: (start - 1) + (snippet.chars().count() as i32)
                        < row.body_chars.unwrap_or(0),
                    text: snippet.clone(),
                },
                _ => {
                    let text: String = row
                        .description
                        .chars()
                        .take(PASSAGE_CHARS as usize)
                        .collect();
                    Marked {
                        marks: mark(&text, &needles),
                        cut_after: row.description.chars().count() > text.chars().count(),
                        cut_before: false,
                        text,
                    }
                }
            };
            Hit {
                evidence_id: row.id,
                version_id: row.version_id,
                title: Marked {
                    marks: mark(&row.title, &needles),
                    text: row.title,
                    cut_before: false,
                    cut_after: false,
                },
                organisation_id: row.organisation_id,
                organisation: row.organisation,
                indicators: row.indicators,
                kind: row.kind,
                year: row.year,
                file_name: row.original_name,
                passage,
                text_state: TextState::from_db(row.state.as_deref()),
                rank: row.rank,
            }
        })
        .collect();
    Ok(Results { hits, total, parts })
}

/// Queue and index figures (for `shian search reindex` and the benchmark).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct QueueFigures {
    pub queued: i64,
    pub done: i64,
    pub no_text: i64,
    pub failed: i64,
    pub not_text: i64,
    pub stale: i64,
}

pub async fn queue_figures(db: &PgPool) -> sqlx::Result<QueueFigures> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'done') AS done, \
                count(*) FILTER (WHERE state = 'no_text') AS no_text, count(*) FILTER (WHERE state = 'failed') AS failed, \
                count(*) FILTER (WHERE state = 'not_text') AS not_text, \
                (SELECT count(*) FROM evidence_search WHERE stale) AS stale \
         FROM evidence_text",
    )
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_escaped_and_case_folded() {
        let needles = vec!["明厨亮灶".to_string(), "haccp".to_string()];
        let text = "<b>开展明厨亮灶</b> 与 HACCP、ＨＡＣＣＰ";
        let marked = Marked {
            text: text.into(),
            marks: mark(text, &needles),
            cut_before: true,
            cut_after: false,
        };
        assert_eq!(marked.marks.len(), 3);
        assert_eq!(
            marked.html(),
            "…&lt;b&gt;开展<mark>明厨亮灶</mark>&lt;/b&gt; 与 <mark>HACCP</mark>、<mark>ＨＡＣＣＰ</mark>"
        );
    }
}
