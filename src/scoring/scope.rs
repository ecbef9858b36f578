//! The part of the edition a round scores. A provincial 初评 scores "基础工作、能力建设、
//! 生产经营状况三大项72个指标"; a national evaluation scores everything. The scope is a set of
//! the edition's parts, checked when it is made, so a round can never hold an empty scope
//! or a part the edition does not have.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::rubric::data::{RubricFile, Scoring};

/// A non-empty set of an edition's parts (by their sequence number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scope {
    parts: BTreeSet<i32>,
}

/// Why a set of parts is not a scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeRefusal {
    #[error("a scope needs at least one part")]
    NoParts,
    #[error("the edition has no part {0}")]
    UnknownPart(i32),
}

impl Scope {
    /// Every part of the edition.
    pub fn all(rubric: &RubricFile) -> Scope {
        Scope {
            parts: rubric.parts.iter().map(|p| p.seq).collect(),
        }
    }

    /// The parts chosen, checked against the edition.
    pub fn of_parts(
        rubric: &RubricFile,
        parts: impl IntoIterator<Item = i32>,
    ) -> Result<Scope, ScopeRefusal> {
        let parts: BTreeSet<i32> = parts.into_iter().collect();
        if parts.is_empty() {
            return Err(ScopeRefusal::NoParts);
        }
        if let Some(unknown) = parts
            .iter()
            .find(|seq| !rubric.parts.iter().any(|p| p.seq == **seq))
        {
            return Err(ScopeRefusal::UnknownPart(*unknown));
        }
        Ok(Scope { parts })
    }

    /// The scope the edition declares for a kind of round (`provincial` …), or all.
    pub fn usual_for(rubric: &RubricFile, round_kind: &str) -> Scope {
        rubric
            .round_scopes
            .get(round_kind)
            .and_then(|parts| Scope::of_parts(rubric, parts.iter().copied()).ok())
            .unwrap_or_else(|| Scope::all(rubric))
    }

    /// A scope read back from storage: parts the edition no longer has are dropped, and
    /// nothing left (or nothing stored) means the whole edition.
    pub fn stored(rubric: &RubricFile, parts: &[i32]) -> Scope {
        let known = parts
            .iter()
            .copied()
            .filter(|seq| rubric.parts.iter().any(|p| p.seq == *seq));
        Scope::of_parts(rubric, known).unwrap_or_else(|_| Scope::all(rubric))
    }

    pub fn parts(&self) -> impl Iterator<Item = i32> + '_ {
        self.parts.iter().copied()
    }

    pub fn contains_part(&self, seq: i32) -> bool {
        self.parts.contains(&seq)
    }

    pub fn is_all(&self, rubric: &RubricFile) -> bool {
        *self == Scope::all(rubric)
    }

    /// The parts both scopes cover (what two rounds can be compared on), if any.
    pub fn shared_with(&self, other: &Scope) -> Option<Scope> {
        let parts: BTreeSet<i32> = self.parts.intersection(&other.parts).copied().collect();
        (!parts.is_empty()).then_some(Scope { parts })
    }

    /// The indicators the scope covers.
    pub fn indicators(&self, rubric: &RubricFile) -> BTreeSet<i32> {
        rubric
            .indicators()
            .filter(|(part, _, _)| self.contains_part(part.seq))
            .map(|(_, _, i)| i.number)
            .collect()
    }

    /// The points the scope is scored out of (否决项 carries none).
    pub fn max_points(&self, rubric: &RubricFile) -> Decimal {
        rubric
            .parts
            .iter()
            .filter(|p| self.contains_part(p.seq))
            .filter_map(|p| p.max_points)
            .map(Decimal::from)
            .sum()
    }

    /// Whether the veto items are assessed in this scope.
    pub fn has_vetoes(&self, rubric: &RubricFile) -> bool {
        rubric
            .parts
            .iter()
            .any(|p| p.scoring == Scoring::Veto && self.contains_part(p.seq))
    }

    /// The scope as the reports write it: "基础工作、能力建设、生产经营状况三大项72个指标",
    /// or for the whole edition "六个部分94项指标".
    pub fn describe(&self, rubric: &RubricFile) -> String {
        let titles: Vec<&str> = rubric
            .parts
            .iter()
            .filter(|p| self.contains_part(p.seq))
            .map(|p| p.title.as_str())
            .collect();
        let count = self.indicators(rubric).len();
        let parts = chinese_count(titles.len());
        if self.is_all(rubric) {
            format!("{parts}个部分{count}项指标")
        } else if titles.len() == 1 {
            format!("{}{count}个指标", titles[0])
        } else {
            format!("{}{parts}大项{count}个指标", titles.join("、"))
        }
    }
}

/// 1 → 一 … 10 → 十 (a scope has at most a handful of parts).
fn chinese_count(n: usize) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    DIGITS
        .get(n)
        .map(|d| d.to_string())
        .unwrap_or_else(|| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::data::BUNDLED_2021;

    fn rubric() -> RubricFile {
        RubricFile::parse(BUNDLED_2021).unwrap()
    }

    #[test]
    fn the_provincial_scope_is_the_first_three_parts() {
        let r = rubric();
        let scope = Scope::usual_for(&r, "provincial");
        assert_eq!(scope.parts().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(scope.max_points(&r), Decimal::from(60));
        assert_eq!(scope.indicators(&r).len(), 72);
        assert_eq!(
            scope.describe(&r),
            "基础工作、能力建设、生产经营状况三大项72个指标"
        );
        assert!(!scope.has_vetoes(&r));
    }

    #[test]
    fn the_national_scope_is_everything() {
        let r = rubric();
        let scope = Scope::usual_for(&r, "national_mock");
        assert!(scope.is_all(&r));
        assert_eq!(scope.max_points(&r), Decimal::from(120));
        assert_eq!(scope.describe(&r), "六个部分94项指标");
        assert!(scope.has_vetoes(&r));
        let single = Scope::of_parts(&r, [4]).unwrap();
        assert_eq!(single.describe(&r), "食品安全状况3个指标");
    }

    #[test]
    fn a_scope_is_checked_when_made() {
        let r = rubric();
        assert_eq!(Scope::of_parts(&r, []), Err(ScopeRefusal::NoParts));
        assert_eq!(
            Scope::of_parts(&r, [1, 9]),
            Err(ScopeRefusal::UnknownPart(9))
        );
        // Stored scopes survive an edition that lost a part, and empty means all.
        assert_eq!(Scope::stored(&r, &[1, 9]).parts().collect::<Vec<_>>(), [1]);
        assert!(Scope::stored(&r, &[]).is_all(&r));
    }

    #[test]
    fn rounds_compare_on_what_they_share() {
        let r = rubric();
        let provincial = Scope::usual_for(&r, "provincial");
        let later = Scope::of_parts(&r, [3, 4]).unwrap();
        let shared = provincial.shared_with(&later).unwrap();
        assert_eq!(shared.parts().collect::<Vec<_>>(), [3]);
        let apart = Scope::of_parts(&r, [5]).unwrap();
        assert_eq!(provincial.shared_with(&apart), None);
    }
}
