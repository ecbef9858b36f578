//! What an inspector found at a point ([`NewFinding`]), and how the group decides a
//! proposed deduction on the item's scoring page: accepted ([`Acceptance`], which becomes
//! a deduction citing the finding and its photos) or set aside with a reason
//! ([`SettingAside`]).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgPool;

use super::{Mode, Visibility};
use crate::rubric::data::{EstablishmentKind, Scoring};
use crate::scoring::rounds::{Item, RubricIds};

mod decisions;

pub use decisions::{Acceptance, DecisionRefusal, SettingAside, reopen_after_withdrawal};

pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// 一般 / 较重 / 严重.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Seriousness {
    General,
    Major,
    Serious,
}

impl Seriousness {
    pub const ALL: [Seriousness; 3] = [
        Seriousness::General,
        Seriousness::Major,
        Seriousness::Serious,
    ];

    pub fn parse(text: &str) -> Option<Seriousness> {
        match text.trim() {
            "" | "general" | "一般" => Some(Seriousness::General),
            "major" | "较重" => Some(Seriousness::Major),
            "serious" | "严重" => Some(Seriousness::Serious),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Seriousness::General => "general",
            Seriousness::Major => "major",
            Seriousness::Serious => "serious",
        }
    }

    pub fn official(self) -> &'static str {
        match self {
            Seriousness::General => "一般",
            Seriousness::Major => "较重",
            Seriousness::Serious => "严重",
        }
    }
}

/// Where a finding's proposed deduction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FindingDecision {
    Pending,
    Accepted,
    SetAside,
}

/// The finding form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingInput<'a> {
    pub description: &'a str,
    pub indicator: &'a str,
    pub seriousness: &'a str,
    /// The proposed deduction; empty for a finding that proposes none.
    pub points: &'a str,
    /// The checklist item it comes from; empty for none.
    pub check: &'a str,
}

/// Why a finding was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingRefusal {
    /// Findings are made while the record is a draft and the round open.
    Closed,
    EmptyDescription,
    DescriptionTooLong,
    /// The indicator is not scored in this round.
    IndicatorNotInScope,
    BadSeriousness,
    /// Points must be above zero and at most the item's maximum (two decimals).
    PointsOutOfRange {
        max: i32,
    },
    /// Only items scored by deductions take a proposed deduction.
    PointsOnNonDeductionItem,
    /// The checklist item is not on this point's kind.
    CheckNotInKind,
}

impl FindingRefusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            FindingRefusal::Closed => "closed",
            FindingRefusal::EmptyDescription => "empty_description",
            FindingRefusal::DescriptionTooLong => "description_too_long",
            FindingRefusal::IndicatorNotInScope => "indicator_not_in_scope",
            FindingRefusal::BadSeriousness => "bad_seriousness",
            FindingRefusal::PointsOutOfRange { .. } => "points_out_of_range",
            FindingRefusal::PointsOnNonDeductionItem => "points_on_non_deduction_item",
            FindingRefusal::CheckNotInKind => "check_not_in_kind",
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            FindingRefusal::Closed => "finding-refused-closed",
            FindingRefusal::EmptyDescription => "finding-refused-description",
            FindingRefusal::DescriptionTooLong => "finding-refused-too-long",
            FindingRefusal::IndicatorNotInScope => "finding-refused-indicator",
            FindingRefusal::BadSeriousness => "finding-refused-seriousness",
            FindingRefusal::PointsOutOfRange { .. } => "finding-refused-points",
            FindingRefusal::PointsOnNonDeductionItem => "finding-refused-points-item",
            FindingRefusal::CheckNotInKind => "finding-refused-check",
        }
    }

    pub fn argument(&self) -> String {
        match self {
            FindingRefusal::PointsOutOfRange { max } => max.to_string(),
            FindingRefusal::DescriptionTooLong => MAX_DESCRIPTION_CHARS.to_string(),
            _ => String::new(),
        }
    }
}

/// A finding that may be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    indicator: i32,
    indicator_id: i64,
    check_code: Option<String>,
    description: String,
    seriousness: Seriousness,
    proposed_points: Option<Decimal>,
}

