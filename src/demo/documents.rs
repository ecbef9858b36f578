//! Text-bearing demo documents (.docx, PDFs with a text layer, .txt, .csv) for full-text
//! search: notices, reports and ledgers whose wording comes from the rubric's indicators
//! and tasks, with document numbers (文号), organisations and company names varied per
//! file, so that a search for a word finds some files and not others.

use futures_util::stream;
use sqlx::PgPool;

use super::files::{self, Noise};
use crate::storage::Storage;

const PLACES: [&str; 8] = [
    "昌都",
    "卡若",
    "江达",
    "类乌齐",
    "察雅",
    "八宿",
    "左贡",
    "芒康",
];
const BRANDS: [&str; 10] = [
    "雪域", "康巴", "茶马", "澜沧", "三江", "藏东", "格桑", "吉祥", "圣地", "高原",
];
const TRADES: [&str; 7] = [
    "食品",
    "餐饮管理",
    "农副产品",
    "乳业",
    "商贸",
    "酒店管理",
    "饮用水",
];
const KINDS: [&str; 6] = [
    "通知",
    "情况报告",
    "会议纪要",
    "实施方案",
    "工作总结",
    "整改报告",
];
const AGENCIES: [&str; 5] = ["市监", "食安办", "农发", "教", "卫健"];
const ACTIONS: [&str; 8] = [
    "开展监督检查",
    "开展明厨亮灶建设督导",
    "开展食品安全抽检",
    "开展专项整治",
    "开展索证索票检查",
    "开展从业人员健康证明核查",
    "开展冷链食品排查",
    "开展校园食品安全检查",
];

fn pick<'a>(list: &[&'a str], noise: &mut Noise) -> &'a str {
    list[noise.below(list.len() as u64) as usize]
}

fn company(noise: &mut Noise) -> String {
    format!(
        "{}{}{}有限公司",
        pick(&PLACES, noise),
        pick(&BRANDS, noise),
        pick(&TRADES, noise)
    )
}

/// The sentences of a rubric text (split at 。；).
fn sentences(text: &str) -> Vec<String> {
    text.split(['。', '；', '\n'])
        .map(|s| {
            s.trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '、')
        })
        .filter(|s| s.chars().count() > 6)
        .map(|s| format!("{s}。"))
        .collect()
}

/// One document's paragraphs: title, 文号, then the body.
fn paragraphs(
    indicator: &(i32, String, String),
    organisation: &str,
    noise: &mut Noise,
) -> Vec<String> {
    let (number, content, tasks) = indicator;
    let year = 2024 + noise.below(2) as i32;
    let kind = pick(&KINDS, noise);
    let topic: String = content
        .split(['，', '。', '；', '（'])
        .next()
        .unwrap_or(content)
        .chars()
        .take(24)
        .collect();
    let prefix: String = organisation
        .trim_start_matches('市')
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_else(|| "昌".into());
    let mut out = vec![
        format!("{organisation}关于{topic}的{kind}"),
        format!(
            "{prefix}{}〔{year}〕{}号",
            pick(&AGENCIES, noise),
            1 + noise.below(60)
        ),
        format!(
            "为做好国家食品安全示范城市创建工作（评价细则第{number}项），{organisation}结合实际，现将有关情况{}如下。",
            if kind == "通知" { "通知" } else { "报告" }
        ),
    ];
    let mut body = sentences(content);
    body.extend(sentences(tasks));
    for sentence in body {
        out.push(sentence);
        if noise.below(3) == 0 {
            let firm = company(noise);
            let found = noise.below(6);
            out.push(format!(
                "{year}年{}月，对{firm}{}，发现问题{found}项，已整改{}项。",
                1 + noise.below(12),
                pick(&ACTIONS, noise),
                found.saturating_sub(noise.below(2))
            ));
        }
    }
    let batches = 50 + noise.below(900);
    out.push(format!(
        "全年共完成食品抽检{batches}批次，合格率{:.1}%，不合格产品均已依法核查处置。",
        96.0 + noise.below(40) as f64 / 10.0
    ));
    out.push(format!(
        "{organisation}　{year}年{}月{}日",
        1 + noise.below(12),
        1 + noise.below(28)
    ));
    out
}

/// Breaks text into lines of at most `width` characters (for PDF pages).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

/// Stores `count` text-bearing documents and returns their stored_files ids.
pub async fn make(db: &PgPool, storage: &Storage, count: usize) -> anyhow::Result<Vec<i64>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut noise = Noise::new(4242);
    let uploader: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'")
        .fetch_one(db)
        .await?;
    let indicators: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT i.number, i.content, i.tasks_text FROM indicators i \
         WHERE i.edition_id = (SELECT max(id) FROM rubric_editions) ORDER BY i.number",
    )
    .fetch_all(db)
    .await?;
    let organisations: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM organisations WHERE kind IN ('department', 'county') AND active ORDER BY id",
    )
    .fetch_all(db)
    .await?;
    anyhow::ensure!(
        !indicators.is_empty() && !organisations.is_empty(),
        "the rubric and organisations must be loaded first"
    );
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let indicator = &indicators[i % indicators.len()];
        let organisation = &organisations[noise.below(organisations.len() as u64) as usize];
        let lines = paragraphs(indicator, organisation, &mut noise);
        let title = lines[0].chars().take(30).collect::<String>();
        let (name, bytes) = match i % 10 {
            0..=3 => {
                let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                (format!("{title}.docx"), files::docx(&refs))
            }
            4..=6 => {
                let wrapped: Vec<String> = lines.iter().flat_map(|l| wrap(l, 36)).collect();
                let refs: Vec<&str> = wrapped.iter().map(String::as_str).collect();
                (format!("{title}.pdf"), files::text_pdf(&refs))
            }
            7 | 8 => (format!("{title}.txt"), lines.join("\n").into_bytes()),
            _ => {
                let mut csv = String::from("\u{feff}序号,单位名称,检查内容,检查结果\n");
                for row in 1..=(20 + noise.below(60)) {
                    csv.push_str(&format!(
                        "{row},{},{},{}\n",
                        company(&mut noise),
                        pick(&ACTIONS, &mut noise).trim_start_matches("开展"),
                        if noise.below(10) < 8 {
                            "合格"
                        } else {
                            "限期整改"
                        }
                    ));
                }
                (format!("{title}台账.csv"), csv.into_bytes())
            }
        };
        let body = stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
        let stored = storage
            .store(&name, body, u64::MAX)
            .await
            .map_err(|e| anyhow::anyhow!("storing demo document {name}: {e}"))?;
        ids.push(crate::evidence::insert_file(db, &stored, &name, uploader).await?);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_like_notices() {
        let mut noise = Noise::new(1);
        let lines = paragraphs(
            &(
                29,
                "推行“明厨亮灶”，餐饮服务单位实现可视化。".into(),
                "1.组织开展明厨亮灶建设；2.定期通报。".into(),
            ),
            "卡若区",
            &mut noise,
        );
        assert!(lines[0].starts_with("卡若区关于"), "{lines:?}");
        assert!(lines[1].starts_with("卡") && lines[1].contains('〔') && lines[1].ends_with('号'));
        assert!(lines.iter().any(|l| l.contains("明厨亮灶")));
        assert_eq!(wrap("一二三四五", 2), ["一二", "三四", "五"]);
    }
}
