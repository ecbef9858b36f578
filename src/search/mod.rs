//! Full-text search inside evidence files (检索): the words of each file's text and of
//! its record (title, description, organisation, file name), in PostgreSQL.
//!
//! - [`extract`]: the text of PDFs, Office files and text files, typed outcomes.
//! - [`terms`]: jieba's words and Han bigrams as `tsvector` literals.
//! - [`query`]: what was typed, parsed into terms or a typed refusal.
//! - [`worker`]: the queue (`evidence_text`) and the background indexer.
//! - [`matched`]: which records a query matches, ranked, computed once per change.
//! - here: the page of results, with the visibility of the pages
//!   ([`crate::evidence::readable_clause`]), filters, counts per part and passages.
//!
//! Why PostgreSQL and not a separate engine: README "Full-text search".

pub mod extract;
pub mod matched;
pub mod query;
pub mod terms;
pub mod worker;

use serde::Serialize;
use sqlx::{FromRow, PgPool};

use crate::derived::Derived;
use crate::evidence::{Reader, readable_clause_for_few_rows};
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

#[derive(Debug, FromRow)]
struct HitRow {
    id: i64,
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

/// Searches the campaign's evidence `reader` may read; `offset` and `limit` pick the
/// page. The matches come from [`matched`] (computed once per change of the data); the
/// page's rows, passages included, are read here for the page alone.
#[allow(clippy::too_many_arguments)]
pub async fn search(
    db: &PgPool,
    figures: &Derived,
    campaign_id: i64,
    reader: Reader,
    query: &Query,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Results> {
    let tsquery = query.tsquery(Scheme::WordsAndBigrams);
    let found = matched::matched(db, figures, campaign_id, reader, &tsquery, filters).await?;
    let parts = found.per_part();
    let total = found.in_part(filters.part).count() as i64;
    let page: Vec<&matched::Match> = found
        .in_part(filters.part)
        .skip(offset.max(0) as usize)
        .take(limit.max(0) as usize)
        .collect();
    if page.is_empty() {
        return Ok(Results {
            hits: Vec::new(),
            total,
            parts,
        });
    }
    let ids: Vec<i64> = page.iter().map(|m| m.id).collect();
    let needles: Vec<String> = query.needles().into_iter().take(MAX_NEEDLES).collect();
    // The page's records as they are now (a record deleted since the matches were
    // computed is left out), in the matches' order.
    let rows: Vec<HitRow> = sqlx::query_as(&format!(
        "SELECT e.id, e.title, e.description, e.organisation_id, o.name AS organisation, \
                e.kind, e.year, v.id AS version_id, f.original_name, x.state, \
                coalesce((SELECT array_agg(DISTINCT i.number ORDER BY i.number) FROM evidence_uses eu \
                          JOIN tasks t ON t.id = eu.task_id JOIN indicators i ON i.id = t.indicator_id \
                          WHERE eu.evidence_id = e.id AND t.removed_at IS NULL), '{{}}') AS indicators, \
                w.snippet, w.snippet_start, length(x.body) AS body_chars \
         FROM unnest($1::bigint[]) WITH ORDINALITY AS page(id, ord) JOIN evidence e ON e.id = page.id \
         JOIN organisations o ON o.id = e.organisation_id \
         JOIN LATERAL (SELECT id, file_id FROM evidence_versions WHERE evidence_id = e.id \
                       ORDER BY version DESC LIMIT 1) v ON true \
         JOIN stored_files f ON f.id = v.file_id \
         LEFT JOIN evidence_text x ON x.file_id = v.file_id \
         LEFT JOIN LATERAL ( \
             SELECT substr(x.body, greatest(found.pos - {PASSAGE_BEFORE}, 1), {PASSAGE_CHARS}) AS snippet, \
                    greatest(found.pos - {PASSAGE_BEFORE}, 1) AS snippet_start \
             FROM (SELECT coalesce((SELECT p FROM unnest($4::text[]) WITH ORDINALITY AS n(needle, ord), \
                                          LATERAL (SELECT strpos(folded.body, n.needle) AS p) hit \
                                    WHERE hit.p > 0 ORDER BY n.ord LIMIT 1), 1) AS pos \
                   FROM (SELECT lower(x.body) AS body) folded) found \
             WHERE x.body IS NOT NULL AND x.body <> '') w ON true \
         WHERE e.campaign_id = $2 AND e.deleted_at IS NULL AND {} \
         ORDER BY page.ord",
        readable_clause_for_few_rows(3)
    ))
    .bind(&ids)
    .bind(campaign_id)
    .bind(reader.organisation())
    .bind(&needles)
    .fetch_all(db)
    .await?;
    let ranks: std::collections::HashMap<i64, f32> = page.iter().map(|m| (m.id, m.rank)).collect();
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
                rank: ranks.get(&row.id).copied().unwrap_or_default(),
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
