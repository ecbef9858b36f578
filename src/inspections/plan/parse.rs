//! One point checked ([`NewPoint::check`]) and a pasted list of them ([`parse_paste`]) in
//! the column order the office's lists use: 县区, 乡镇街道, 单位名称, 地址, 业态,
//! 方式(明查/暗访), 日期, and optionally 检查组 and 检查人员.
//!
//! A list is all or nothing: every bad line is refused with its line number and reason,
//! and nothing is saved unless every line is good.

use chrono::NaiveDate;

use super::lookup::{Lookup, Member};
use crate::inspections::Mode;

/// The longest text kept in one column (a pasted cell beyond it is refused).
pub const MAX_CELL_CHARS: usize = 200;

/// Why one point (or one pasted line) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointRefusal {
    MissingCounty,
    MissingUnit,
    MissingKind,
    /// The 方式 column held neither 明查 nor 暗访.
    UnknownMode(String),
    /// The date is neither YYYY-MM-DD nor YYYY年M月D日.
    BadDate(String),
    /// A column is longer than [`MAX_CELL_CHARS`].
    TooLong,
    /// Fewer columns than 单位名称 … 方式 need.
    TooFewColumns(usize),
    /// The 检查组 is not one of the round's assessor groups.
    UnknownGroup(String),
    /// A 检查人员 is not an active assessor of the point's group.
    UnknownAssessor(String),
    /// Two assessors of the group have this name.
    AmbiguousAssessor(String),
    /// 检查人员 without a 检查组.
    AssessorsWithoutGroup,
    /// A change of 业态 at a point where something was recorded (its checklist is the kind's).
    KindRecorded,
}

impl PointRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            PointRefusal::MissingCounty => "missing_county",
            PointRefusal::MissingUnit => "missing_unit",
            PointRefusal::MissingKind => "missing_kind",
            PointRefusal::UnknownMode(_) => "unknown_mode",
            PointRefusal::BadDate(_) => "bad_date",
            PointRefusal::TooLong => "too_long",
            PointRefusal::TooFewColumns(_) => "too_few_columns",
            PointRefusal::UnknownGroup(_) => "unknown_group",
            PointRefusal::UnknownAssessor(_) => "unknown_assessor",
            PointRefusal::AmbiguousAssessor(_) => "ambiguous_assessor",
            PointRefusal::AssessorsWithoutGroup => "assessors_without_group",
            PointRefusal::KindRecorded => "kind_recorded",
        }
    }

    /// The message key shown to the user (its argument, if any, is [`Self::argument`]).
    pub fn message_key(&self) -> &'static str {
        match self {
            PointRefusal::MissingCounty => "plan-refused-county",
            PointRefusal::MissingUnit => "plan-refused-unit",
            PointRefusal::MissingKind => "plan-refused-kind",
            PointRefusal::UnknownMode(_) => "plan-refused-mode",
            PointRefusal::BadDate(_) => "plan-refused-date",
            PointRefusal::TooLong => "plan-refused-too-long",
            PointRefusal::TooFewColumns(_) => "plan-refused-columns",
            PointRefusal::UnknownGroup(_) => "plan-refused-group",
            PointRefusal::UnknownAssessor(_) => "plan-refused-assessor",
            PointRefusal::AmbiguousAssessor(_) => "plan-refused-assessor-ambiguous",
            PointRefusal::AssessorsWithoutGroup => "plan-refused-assessors-no-group",
            PointRefusal::KindRecorded => "plan-refused-kind-recorded",
        }
    }

    /// What the message quotes: the text typed, or the number of columns found.
    pub fn argument(&self) -> String {
        match self {
            PointRefusal::UnknownMode(text)
            | PointRefusal::BadDate(text)
            | PointRefusal::UnknownGroup(text)
            | PointRefusal::UnknownAssessor(text)
            | PointRefusal::AmbiguousAssessor(text) => text.clone(),
            PointRefusal::TooFewColumns(n) => n.to_string(),
            _ => String::new(),
        }
    }
}

/// A refused line of a paste (numbered from 1, as an editor shows them) or row of a
/// spreadsheet (numbered as the spreadsheet shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRefusal {
    pub line: usize,
    pub refusal: PointRefusal,
}

