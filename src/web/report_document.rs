//! The evaluation report (评价报告) of a round as a [`Document`]: the same blocks make the
//! report page and its Word file, so the two never differ. Official text: Chinese,
//! whatever the reader's language, except the page's placeholders for empty sections.

use crate::exports::document::{Block, Document};
use crate::web::pages::{ReportPage, SelfOrgPage, paragraphs, points};

/// The lead's paragraphs of a section, or what stands in for them.
fn written(blocks: &mut Vec<Block>, text: &str, fallback: Block) {
    let lines = paragraphs(text);
    if lines.is_empty() {
        blocks.push(fallback);
    } else {
        blocks.extend(lines.into_iter().map(|p| Block::Paragraph(p.to_string())));
    }
}

pub fn round_report(page: &ReportPage) -> Document {
    let empty = || Block::Placeholder(page.ctx.t("report-empty"));
    let city = &page.city;
    let kind = &page.kind_name;
    let mut b = Vec::new();
    if let Some(reason) = &page.round.lock_reason {
        b.push(Block::Note(format!("本轮评分未完成：{reason}")));
    }
    b.push(Block::Paragraph(page.opening.clone()));
    b.push(Block::Heading(format!("一、{kind}组织实施情况")));
    b.push(Block::Subheading("（一）实施方式".into()));
    b.push(Block::Paragraph(page.implementation.clone()));
    if !page.figures.is_empty() {
        b.push(Block::Figures(page.figures.clone()));
    }
    if !page.assessors.is_empty() {
        let groups: Vec<String> = page
            .assessors
            .iter()
            .map(|(group, names)| format!("{group}（{}）", names.join("、")))
            .collect();
        b.push(Block::Paragraph(format!(
            "各工作组及成员：{}。",
            groups.join("；")
        )));
    }
    for p in paragraphs(&page.text.organisation) {
        b.push(Block::Paragraph(p.to_string()));
    }
    b.push(Block::Subheading("（二）评价内容".into()));
    b.push(Block::Paragraph(format!(
        "{}本轮共 {} 个评分事项（{} 项指标），已完成评分 {} 项。资料审查共审阅佐证材料 {} 份（系统内共 {} 份）。共记录扣分 {} 处，合计扣 {} 分。",
        page.content,
        page.item_count,
        page.indicator_count,
        page.scored,
        page.marked,
        page.files,
        page.deduction_count,
        points(page.deducted)
    )));
    let mut rows: Vec<Vec<String>> = page
        .parts
        .iter()
        .map(|(heading, score, max)| {
            vec![
                heading.clone(),
                points(*score),
                max.map(points).unwrap_or_default(),
            ]
        })
        .collect();
    rows.push(vec![
        "合计".into(),
        points(page.outcome.total),
        points(page.outcome.max_total),
    ]);
    b.push(Block::Table {
        head: vec!["评价项目".into(), "得分".into(), "分值".into()],
        rows,
        total_row: true,
    });
    b.push(Block::Heading(format!("二、{city}食品安全总体情况")));
    b.push(Block::Subheading("（一）示范创建工作成效".into()));
    written(&mut b, &page.text.achievements, empty());
    b.push(Block::Subheading("（二）特色亮点".into()));
    written(&mut b, &page.text.highlights, empty());
    b.push(Block::Subheading("（三）存在不足和下一步工作建议".into()));
    if paragraphs(&page.text.shortcomings).is_empty() && !page.default_shortcomings.is_empty() {
        b.extend(
            paragraphs(&page.default_shortcomings)
                .into_iter()
                .map(|p| Block::Drafted(p.to_string())),
        );
    } else {
        written(&mut b, &page.text.shortcomings, empty());
    }
    b.push(Block::Heading(format!("三、{kind}意见")));
    b.push(Block::Paragraph(format!(
        "经综合评价，{city}得分 {} 分（满分 {} 分）。{}{}",
        points(page.outcome.total),
        points(page.outcome.max_total),
        page.veto_sentence,
        page.conclusion
    )));
    for p in paragraphs(&page.text.opinion) {
        b.push(Block::Paragraph(p.to_string()));
    }
    if let Some(date) = &page.dated {
        let mut lines = Vec::new();
        if !page.round.implementing_body.is_empty() {
            lines.push(page.round.implementing_body.clone());
        }
        lines.push(date.clone());
        b.push(Block::Closing(lines));
    }
    Document {
        title: vec![
            format!("{city}创建国家食品安全示范城市"),
            format!("{}情况", page.round.name),
        ],
        blocks: b,
    }
}

/// An organisation's 自查报告: its figures, its own words, the self-deductions by
/// indicator with the self-score, and who submitted it when.
pub fn self_check_report(page: &SelfOrgPage) -> Document {
    let member = &page.member;
    let mut b = vec![Block::Figures(page.figures_sentence.clone())];
    let own = paragraphs(&member.report);
    if own.is_empty() {
        b.push(Block::Placeholder(page.ctx.t("report-empty")));
    }
    b.extend(own.into_iter().map(|p| Block::Paragraph(p.to_string())));
    b.push(Block::Heading("附：自评扣分情况".into()));
    let mut rows: Vec<Vec<String>> = page
        .lines
        .iter()
        .filter(|l| l.points.is_some())
        .map(|l| {
            vec![
                l.number.to_string(),
                l.content.clone(),
                l.points.map(points).unwrap_or_default(),
                l.reason.clone(),
            ]
        })
        .collect();
    rows.push(vec![
        "合计".into(),
        format!("自评得分 {}", points(member.score())),
        points(member.deducted),
        String::new(),
    ]);
    b.push(Block::Table {
        head: vec![
            "指标".into(),
            "评价内容".into(),
            "扣分".into(),
            "扣分理由".into(),
        ],
        rows,
        total_row: true,
    });
    let mut closing = vec![member.organisation_name.clone()];
    if let Some(at) = member.submitted_at {
        closing.push(crate::web::pages::cn_day(&at));
    }
    b.push(Block::Closing(closing));
    Document {
        title: vec![
            member.organisation_name.clone(),
            format!("{}自查报告", page.evaluation.name),
        ],
        blocks: b,
    }
}
