//! Drawing points at random from a list of candidates, so many of each 业态
//! ("学校食堂 3"): within each kind every candidate is equally likely. The draw is made
//! with a seeded generator, and the seed is recorded, so that anyone can repeat it and
//! see the same points come out (a draw nobody can check would be a choice).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;

use super::{Lookup, NewPoint};
use crate::inspections::Mode;

/// The most points one quota line may ask for.
pub const MAX_QUOTA: usize = 1000;

/// How many points of one kind to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// The kind's code as points store it (see [`Lookup::kind_code`]).
    pub kind_code: String,
    /// The kind as typed, for messages.
    pub label: String,
    pub count: usize,
}

/// Why a quota line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaRefusal {
    /// Not "业态 数量" (the line as typed).
    BadLine(String),
    /// The same kind twice.
    Duplicate(String),
}

impl QuotaRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            QuotaRefusal::BadLine(_) => "bad_quota",
            QuotaRefusal::Duplicate(_) => "duplicate_quota",
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            QuotaRefusal::BadLine(_) => "draw-refused-quota-line",
            QuotaRefusal::Duplicate(_) => "draw-refused-quota-duplicate",
        }
    }

    pub fn argument(&self) -> String {
        match self {
            QuotaRefusal::BadLine(text) | QuotaRefusal::Duplicate(text) => text.clone(),
        }
    }
}

/// A refused quota line (numbered from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaLineRefusal {
    pub line: usize,
    pub refusal: QuotaRefusal,
}

/// Reads quota lines: a kind (its name or code), then the number, separated by spaces,
/// a tab, a colon or an equals sign. Blank lines and quotas of 0 are skipped.
pub fn parse_quotas(text: &str, lookup: &Lookup<'_>) -> Result<Vec<Quota>, Vec<QuotaLineRefusal>> {
    let mut quotas: Vec<Quota> = Vec::new();
    let mut refusals = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_text = line.trim();
        if line_text.is_empty() {
            continue;
        }
        let refuse = |refusal| QuotaLineRefusal {
            line: index + 1,
            refusal,
        };
        let digits = line_text
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .count();
        let (kind, number) = line_text.split_at(line_text.len() - digits);
        let kind =
            kind.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '='));
        let count = number.parse::<usize>().ok().filter(|n| *n <= MAX_QUOTA);
        let (Some(count), false) = (count, kind.trim().is_empty()) else {
            refusals.push(refuse(QuotaRefusal::BadLine(line_text.to_string())));
            continue;
        };
        let kind_code = lookup.kind_code(kind);
        if quotas.iter().any(|q| q.kind_code == kind_code) {
            refusals.push(refuse(QuotaRefusal::Duplicate(kind.trim().to_string())));
            continue;
        }
        if count > 0 {
            quotas.push(Quota {
                kind_code,
                label: kind.trim().to_string(),
                count,
            });
        }
    }
    if refusals.is_empty() {
        Ok(quotas)
    } else {
        Err(refusals)
    }
}

/// Why a draw was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawRefusal {
    /// No quota above zero.
    NoQuota,
    /// A quota larger than the candidates of its kind.
    TooFew {
        kind: String,
        wanted: usize,
        available: usize,
    },
}

impl DrawRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            DrawRefusal::NoQuota => "no_quota",
            DrawRefusal::TooFew { .. } => "too_few",
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            DrawRefusal::NoQuota => "draw-refused-no-quota",
            DrawRefusal::TooFew { .. } => "draw-refused-too-few",
        }
    }
}