impl NewFinding {
    /// `items` are the round's items (its scope); `open` whether the record still takes
    /// findings (a draft, in an open round).
    pub fn check(
        open: bool,
        items: &[Item],
        ids: &RubricIds,
        kind: Option<&EstablishmentKind>,
        input: FindingInput<'_>,
    ) -> Result<NewFinding, Vec<FindingRefusal>> {
        if !open {
            return Err(vec![FindingRefusal::Closed]);
        }
        let mut refusals = Vec::new();
        let description = input.description.trim();
        if description.is_empty() {
            refusals.push(FindingRefusal::EmptyDescription);
        } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
            refusals.push(FindingRefusal::DescriptionTooLong);
        }
        let indicator: Option<(i32, &Item, i64)> =
            input.indicator.trim().parse::<i32>().ok().and_then(|n| {
                let item = items.iter().find(|i| i.indicators.contains(&n))?;
                Some((n, item, *ids.indicators.get(&n)?))
            });
        if indicator.is_none() {
            refusals.push(FindingRefusal::IndicatorNotInScope);
        }
        let seriousness = Seriousness::parse(input.seriousness);
        if seriousness.is_none() {
            refusals.push(FindingRefusal::BadSeriousness);
        }
        let mut proposed_points = None;
        if !input.points.trim().is_empty() {
            match indicator {
                Some((_, item, _)) if item.scoring != Scoring::Deduction => {
                    refusals.push(FindingRefusal::PointsOnNonDeductionItem)
                }
                Some((_, item, _)) => {
                    let max = item.max.unwrap_or_default();
                    match crate::scoring::commands::parse_points(input.points)
                        .filter(|p| *p > Decimal::ZERO && *p <= Decimal::from(max))
                    {
                        Some(p) => proposed_points = Some(p),
                        None => refusals.push(FindingRefusal::PointsOutOfRange { max }),
                    }
                }
                None => {}
            }
        }
        let check = input.check.trim();
        let check_code = if check.is_empty() {
            None
        } else if kind.is_some_and(|k| k.checks.iter().any(|c| c.code == check)) {
            Some(check.to_string())
        } else {
            refusals.push(FindingRefusal::CheckNotInKind);
            None
        };
        match (refusals.is_empty(), indicator, seriousness) {
            (true, Some((indicator, _, indicator_id)), Some(seriousness)) => Ok(NewFinding {
                indicator,
                indicator_id,
                check_code,
                description: description.to_string(),
                seriousness,
                proposed_points,
            }),
            _ => Err(refusals),
        }
    }

    pub fn indicator(&self) -> i32 {
        self.indicator
    }

    pub fn proposed_points(&self) -> Option<Decimal> {
        self.proposed_points
    }

    /// Records the finding at the point while its record is still a draft; None when it
    /// was submitted meanwhile.
    pub async fn record(
        &self,
        db: &PgPool,
        round_id: i64,
        point_id: i64,
        user_id: i64,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO inspection_findings (point_id, round_id, indicator_id, check_code, description, \
                    seriousness, proposed_points, created_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
             WHERE NOT EXISTS (SELECT 1 FROM inspection_records WHERE point_id = $1 AND state = 'submitted') \
             RETURNING id",
        )
        .bind(point_id)
        .bind(round_id)
        .bind(self.indicator_id)
        .bind(&self.check_code)
        .bind(&self.description)
        .bind(self.seriousness)
        .bind(self.proposed_points)
        .bind(user_id)
        .fetch_optional(db)
        .await
    }
}

/// Removes a finding made by mistake while its record is a draft and nothing was decided
/// on it; whether it was removed. Its photos stay with the point.
pub async fn remove(db: &PgPool, point_id: i64, finding_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM inspection_findings f WHERE f.id = $2 AND f.point_id = $1 AND f.decision = 'pending' \
         AND NOT EXISTS (SELECT 1 FROM inspection_records r WHERE r.point_id = $1 AND r.state = 'submitted') \
         AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.finding_id = f.id)",
    )
    .bind(point_id)
    .bind(finding_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A photo as a finding or point lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PhotoRef {
    pub id: i64,
    pub point_id: i64,
    pub finding_id: Option<i64>,
    pub original_name: String,
    pub content_type: String,
    pub has_preview: bool,
}

/// A finding with where it was made and what became of it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Finding {
    pub id: i64,
    pub point_id: i64,
    pub round_id: i64,
    pub point_seq: i32,
    pub county_name: String,
    pub town: String,
    pub unit_name: String,
    pub kind_code: String,
    pub mode: Mode,
    pub county_id: Option<i64>,
    pub indicator_number: i32,
    pub check_code: Option<String>,
    pub description: String,
    pub seriousness: Seriousness,
    pub proposed_points: Option<Decimal>,
    pub decision: FindingDecision,
    pub deduction_id: Option<i64>,
    pub decision_reason: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Whether the point's record was submitted (only then may the group decide).
    pub submitted: bool,
    #[sqlx(skip)]
    pub photos: Vec<PhotoRef>,
}

