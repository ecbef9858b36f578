//! 领导访谈: interviews held by a round, the people interviewed, the indicators they bear on.
//!
//! An interview is typed as a [`NewInterview`], checked against the round
//! ([`InterviewRules`]): a date, at least one interviewee — entered as lines of one
//! textarea, "级别，职务，姓名，单位" ([`parse_interviewees`], every bad line refused with its
//! number) — and indicators of the round's scope whose method includes 党政领导访谈.

use chrono::NaiveDate;
use serde::Serialize;

use super::plan::parse_date;

/// The method an indicator must list for interviews to bear on it.
pub const INTERVIEW_METHOD: &str = "党政领导访谈";

/// The longest text kept in one cell of an interviewee line, the place or the label.
pub const MAX_CELL_CHARS: usize = 200;
/// The longest questions or notes kept.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// 市级, 县级 or 乡级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Level {
    City,
    County,
    Township,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::City, Level::County, Level::Township];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
        }
    }

    /// The official wording (reports and pasted lines).
    pub fn official(self) -> &'static str {
        match self {
            Level::City => "市级",
            Level::County => "县级",
            Level::Township => "乡级",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text.trim() {
            "市级" | "市" | "city" => Some(Level::City),
            "县级" | "县" | "区级" | "县区级" | "县（区）级" | "县(区)级" | "county" => {
                Some(Level::County)
            }
            "乡级" | "乡" | "镇" | "乡镇" | "乡镇级" | "街道" | "乡镇（街道）" | "township" => {
                Some(Level::Township)
            }
            _ => None,
        }
    }
}

/// Why one interviewee line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    MissingLevel,
    /// The first cell is not 市级/县级/乡级.
    UnknownLevel(String),
    MissingPost,
    TooLong,
}

/// Why an interview was refused (each is shown and audited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterviewRefusal {
    Locked,
    MissingDate,
    BadDate(String),
    /// Neither one of the round's groups nor a label.
    MissingGroup,
    /// A group that scores nothing in the round.
    UnknownGroup,
    NoInterviewee,
    /// An interviewee line, numbered from 1.
    Line(usize, LineProblem),
    /// An indicator outside the round's scope.
    OutOfScope(i32),
    /// An indicator whose methods do not include 党政领导访谈.
    NotInterviewed(i32),
    TooLong,
}

impl InterviewRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            InterviewRefusal::Locked => "locked",
            InterviewRefusal::MissingDate => "missing_date",
            InterviewRefusal::BadDate(_) => "bad_date",
            InterviewRefusal::MissingGroup => "missing_group",
            InterviewRefusal::UnknownGroup => "unknown_group",
            InterviewRefusal::NoInterviewee => "no_interviewee",
            InterviewRefusal::Line(_, LineProblem::MissingLevel) => "missing_level",
            InterviewRefusal::Line(_, LineProblem::UnknownLevel(_)) => "unknown_level",
            InterviewRefusal::Line(_, LineProblem::MissingPost) => "missing_post",
            InterviewRefusal::Line(_, LineProblem::TooLong) => "line_too_long",
            InterviewRefusal::OutOfScope(_) => "out_of_scope",
            InterviewRefusal::NotInterviewed(_) => "not_interviewed",
            InterviewRefusal::TooLong => "too_long",
        }
    }

    /// The message key; its argument is [`Self::argument`] (`$text`), and a line's
    /// message is wrapped in `interview-refused-line` with `$line`.
    pub fn message_key(&self) -> &'static str {
        match self {
            InterviewRefusal::Locked => "interview-refused-locked",
            InterviewRefusal::MissingDate => "interview-refused-no-date",
            InterviewRefusal::BadDate(_) => "interview-refused-date",
            InterviewRefusal::MissingGroup => "interview-refused-no-group",
            InterviewRefusal::UnknownGroup => "interview-refused-group",
            InterviewRefusal::NoInterviewee => "interview-refused-no-interviewee",
            InterviewRefusal::Line(_, LineProblem::MissingLevel) => "interview-refused-no-level",
            InterviewRefusal::Line(_, LineProblem::UnknownLevel(_)) => "interview-refused-level",
            InterviewRefusal::Line(_, LineProblem::MissingPost) => "interview-refused-no-post",
            InterviewRefusal::Line(_, LineProblem::TooLong) => "interview-refused-line-long",
            InterviewRefusal::OutOfScope(_) => "interview-refused-scope",
            InterviewRefusal::NotInterviewed(_) => "interview-refused-method",
            InterviewRefusal::TooLong => "interview-refused-too-long",
        }
    }

    pub fn argument(&self) -> String {
        match self {
            InterviewRefusal::BadDate(text)
            | InterviewRefusal::Line(_, LineProblem::UnknownLevel(text)) => text.clone(),
            InterviewRefusal::OutOfScope(n) | InterviewRefusal::NotInterviewed(n) => n.to_string(),
            _ => String::new(),
        }
    }

    /// The interviewee line refused, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            InterviewRefusal::Line(line, _) => Some(*line),
            _ => None,
        }
    }
}

