//! Whether a round's scoring is finished, and what is not: items nobody marked as
//! scored (评分完成), veto items neither marked by hand nor decided by a measured value,
//! and measured points (part 四) without a measurement. Only the round's scope counts.
//! Pure: it takes what [`super::rounds`] loads, so the lock command, the pages and the
//! API agree on one list.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::Scope;
use super::rounds::{self, ItemKey, ItemReview, Measurement, Round, VetoMark};
use crate::rubric::data::{RubricFile, Scoring};

/// One thing still to do before the round is complete. Labels are copied from the
/// rubric, so a list frozen at locking reads the same later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unfinished {
    /// An item (evaluation point or veto item) not marked as scored; `key` as "p12"/"v90".
    Item { key: String, label: String },
    /// A veto item with no mark and no measured value to decide it.
    Veto { indicator: i32, label: String },
    /// A measured point whose indicator has no measurement.
    Measurement {
        point: i32,
        indicator: i32,
        label: String,
    },
}

impl Unfinished {
    pub fn label(&self) -> &str {
        match self {
            Unfinished::Item { label, .. }
            | Unfinished::Veto { label, .. }
            | Unfinished::Measurement { label, .. } => label,
        }
    }

    /// The item page this concerns ("p12", "v90").
    pub fn item_key(&self) -> String {
        match self {
            Unfinished::Item { key, .. } => key.clone(),
            Unfinished::Veto { indicator, .. } => ItemKey::Veto(*indicator).to_string(),
            Unfinished::Measurement { point, .. } => ItemKey::Point(*point).to_string(),
        }
    }
}

/// How far a round's scoring is: items marked done of all items in scope, and the list
/// of what is unfinished (items, then vetoes, then measurements, each in rubric order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completeness {
    pub done: usize,
    pub total: usize,
    pub unfinished: Vec<Unfinished>,
}

/// What a round recorded, as far as completeness asks.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Items marked as scored (score_item_reviews.done).
    pub done: BTreeSet<ItemKey>,
    /// Veto indicators with a hand mark (triggered or not).
    pub veto_marks: BTreeSet<i32>,
    /// Indicators with a measured value.
    pub measured: BTreeSet<i32>,
}

impl Recorded {
    /// From what [`rounds`] loads for a round.
    pub fn from_rows(
        reviews: &HashMap<ItemKey, ItemReview>,
        vetoes: &[VetoMark],
        measurements: &[Measurement],
    ) -> Recorded {
        Recorded {
            done: reviews
                .iter()
                .filter(|(_, r)| r.done)
                .map(|(k, _)| *k)
                .collect(),
            veto_marks: vetoes.iter().map(|v| v.indicator_number).collect(),
            measured: measurements.iter().map(|m| m.indicator_number).collect(),
        }
    }
}

/// A round's completeness, read fresh from the database (over its stored scope).
pub async fn load(db: &PgPool, rubric: &RubricFile, round: &Round) -> sqlx::Result<Completeness> {
    let (reviews, vetoes, measurements) = tokio::try_join!(
        rounds::reviews(db, round.id),
        rounds::vetoes(db, round.id),
        rounds::measurements(db, round.id),
    )?;
    let recorded = Recorded::from_rows(&reviews, &vetoes, &measurements);
    Ok(completeness(
        rubric,
        &Scope::stored(rubric, &round.scope_parts),
        &recorded,
    ))
}

impl Completeness {
    pub fn is_complete(&self) -> bool {
        self.unfinished.is_empty()
    }

    pub fn items(&self) -> Vec<&Unfinished> {
        self.of(|u| matches!(u, Unfinished::Item { .. }))
    }

    pub fn vetoes(&self) -> Vec<&Unfinished> {
        self.of(|u| matches!(u, Unfinished::Veto { .. }))
    }

    pub fn measurements(&self) -> Vec<&Unfinished> {
        self.of(|u| matches!(u, Unfinished::Measurement { .. }))
    }

    fn of(&self, keep: impl Fn(&Unfinished) -> bool) -> Vec<&Unfinished> {
        self.unfinished.iter().filter(|u| keep(u)).collect()
    }
}