impl Finding {
    pub fn decision_str(&self) -> &'static str {
        match self.decision {
            FindingDecision::Pending => "pending",
            FindingDecision::Accepted => "accepted",
            FindingDecision::SetAside => "set_aside",
        }
    }

    /// Where: "卡若区城关镇某某学校食堂（第3号点位，明查）".
    pub fn place(&self) -> String {
        format!(
            "{}{}{}（第{}号点位，{}）",
            self.county_name,
            self.town,
            self.unit_name,
            self.point_seq,
            self.mode.official()
        )
    }

    /// The reason a deduction made from this finding carries: it cites the point, the
    /// finding and its photos, so the score sheet and the report read on their own.
    /// Deductions are shown to the city's office before the results are published, so
    /// a 暗访 finding's reason names no place: the city learns where only from the finding
    /// itself, once it may see 暗访 points.
    pub fn deduction_reason(&self) -> String {
        let photos = if self.photos.is_empty() {
            String::new()
        } else {
            format!("（现场照片{}张）", self.photos.len())
        };
        let place = match self.mode {
            Mode::Open => self.place(),
            Mode::Unannounced => "（暗访）".to_string(),
        };
        format!(
            "现场检查{place}：{}{photos}〔现场检查问题#{}〕",
            self.description, self.id
        )
    }
}

const FINDING_SELECT: &str = "SELECT f.id, f.point_id, f.round_id, p.seq AS point_seq, p.county_name, p.town, \
        p.unit_name, p.kind_code, p.mode, p.county_id, i.number AS indicator_number, f.check_code, f.description, \
        f.seriousness, f.proposed_points, f.decision, f.deduction_id, f.decision_reason, \
        d.display_name AS decided_by_name, f.decided_at, c.display_name AS created_by_name, f.created_at, \
        COALESCE(r.state = 'submitted', false) AS submitted \
     FROM inspection_findings f JOIN inspection_points p ON p.id = f.point_id \
     JOIN indicators i ON i.id = f.indicator_id \
     LEFT JOIN inspection_records r ON r.point_id = f.point_id \
     LEFT JOIN users d ON d.id = f.decided_by LEFT JOIN users c ON c.id = f.created_by";

