//! Which records a query matches for one reader and filters, ranked, with the rubric
//! parts each is used in: computed once per change of the data (through
//! [`crate::derived`]), so that paging through the results, or switching the part
//! filter, costs only the page's own rows.
//!
//! A common word (抽检 matches 16,000 of a city's 19,000 records) makes this the costly
//! step: every match joined with its uses, tasks and indicators, and ranked. Done once
//! per query, not once per page.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use sqlx::PgPool;

use super::{Filters, RANK_ALL_MAX};
use crate::derived::Derived;
use crate::evidence::{Reader, readable_clause};

/// Above this many matches the joins are planned as hash joins: the planner cannot
/// know how many ids the array holds and would otherwise look each one up in turn.
const HASH_JOINS_FROM: usize = 500;

/// One matched record: its id, its rank, and the rubric parts its live uses are in (bit
/// `seq - 1` for part `seq`; a rubric has six). 24 bytes, so that a word found in 16,000
/// files keeps under 400 KB in the cache.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    pub id: i64,
    pub rank: f32,
    parts: u64,
}

impl Match {
    fn new(id: i64, rank: f32, seqs: &[i32]) -> Match {
        let parts = seqs
            .iter()
            .filter(|s| (1..=64).contains(*s))
            .fold(0u64, |bits, s| bits | 1 << (s - 1));
        Match { id, rank, parts }
    }

    /// Used in rubric part `seq`.
    pub fn in_part(&self, seq: i32) -> bool {
        (1..=64).contains(&seq) && self.parts & (1 << (seq - 1)) != 0
    }
}

/// Every record a query matches that the reader may read, with every filter but the
/// part; best first (rank, then newest).
#[derive(Debug)]
pub struct Matched {
    /// What was asked, in full (the cache is keyed by its hash; a hit is checked
    /// against this, so two queries can never share results).
    key: String,
    pub matches: Vec<Match>,
}

impl Matched {
    /// Matches in rubric part `part` (all when `None`).
    pub fn in_part(&self, part: Option<i32>) -> impl Iterator<Item = &Match> {
        self.matches
            .iter()
            .filter(move |m| part.is_none_or(|p| m.in_part(p)))
    }

    /// Matches per rubric part, by `seq`.
    pub fn per_part(&self) -> Vec<(i32, i64)> {
        let mut counts = [0i64; 64];
        for m in &self.matches {
            let mut bits = m.parts;
            while bits != 0 {
                counts[bits.trailing_zeros() as usize] += 1;
                bits &= bits - 1;
            }
        }
        (1..=64).zip(counts).filter(|(_, n)| *n > 0).collect()
    }
}

fn key(campaign_id: i64, reader: Reader, tsquery: &str, filters: &Filters) -> String {
    format!(
        "{campaign_id}\u{1}{:?}\u{1}{tsquery}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
        reader.organisation(),
        filters.organisation_id,
        filters.kind,
        filters.year
    )
}

/// The matches of `tsquery`, from the figures cache when the data has not changed.
pub async fn matched(
    db: &PgPool,
    figures: &Derived,
    campaign_id: i64,
    reader: Reader,
    tsquery: &str,
    filters: &Filters,
) -> sqlx::Result<Arc<Matched>> {
    let key = key(campaign_id, reader, tsquery, filters);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    let hash = hasher.finish() as i64;
    let cached = figures
        .get_for("search.matched", [campaign_id, hash], || {
            compute(db, key.clone(), campaign_id, reader, tsquery, filters)
        })
        .await
        .map_err(|err| sqlx::Error::Protocol(format!("search failed: {err}")))?;
    if cached.key == key {
        return Ok(cached);
    }
    // Two queries with one hash (never seen, but possible): the other's results are
    // not this one's.
    Ok(Arc::new(
        compute(db, key, campaign_id, reader, tsquery, filters).await?,
    ))
}

