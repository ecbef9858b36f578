//! A mapping from one rubric edition's indicators to another's, read from the CSV file an
//! office writes (or edits in a spreadsheet) before migrating a campaign:
//!
//! ```text
//! # editions: 2021 -> 2023
//! old,new,relation,note
//! 1,1,merged,合并
//! 2,1,merged,合并
//! 5,5;6,split,拆分
//! 7,8,same,
//! 30,,dropped,
//! ,95,new,
//! ```
//!
//! Parsing gives a [`Mapping`] only if every line is well formed; checking it against the
//! two editions gives a [`CheckedMapping`] only if it is consistent. Each refusal names its
//! line, so the office can correct the file where the mistake is.

use std::collections::{BTreeMap, BTreeSet};

use crate::i18n::Lang;

/// How an old indicator relates to the new edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// One old indicator is one new indicator (perhaps renumbered or reworded).
    Same,
    /// Several old indicators became one new indicator; each has its own line.
    Merged,
    /// One old indicator became several new ones (`5;6`).
    Split,
    /// A new indicator with no old one (its tasks are generated afresh).
    New,
    /// The old indicator is gone: its tasks are withdrawn, its evidence kept.
    Dropped,
}

impl Relation {
    fn parse(text: &str) -> Option<Relation> {
        Some(match text.trim() {
            "same" | "对应" | "不变" => Relation::Same,
            "merged" | "合并" => Relation::Merged,
            "split" | "拆分" => Relation::Split,
            "new" | "新增" => Relation::New,
            "dropped" | "删除" => Relation::Dropped,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Same => "same",
            Relation::Merged => "merged",
            Relation::Split => "split",
            Relation::New => "new",
            Relation::Dropped => "dropped",
        }
    }
}

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingLine {
    /// The line in the file (1 is the header).
    pub line: usize,
    pub old: Option<i32>,
    pub new: Vec<i32>,
    pub relation: Relation,
    pub note: String,
}

/// A well-formed mapping file, not yet checked against the editions.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The editions the file says it maps (`# editions: OLD -> NEW`), if it says.
    pub editions: Option<(String, String)>,
    pub lines: Vec<MappingLine>,
}

/// `# editions: 2021 -> 2023` (or →) in a comment line.
fn declared_editions(text: &str) -> Option<(String, String)> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix('#')?.trim();
        let rest = rest.strip_prefix("editions:")?;
        let (old, new) = rest.split_once("->").or_else(|| rest.split_once('→'))?;
        Some((old.trim().to_string(), new.trim().to_string()))
    })
}

/// Why a mapping file was refused. Every refusal but [`MappingRefusal::Unmapped`] names
/// the line it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingRefusal {
    /// The file is not CSV with the header `old,new,relation[,note]`.
    Header,
    /// A line could not be read as CSV.
    Unreadable { line: usize },
    /// A number cell holds something else.
    NotANumber { line: usize, text: String },
    /// The relation is not one of same, merged, split, new, dropped.
    UnknownRelation { line: usize, text: String },
    /// The cells do not fit the relation (e.g. `split` with one new indicator, `same`
    /// with none, `new` with an old one).
    Shape { line: usize, relation: Relation },
    /// The old edition has no such indicator.
    UnknownOld { line: usize, number: i32 },
    /// The new edition has no such indicator.
    UnknownNew { line: usize, number: i32 },
    /// An old indicator has two lines (several new ones are one `split` line).
    Twice {
        line: usize,
        first: usize,
        number: i32,
    },
    /// A `merged` line whose new indicator no other old indicator merges into.
    LonelyMerge { line: usize, number: i32 },
    /// Two old indicators reach one new one without saying `merged`.
    Collision {
        line: usize,
        first: usize,
        number: i32,
    },
    /// An old indicator that holds evidence has no line: the office must decide.
    Unmapped { number: i32, evidence: i64 },
}