async fn with_photos(db: &PgPool, mut findings: Vec<Finding>) -> sqlx::Result<Vec<Finding>> {
    if findings.is_empty() {
        return Ok(findings);
    }
    let ids: Vec<i64> = findings.iter().map(|f| f.id).collect();
    let photos: Vec<PhotoRef> = sqlx::query_as(
        "SELECT ph.id, ph.point_id, ph.finding_id, s.original_name, s.content_type, \
                ph.preview_file_id IS NOT NULL AS has_preview \
         FROM inspection_photos ph JOIN stored_files s ON s.id = ph.file_id \
         WHERE ph.finding_id = ANY($1) ORDER BY ph.id",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    for finding in &mut findings {
        finding.photos = photos
            .iter()
            .filter(|p| p.finding_id == Some(finding.id))
            .cloned()
            .collect();
    }
    Ok(findings)
}

/// The findings made at a point, in order.
pub async fn for_point(db: &PgPool, point_id: i64) -> sqlx::Result<Vec<Finding>> {
    let findings = sqlx::query_as(&format!(
        "{FINDING_SELECT} WHERE f.point_id = $1 ORDER BY f.id"
    ))
    .bind(point_id)
    .fetch_all(db)
    .await?;
    with_photos(db, findings).await
}

/// The findings of a round on these indicators, as the item page lists them (暗访 ones
/// only for readers who may see them: filtered here, in SQL).
pub async fn for_item(
    db: &PgPool,
    round_id: i64,
    indicators: &[i32],
    vis: Visibility,
) -> sqlx::Result<Vec<Finding>> {
    let findings = sqlx::query_as(&format!(
        "{FINDING_SELECT} WHERE f.round_id = $1 AND i.number = ANY($2) AND ($3 OR p.mode = 'open') \
         ORDER BY f.decision <> 'pending', i.number, p.seq, f.id"
    ))
    .bind(round_id)
    .bind(indicators)
    .bind(vis.includes_unannounced())
    .fetch_all(db)
    .await?;
    with_photos(db, findings).await
}

/// One finding of a round (None when the reader may not see it).
pub async fn find(
    db: &PgPool,
    round_id: i64,
    finding_id: i64,
    vis: Visibility,
) -> sqlx::Result<Option<Finding>> {
    let finding: Option<Finding> = sqlx::query_as(&format!(
        "{FINDING_SELECT} WHERE f.round_id = $1 AND f.id = $2 AND ($3 OR p.mode = 'open')"
    ))
    .bind(round_id)
    .bind(finding_id)
    .bind(vis.includes_unannounced())
    .fetch_optional(db)
    .await?;
    Ok(with_photos(db, finding.into_iter().collect())
        .await?
        .into_iter()
        .next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::rounds::ItemKey;
    use std::collections::HashMap;

    fn items() -> Vec<Item> {
        vec![
            Item {
                key: ItemKey::Point(20),
                part_seq: 3,
                part_numeral: "三".into(),
                scoring: Scoring::Deduction,
                title: "生产经营".into(),
                max: Some(2),
                optional: false,
                indicators: vec![65, 66],
            },
            Item {
                key: ItemKey::Point(40),
                part_seq: 5,
                part_numeral: "五".into(),
                scoring: Scoring::Awarded,
                title: "示范".into(),
                max: Some(5),
                optional: false,
                indicators: vec![85],
            },
        ]
    }

    fn ids() -> RubricIds {
        RubricIds {
            points: HashMap::new(),
            indicators: HashMap::from([(65, 1065), (66, 1066), (85, 1085)]),
        }
    }

    fn input<'a>(indicator: &'a str, points: &'a str) -> FindingInput<'a> {
        FindingInput {
            description: "后厨餐具消毒柜未运行",
            indicator,
            seriousness: "较重",
            points,
            check: "",
        }
    }

    #[test]
    fn a_finding_proposes_points_within_its_item() {
        let ok = NewFinding::check(true, &items(), &ids(), None, input("65", "0.5")).unwrap();
        assert_eq!(ok.indicator(), 65);
        assert_eq!(ok.proposed_points(), Some(Decimal::new(5, 1)));
        assert_eq!(
            NewFinding::check(true, &items(), &ids(), None, input("65", "3")),
            Err(vec![FindingRefusal::PointsOutOfRange { max: 2 }])
        );
        assert_eq!(
            NewFinding::check(true, &items(), &ids(), None, input("85", "1")),
            Err(vec![FindingRefusal::PointsOnNonDeductionItem])
        );
        assert_eq!(
            NewFinding::check(true, &items(), &ids(), None, input("12", "")),
            Err(vec![FindingRefusal::IndicatorNotInScope])
        );
        assert!(NewFinding::check(true, &items(), &ids(), None, input("85", "")).is_ok());
        assert_eq!(
            NewFinding::check(false, &items(), &ids(), None, input("65", "")),
            Err(vec![FindingRefusal::Closed])
        );
    }

    #[test]
    fn every_refusal_of_a_finding_is_told_at_once() {
        let refused = NewFinding::check(
            true,
            &items(),
            &ids(),
            None,
            FindingInput {
                description: " ",
                indicator: "x",
                seriousness: "很严重",
                points: "",
                check: "school-canteen-01",
            },
        )
        .unwrap_err();
        assert_eq!(
            refused,
            vec![
                FindingRefusal::EmptyDescription,
                FindingRefusal::IndicatorNotInScope,
                FindingRefusal::BadSeriousness,
                FindingRefusal::CheckNotInKind,
            ]
        );
    }
}