/// The round's completeness over `scope`.
pub fn completeness(rubric: &RubricFile, scope: &Scope, recorded: &Recorded) -> Completeness {
    let items: Vec<rounds::Item> = rounds::items(rubric)
        .into_iter()
        .filter(|i| scope.contains_part(i.part_seq))
        .collect();
    let done = items
        .iter()
        .filter(|i| recorded.done.contains(&i.key))
        .count();
    let mut unfinished: Vec<Unfinished> = items
        .iter()
        .filter(|i| !recorded.done.contains(&i.key))
        .map(|i| Unfinished::Item {
            key: i.key.to_string(),
            label: i.label(),
        })
        .collect();
    // A veto item defined by a measured value is assessed once that value is entered.
    let derived: BTreeSet<i32> = rubric
        .veto_conditions()
        .filter(|(_, c)| recorded.measured.contains(&c.measure))
        .map(|(n, _)| n)
        .collect();
    unfinished.extend(
        items
            .iter()
            .filter_map(|i| match i.key {
                ItemKey::Veto(n) => Some((n, i)),
                ItemKey::Point(_) => None,
            })
            .filter(|(n, _)| !recorded.veto_marks.contains(n) && !derived.contains(n))
            .map(|(n, i)| Unfinished::Veto {
                indicator: n,
                label: i.label(),
            }),
    );
    for part in rubric
        .parts
        .iter()
        .filter(|p| p.scoring == Scoring::Measured && scope.contains_part(p.seq))
    {
        for point in &part.points {
            let Some(measure) = &point.measure else {
                continue;
            };
            if !recorded.measured.contains(&measure.indicator) {
                unfinished.push(Unfinished::Measurement {
                    point: point.seq,
                    indicator: measure.indicator,
                    label: format!("{}. {}（{}）", point.seq, point.title, measure.label),
                });
            }
        }
    }
    Completeness {
        done,
        total: items.len(),
        unfinished,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::data::BUNDLED_2021;

    fn rubric() -> RubricFile {
        RubricFile::parse(BUNDLED_2021).unwrap()
    }

    fn everything_done(r: &RubricFile) -> Recorded {
        Recorded {
            done: rounds::items(r).into_iter().map(|i| i.key).collect(),
            veto_marks: (90..=94).collect(),
            measured: [73, 74, 75].into(),
        }
    }

    #[test]
    fn nothing_recorded_leaves_every_item_veto_and_measure_unfinished() {
        let r = rubric();
        let c = completeness(&r, &Scope::all(&r), &Recorded::default());
        let items = rounds::items(&r).len();
        assert_eq!((c.done, c.total), (0, items));
        assert_eq!(c.items().len(), items);
        let vetoes: Vec<i32> = c
            .vetoes()
            .iter()
            .map(|u| match u {
                Unfinished::Veto { indicator, .. } => *indicator,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(vetoes, [90, 91, 92, 93, 94]);
        let measured: Vec<(i32, i32)> = c
            .measurements()
            .iter()
            .map(|u| match u {
                Unfinished::Measurement {
                    point, indicator, ..
                } => (*point, *indicator),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            measured.iter().map(|m| m.1).collect::<Vec<_>>(),
            [73, 74, 75]
        );
        assert!(!c.is_complete());
    }

    #[test]
    fn a_complete_round_has_nothing_unfinished() {
        let r = rubric();
        let c = completeness(&r, &Scope::all(&r), &everything_done(&r));
        assert!(c.is_complete(), "{:?}", c.unfinished);
        assert_eq!(c.done, c.total);
    }

    #[test]
    fn a_measured_value_assesses_its_derived_veto() {
        let r = rubric();
        let mut recorded = everything_done(&r);
        recorded.veto_marks = [90, 91, 92].into();
        // 93 follows 73 and 94 follows 75: both measured, so both are assessed.
        assert!(completeness(&r, &Scope::all(&r), &recorded).is_complete());
        // Without 75 the veto 94 is unassessed, and the measure is missing too.
        recorded.measured.remove(&75);
        let c = completeness(&r, &Scope::all(&r), &recorded);
        assert_eq!(
            c.vetoes().iter().map(|u| u.item_key()).collect::<Vec<_>>(),
            ["v94"]
        );
        assert_eq!(c.measurements().len(), 1);
        assert_eq!(c.items().len(), 0);
    }

    #[test]
    fn only_the_scope_counts() {
        let r = rubric();
        let scope = Scope::usual_for(&r, "provincial");
        let mut recorded = Recorded::default();
        let c = completeness(&r, &scope, &recorded);
        // No vetoes or measures outside parts 一–三.
        assert!(c.vetoes().is_empty() && c.measurements().is_empty());
        assert_eq!(c.total, c.items().len());
        recorded.done = rounds::items(&r)
            .into_iter()
            .filter(|i| i.part_seq <= 3)
            .map(|i| i.key)
            .collect();
        let c = completeness(&r, &scope, &recorded);
        assert!(c.is_complete());
        assert_eq!(c.done, c.total);
        assert!(c.total > 0);
    }

    #[test]
    fn the_frozen_list_reads_back() {
        let r = rubric();
        let c = completeness(&r, &Scope::all(&r), &Recorded::default());
        let json = serde_json::to_string(&c.unfinished).unwrap();
        let back: Vec<Unfinished> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c.unfinished);
    }
}