impl MappingRefusal {
    /// The sentence shown to the user, with the line.
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::Arg;
        let n = |v: usize| Arg::Number(v as i64);
        let i = |v: i32| Arg::Number(i64::from(v));
        match self {
            MappingRefusal::Header => lang.t("mapping-refused-header"),
            MappingRefusal::Unreadable { line } => {
                lang.t_args("mapping-refused-unreadable", &[("line", n(*line))])
            }
            MappingRefusal::NotANumber { line, text } => lang.t_args(
                "mapping-refused-number",
                &[("line", n(*line)), ("text", text.clone().into())],
            ),
            MappingRefusal::UnknownRelation { line, text } => lang.t_args(
                "mapping-refused-relation",
                &[("line", n(*line)), ("text", text.clone().into())],
            ),
            MappingRefusal::Shape { line, relation } => lang.t_args(
                "mapping-refused-shape",
                &[("line", n(*line)), ("relation", relation.as_str().into())],
            ),
            MappingRefusal::UnknownOld { line, number } => lang.t_args(
                "mapping-refused-unknown-old",
                &[("line", n(*line)), ("number", i(*number))],
            ),
            MappingRefusal::UnknownNew { line, number } => lang.t_args(
                "mapping-refused-unknown-new",
                &[("line", n(*line)), ("number", i(*number))],
            ),
            MappingRefusal::Twice {
                line,
                first,
                number,
            } => lang.t_args(
                "mapping-refused-twice",
                &[
                    ("line", n(*line)),
                    ("first", n(*first)),
                    ("number", i(*number)),
                ],
            ),
            MappingRefusal::LonelyMerge { line, number } => lang.t_args(
                "mapping-refused-lonely-merge",
                &[("line", n(*line)), ("number", i(*number))],
            ),
            MappingRefusal::Collision {
                line,
                first,
                number,
            } => lang.t_args(
                "mapping-refused-collision",
                &[
                    ("line", n(*line)),
                    ("first", n(*first)),
                    ("number", i(*number)),
                ],
            ),
            MappingRefusal::Unmapped { number, evidence } => lang.t_args(
                "mapping-refused-unmapped",
                &[("number", i(*number)), ("evidence", Arg::Number(*evidence))],
            ),
        }
    }
}

impl Mapping {
    /// Reads the CSV text; every malformed line is reported, not just the first.
    pub fn parse(text: &str) -> Result<Mapping, Vec<MappingRefusal>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let header_ok = match records.next() {
            Some(Ok(header)) => {
                let cells: Vec<&str> = header.iter().collect();
                cells.len() >= 3 && cells[..3] == ["old", "new", "relation"]
            }
            _ => false,
        };
        if !header_ok {
            return Err(vec![MappingRefusal::Header]);
        }
        let mut lines = Vec::new();
        let mut refusals = Vec::new();
        for record in records {
            let record = match record {
                Ok(record) => record,
                Err(err) => {
                    let line = err.position().map_or(0, |p| p.line() as usize);
                    refusals.push(MappingRefusal::Unreadable { line });
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line() as usize);
            if record.iter().all(str::is_empty) {
                continue;
            }
            match parse_line(line, &record) {
                Ok(parsed) => lines.push(parsed),
                Err(refusal) => refusals.push(refusal),
            }
        }
        if refusals.is_empty() {
            Ok(Mapping {
                editions: declared_editions(text),
                lines,
            })
        } else {
            Err(refusals)
        }
    }

    /// Checks the mapping against the old and the new edition's indicator numbers.
    pub fn check(
        &self,
        old_numbers: &BTreeSet<i32>,
        new_numbers: &BTreeSet<i32>,
    ) -> Result<CheckedMapping, Vec<MappingRefusal>> {
        let mut refusals = Vec::new();
        let mut seen_old: BTreeMap<i32, usize> = BTreeMap::new();
        // New indicator → the lines reaching it, with whether they say merged.
        let mut reaching: BTreeMap<i32, Vec<(usize, Relation)>> = BTreeMap::new();
        let mut destinations = BTreeMap::new();
        let mut relations = BTreeMap::new();
        let mut declared_new = BTreeSet::new();
        for line in &self.lines {
            if let Some(old) = line.old {
                if !old_numbers.contains(&old) {
                    refusals.push(MappingRefusal::UnknownOld {
                        line: line.line,
                        number: old,
                    });
                }
                if let Some(first) = seen_old.insert(old, line.line) {
                    refusals.push(MappingRefusal::Twice {
                        line: line.line,
                        first,
                        number: old,
                    });
                }
            }
            for &new in &line.new {
                if !new_numbers.contains(&new) {
                    refusals.push(MappingRefusal::UnknownNew {
                        line: line.line,
                        number: new,
                    });
                }
                if line.relation != Relation::New {
                    reaching
                        .entry(new)
                        .or_default()
                        .push((line.line, line.relation));
                }
            }
            match (line.old, line.relation) {
                (Some(old), Relation::Dropped) => {
                    relations.insert(old, Relation::Dropped);
                }
                (Some(old), relation) => {
                    destinations.insert(old, line.new.clone());
                    relations.insert(old, relation);
                }
                (None, _) => {
                    declared_new.extend(line.new.iter().copied());
                }
            }
        }
        for (new, lines) in &reaching {
            let merged = lines.iter().filter(|(_, r)| *r == Relation::Merged).count();
            if lines.len() > 1 {
                // Several old indicators reach one new one: all must say merged.
                if merged < lines.len() {
                    // Named at the second line that reaches it: the first was fine alone.
                    refusals.push(MappingRefusal::Collision {
                        line: lines[1].0,
                        first: lines[0].0,
                        number: *new,
                    });
                }
            } else if merged == 1 {
                refusals.push(MappingRefusal::LonelyMerge {
                    line: lines[0].0,
                    number: *new,
                });
            }
        }
        if !refusals.is_empty() {
            refusals.sort_by_key(MappingRefusal::line);
            refusals.dedup();
            return Err(refusals);
        }
        let unmapped_old = old_numbers
            .iter()
            .copied()
            .filter(|n| !relations.contains_key(n))
            .collect();
        let unreached_new = new_numbers
            .iter()
            .copied()
            .filter(|n| !reaching.contains_key(n))
            .collect::<BTreeSet<i32>>();
        Ok(CheckedMapping {
            destinations,
            relations,
            declared_new,
            unreached_new,
            unmapped_old,
        })
    }
}