/// One point, checked. Built only by [`NewPoint::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoint {
    pub(super) county_name: String,
    pub(super) town: String,
    pub(super) unit_name: String,
    pub(super) address: String,
    pub(super) kind_code: String,
    pub(super) mode: Mode,
    pub(super) planned_on: Option<NaiveDate>,
    pub(super) group: Option<Member>,
    pub(super) assessors: Vec<Member>,
}

/// Who is sent to a point: by the names a list uses, or as chosen on the edit form.
#[derive(Debug, Clone, Copy)]
pub enum Crew<'a> {
    /// 检查组 and 检查人员 (separated by 、 or ；) as typed.
    Named { group: &'a str, assessors: &'a str },
    /// A group id and assessor ids from the form.
    Chosen {
        group: Option<i64>,
        assessors: &'a [i64],
    },
}

impl Default for Crew<'_> {
    fn default() -> Self {
        Crew::Named {
            group: "",
            assessors: "",
        }
    }
}

/// The text of one point as typed.
#[derive(Debug, Clone, Default)]
pub struct PointInput<'a> {
    pub county: &'a str,
    pub town: &'a str,
    pub unit: &'a str,
    pub address: &'a str,
    pub kind: &'a str,
    pub mode: &'a str,
    pub date: &'a str,
    pub crew: Crew<'a>,
}

impl NewPoint {
    /// Every refusal of the point at once (an over-long cell alone stops the checks).
    pub fn check(
        input: &PointInput<'_>,
        lookup: &Lookup<'_>,
    ) -> Result<NewPoint, Vec<PointRefusal>> {
        let mut cells = vec![
            input.county,
            input.town,
            input.unit,
            input.address,
            input.kind,
            input.mode,
            input.date,
        ];
        if let Crew::Named { group, assessors } = input.crew {
            cells.extend([group, assessors]);
        }
        if cells
            .iter()
            .any(|c| c.trim().chars().count() > MAX_CELL_CHARS)
        {
            return Err(vec![PointRefusal::TooLong]);
        }
        let mut refusals = Vec::new();
        let county_name = input.county.trim();
        if county_name.is_empty() {
            refusals.push(PointRefusal::MissingCounty);
        }
        let unit_name = input.unit.trim();
        if unit_name.is_empty() {
            refusals.push(PointRefusal::MissingUnit);
        }
        if input.kind.trim().is_empty() {
            refusals.push(PointRefusal::MissingKind);
        }
        let mode = Mode::parse(input.mode);
        if mode.is_none() {
            refusals.push(PointRefusal::UnknownMode(input.mode.trim().to_string()));
        }
        let date = input.date.trim();
        let planned_on = if date.is_empty() {
            None
        } else {
            let parsed = parse_date(date);
            if parsed.is_none() {
                refusals.push(PointRefusal::BadDate(date.to_string()));
            }
            parsed
        };
        let crew = crew(input.crew, lookup);
        match (mode, crew) {
            (Some(mode), Ok((group, assessors))) if refusals.is_empty() => Ok(NewPoint {
                county_name: county_name.to_string(),
                town: input.town.trim().to_string(),
                unit_name: unit_name.to_string(),
                address: input.address.trim().to_string(),
                kind_code: lookup.kind_code(input.kind),
                mode,
                planned_on,
                group,
                assessors,
            }),
            (_, crew) => {
                refusals.extend(crew.err().unwrap_or_default());
                Err(refusals)
            }
        }
    }

    pub fn county_name(&self) -> &str {
        &self.county_name
    }
    pub fn town(&self) -> &str {
        &self.town
    }
    pub fn unit_name(&self) -> &str {
        &self.unit_name
    }
    pub fn address(&self) -> &str {
        &self.address
    }
    pub fn kind_code(&self) -> &str {
        &self.kind_code
    }
    pub fn mode(&self) -> Mode {
        self.mode
    }
    pub fn planned_on(&self) -> Option<NaiveDate> {
        self.planned_on
    }
    pub fn group(&self) -> Option<&Member> {
        self.group.as_ref()
    }
    pub fn assessors(&self) -> &[Member] {
        &self.assessors
    }

