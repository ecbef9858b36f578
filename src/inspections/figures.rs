//! The figures the evaluation report's 组织实施情况 states, computed from the records: the
//! points inspected (明查 and 暗访: places and kinds covered), the interviews held, the
//! materials reviewed, and the problems found by part — with the sentence that states
//! them ([`Figures::sentence`]) and the default 存在问题 text ([`Figures::shortcomings`]).
//!
//! The report is read by the assessors and, once published, the city: the figures
//! include 暗访 points (the report is not shown to the organisations assessed).

use std::collections::BTreeSet;

use serde::Serialize;
use sqlx::PgPool;

use super::interviews::{self, Tally};
use super::{Mode, Visibility};
use crate::rubric::data::RubricFile;

/// The points inspected in one mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModeFigures {
    pub points: i64,
    /// The distinct counties/districts covered, by name.
    pub counties: Vec<String>,
    /// The distinct towns (乡镇/街道) covered, by name.
    pub towns: Vec<String>,
    /// How many distinct kinds of establishment.
    pub kinds: i64,
}

impl ModeFigures {
    /// From the submitted points of this mode: (county, town, kind) per point.
    pub fn of<'a>(points: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> ModeFigures {
        let mut counties = BTreeSet::new();
        let mut towns = BTreeSet::new();
        let mut kinds = BTreeSet::new();
        let mut count = 0;
        for (county, town, kind) in points {
            count += 1;
            counties.insert(county.trim().to_string());
            if !town.trim().is_empty() {
                towns.insert((county.trim().to_string(), town.trim().to_string()));
            }
            kinds.insert(kind.trim().to_string());
        }
        ModeFigures {
            points: count,
            counties: counties.into_iter().collect(),
            towns: towns.into_iter().map(|(_, t)| t).collect(),
            kinds: kinds.len() as i64,
        }
    }

    /// "2区1县6个街道": the counties by the last character of their names (区, 县, 市, 旗),
    /// then the towns (乡镇, 街道).
    pub fn places(&self) -> String {
        let mut text = String::new();
        let mut other = 0;
        let mut by_suffix = [('区', 0), ('县', 0), ('市', 0), ('旗', 0)];
        for name in &self.counties {
            match by_suffix.iter_mut().find(|(c, _)| name.ends_with(*c)) {
                Some((_, n)) => *n += 1,
                None => other += 1,
            }
        }
        for (suffix, n) in by_suffix {
            if n > 0 {
                text.push_str(&format!("{n}{suffix}"));
            }
        }
        if other > 0 {
            text.push_str(&format!("{other}个县（市、区）"));
        }
        let streets = self.towns.iter().filter(|t| t.ends_with("街道")).count();
        let villages = self.towns.len() - streets;
        if villages > 0 {
            text.push_str(&format!("{villages}个乡镇"));
        }
        if streets > 0 {
            text.push_str(&format!("{streets}个街道"));
        }
        text
    }

    /// "2区1县6个街道，覆盖15类单位65个点位"
    fn clause(&self, mode: Mode) -> String {
        format!(
            "{}{}，覆盖{}类单位{}个点位",
            mode.official(),
            self.places(),
            self.kinds,
            self.points
        )
    }
}

/// Problems found under one part of the rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartProblems {
    pub seq: i32,
    /// 基础工作
    pub title: String,
    /// (indicator number, the deduction's reason or the finding's description)
    pub problems: Vec<(i32, String)>,
}

/// Everything the 组织实施情况 states.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub open: ModeFigures,
    pub unannounced: ModeFigures,
    /// Planned points without a submitted record.
    pub unrecorded: i64,
    pub interviews: Tally,
    /// Evidence files reviewed (资料审查), as the report counts them.
    pub materials: i64,
    /// Parts with problems, in the rubric's order.
    pub parts: Vec<PartProblems>,
}

/// 一, 二 … for numbering the 存在问题 sections.
fn numeral(n: usize) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match n {
        0..=10 => DIGITS[n].to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        _ => n.to_string(),
    }
}

/// Drops the final full stop so items can be joined with ；.
fn without_stop(text: &str) -> &str {
    text.trim()
        .trim_end_matches(['。', '；', ';', '.', '，', ','])
}

impl Figures {
    pub fn points(&self) -> i64 {
        self.open.points + self.unannounced.points
    }

    pub fn problem_count(&self) -> usize {
        self.parts.iter().map(|p| p.problems.len()).sum()
    }

