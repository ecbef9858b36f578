//! The demo's site inspections: the open provincial round's plan of 100 points as seed
//! 000 describes one (明查 65 points over 15 kinds of unit, 暗访 35 over 4 kinds, in the
//! city's districts and counties), records made at most of them — submitted, a few still
//! drafts — with findings where a checklist item failed, a generated photo per finding,
//! and the groups' decisions on some of them. Everything goes through the inspections
//! area's own checked commands, so the demo holds only what the product would accept.

use anyhow::Context;
use chrono::Duration;
use futures_util::stream;
use sqlx::PgPool;

use super::files::{self, Noise};
use crate::campaigns::Campaign;
use crate::inspections::Visibility;
use crate::inspections::findings::{self, Acceptance, FindingInput, NewFinding, SettingAside};
use crate::inspections::photos::NewPhoto;
use crate::inspections::plan::{self, Lookup, Team};
use crate::inspections::records::{self, DraftInput};
use crate::rubric::data::RubricFile;
use crate::scoring::rounds::{self, RubricIds};
use crate::storage::Storage;

/// 明查 kinds (all 15) and the 4 kinds 暗访 visits, as the seed's report counts them.
const UNANNOUNCED_KINDS: [&str; 4] = ["small-eatery", "food-stall", "catering", "online-ordering"];

/// Unit names by kind, numbered per point.
fn unit_name(kind: &str, n: usize) -> String {
    let stem = match kind {
        "school-canteen" => "第{}中学食堂",
        "farmers-market" => "第{}农贸市场",
        "supermarket" => "惠民{}号超市",
        "catering" => "老街{}号酒楼",
        "small-eatery" => "巷口{}号小吃店",
        "food-workshop" => "{}号糕点小作坊",
        "food-stall" => "夜市{}号摊位",
        "food-manufacturer" => "{}号食品有限公司",
        "infant-formula-special" => "{}号营养食品有限公司",
        "wholesale-market" => "{}号食品批发市场",
        "online-ordering" => "{}号外卖餐饮店",
        "central-kitchen" => "{}号中央厨房",
        "elderly-care-canteen" => "第{}敬老院食堂",
        "slaughterhouse" => "{}号定点屠宰场",
        "agrochemical-shop" => "{}号农资店",
        _ => "{}号经营户",
    };
    stem.replace("{}", &n.to_string())
}