    /// The same point sent the other way (a draw decides the mode of what it draws).
    pub fn with_mode(mut self, mode: Mode) -> NewPoint {
        self.mode = mode;
        self
    }

    /// The point as one tab-separated line of a paste, which [`parse_paste`] reads back
    /// to the same point (the draw's confirmation carries its points so).
    pub fn to_line(&self) -> String {
        let names: Vec<&str> = self.assessors.iter().map(|a| a.name.as_str()).collect();
        [
            self.county_name.as_str(),
            &self.town,
            &self.unit_name,
            &self.address,
            &self.kind_code,
            self.mode.official(),
            &self.planned_on.map(|d| d.to_string()).unwrap_or_default(),
            self.group.as_ref().map_or("", |g| g.name.as_str()),
            &names.join("、"),
        ]
        .iter()
        .map(|cell| cell.replace(['\t', '\n', '\r'], " "))
        .collect::<Vec<_>>()
        .join("\t")
    }
}

/// The group and assessors of a point, matched to the round's team.
fn crew(
    crew: Crew<'_>,
    lookup: &Lookup<'_>,
) -> Result<(Option<Member>, Vec<Member>), Vec<PointRefusal>> {
    let member = |id: i64, name: &str| Member {
        id,
        name: name.to_string(),
    };
    let mut refusals = Vec::new();
    let mut chosen: Vec<Member> = Vec::new();
    let group = match crew {
        Crew::Named { group, assessors } => {
            let names: Vec<&str> = assessors
                .split(['、', '；', ';'])
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect();
            if group.trim().is_empty() {
                if !names.is_empty() {
                    return Err(vec![PointRefusal::AssessorsWithoutGroup]);
                }
                return Ok((None, Vec::new()));
            }
            let Some(found) = lookup.team.group_named(group) else {
                return Err(vec![PointRefusal::UnknownGroup(group.trim().to_string())]);
            };
            for name in names {
                let matching: Vec<&Member> =
                    found.assessors.iter().filter(|a| a.name == name).collect();
                match matching.as_slice() {
                    [] => refusals.push(PointRefusal::UnknownAssessor(name.to_string())),
                    [one] => chosen.push((*one).clone()),
                    _ => refusals.push(PointRefusal::AmbiguousAssessor(name.to_string())),
                }
            }
            found
        }
        Crew::Chosen { group, assessors } => {
            let Some(group) = group else {
                if !assessors.is_empty() {
                    return Err(vec![PointRefusal::AssessorsWithoutGroup]);
                }
                return Ok((None, Vec::new()));
            };
            let Some(found) = lookup.team.group(group) else {
                return Err(vec![PointRefusal::UnknownGroup(group.to_string())]);
            };
            for id in assessors {
                match found.assessors.iter().find(|a| a.id == *id) {
                    Some(a) => chosen.push(a.clone()),
                    None => refusals.push(PointRefusal::UnknownAssessor(id.to_string())),
                }
            }
            found
        }
    };
    if !refusals.is_empty() {
        return Err(refusals);
    }
    chosen.sort_by_key(|a| a.id);
    chosen.dedup_by_key(|a| a.id);
    Ok((Some(member(group.id, &group.name)), chosen))
}

/// YYYY-MM-DD (also YYYY/MM/DD) or YYYY年M月D日.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some(rest) = text.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        return NaiveDate::from_ymd_opt(
            y.trim().parse().ok()?,
            m.trim().parse().ok()?,
            d.trim().parse().ok()?,
        );
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .ok()
}

/// Whether a line is the header of the office's list (its first cell names the column).
fn is_header(cells: &[&str]) -> bool {
    matches!(
        cells.first().map(|c| c.trim()),
        Some("县区" | "县（区）" | "县(区)" | "县市区" | "区县" | "县区名称" | "county")
    ) || cells.iter().any(|c| {
        matches!(
            c.trim(),
            "单位名称" | "方式" | "检查方式" | "检查组" | "检查人员"
        )
    })
}

