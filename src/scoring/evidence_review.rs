//! 资料审查 at volume: an item's evidence (600 files and more at city scale) read in pages
//! of [`PAGE_SIZE`], filtered by organisation, kind, year, task state, mark and whether
//! the file's indicator has inspection findings, with a count for every choice.
//!
//! The item's whole list is one cached query (see `RoundView::item_evidence`); filtering,
//! counting and paging it here costs microseconds, and keeps the page small.

use std::collections::{BTreeMap, HashSet};

use super::rounds::EvidenceForReview;

pub const PAGE_SIZE: usize = 50;

/// Which marks a reader wants to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkFilter {
    Unmarked,
    Marked,
    Sufficient,
    Insufficient,
}

impl MarkFilter {
    pub const ALL: [MarkFilter; 4] = [
        MarkFilter::Unmarked,
        MarkFilter::Marked,
        MarkFilter::Sufficient,
        MarkFilter::Insufficient,
    ];

    pub fn parse(text: &str) -> Option<MarkFilter> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MarkFilter::Unmarked => "unmarked",
            MarkFilter::Marked => "marked",
            MarkFilter::Sufficient => "sufficient",
            MarkFilter::Insufficient => "insufficient",
        }
    }

    fn admits(self, row: &EvidenceForReview) -> bool {
        match self {
            MarkFilter::Unmarked => row.sufficient.is_none(),
            MarkFilter::Marked => row.sufficient.is_some(),
            MarkFilter::Sufficient => row.sufficient == Some(true),
            MarkFilter::Insufficient => row.sufficient == Some(false),
        }
    }
}

/// The filters of the item page, parsed from its query. Unknown values are ignored (a
/// stale bookmark shows everything rather than an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub indicator: Option<i32>,
    pub organisation: Option<i64>,
    pub kind: Option<String>,
    pub year: Option<i32>,
    pub state: Option<String>,
    pub mark: Option<MarkFilter>,
    /// Only files of indicators with inspection findings in the round.
    pub with_findings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Indicator,
    Organisation,
    Kind,
    Year,
    State,
    Mark,
    Findings,
}

impl ReviewFilter {
    fn admits_except(
        &self,
        row: &EvidenceForReview,
        findings: &HashSet<i32>,
        skip: Option<Dimension>,
    ) -> bool {
        let on = |d: Dimension| skip != Some(d);
        (!on(Dimension::Indicator) || self.indicator.is_none_or(|n| n == row.indicator_number))
            && (!on(Dimension::Organisation)
                || self.organisation.is_none_or(|o| o == row.organisation_id))
            && (!on(Dimension::Kind) || self.kind.as_deref().is_none_or(|k| k == row.kind))
            && (!on(Dimension::Year) || self.year.is_none_or(|y| row.year == Some(y)))
            && (!on(Dimension::State)
                || self
                    .state
                    .as_deref()
                    .is_none_or(|s| s == row.task_status.as_str()))
            && (!on(Dimension::Mark) || self.mark.is_none_or(|m| m.admits(row)))
            && (!on(Dimension::Findings)
                || !self.with_findings
                || findings.contains(&row.indicator_number))
    }

    pub fn is_empty(&self) -> bool {
        *self == ReviewFilter::default()
    }
}

/// One choice of a filter with how many files it would show (given the other filters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<K> {
    pub key: K,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub indicators: Vec<Choice<i32>>,
    pub organisations: Vec<Choice<i64>>,
    pub kinds: Vec<Choice<String>>,
    pub years: Vec<Choice<i32>>,
    pub states: Vec<Choice<String>>,
    pub marks: Vec<Choice<MarkFilter>>,
    pub with_findings: usize,
}

/// One page of an item's evidence.
#[derive(Debug, Clone)]
pub struct ReviewPage<'a> {
    pub rows: Vec<&'a EvidenceForReview>,
    /// Files the filters admit (all pages).
    pub matching: usize,
    /// Files of the item, unfiltered.
    pub total: usize,
    /// 1-based, clamped to the pages there are.
    pub page: usize,
    pub pages: usize,
    pub facets: Facets,
}

fn tally<K: Ord + Clone>(
    rows: &[EvidenceForReview],
    admits: impl Fn(&EvidenceForReview) -> bool,
    key: impl Fn(&EvidenceForReview) -> Option<(K, String)>,
) -> Vec<Choice<K>> {
    let mut counts: BTreeMap<K, (String, usize)> = BTreeMap::new();
    for row in rows.iter().filter(|r| admits(r)) {
        if let Some((k, label)) = key(row) {
            counts.entry(k).or_insert((label, 0)).1 += 1;
        }
    }
    counts
        .into_iter()
        .map(|(key, (label, count))| Choice { key, label, count })
        .collect()
}