    /// The sentence of 组织实施情况, e.g. "现场检查共抽查100个点位，其中明查2区1县6个街道，
    /// 覆盖15类单位65个点位；暗访…。领导访谈N次，…。资料审查共查阅创建材料N份。发现问题N个（…）。"
    /// A clause with nothing to state is left out; an empty string when nothing is.
    pub fn sentence(&self) -> String {
        let mut text = String::new();
        if self.points() > 0 {
            let clauses: Vec<String> = [
                (Mode::Open, &self.open),
                (Mode::Unannounced, &self.unannounced),
            ]
            .into_iter()
            .filter(|(_, f)| f.points > 0)
            .map(|(mode, f)| f.clause(mode))
            .collect();
            text.push_str(&format!(
                "现场检查共抽查{}个点位，其中{}。",
                self.points(),
                clauses.join("；")
            ));
            if self.unrecorded > 0 {
                text.push_str(&format!(
                    "另有{}个计划点位尚未提交检查记录。",
                    self.unrecorded
                ));
            }
        } else if self.unrecorded > 0 {
            text.push_str(&format!(
                "现场检查计划{}个点位，尚未提交检查记录。",
                self.unrecorded
            ));
        }
        let t = &self.interviews;
        if t.interviews > 0 {
            text.push_str(&format!("领导访谈{}次", t.interviews));
            let levels: Vec<String> = [("市级", t.city), ("县级", t.county), ("乡级", t.township)]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .enumerate()
                .map(|(i, (level, n))| {
                    if i == 0 {
                        format!("{level}党政负责同志{n}人")
                    } else {
                        format!("{level}{n}人")
                    }
                })
                .collect();
            if !levels.is_empty() {
                text.push_str(&format!("，访谈{}", levels.join("、")));
            }
            text.push('。');
        }
        if self.materials > 0 {
            text.push_str(&format!("资料审查共查阅创建材料{}份。", self.materials));
        }
        let count = self.problem_count();
        if count > 0 {
            let parts: Vec<String> = self
                .parts
                .iter()
                .map(|p| format!("{}{}个", p.title, p.problems.len()))
                .collect();
            text.push_str(&format!("发现问题{count}个（{}）。", parts.join("、")));
        }
        text
    }