/// One person interviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interviewee {
    pub level: Level,
    pub post: String,
    pub name: String,
    pub organisation: String,
}

/// Parses the interviewee lines: "级别，职务，姓名，单位" separated by tabs when the line has
/// one, by commas (full-width too) or 、 otherwise; name and unit are optional. Blank lines
/// are skipped. Either every line is good, or every bad line is refused with its number.
pub fn parse_interviewees(text: &str) -> Result<Vec<Interviewee>, Vec<InterviewRefusal>> {
    let mut people = Vec::new();
    let mut refusals = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = if line.contains('\t') {
            line.split('\t').collect()
        } else {
            line.split([',', '，', '、']).collect()
        };
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
        let problem = if cells
            .iter()
            .any(|c| c.trim().chars().count() > MAX_CELL_CHARS)
        {
            Some(LineProblem::TooLong)
        } else if cell(0).is_empty() {
            Some(LineProblem::MissingLevel)
        } else if Level::parse(cell(0)).is_none() {
            Some(LineProblem::UnknownLevel(cell(0).to_string()))
        } else if cell(1).is_empty() {
            Some(LineProblem::MissingPost)
        } else {
            None
        };
        match (problem, Level::parse(cell(0))) {
            (Some(problem), _) => refusals.push(InterviewRefusal::Line(number, problem)),
            (None, Some(level)) => people.push(Interviewee {
                level,
                post: cell(1).to_string(),
                name: cell(2).to_string(),
                // A unit with commas in its name keeps them.
                organisation: cells
                    .get(3..)
                    .map(|rest| rest.join("，"))
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            }),
            (None, None) => unreachable!("the level was checked"),
        }
    }
    if refusals.is_empty() {
        Ok(people)
    } else {
        Err(refusals)
    }
}

/// The interviewees as the form's textarea shows them again.
pub fn interviewee_lines(people: &[Interviewee]) -> String {
    people
        .iter()
        .map(|p| {
            let mut cells = vec![p.level.official(), p.post.as_str()];
            if !p.name.is_empty() || !p.organisation.is_empty() {
                cells.push(&p.name);
            }
            if !p.organisation.is_empty() {
                cells.push(&p.organisation);
            }
            cells.join("，")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What an interview is checked against: the round as it is now.
#[derive(Debug, Clone, Copy)]
pub struct InterviewRules<'a> {
    pub locked: bool,
    /// The assessor groups that score something in the round.
    pub groups: &'a [i64],
    /// The indicators of the round's scope.
    pub in_scope: &'a [i32],
    /// Of those, the ones whose methods include 党政领导访谈.
    pub interviewed: &'a [i32],
}

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct InterviewInput<'a> {
    pub group_id: &'a str,
    pub group_label: &'a str,
    pub held_on: &'a str,
    pub place: &'a str,
    pub interviewees: &'a str,
    pub indicators: &'a [String],
    pub questions: &'a str,
    pub notes: &'a str,
}

/// An interview, checked. Built only by [`NewInterview::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInterview {
    group_id: Option<i64>,
    group_label: String,
    held_on: NaiveDate,
    place: String,
    interviewees: Vec<Interviewee>,
    indicators: Vec<i32>,
    questions: String,
    notes: String,
}