/// Filters, counts and pages `rows` (the item's whole list, in reading order).
pub fn page<'a>(
    rows: &'a [EvidenceForReview],
    filter: &ReviewFilter,
    findings: &HashSet<i32>,
    page: usize,
) -> ReviewPage<'a> {
    let admitted: Vec<&EvidenceForReview> = rows
        .iter()
        .filter(|r| filter.admits_except(r, findings, None))
        .collect();
    let matching = admitted.len();
    let pages = matching.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows_of_page = admitted
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let but =
        |d: Dimension| move |r: &EvidenceForReview| filter.admits_except(r, findings, Some(d));
    let mut organisations = tally(rows, but(Dimension::Organisation), |r| {
        Some((r.organisation_id, r.organisation_name.clone()))
    });
    organisations.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let facets = Facets {
        indicators: tally(rows, but(Dimension::Indicator), |r| {
            Some((r.indicator_number, r.indicator_number.to_string()))
        }),
        organisations,
        kinds: tally(rows, but(Dimension::Kind), |r| {
            Some((r.kind.clone(), r.kind.clone()))
        }),
        years: tally(rows, but(Dimension::Year), |r| {
            r.year.map(|y| (y, y.to_string()))
        }),
        states: tally(rows, but(Dimension::State), |r| {
            Some((
                r.task_status.as_str().to_string(),
                r.task_status.as_str().to_string(),
            ))
        }),
        marks: MarkFilter::ALL
            .into_iter()
            .map(|m| Choice {
                key: m,
                label: m.as_str().to_string(),
                count: rows
                    .iter()
                    .filter(|r| but(Dimension::Mark)(r) && m.admits(r))
                    .count(),
            })
            .collect(),
        with_findings: rows
            .iter()
            .filter(|r| but(Dimension::Findings)(r) && findings.contains(&r.indicator_number))
            .count(),
    };
    ReviewPage {
        rows: rows_of_page,
        matching,
        total: rows.len(),
        page,
        pages,
        facets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::Status;

    fn row(id: i64, indicator: i32, org: i64, kind: &str, mark: Option<bool>) -> EvidenceForReview {
        EvidenceForReview {
            id,
            indicator_number: indicator,
            task_id: id,
            task_status: if id % 2 == 0 {
                Status::Approved
            } else {
                Status::Submitted
            },
            organisation_name: format!("单位{org}"),
            organisation_id: org,
            title: format!("资料{id}"),
            description: String::new(),
            year: Some(2024 + (id % 2) as i32),
            kind: kind.to_string(),
            version: 1,
            version_id: id,
            original_name: "a.pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: 10,
            valid_from: None,
            valid_until: None,
            sufficient: mark,
            remark: None,
            marked_by_name: None,
            marked_by: None,
        }
    }

    fn rows() -> Vec<EvidenceForReview> {
        (1..=130)
            .map(|id| {
                let mark = match id % 3 {
                    0 => None,
                    1 => Some(true),
                    _ => Some(false),
                };
                row(
                    id,
                    if id <= 100 { 1 } else { 3 },
                    id % 4,
                    if id % 5 == 0 { "minutes" } else { "document" },
                    mark,
                )
            })
            .collect()
    }

    #[test]
    fn pages_of_fifty_and_clamping() {
        let rows = rows();
        let none = HashSet::new();
        let p1 = page(&rows, &ReviewFilter::default(), &none, 1);
        assert_eq!((p1.rows.len(), p1.matching, p1.pages), (50, 130, 3));
        assert_eq!(p1.rows[0].id, 1);
        let p3 = page(&rows, &ReviewFilter::default(), &none, 3);
        assert_eq!(p3.rows.len(), 30);
        assert_eq!(page(&rows, &ReviewFilter::default(), &none, 99).page, 3);
        assert_eq!(page(&rows, &ReviewFilter::default(), &none, 0).page, 1);
    }

    #[test]
    fn filters_combine_and_facets_ignore_their_own_dimension() {
        let rows = rows();
        let none = HashSet::new();
        let filter = ReviewFilter {
            kind: Some("minutes".into()),
            mark: Some(MarkFilter::Unmarked),
            ..ReviewFilter::default()
        };
        let p = page(&rows, &filter, &none, 1);
        assert!(
            p.rows
                .iter()
                .all(|r| r.kind == "minutes" && r.sufficient.is_none())
        );
        assert_eq!(
            p.matching,
            rows.iter()
                .filter(|r| r.id % 5 == 0 && r.id % 3 == 0)
                .count()
        );
        // The kind facet counts unmarked files of every kind, so the reader sees what
        // switching kind would show.
        let documents = p.facets.kinds.iter().find(|c| c.key == "document").unwrap();
        assert_eq!(
            documents.count,
            rows.iter()
                .filter(|r| r.id % 5 != 0 && r.id % 3 == 0)
                .count()
        );
        let insufficient = p
            .facets
            .marks
            .iter()
            .find(|c| c.key == MarkFilter::Insufficient)
            .unwrap();
        assert_eq!(
            insufficient.count,
            rows.iter()
                .filter(|r| r.id % 5 == 0 && r.id % 3 == 2)
                .count()
        );
    }

    #[test]
    fn findings_filter_keeps_indicators_with_findings() {
        let rows = rows();
        let findings: HashSet<i32> = [3].into_iter().collect();
        let filter = ReviewFilter {
            with_findings: true,
            ..ReviewFilter::default()
        };
        let p = page(&rows, &filter, &findings, 1);
        assert_eq!(p.matching, 30);
        assert!(p.rows.iter().all(|r| r.indicator_number == 3));
        assert_eq!(p.facets.with_findings, 30);
        assert_eq!(
            MarkFilter::parse("insufficient"),
            Some(MarkFilter::Insufficient)
        );
        assert_eq!(MarkFilter::parse("x"), None);
    }
}