async fn compute(
    db: &PgPool,
    key: String,
    campaign_id: i64,
    reader: Reader,
    tsquery: &str,
    filters: &Filters,
) -> sqlx::Result<Matched> {
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
    .bind(tsquery)
    .bind(campaign_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("SET LOCAL enable_seqscan = on")
        .execute(&mut *tx)
        .await?;
    if ids.is_empty() {
        return Ok(Matched {
            key,
            matches: Vec::new(),
        });
    }
    if ids.len() >= HASH_JOINS_FROM {
        sqlx::query("SET LOCAL enable_nestloop = off")
            .execute(&mut *tx)
            .await?;
    }
    // Ranking reads each match's vector; a common word is ranked by the record's own
    // words (title, description, organisation, file name) instead, so that it costs
    // about what a rare one does.
    let ranked = if ids.len() as i64 <= RANK_ALL_MAX {
        "s.vector"
    } else {
        "s.meta"
    };
    // The records the reader may read and the filters keep come first, so that a clerk's
    // search (its own organisation's files) or a filtered one joins only those with their
    // uses. Only records used by a live task are found (what the pages list).
    let rows: Vec<(i64, f32, Vec<i32>)> = sqlx::query_as(&format!(
        "WITH m AS ( \
             SELECT e.id FROM unnest($1::bigint[]) AS x(id) JOIN evidence e ON e.id = x.id \
             WHERE e.campaign_id = $2 AND e.deleted_at IS NULL AND {} \
               AND ($4::bigint IS NULL OR e.organisation_id = $4) \
               AND ($5::text IS NULL OR e.kind = $5) \
               AND ($6::int IS NULL OR e.year = $6)), \
              used AS (SELECT u.evidence_id AS id, array_agg(DISTINCT p.seq) AS parts FROM m \
                       JOIN evidence_uses u ON u.evidence_id = m.id \
                       JOIN tasks t ON t.id = u.task_id AND t.removed_at IS NULL \
                       JOIN indicators i ON i.id = t.indicator_id JOIN rubric_parts p ON p.id = i.part_id \
                       GROUP BY u.evidence_id) \
         SELECT used.id, ts_rank({ranked}, $7::tsquery), used.parts \
         FROM used JOIN evidence_search s ON s.evidence_id = used.id",
        readable_clause(3)
    ))
    .bind(&ids)
    .bind(campaign_id)
    .bind(reader.organisation())
    .bind(filters.organisation_id)
    .bind(filters.kind.as_deref())
    .bind(filters.year)
    .bind(tsquery)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut matches: Vec<Match> = rows
        .into_iter()
        .map(|(id, rank, parts)| Match::new(id, rank, &parts))
        .collect();
    matches.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(b.id.cmp(&a.id)));
    Ok(Matched { key, matches })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(parts: &[&[i32]]) -> Matched {
        Matched {
            key: String::new(),
            matches: parts
                .iter()
                .enumerate()
                .map(|(i, p)| Match::new(i as i64, 0.0, p))
                .collect(),
        }
    }

    #[test]
    fn counts_per_part_count_a_record_once_in_each_of_its_parts() {
        let m = matched(&[&[1], &[1, 3], &[3], &[5]]);
        assert_eq!(m.per_part(), vec![(1, 2), (3, 2), (5, 1)]);
        assert_eq!(m.in_part(None).count(), 4);
        assert_eq!(m.in_part(Some(3)).count(), 2);
        assert_eq!(m.in_part(Some(2)).count(), 0);
        // Out-of-range parts are ignored, never a panic.
        let odd = Match::new(1, 0.0, &[0, 65, 6]);
        assert!(odd.in_part(6) && !odd.in_part(0) && !odd.in_part(65));
    }

    #[test]
    fn readers_and_filters_are_part_of_the_key() {
        let filters = Filters::default();
        let office = key(1, Reader::Everyone, "'抽检'", &filters);
        let clerk = key(1, Reader::Organisation(7), "'抽检'", &filters);
        assert_ne!(office, clerk);
        let by_org = Filters {
            organisation_id: Some(7),
            ..Filters::default()
        };
        assert_ne!(office, key(1, Reader::Everyone, "'抽检'", &by_org));
        assert_ne!(office, key(2, Reader::Everyone, "'抽检'", &filters));
    }
}