fn parse_line(line: usize, record: &csv::StringRecord) -> Result<MappingLine, MappingRefusal> {
    let cell = |i: usize| record.get(i).unwrap_or("");
    let number = |text: &str| -> Result<i32, MappingRefusal> {
        text.trim()
            .parse::<i32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| MappingRefusal::NotANumber {
                line,
                text: text.to_string(),
            })
    };
    let old = match cell(0) {
        "" => None,
        text => Some(number(text)?),
    };
    let new = cell(1)
        .split([';', '；', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(number)
        .collect::<Result<Vec<i32>, _>>()?;
    let relation = Relation::parse(cell(2)).ok_or_else(|| MappingRefusal::UnknownRelation {
        line,
        text: cell(2).to_string(),
    })?;
    let fits = match relation {
        Relation::Same | Relation::Merged => old.is_some() && new.len() == 1,
        Relation::Split => old.is_some() && new.len() >= 2,
        Relation::New => old.is_none() && new.len() == 1,
        Relation::Dropped => old.is_some() && new.is_empty(),
    };
    if !fits {
        return Err(MappingRefusal::Shape { line, relation });
    }
    Ok(MappingLine {
        line,
        old,
        new,
        relation,
        note: cell(3).to_string(),
    })
}

impl MappingRefusal {
    fn line(&self) -> usize {
        match self {
            MappingRefusal::Header => 1,
            MappingRefusal::Unreadable { line }
            | MappingRefusal::NotANumber { line, .. }
            | MappingRefusal::UnknownRelation { line, .. }
            | MappingRefusal::Shape { line, .. }
            | MappingRefusal::UnknownOld { line, .. }
            | MappingRefusal::UnknownNew { line, .. }
            | MappingRefusal::Twice { line, .. }
            | MappingRefusal::LonelyMerge { line, .. }
            | MappingRefusal::Collision { line, .. } => *line,
            MappingRefusal::Unmapped { .. } => usize::MAX,
        }
    }
}

/// A mapping consistent with both editions. What is still undecided (old indicators
/// without a line) is listed; whether that is allowed depends on their evidence, which
/// the migration knows.
#[derive(Debug, Clone)]
pub struct CheckedMapping {
    /// Old indicator → the new indicator(s) its work moves to (same, merged, split).
    pub destinations: BTreeMap<i32, Vec<i32>>,
    /// Old indicator → its relation, dropped ones included.
    pub relations: BTreeMap<i32, Relation>,
    /// New indicators the file declares `new`.
    pub declared_new: BTreeSet<i32>,
    /// New indicators no old indicator reaches (declared new or not): their tasks are
    /// generated afresh.
    pub unreached_new: BTreeSet<i32>,
    /// Old indicators without a line.
    pub unmapped_old: BTreeSet<i32>,
}

impl CheckedMapping {
    /// Refuses the mapping if an old indicator without a line holds evidence
    /// (`evidence_of` gives the count of an old indicator's evidence in the campaign).
    pub fn decided(&self, evidence_of: impl Fn(i32) -> i64) -> Result<(), Vec<MappingRefusal>> {
        let refusals: Vec<MappingRefusal> = self
            .unmapped_old
            .iter()
            .filter_map(|&number| {
                let evidence = evidence_of(number);
                (evidence > 0).then_some(MappingRefusal::Unmapped { number, evidence })
            })
            .collect();
        if refusals.is_empty() {
            Ok(())
        } else {
            Err(refusals)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(range: std::ops::RangeInclusive<i32>) -> BTreeSet<i32> {
        range.collect()
    }

    #[test]
    fn a_mapping_with_every_relation_is_read_and_checked() {
        let text = "# editions: 2021 -> 2023\nold,new,relation,note\n1,1,merged,合并\n2,1,merged,\n\
                    3,2;3,split,拆分\n4,5,same,\n5,,dropped,\n,4,new,新增\n";
        let mapping = Mapping::parse(text).expect("well formed");
        assert_eq!(mapping.editions, Some(("2021".into(), "2023".into())));
        assert_eq!(mapping.lines.len(), 6);
        assert_eq!(mapping.lines[2].line, 5);
        assert_eq!(mapping.lines[2].new, vec![2, 3]);
        let checked = mapping
            .check(&numbers(1..=5), &numbers(1..=5))
            .expect("consistent");
        assert_eq!(checked.destinations[&1], vec![1]);
        assert_eq!(checked.destinations[&3], vec![2, 3]);
        assert_eq!(checked.relations[&5], Relation::Dropped);
        assert_eq!(checked.unreached_new, BTreeSet::from([4]));
        assert!(checked.unmapped_old.is_empty());
    }

    #[test]
    fn an_unknown_indicator_is_refused_with_its_line() {
        let text = "old,new,relation\n1,1,same\n99,2,same\n2,7,same\n";
        let refusals = Mapping::parse(text)
            .unwrap()
            .check(&numbers(1..=3), &numbers(1..=3))
            .unwrap_err();
        assert_eq!(
            refusals,
            vec![
                MappingRefusal::UnknownOld {
                    line: 3,
                    number: 99
                },
                MappingRefusal::UnknownNew { line: 4, number: 7 },
            ]
        );
        let message = refusals[0].message(Lang::Zh);
        assert!(message.contains('3') && message.contains("99"), "{message}");
    }

    #[test]
    fn one_indicator_mapped_twice_without_split_is_refused() {
        let text = "old,new,relation\n1,1,same\n1,2,same\n";
        let refusals = Mapping::parse(text)
            .unwrap()
            .check(&numbers(1..=2), &numbers(1..=2))
            .unwrap_err();
        assert_eq!(
            refusals,
            vec![MappingRefusal::Twice {
                line: 3,
                first: 2,
                number: 1
            }]
        );
        // As one split line it is what the office meant.
        let split = Mapping::parse("old,new,relation\n1,1;2,split\n").unwrap();
        assert!(split.check(&numbers(1..=1), &numbers(1..=2)).is_ok());
    }

    #[test]
    fn two_old_indicators_reaching_one_new_one_must_say_merged() {
        let text = "old,new,relation\n1,1,same\n2,1,same\n";
        let refusals = Mapping::parse(text)
            .unwrap()
            .check(&numbers(1..=2), &numbers(1..=1))
            .unwrap_err();
        assert!(matches!(
            refusals[0],
            MappingRefusal::Collision {
                line: 3,
                first: 2,
                number: 1
            }
        ));
        let lonely = Mapping::parse("old,new,relation\n1,1,merged\n2,2,same\n")
            .unwrap()
            .check(&numbers(1..=2), &numbers(1..=2))
            .unwrap_err();
        assert_eq!(
            lonely,
            vec![MappingRefusal::LonelyMerge { line: 2, number: 1 }]
        );
    }

    #[test]
    fn malformed_lines_are_all_reported() {
        let text = "old,new,relation\nx,1,same\n2,,same\n3,3,moved\n";
        let refusals = Mapping::parse(text).unwrap_err();
        assert_eq!(
            refusals,
            vec![
                MappingRefusal::NotANumber {
                    line: 2,
                    text: "x".into()
                },
                MappingRefusal::Shape {
                    line: 3,
                    relation: Relation::Same
                },
                MappingRefusal::UnknownRelation {
                    line: 4,
                    text: "moved".into()
                },
            ]
        );
        assert_eq!(
            Mapping::parse("旧,新\n1,1\n").unwrap_err(),
            vec![MappingRefusal::Header]
        );
    }

    #[test]
    fn an_unmapped_indicator_with_evidence_needs_a_decision() {
        let checked = Mapping::parse("old,new,relation\n1,1,same\n")
            .unwrap()
            .check(&numbers(1..=3), &numbers(1..=1))
            .unwrap();
        assert_eq!(checked.unmapped_old, BTreeSet::from([2, 3]));
        let refusals = checked.decided(|n| if n == 3 { 4 } else { 0 }).unwrap_err();
        assert_eq!(
            refusals,
            vec![MappingRefusal::Unmapped {
                number: 3,
                evidence: 4
            }]
        );
        assert!(refusals[0].message(Lang::En).contains('3'));
    }
}