impl NewInterview {
    pub fn check(
        input: &InterviewInput<'_>,
        rules: InterviewRules<'_>,
    ) -> Result<NewInterview, Vec<InterviewRefusal>> {
        if rules.locked {
            return Err(vec![InterviewRefusal::Locked]);
        }
        let mut refusals = Vec::new();
        let date = input.held_on.trim();
        let held_on = if date.is_empty() {
            refusals.push(InterviewRefusal::MissingDate);
            None
        } else {
            let parsed = parse_date(date);
            if parsed.is_none() {
                refusals.push(InterviewRefusal::BadDate(date.to_string()));
            }
            parsed
        };
        let group_id = match input.group_id.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(id) if rules.groups.contains(&id) => Some(id),
                _ => {
                    refusals.push(InterviewRefusal::UnknownGroup);
                    None
                }
            },
        };
        let group_label = input.group_label.trim().to_string();
        if input.group_id.trim().is_empty() && group_label.is_empty() {
            refusals.push(InterviewRefusal::MissingGroup);
        }
        let place = input.place.trim().to_string();
        if [&group_label, &place]
            .iter()
            .any(|t| t.chars().count() > MAX_CELL_CHARS)
            || [input.questions, input.notes]
                .iter()
                .any(|t| t.trim().chars().count() > MAX_TEXT_CHARS)
        {
            refusals.push(InterviewRefusal::TooLong);
        }
        let interviewees = match parse_interviewees(input.interviewees) {
            Ok(people) if people.is_empty() => {
                refusals.push(InterviewRefusal::NoInterviewee);
                Vec::new()
            }
            Ok(people) => people,
            Err(lines) => {
                refusals.extend(lines);
                Vec::new()
            }
        };
        let mut indicators = Vec::new();
        for text in input.indicators {
            let Ok(number) = text.trim().parse::<i32>() else {
                continue;
            };
            if !rules.in_scope.contains(&number) {
                refusals.push(InterviewRefusal::OutOfScope(number));
            } else if !rules.interviewed.contains(&number) {
                refusals.push(InterviewRefusal::NotInterviewed(number));
            } else if !indicators.contains(&number) {
                indicators.push(number);
            }
        }
        indicators.sort_unstable();
        match held_on {
            Some(held_on) if refusals.is_empty() => Ok(NewInterview {
                group_id,
                group_label: if group_id.is_some() {
                    String::new()
                } else {
                    group_label
                },
                held_on,
                place,
                interviewees,
                indicators,
                questions: input.questions.trim().to_string(),
                notes: input.notes.trim().to_string(),
            }),
            _ => Err(refusals),
        }
    }

    pub fn group_id(&self) -> Option<i64> {
        self.group_id
    }
    pub fn held_on(&self) -> NaiveDate {
        self.held_on
    }
    pub fn interviewees(&self) -> &[Interviewee] {
        &self.interviewees
    }
    pub fn indicators(&self) -> &[i32] {
        &self.indicators
    }
}

/// The indicators of a scope whose methods include 党政领导访谈, in number order.
pub fn interviewed_indicators(
    rubric: &crate::rubric::data::RubricFile,
    in_scope: &[i32],
) -> Vec<i32> {
    let mut out: Vec<i32> = rubric
        .indicators()
        .filter(|(_, _, i)| in_scope.contains(&i.number))
        .filter(|(_, _, i)| i.methods.iter().any(|m| m == INTERVIEW_METHOD))
        .map(|(_, _, i)| i.number)
        .collect();
    out.sort_unstable();
    out
}