/// Parses a pasted list. Tab-separated when the line has a tab (as copied from a
/// spreadsheet), comma-separated otherwise (full-width commas too). Blank lines and a
/// header line are skipped. Either every line is good, or every bad line is refused.
pub fn parse_paste(text: &str, lookup: &Lookup<'_>) -> Result<Vec<NewPoint>, Vec<LineRefusal>> {
    let mut points = Vec::new();
    let mut refusals = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = if line.contains('\t') {
            line.split('\t').collect()
        } else {
            line.split([',', '，']).collect()
        };
        if points.is_empty() && refusals.is_empty() && is_header(&cells) {
            continue;
        }
        if cells.len() < 6 {
            refusals.push(LineRefusal {
                line: number,
                refusal: PointRefusal::TooFewColumns(cells.len()),
            });
            continue;
        }
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let input = PointInput {
            county: cell(0),
            town: cell(1),
            unit: cell(2),
            address: cell(3),
            kind: cell(4),
            mode: cell(5),
            date: cell(6),
            crew: Crew::Named {
                group: cell(7),
                assessors: cell(8),
            },
        };
        check_line(number, &input, lookup, &mut points, &mut refusals);
    }
    if refusals.is_empty() {
        Ok(points)
    } else {
        Err(refusals)
    }
}

