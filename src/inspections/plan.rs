//! The inspection plan of a round: its points (点位), typed one at a time as a
//! [`NewPoint`] or pasted as a list ([`parse_paste`]) in the column order the office's
//! lists use: 县区, 乡镇街道, 单位名称, 地址, 业态, 方式(明查/暗访), 日期.
//!
//! A paste is all or nothing: every bad line is refused with its line number and reason,
//! and nothing is saved unless every line is good.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;

use super::{Mode, Visibility};

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
        }
    }

    /// What the message quotes: the text typed, or the number of columns found.
    pub fn argument(&self) -> String {
        match self {
            PointRefusal::UnknownMode(text) | PointRefusal::BadDate(text) => text.clone(),
            PointRefusal::TooFewColumns(n) => n.to_string(),
            _ => String::new(),
        }
    }
}

/// A refused line of a paste (numbered from 1, as an editor shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRefusal {
    pub line: usize,
    pub refusal: PointRefusal,
}

/// One point, checked. Built only by [`NewPoint::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoint {
    county_name: String,
    town: String,
    unit_name: String,
    address: String,
    kind_code: String,
    mode: Mode,
    planned_on: Option<NaiveDate>,
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
}

impl NewPoint {
    pub fn check(input: &PointInput<'_>) -> Result<NewPoint, PointRefusal> {
        let cells = [
            input.county,
            input.town,
            input.unit,
            input.address,
            input.kind,
            input.mode,
            input.date,
        ];
        if cells
            .iter()
            .any(|c| c.trim().chars().count() > MAX_CELL_CHARS)
        {
            return Err(PointRefusal::TooLong);
        }
        let county_name = input.county.trim();
        if county_name.is_empty() {
            return Err(PointRefusal::MissingCounty);
        }
        let unit_name = input.unit.trim();
        if unit_name.is_empty() {
            return Err(PointRefusal::MissingUnit);
        }
        // The establishment kinds are becoming rubric data: until then the code or the
        // Chinese name is stored as given.
        let kind_code = input.kind.trim();
        if kind_code.is_empty() {
            return Err(PointRefusal::MissingKind);
        }
        let mode = Mode::parse(input.mode)
            .ok_or_else(|| PointRefusal::UnknownMode(input.mode.trim().to_string()))?;
        let date = input.date.trim();
        let planned_on = if date.is_empty() {
            None
        } else {
            Some(parse_date(date).ok_or_else(|| PointRefusal::BadDate(date.to_string()))?)
        };
        Ok(NewPoint {
            county_name: county_name.to_string(),
            town: input.town.trim().to_string(),
            unit_name: unit_name.to_string(),
            address: input.address.trim().to_string(),
            kind_code: kind_code.to_string(),
            mode,
            planned_on,
        })
    }

    pub fn county_name(&self) -> &str {
        &self.county_name
    }
    pub fn unit_name(&self) -> &str {
        &self.unit_name
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
    ) || cells
        .iter()
        .any(|c| matches!(c.trim(), "单位名称" | "方式" | "检查方式"))
}

/// Parses a pasted list. Tab-separated when the line has a tab (as copied from a
/// spreadsheet), comma-separated otherwise (full-width commas too). Blank lines and a
/// header line are skipped. Either every line is good, or every bad line is refused.
pub fn parse_paste(text: &str) -> Result<Vec<NewPoint>, Vec<LineRefusal>> {
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
        };
        match NewPoint::check(&input) {
            Ok(point) => points.push(point),
            Err(refusal) => refusals.push(LineRefusal {
                line: number,
                refusal,
            }),
        }
    }
    if refusals.is_empty() {
        Ok(points)
    } else {
        Err(refusals)
    }
}

/// Saves the points at the end of the round's plan, in one transaction; returns how many.
/// A county name is linked to the active county organisation of that name, if any.
pub async fn insert(
    db: &PgPool,
    round_id: i64,
    points: &[NewPoint],
    created_by: i64,
) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    // Two pastes at once must not take the same 序号.
    sqlx::query("SELECT id FROM assessment_rounds WHERE id = $1 FOR UPDATE")
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    let last: i32 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(seq), 0) FROM inspection_points WHERE round_id = $1",
    )
    .bind(round_id)
    .fetch_one(&mut *tx)
    .await?;
    for (i, p) in points.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inspection_points \
               (round_id, seq, county_id, county_name, town, unit_name, address, kind_code, mode, planned_on, created_by) \
             VALUES ($1, $2, (SELECT id FROM organisations WHERE kind = 'county' AND active AND name = $3), \
               $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(round_id)
        .bind(last + i as i32 + 1)
        .bind(&p.county_name)
        .bind(&p.town)
        .bind(&p.unit_name)
        .bind(&p.address)
        .bind(&p.kind_code)
        .bind(p.mode)
        .bind(p.planned_on)
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(points.len())
}

/// One point of the plan as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Point {
    pub id: i64,
    pub seq: i32,
    pub county_id: Option<i64>,
    pub county_name: String,
    pub town: String,
    pub unit_name: String,
    pub address: String,
    pub kind_code: String,
    pub mode: Mode,
    pub planned_on: Option<NaiveDate>,
    pub findings_count: i64,
}

/// The round's points the reader may see, in 序号 order (暗访 filtered out in SQL).
pub async fn points(db: &PgPool, round_id: i64, vis: Visibility) -> sqlx::Result<Vec<Point>> {
    sqlx::query_as(
        "SELECT p.id, p.seq, p.county_id, p.county_name, p.town, p.unit_name, p.address, \
                p.kind_code, p.mode, p.planned_on, \
                (SELECT COUNT(*) FROM inspection_findings f WHERE f.point_id = p.id) AS findings_count \
         FROM inspection_points p \
         WHERE p.round_id = $1 AND ($2 OR p.mode = 'open') \
         ORDER BY p.seq",
    )
    .bind(round_id)
    .bind(vis.includes_unannounced())
    .fetch_all(db)
    .await
}

/// Points by mode (暗访 counted only when visible).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub open: i64,
    pub unannounced: i64,
}

impl Counts {
    pub fn of(points: &[Point]) -> Counts {
        let mut counts = Counts::default();
        for p in points {
            match p.mode {
                Mode::Open => counts.open += 1,
                Mode::Unannounced => counts.unannounced += 1,
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_with_header_and_blanks() {
        let text = "县区\t乡镇街道\t单位名称\t地址\t业态\t方式\t日期\n\
                    \n\
                    城关区\t东街街道\t第一中学食堂\t东街1号\t学校食堂\t明查\t2026-12-08\n\
                    河西县,河西镇,河西农贸市场,,农贸市场,暗访,2026年12月9日\n\
                    城关区\t\t惠民超市\t\tsupermarket\topen\t\n";
        let points = parse_paste(text).unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[0].county_name(), "城关区");
        assert_eq!(points[0].unit_name(), "第一中学食堂");
        assert_eq!(points[0].mode(), Mode::Open);
        assert_eq!(points[0].planned_on(), NaiveDate::from_ymd_opt(2026, 12, 8));
        assert_eq!(points[1].mode(), Mode::Unannounced);
        assert_eq!(points[1].planned_on(), NaiveDate::from_ymd_opt(2026, 12, 9));
        assert_eq!(points[2].kind_code(), "supermarket");
        assert_eq!(points[2].planned_on(), None);
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
        let refusals = parse_paste(text).unwrap_err();
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
        let refusals = parse_paste(&line).unwrap_err();
        assert_eq!(refusals[0].refusal, PointRefusal::TooLong);
    }
}