mod store;
pub use store::*;

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPE: [i32; 5] = [1, 2, 3, 24, 90];
    const INTERVIEWED: [i32; 3] = [1, 2, 90];
    const GROUPS: [i64; 2] = [7, 8];

    fn rules(locked: bool) -> InterviewRules<'static> {
        InterviewRules {
            locked,
            groups: &GROUPS,
            in_scope: &SCOPE,
            interviewed: &INTERVIEWED,
        }
    }

    fn input<'a>(people: &'a str, indicators: &'a [String]) -> InterviewInput<'a> {
        InterviewInput {
            group_id: "7",
            held_on: "2026年5月12日",
            interviewees: people,
            indicators,
            place: "市政府3楼会议室",
            ..Default::default()
        }
    }

    #[test]
    fn lines_in_every_separator() {
        let text = "市级，市长，张三，市人民政府\n\n县级\t县委书记\t\t河西县委\n乡级、镇长\ncounty,区长,李四,城关区政府,办公室";
        let people = parse_interviewees(text).unwrap();
        assert_eq!(people.len(), 4);
        assert_eq!(people[0].level, Level::City);
        assert_eq!(people[0].post, "市长");
        assert_eq!(people[0].name, "张三");
        assert_eq!(people[0].organisation, "市人民政府");
        assert_eq!(people[1].level, Level::County);
        assert_eq!(people[1].name, "");
        assert_eq!(people[1].organisation, "河西县委");
        assert_eq!(people[2].level, Level::Township);
        assert_eq!(people[2].organisation, "");
        assert_eq!(people[3].organisation, "城关区政府，办公室");
        assert_eq!(
            interviewee_lines(&people[..3]),
            "市级，市长，张三，市人民政府\n县级，县委书记，，河西县委\n乡级，镇长"
        );
    }

    #[test]
    fn bad_lines_are_refused_with_their_numbers() {
        let text = "市级，市长\n省级，省长\n，副市长\n县级\n乡级，镇长";
        let refusals = parse_interviewees(text).unwrap_err();
        let got: Vec<(Option<usize>, &str)> =
            refusals.iter().map(|r| (r.line(), r.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Some(2), "unknown_level"),
                (Some(3), "missing_level"),
                (Some(4), "missing_post"),
            ]
        );
        assert_eq!(refusals[0].argument(), "省级");
    }

    #[test]
    fn a_good_interview() {
        let indicators = vec!["2".to_string(), "1".to_string(), "2".to_string()];
        let new = NewInterview::check(&input("市级，市长", &indicators), rules(false)).unwrap();
        assert_eq!(new.held_on(), NaiveDate::from_ymd_opt(2026, 5, 12).unwrap());
        assert_eq!(new.group_id(), Some(7));
        assert_eq!(new.indicators(), &[1, 2]);
        assert_eq!(new.interviewees().len(), 1);
        // A label alone will do.
        let mut typed = input("县级，县长", &[]);
        typed.group_id = "";
        typed.group_label = "第一访谈组";
        typed.held_on = "2026-05-13";
        let new = NewInterview::check(&typed, rules(false)).unwrap();
        assert_eq!(new.group_id(), None);
        assert_eq!(new.group_label, "第一访谈组");
    }

    #[test]
    fn every_refusal_at_once() {
        let indicators = vec!["24".to_string(), "50".to_string(), "1".to_string()];
        let mut typed = input("", &indicators);
        typed.held_on = "五月";
        typed.group_id = "9";
        let refusals = NewInterview::check(&typed, rules(false)).unwrap_err();
        let got: Vec<&str> = refusals.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "bad_date",
                "unknown_group",
                "no_interviewee",
                "not_interviewed",
                "out_of_scope"
            ]
        );
        assert_eq!(refusals[3].argument(), "24");
        let mut typed = input("市级，市长", &[]);
        typed.held_on = " ";
        typed.group_id = "";
        let got: Vec<&str> = NewInterview::check(&typed, rules(false))
            .unwrap_err()
            .iter()
            .map(|r| r.as_str())
            .collect();
        assert_eq!(got, vec!["missing_date", "missing_group"]);
    }

    #[test]
    fn a_locked_round_takes_no_interview() {
        let refusals = NewInterview::check(&input("市级，市长", &[]), rules(true)).unwrap_err();
        assert_eq!(refusals, vec![InterviewRefusal::Locked]);
    }

    #[test]
    fn levels_parse_from_official_words() {
        assert_eq!(Level::parse("市级"), Some(Level::City));
        assert_eq!(Level::parse(" 县级 "), Some(Level::County));
        assert_eq!(Level::parse("乡镇"), Some(Level::Township));
        assert_eq!(Level::parse("省级"), None);
    }
}