/// Checks one numbered line or row into `points`, or its refusals into `refusals`.
pub(super) fn check_line(
    number: usize,
    input: &PointInput<'_>,
    lookup: &Lookup<'_>,
    points: &mut Vec<NewPoint>,
    refusals: &mut Vec<LineRefusal>,
) {
    match NewPoint::check(input, lookup) {
        Ok(point) => points.push(point),
        Err(found) => refusals.extend(found.into_iter().map(|refusal| LineRefusal {
            line: number,
            refusal,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lookup::{Team, TeamGroup};
    use super::*;

    fn bare(text: &str) -> Result<Vec<NewPoint>, Vec<LineRefusal>> {
        parse_paste(text, &Lookup::bare())
    }

    #[test]
    fn good_lines_with_header_and_blanks() {
        let text = "县区\t乡镇街道\t单位名称\t地址\t业态\t方式\t日期\n\
                    \n\
                    城关区\t东街街道\t第一中学食堂\t东街1号\t学校食堂\t明查\t2026-12-08\n\
                    河西县,河西镇,河西农贸市场,,农贸市场,暗访,2026年12月9日\n\
                    城关区\t\t惠民超市\t\tsupermarket\topen\t\n";
        let points = bare(text).unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[0].county_name(), "城关区");
        assert_eq!(points[0].unit_name(), "第一中学食堂");
        assert_eq!(points[0].mode(), Mode::Open);
        assert_eq!(points[0].planned_on(), NaiveDate::from_ymd_opt(2026, 12, 8));
        assert_eq!(points[1].mode(), Mode::Unannounced);
        assert_eq!(points[1].planned_on(), NaiveDate::from_ymd_opt(2026, 12, 9));
        assert_eq!(points[2].kind_code(), "supermarket");
        assert_eq!(points[2].planned_on(), None);
        assert_eq!(points[2].group(), None);
    }

    #[test]
    fn every_bad_line_is_refused_with_its_number() {
        let text = "城关区\t东街街道\t\t地址\t学校食堂\t明查\n\
                    \t东街街道\t单位\t地址\t学校食堂\t明查\n\
                    城关区\t东街街道\t单位\t地址\t学校食堂\t抽查\n\
                    城关区\t东街街道\t单位\t地址\t学校食堂\t暗访\t12月9日\n\
                    城关区\t东街街道\t单位\t地址\t\t暗访\n\
                    城关区\t单位\n\
                    城关区\t东街街道\t好单位\t地址\t学校食堂\t明查\n";
        let refusals = bare(text).unwrap_err();
        let got: Vec<(usize, &str)> = refusals
            .iter()
            .map(|r| (r.line, r.refusal.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "missing_unit"),
                (2, "missing_county"),
                (3, "unknown_mode"),
                (4, "bad_date"),
                (5, "missing_kind"),
                (6, "too_few_columns"),
            ]
        );
        assert_eq!(refusals[2].refusal.argument(), "抽查");
        assert_eq!(refusals[3].refusal.argument(), "12月9日");
    }

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(
            parse_date("2026-12-08"),
            NaiveDate::from_ymd_opt(2026, 12, 8)
        );
        assert_eq!(
            parse_date("2026年1月5日"),
            NaiveDate::from_ymd_opt(2026, 1, 5)
        );
        assert_eq!(parse_date("2026年2月30日"), None);
        assert_eq!(parse_date("明天"), None);
    }

    #[test]
    fn over_long_cells_are_refused() {
        let long = "单".repeat(MAX_CELL_CHARS + 1);
        let line = format!("城关区\t\t{long}\t\t学校食堂\t明查");
        let refusals = bare(&line).unwrap_err();
        assert_eq!(refusals[0].refusal, PointRefusal::TooLong);
    }

    fn team() -> Team {
        let member = |id: i64, name: &str| Member {
            id,
            name: name.into(),
        };
        Team {
            groups: vec![
                TeamGroup {
                    id: 10,
                    name: "第一评审组".into(),
                    assessors: vec![member(1, "张三"), member(2, "李四"), member(3, "李四")],
                },
                TeamGroup {
                    id: 20,
                    name: "第二评审组".into(),
                    assessors: vec![member(4, "王五")],
                },
            ],
        }
    }

    #[test]
    fn groups_and_assessors_are_matched_to_the_round() {
        let team = team();
        let lookup = Lookup::new(&[], &team);
        let text = "城关区\t\t甲单位\t\t学校食堂\t明查\t\t第一评审组\t张三\n\
                    城关区\t\t乙单位\t\t学校食堂\t明查\t\t第二评审组\t王五；\n\
                    城关区\t\t丙单位\t\t学校食堂\t明查\t\t第二评审组\n";
        let points = parse_paste(text, &lookup).unwrap();
        assert_eq!(points[0].group().map(|g| g.id), Some(10));
        assert_eq!(
            points[0]
                .assessors()
                .iter()
                .map(|a| a.id)
                .collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(points[1].assessors()[0].name, "王五");
        assert_eq!(points[2].group().map(|g| g.id), Some(20));
        assert!(points[2].assessors().is_empty());
        // A point reads back from its line.
        let again = parse_paste(&points[0].to_line(), &lookup).unwrap();
        assert_eq!(again, vec![points[0].clone()]);

        let text = "城关区\t\t甲单位\t\t学校食堂\t明查\t\t第九评审组\t张三\n\
                    城关区\t\t乙单位\t\t学校食堂\t明查\t\t第一评审组\t张三、王五\n\
                    城关区\t\t丙单位\t\t学校食堂\t明查\t\t\t张三\n\
                    城关区\t\t丁单位\t\t学校食堂\t明查\t\t第一评审组\t李四\n";
        let refusals = parse_paste(text, &lookup).unwrap_err();
        let got: Vec<(usize, &str, String)> = refusals
            .iter()
            .map(|r| (r.line, r.refusal.as_str(), r.refusal.argument()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "unknown_group", "第九评审组".to_string()),
                (2, "unknown_assessor", "王五".to_string()),
                (3, "assessors_without_group", String::new()),
                (4, "ambiguous_assessor", "李四".to_string()),
            ]
        );
    }

    #[test]
    fn the_edit_form_chooses_by_id() {
        let team = team();
        let lookup = Lookup::new(&[], &team);
        let input = |group: Option<i64>, assessors: &'static [i64]| PointInput {
            county: "城关区",
            unit: "甲单位",
            kind: "学校食堂",
            mode: "暗访",
            crew: Crew::Chosen { group, assessors },
            ..Default::default()
        };
        let point = NewPoint::check(&input(Some(10), &[3, 2]), &lookup).unwrap();
        assert_eq!(
            point.assessors().iter().map(|a| a.id).collect::<Vec<_>>(),
            [2, 3]
        );
        let refused = NewPoint::check(&input(Some(20), &[1]), &lookup).unwrap_err();
        assert_eq!(refused, vec![PointRefusal::UnknownAssessor("1".into())]);
        let refused = NewPoint::check(&input(None, &[1]), &lookup).unwrap_err();
        assert_eq!(refused, vec![PointRefusal::AssessorsWithoutGroup]);
        let refused = NewPoint::check(&input(Some(99), &[]), &lookup).unwrap_err();
        assert_eq!(refused, vec![PointRefusal::UnknownGroup("99".into())]);
    }
}