    /// The default 存在问题: one paragraph per part with problems, numbered
    /// "（一）基础工作方面：1. …（指标3）；2. …。"
    pub fn shortcomings(&self) -> String {
        self.parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let items: Vec<String> = part
                    .problems
                    .iter()
                    .enumerate()
                    .map(|(j, (number, text))| {
                        format!("{}. {}（指标{number}）", j + 1, without_stop(text))
                    })
                    .collect();
                format!(
                    "（{}）{}方面：{}。",
                    numeral(i + 1),
                    part.title,
                    items.join("；")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Groups problems (indicator number, text) by the rubric's parts, in the rubric's order.
pub fn by_part(rubric: &RubricFile, problems: Vec<(i32, String)>) -> Vec<PartProblems> {
    let mut problems = problems;
    problems.sort_by_key(|(n, _)| *n);
    rubric
        .parts
        .iter()
        .map(|part| PartProblems {
            seq: part.seq,
            title: part.title.clone(),
            problems: problems
                .iter()
                .filter(|(n, _)| {
                    rubric
                        .indicators()
                        .any(|(p, _, i)| p.seq == part.seq && i.number == *n)
                })
                .cloned()
                .collect(),
        })
        .filter(|p| !p.problems.is_empty())
        .collect()
}

#[derive(sqlx::FromRow)]
struct PointFact {
    mode: Mode,
    county_name: String,
    town: String,
    kind_code: String,
}

/// The round's figures. `deductions` are the deductions in force (number, reason) and
/// `materials` the evidence files reviewed, both as the report already has them; pending
/// inspection findings are added to the problems (accepted ones are deductions already,
/// set-aside ones are not problems). A reader who may not see 暗访 points gets figures
/// without them (no count, no places, no findings), as the plan page shows.
pub async fn load(
    db: &PgPool,
    rubric: &RubricFile,
    round_id: i64,
    deductions: Vec<(i32, String)>,
    materials: i64,
    vis: Visibility,
) -> sqlx::Result<Figures> {
    let all = vis.includes_unannounced();
    let points: Vec<PointFact> = sqlx::query_as(
        "SELECT p.mode, p.county_name, p.town, p.kind_code FROM inspection_points p \
         JOIN inspection_records r ON r.point_id = p.id \
         WHERE p.round_id = $1 AND r.state = 'submitted' AND ($2 OR p.mode = 'open')",
    )
    .bind(round_id)
    .bind(all)
    .fetch_all(db)
    .await?;
    let unrecorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM inspection_points p WHERE p.round_id = $1 AND ($2 OR p.mode = 'open') \
         AND NOT EXISTS (SELECT 1 FROM inspection_records r WHERE r.point_id = p.id AND r.state = 'submitted')",
    )
    .bind(round_id)
    .bind(all)
    .fetch_one(db)
    .await?;
    let findings: Vec<(i32, String)> = sqlx::query_as(
        "SELECT i.number, f.description FROM inspection_findings f \
         JOIN indicators i ON i.id = f.indicator_id JOIN inspection_points p ON p.id = f.point_id \
         WHERE f.round_id = $1 AND f.decision = 'pending' AND ($2 OR p.mode = 'open') \
         ORDER BY i.number, f.id",
    )
    .bind(round_id)
    .bind(all)
    .fetch_all(db)
    .await?;
    let of_mode = |mode: Mode| {
        ModeFigures::of(points.iter().filter(|p| p.mode == mode).map(|p| {
            (
                p.county_name.as_str(),
                p.town.as_str(),
                p.kind_code.as_str(),
            )
        }))
    };
    let mut problems = deductions;
    problems.extend(findings);
    Ok(Figures {
        open: of_mode(Mode::Open),
        unannounced: of_mode(Mode::Unannounced),
        unrecorded,
        interviews: interviews::tally(db, round_id).await?,
        materials,
        parts: by_part(rubric, problems),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Figures {
        let mut open = Vec::new();
        // 65 明查 points in 2 districts and 1 county, 6 streets, 15 kinds.
        for i in 0..65 {
            let county = ["城关区", "堆龙德庆区", "林周县"][i % 3];
            let town = format!("{}街道", i % 6);
            let kind = format!("kind-{}", i % 15);
            open.push((county.to_string(), town, kind));
        }
        let mut hidden = Vec::new();
        for i in 0..35 {
            let county = ["城关区", "林周县"][i % 2];
            let town = format!("暗{}街道", i % 4);
            let kind = format!("kind-{}", i % 4);
            hidden.push((county.to_string(), town, kind));
        }
        let refs = |v: &'_ Vec<(String, String, String)>| {
            ModeFigures::of(
                v.iter()
                    .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
                    .collect::<Vec<_>>(),
            )
        };
        Figures {
            open: refs(&open),
            unannounced: refs(&hidden),
            unrecorded: 0,
            interviews: Tally {
                interviews: 5,
                city: 2,
                county: 3,
                township: 4,
            },
            materials: 320,
            parts: vec![
                PartProblems {
                    seq: 1,
                    title: "基础工作".into(),
                    problems: vec![(2, "考核资料不全。".into()), (5, "会商记录缺失".into())],
                },
                PartProblems {
                    seq: 3,
                    title: "能力建设".into(),
                    problems: vec![(41, "检验能力不足".into())],
                },
            ],
        }
    }

    #[test]
    fn the_seed_reports_sentence() {
        assert_eq!(
            seed().sentence(),
            "现场检查共抽查100个点位，其中明查2区1县6个街道，覆盖15类单位65个点位；\
             暗访1区1县4个街道，覆盖4类单位35个点位。\
             领导访谈5次，访谈市级党政负责同志2人、县级3人、乡级4人。\
             资料审查共查阅创建材料320份。发现问题3个（基础工作2个、能力建设1个）。"
        );
    }

    #[test]
    fn nothing_done_says_nothing() {
        assert_eq!(Figures::default().sentence(), "");
        assert_eq!(Figures::default().shortcomings(), "");
    }

    #[test]
    fn clauses_with_nothing_are_left_out() {
        let mut f = seed();
        f.unannounced = ModeFigures::default();
        f.unrecorded = 3;
        f.interviews = Tally {
            interviews: 1,
            city: 0,
            county: 2,
            township: 0,
        };
        f.materials = 0;
        f.parts.clear();
        assert_eq!(
            f.sentence(),
            "现场检查共抽查65个点位，其中明查2区1县6个街道，覆盖15类单位65个点位。\
             另有3个计划点位尚未提交检查记录。领导访谈1次，访谈县级党政负责同志2人。"
        );
        let planned_only = Figures {
            unrecorded: 12,
            ..Default::default()
        };
        assert_eq!(
            planned_only.sentence(),
            "现场检查计划12个点位，尚未提交检查记录。"
        );
    }

    #[test]
    fn towns_and_unusual_counties() {
        let f = ModeFigures::of([
            ("河西镇某某", "柳林乡", "a"),
            ("河西县", "河西镇", "a"),
            ("河西县", "河西镇", "b"),
            ("某市", "", "b"),
            ("某旗", "东街街道", "c"),
        ]);
        assert_eq!(f.points, 5);
        assert_eq!(f.kinds, 3);
        assert_eq!(f.places(), "1县1市1旗1个县（市、区）2个乡镇1个街道");
    }

    #[test]
    fn shortcomings_are_numbered_per_part() {
        assert_eq!(
            seed().shortcomings(),
            "（一）基础工作方面：1. 考核资料不全（指标2）；2. 会商记录缺失（指标5）。\n\
             （二）能力建设方面：1. 检验能力不足（指标41）。"
        );
    }

    #[test]
    fn problems_go_under_their_parts() {
        let rubric = RubricFile::parse(crate::rubric::data::BUNDLED_2021).unwrap();
        let parts = by_part(
            &rubric,
            vec![(41, "乙".into()), (1, "甲".into()), (2, "丙".into())],
        );
        let got: Vec<(i32, usize)> = parts.iter().map(|p| (p.seq, p.problems.len())).collect();
        assert_eq!(got.first(), Some(&(1, 2)));
        assert_eq!(got.len(), 2);
        assert_eq!(parts[0].title, "基础工作");
        assert_eq!(parts[0].problems[0], (1, "甲".to_string()));
    }
}
