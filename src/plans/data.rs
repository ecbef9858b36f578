//! The campaign-plan data file (`plans/<city>.toml`): a city's own list of organisations
//! (with membership of the 食药安委), its programmes (四、主要任务) and its proposals for
//! 有关成员单位. Checked whole before anything is written, like the rubric file; every
//! problem names the line it is on.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::orgs::OrgKind;

/// The seed city's plan, compiled in and imported into a campaign of that city.
pub const BUNDLED_CHANGDU: &str = include_str!("../../plans/changdu.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub city: String,
    pub title: String,
    pub issuing_body: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    pub organisations: Vec<Spanned<PlanOrganisation>>,
    #[serde(default)]
    pub relevant_members: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub programmes: Vec<Spanned<ProgrammeEntry>>,
    /// After how many days overdue a task's clerk, then its unit head, is reminded, and
    /// a 督办单 is drafted for the office (七、工作要求（五）（六）).
    pub escalation: Option<EscalationEntry>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationEntry {
    pub remind_clerk_days: i32,
    pub remind_head_days: i32,
    pub draft_order_days: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOrganisation {
    pub name: String,
    pub kind: OrgKind,
    pub member: bool,
    /// Where the plan first names it, e.g. "附件" or "四、主要任务（一）1".
    #[serde(default)]
    pub named_in: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeKind {
    /// 治理提升工程
    Project,
    /// 专项整治行动
    Campaign,
    /// The office's own programme.
    Office,
}

impl ProgrammeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgrammeKind::Project => "project",
            ProgrammeKind::Campaign => "campaign",
            ProgrammeKind::Office => "office",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeEntry {
    pub kind: ProgrammeKind,
    pub number: i32,
    pub title: String,
    pub text: String,
    pub lead_text: String,
    #[serde(default)]
    pub responsible_text: String,
    pub lead: Vec<String>,
    #[serde(default)]
    pub responsible: Vec<String>,
    #[serde(default)]
    pub counties: bool,
    #[serde(default)]
    pub indicators: Vec<i32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub milestones: Vec<MilestoneEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneEntry {
    pub title: String,
    pub due_on: Option<NaiveDate>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl PlanFile {
    /// Parses and checks a plan file against the rubric's indicator numbers.
    pub fn parse(text: &str, indicator_numbers: &HashSet<i32>) -> Result<PlanFile, String> {
        let file: PlanFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let problems = file.problems(text, indicator_numbers);
        if problems.is_empty() {
            Ok(file)
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The canonical name `name` stands for (itself, or what the aliases map it to).
    pub fn canonical<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map(String::as_str).unwrap_or(name)
    }

    fn problems(&self, text: &str, indicator_numbers: &HashSet<i32>) -> Vec<String> {
        let mut problems = Vec::new();
        let mut names = HashSet::new();
        for entry in &self.organisations {
            let line = line_of(text, entry.span().start);
            let org = entry.get_ref();
            if org.name.trim().is_empty() {
                problems.push(format!("line {line}: an organisation has no name"));
            } else if !names.insert(org.name.as_str()) {
                problems.push(format!(
                    "line {line}: organisation {:?} is listed twice",
                    org.name
                ));
            }
            if org.kind == OrgKind::AssessorGroup {
                problems.push(format!(
                    "line {line}: {:?}: assessor groups are not part of a city's plan",
                    org.name
                ));
            }
        }
        for (alias, target) in &self.aliases {
            if !names.contains(target.as_str()) {
                problems.push(format!(
                    "alias {alias:?} points to unknown organisation {target:?}"
                ));
            }
        }
        let known = |name: &str| names.contains(self.canonical(name));
        for (number, members) in &self.relevant_members {
            match number.parse::<i32>() {
                Ok(n) if indicator_numbers.contains(&n) => {}
                _ => problems.push(format!(
                    "relevant_members: {number:?} is not an indicator number of the rubric"
                )),
            }
            for name in members {
                if !known(name) {
                    problems.push(format!(
                        "relevant_members {number}: unknown organisation {name:?}"
                    ));
                }
            }
        }
        if let Some(e) = &self.escalation
            && !(0 <= e.remind_clerk_days
                && e.remind_clerk_days <= e.remind_head_days
                && e.remind_head_days <= e.draft_order_days)
        {
            problems.push(
                "escalation: the days must rise: remind_clerk_days ≤ remind_head_days ≤ draft_order_days"
                    .to_string(),
            );
        }
        let mut numbers = HashSet::new();
        for entry in &self.programmes {
            let line = line_of(text, entry.span().start);
            let p = entry.get_ref();
            let label = format!(
                "line {line}: {} {} {:?}",
                p.kind.as_str(),
                p.number,
                p.title
            );
            if p.number < 1 {
                problems.push(format!("{label}: the number must be 1 or more"));
            }
            if !numbers.insert((p.kind, p.number)) {
                problems.push(format!(
                    "{label}: number {} is used twice among the {} programmes",
                    p.number,
                    p.kind.as_str()
                ));
            }
            if p.title.trim().is_empty() || p.text.trim().is_empty() {
                problems.push(format!("{label}: the title and the text are required"));
            }
            if p.lead.is_empty() {
                problems.push(format!("{label}: no 牵头单位 (lead)"));
            }
            for name in p.lead.iter().chain(&p.responsible) {
                if !known(name) {
                    problems.push(format!("{label}: unknown organisation {name:?}"));
                }
            }
            for number in &p.indicators {
                if !indicator_numbers.contains(number) {
                    problems.push(format!("{label}: indicator {number} is not in the rubric"));
                }
            }
            if let (Some(starts), Some(ends)) = (p.starts_on, p.ends_on)
                && ends < starts
            {
                problems.push(format!("{label}: ends before it starts"));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric_numbers() -> HashSet<i32> {
        (1..=94).collect()
    }

    #[test]
    fn the_bundled_plan_is_valid_and_complete() {
        let plan = PlanFile::parse(BUNDLED_CHANGDU, &rubric_numbers()).unwrap();
        let count = |kind| {
            plan.programmes
                .iter()
                .filter(|p| p.get_ref().kind == kind)
                .count()
        };
        assert_eq!(count(ProgrammeKind::Project), 12);
        assert_eq!(count(ProgrammeKind::Campaign), 12);
        for name in [
            "市生态环境局",
            "市住房城乡建设局",
            "市旅游发展局",
            "新区管委会",
        ] {
            assert!(
                plan.organisations.iter().any(|o| o.get_ref().name == name),
                "{name} missing"
            );
        }
    }

    #[test]
    fn refusals_name_the_line() {
        let text = "city = \"某市\"\ntitle = \"方案\"\nissuing_body = \"办公室\"\n\n\
            [[organisations]]\nname = \"市食安办\"\nkind = \"office\"\nmember = false\n\n\
            [[programmes]]\nkind = \"project\"\nnumber = 1\ntitle = \"甲\"\ntext = \"正文\"\n\
            lead_text = \"市某局\"\nlead = [\"市某局\"]\n\n\
            [[programmes]]\nkind = \"project\"\nnumber = 1\ntitle = \"乙\"\ntext = \"正文\"\n\
            lead_text = \"\"\nlead = []\n";
        let problems = PlanFile::parse(text, &rubric_numbers()).unwrap_err();
        assert!(
            problems.contains("line 10: project 1 \"甲\": unknown organisation \"市某局\""),
            "{problems}"
        );
        assert!(
            problems.contains("line 18: project 1 \"乙\": number 1 is used twice"),
            "{problems}"
        );
        assert!(
            problems.contains("line 18: project 1 \"乙\": no 牵头单位"),
            "{problems}"
        );
    }
}