pub async fn fill(db: &PgPool, storage: &Storage, campaign: &Campaign) -> anyhow::Result<()> {
    let Some(round_id): Option<i64> = sqlx::query_scalar(
        "SELECT id FROM assessment_rounds WHERE campaign_id = $1 AND kind = 'provincial' AND state = 'open' \
         ORDER BY id LIMIT 1",
    )
    .bind(campaign.id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(());
    };
    let round = rounds::find(db, round_id).await?.context("the round")?;
    let source: String = sqlx::query_scalar("SELECT source FROM rubric_editions WHERE id = $1")
        .bind(campaign.edition_id)
        .fetch_one(db)
        .await?;
    let rubric = RubricFile::parse(&source).map_err(|e| anyhow::anyhow!(e))?;
    let ids = RubricIds::load(db, campaign.edition_id).await?;
    let items = rounds::items_in(&rubric, &round.scope(&rubric));
    let counties: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM organisations WHERE kind = 'county' AND active ORDER BY sort_order, id LIMIT 3",
    )
    .fetch_all(db)
    .await?;
    if counties.is_empty() {
        return Ok(());
    }
    let team = Team::of_round(db, round_id).await?;
    let lead = round.lead_assessor_id.context("the round's lead")?;
    let today = campaign.today();

    // The plan, pasted the way an office list reads.
    let mut lines = Vec::new();
    for n in 0..100usize {
        let unannounced = n >= 65;
        let kind = if unannounced {
            UNANNOUNCED_KINDS[n % UNANNOUNCED_KINDS.len()].to_string()
        } else {
            rubric.establishment_kinds[n % rubric.establishment_kinds.len()]
                .code
                .clone()
        };
        // 明查 in every county, 暗访 in the first two (as the seed's 1区1县).
        let county = if unannounced {
            &counties[n % counties.len().min(2)]
        } else {
            &counties[n % counties.len()]
        };
        let town = if unannounced {
            format!("{}街道", ["东关", "西关", "城南", "城北"][n % 4])
        } else {
            format!(
                "{}街道",
                ["东关", "西关", "城南", "城北", "新区", "江北"][n % 6]
            )
        };
        let group = team
            .groups
            .get(n % team.groups.len().max(1))
            .map(|g| g.name.clone())
            .unwrap_or_default();
        let date = today - Duration::days(3 - (n % 4) as i64);
        lines.push(format!(
            "{county}\t{town}\t{}\t{town}{}号\t{kind}\t{}\t{date}\t{group}\t",
            unit_name(&kind, n + 1),
            n + 10,
            if unannounced { "暗访" } else { "明查" }
        ));
    }
    let lookup = Lookup::new(&rubric.establishment_kinds, &team);
    let points = plan::parse_paste(&lines.join("\n"), &lookup)
        .map_err(|refusals| anyhow::anyhow!("demo plan refused: {refusals:?}"))?;
    plan::insert(db, round_id, &points, lead).await?;

    let mut noise = Noise::new(1400 + round_id as u64);
    let planned = plan::points(db, round_id, Visibility::All).await?;
    for (n, point) in planned.iter().enumerate() {
        // 85 of 100 visited: 78 submitted, 7 still drafts; the rest are still ahead.
        if n % 20 >= 17 {
            continue;
        }
        let submit = n % 13 != 5;
        let Some(kind) = rubric.establishment_kind_named(&point.kind_code) else {
            continue;
        };
        let recorder = point
            .group_id
            .and_then(|g| team.group(g))
            .and_then(|g| g.assessors.first())
            .map_or(lead, |a| a.id);
        // Mostly 合格; an item in seven fails; some do not apply.
        let answers: Vec<(String, String)> = kind
            .checks
            .iter()
            .map(|c| {
                let answer = match noise.below(14) {
                    0 | 1 => "fail",
                    2 => "na",
                    _ => "pass",
                };
                (c.code.clone(), answer.to_string())
            })
            .collect();
        let input = DraftInput {
            answers: answers.clone(),
            notes: format!("{}现场检查，负责人在场配合。", point.unit_name),
            minutes: (25 + noise.below(40)).to_string(),
            latitude: format!("{:.5}", 31.0 + noise.below(1000) as f64 / 10_000.0),
            longitude: format!("{:.5}", 97.1 + noise.below(1000) as f64 / 10_000.0),
            accuracy: (5 + noise.below(30)).to_string(),
            started_at: String::new(),
            version: "0".into(),
        };
        let draft = records::Draft::check(Some(kind), None, &input)
            .map_err(|r| anyhow::anyhow!("demo record refused: {r:?}"))?;
        draft.save(db, point.id, recorder).await?;
        // A finding for each failed item, on its first indicator the round scores.
        for (code, _) in answers.iter().filter(|(_, a)| a == "fail") {
            let Some(check) = kind.checks.iter().find(|c| &c.code == code) else {
                continue;
            };
            let Some((number, item)) = check.indicators.iter().find_map(|n| {
                items
                    .iter()
                    .find(|i| i.indicators.contains(n))
                    .map(|i| (*n, i))
            }) else {
                continue;
            };
            let deducts = item.scoring == crate::rubric::data::Scoring::Deduction;
            let points = if deducts { "0.5" } else { "" };
            let indicator = number.to_string();
            let description = format!("未做到：{}", check.text);
            let finding = NewFinding::check(
                true,
                &items,
                &ids,
                Some(kind),
                FindingInput {
                    description: &description,
                    indicator: &indicator,
                    seriousness: if noise.below(4) == 0 {
                        "major"
                    } else {
                        "general"
                    },
                    points,
                    check: &check.code,
                },
            )
            .map_err(|r| anyhow::anyhow!("demo finding refused: {r:?}"))?;
            let Some(finding_id) = finding.record(db, round_id, point.id, recorder).await? else {
                continue;
            };
            let photo = photo(storage, &mut noise, point.id, finding_id).await?;
            let checked = NewPhoto::check(
                true,
                Some(&photo),
                None,
                Some(finding_id),
                &[finding_id],
                "",
            )
            .map_err(|r| anyhow::anyhow!("demo photo refused: {r:?}"))?;
            checked.record(db, point.id, recorder).await?;
        }
        if submit {
            let stored = records::record(db, point.id).await?;
            let input = DraftInput {
                version: stored.as_ref().map_or(0, |r| r.version).to_string(),
                ..input
            };
            let draft = records::Draft::check(Some(kind), stored.as_ref(), &input)
                .map_err(|r| anyhow::anyhow!("demo record refused: {r:?}"))?;
            let submission = draft
                .submission(kind)
                .map_err(|r| anyhow::anyhow!("demo submission refused: {r:?}"))?;
            submission.submit(db, point.id, recorder).await?;
        }
    }

    // The groups decided some findings: two in five accepted, one in ten set aside.
    let all: Vec<i64> = sqlx::query_scalar(
        "SELECT f.id FROM inspection_findings f WHERE f.round_id = $1 ORDER BY f.id",
    )
    .bind(round_id)
    .fetch_all(db)
    .await?;
    for (n, id) in all.iter().enumerate() {
        let Some(finding) = findings::find(db, round_id, *id, Visibility::All).await? else {
            continue;
        };
        let Some(item) = items
            .iter()
            .find(|i| i.indicators.contains(&finding.indicator_number))
        else {
            continue;
        };
        match n % 10 {
            0 | 3 | 6 | 8 => {
                if let Ok(acceptance) = Acceptance::check(&round, item, &ids, &finding, "") {
                    acceptance.record(db, lead).await?;
                }
            }
            5 => {
                if let Ok(setting) =
                    SettingAside::check(&round, &finding, "现场已当场整改到位，不予扣分")
                {
                    setting.record(db, lead).await?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A generated photo, stored as an upload would be.
async fn photo(
    storage: &Storage,
    noise: &mut Noise,
    point: i64,
    finding: i64,
) -> anyhow::Result<(crate::storage::Stored, String)> {
    let bytes = files::png(320 + noise.below(160) as u32, 240, noise);
    let name = format!("现场照片-{point}-{finding}.png");
    let body = stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
    let stored = storage
        .store(&name, body, u64::MAX)
        .await
        .map_err(|e| anyhow::anyhow!("storing demo photo {name}: {e}"))?;
    Ok((stored, name))
}