/// Draws `quota.count` candidates of each quota's kind, uniformly at random with the
/// generator seeded by `seed` (the same seed, candidates and quotas draw the same
/// points). The drawn points keep the candidates' order and are sent as `mode`.
pub fn draw(
    candidates: &[NewPoint],
    quotas: &[Quota],
    mode: Mode,
    seed: u64,
) -> Result<Vec<NewPoint>, Vec<DrawRefusal>> {
    if quotas.is_empty() {
        return Err(vec![DrawRefusal::NoQuota]);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut chosen: Vec<usize> = Vec::new();
    let mut refusals = Vec::new();
    for quota in quotas {
        let of_kind: Vec<usize> = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind_code == quota.kind_code)
            .map(|(i, _)| i)
            .collect();
        if quota.count > of_kind.len() {
            refusals.push(DrawRefusal::TooFew {
                kind: quota.label.clone(),
                wanted: quota.count,
                available: of_kind.len(),
            });
            continue;
        }
        chosen.extend(
            index::sample(&mut rng, of_kind.len(), quota.count)
                .into_iter()
                .map(|i| of_kind[i]),
        );
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    chosen.sort_unstable();
    Ok(chosen
        .into_iter()
        .map(|i| candidates[i].clone().with_mode(mode))
        .collect())
}

/// A seed typed on the form: digits only.
pub fn parse_seed(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A fresh seed for a draw whose form gave none (small enough to write down).
pub fn fresh_seed() -> u64 {
    rand::random::<u64>() % 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::super::Team;
    use super::super::parse_paste;
    use super::*;
    use crate::rubric::data::{BUNDLED_2021, RubricFile};

    fn candidates(lookup: &Lookup<'_>) -> Vec<NewPoint> {
        let mut text = String::new();
        for i in 1..=6 {
            text.push_str(&format!("城关区\t\t学校{i}\t\t学校食堂\t明查\n"));
        }
        for i in 1..=4 {
            text.push_str(&format!("城关区\t\t餐馆{i}\t\t餐饮服务单位\t明查\n"));
        }
        text.push_str("城关区\t\t农贸一\t\t农贸市场\t明查\n");
        parse_paste(&text, lookup).unwrap()
    }

    #[test]
    fn a_seeded_draw_repeats_and_keeps_to_the_quotas() {
        let rubric = RubricFile::parse(BUNDLED_2021).unwrap();
        let team = Team::default();
        let lookup = Lookup::new(&rubric.establishment_kinds, &team);
        let all = candidates(&lookup);
        let quotas = parse_quotas("学校食堂 3\ncatering：2\n\n农贸市场 0\n", &lookup).unwrap();
        assert_eq!(quotas.len(), 2);
        assert_eq!(quotas[0].kind_code, "school-canteen");
        let first = draw(&all, &quotas, Mode::Unannounced, 42).unwrap();
        assert_eq!(first, draw(&all, &quotas, Mode::Unannounced, 42).unwrap());
        assert_eq!(first.len(), 5);
        assert_eq!(
            first
                .iter()
                .filter(|p| p.kind_code() == "school-canteen")
                .count(),
            3
        );
        assert_eq!(
            first.iter().filter(|p| p.kind_code() == "catering").count(),
            2
        );
        assert!(first.iter().all(|p| p.mode() == Mode::Unannounced));
        // Each drawn once at most, in the candidates' order.
        let names: Vec<&str> = first.iter().map(|p| p.unit_name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 5);
        // Other seeds draw otherwise (some of 20 seeds give another set).
        assert!((0..20).any(|seed| {
            draw(&all, &quotas, Mode::Open, seed)
                .unwrap()
                .iter()
                .map(|p| p.unit_name())
                .collect::<Vec<_>>()
                != names
        }));
    }

    #[test]
    fn every_candidate_can_be_drawn() {
        let rubric = RubricFile::parse(BUNDLED_2021).unwrap();
        let team = Team::default();
        let lookup = Lookup::new(&rubric.establishment_kinds, &team);
        let all = candidates(&lookup);
        let quotas = parse_quotas("学校食堂 1", &lookup).unwrap();
        let mut counts = [0usize; 6];
        for seed in 0..600 {
            let drawn = draw(&all, &quotas, Mode::Open, seed).unwrap();
            let n: usize = drawn[0].unit_name()["学校".len()..].parse().unwrap();
            counts[n - 1] += 1;
        }
        // Uniform: each of six about 100 times in 600.
        assert!(counts.iter().all(|c| (50..150).contains(c)), "{counts:?}");
    }

    #[test]
    fn too_large_quotas_and_bad_lines_are_refused() {
        let rubric = RubricFile::parse(BUNDLED_2021).unwrap();
        let team = Team::default();
        let lookup = Lookup::new(&rubric.establishment_kinds, &team);
        let all = candidates(&lookup);
        let quotas = parse_quotas("学校食堂 7\n农贸市场 1\n小餐饮 2", &lookup).unwrap();
        let refused = draw(&all, &quotas, Mode::Open, 1).unwrap_err();
        assert_eq!(
            refused,
            vec![
                DrawRefusal::TooFew {
                    kind: "学校食堂".into(),
                    wanted: 7,
                    available: 6
                },
                DrawRefusal::TooFew {
                    kind: "小餐饮".into(),
                    wanted: 2,
                    available: 0
                },
            ]
        );
        assert_eq!(
            draw(&all, &[], Mode::Open, 1).unwrap_err(),
            vec![DrawRefusal::NoQuota]
        );
        let refused = parse_quotas(
            "学校食堂\n3\n学校食堂 2\nschool-canteen 1\n餐饮 两个",
            &lookup,
        )
        .unwrap_err();
        let got: Vec<(usize, &str)> = refused
            .iter()
            .map(|r| (r.line, r.refusal.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "bad_quota"),
                (2, "bad_quota"),
                (4, "duplicate_quota"),
                (5, "bad_quota")
            ]
        );
        assert_eq!(parse_seed(" 20261208 "), Some(20_261_208));
        assert_eq!(parse_seed("-1"), None);
        assert_eq!(parse_seed("abc"), None);
    }
}
