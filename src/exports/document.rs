//! A written report as blocks (title, the 一、/（一） headings, paragraphs, a table, the
//! closing lines), made once from a report's data and rendered both as the HTML page and
//! as a Word document (.docx) that offices exchange and edit in WPS or Word. The .docx
//! follows the usual look of official documents (GB/T 9704): A4, 方正小标宋简体 title at
//! 二号, 黑体 for 一、 headings and 楷体 for （一） headings at 三号, 仿宋 body at 三号 with
//! two characters of first-line indent and 28-point lines, page numbers "— N —" at the
//! foot. Where a reader's machine lacks a named font, Word and WPS substitute their own
//! (宋体/SimSun), so each run names the East Asian font and a Latin fallback.

use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run,
    RunFonts, SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// 一、… (a section)
    Heading(String),
    /// （一）… (a subsection)
    Subheading(String),
    Paragraph(String),
    /// A paragraph of figures counted from the data (inspections, interviews, problems).
    Figures(String),
    /// A paragraph Shian drafted from the data (e.g. the problems by part) for the
    /// author to keep or rewrite.
    Drafted(String),
    /// Shown on the page to say a section is still empty; left out of the document.
    Placeholder(String),
    /// A remark set apart (e.g. that the scoring was locked unfinished).
    Note(String),
    /// A table; its last row is a total when `total_row` is set.
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
        total_row: bool,
    },
    /// The closing lines at the right: who issues it, and the date.
    Closing(Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The title, one entry per printed line.
    pub title: Vec<String>,
    pub blocks: Vec<Block>,
}

const TITLE_FONT: &str = "方正小标宋简体";
const HEADING_FONT: &str = "黑体";
const SUBHEADING_FONT: &str = "楷体_GB2312";
const BODY_FONT: &str = "仿宋_GB2312";
const LATIN_FONT: &str = "Times New Roman";
/// Font sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;
const XIAOSI: usize = 24;
/// 28-point lines, in twentieths of a point.
const LINE: i32 = 560;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
}

fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, SANHAO))
        .line_spacing(exact(LINE))
        // Two characters of a 16-point font: 640 twentieths of a point.
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
}

fn cell(text: &str, bold: bool) -> TableCell {
    let mut r = run(text, BODY_FONT, XIAOSI);
    if bold {
        r = r.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(r).align(AlignmentType::Center))
}

impl Document {
    /// The document as a .docx file.
    pub fn docx(&self) -> Result<Vec<u8>, docx_rs::DocxError> {
        let footer = Footer::new().add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run("— ", "宋体", SIHAO))
                .add_page_num(PageNum::new())
                .add_run(run(" —", "宋体", SIHAO)),
        );
        // A4 with the margins of official documents (top 37 mm, bottom 35 mm, left 28 mm,
        // right 26 mm), in twentieths of a point.
        let mut doc = Docx::new()
            .page_size(11906, 16838)
            .page_margin(
                PageMargin::new()
                    .top(2098)
                    .bottom(1984)
                    .left(1588)
                    .right(1474),
            )
            .default_fonts(fonts(BODY_FONT))
            .default_size(SANHAO)
            .footer(footer);
        let mut title = Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(exact(700).after(400));
        for (i, line) in self.title.iter().enumerate() {
            if i > 0 {
                title = title.add_run(Run::new().add_break(docx_rs::BreakType::TextWrapping));
            }
            title = title.add_run(run(line, TITLE_FONT, ERHAO));
        }
        doc = doc.add_paragraph(title);
        for block in &self.blocks {
            doc = match block {
                Block::Heading(text) => doc.add_paragraph(
                    Paragraph::new()
                        .add_run(run(text, HEADING_FONT, SANHAO))
                        .line_spacing(exact(LINE))
                        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None),
                ),
                Block::Subheading(text) => doc.add_paragraph(
                    Paragraph::new()
                        .add_run(run(text, SUBHEADING_FONT, SANHAO))
                        .line_spacing(exact(LINE))
                        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None),
                ),
                Block::Paragraph(text) | Block::Figures(text) | Block::Drafted(text) => {
                    doc.add_paragraph(body(text))
                }
                Block::Note(text) => doc.add_paragraph(
                    Paragraph::new()
                        .add_run(run(text, SUBHEADING_FONT, SANHAO))
                        .line_spacing(exact(LINE)),
                ),
                Block::Placeholder(_) => doc,
                Block::Table {
                    head,
                    rows,
                    total_row,
                } => {
                    let mut table_rows =
                        vec![TableRow::new(head.iter().map(|h| cell(h, true)).collect())];
                    for (i, row) in rows.iter().enumerate() {
                        let bold = *total_row && i + 1 == rows.len();
                        table_rows.push(TableRow::new(row.iter().map(|c| cell(c, bold)).collect()));
                    }
                    doc.add_table(Table::new(table_rows).width(5000, WidthType::Pct))
                        .add_paragraph(Paragraph::new())
                }
                Block::Closing(lines) => {
                    let mut doc = doc;
                    for line in lines {
                        doc = doc.add_paragraph(
                            Paragraph::new()
                                .align(AlignmentType::Right)
                                .add_run(run(line, BODY_FONT, SANHAO))
                                .line_spacing(exact(LINE)),
                        );
                    }
                    doc
                }
            };
        }
        let mut out = std::io::Cursor::new(Vec::new());
        doc.build().pack(&mut out)?;
        Ok(out.into_inner())
    }

    /// The document's text in reading order (for checks and search).
    pub fn text(&self) -> String {
        let mut out = self.title.join("");
        for block in &self.blocks {
            out.push('\n');
            match block {
                Block::Heading(t)
                | Block::Subheading(t)
                | Block::Paragraph(t)
                | Block::Figures(t)
                | Block::Drafted(t)
                | Block::Note(t) => out.push_str(t),
                Block::Placeholder(_) => {}
                Block::Table { head, rows, .. } => {
                    out.push_str(&head.join("\t"));
                    for row in rows {
                        out.push('\n');
                        out.push_str(&row.join("\t"));
                    }
                }
                Block::Closing(lines) => out.push_str(&lines.join("\n")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_document_becomes_a_word_file_with_its_sections_in_order() {
        let doc = Document {
            title: vec![
                "昌都市创建国家食品安全示范城市".into(),
                "省级初评情况".into(),
            ],
            blocks: vec![
                Block::Heading("一、省级初评组织实施情况".into()),
                Block::Subheading("（一）实施方式".into()),
                Block::Paragraph("评审组采取资料审查、现场检查等方式开展评价。".into()),
                Block::Placeholder("尚未填写".into()),
                Block::Table {
                    head: vec!["评价项目".into(), "得分".into()],
                    rows: vec![
                        vec!["基础工作".into(), "28".into()],
                        vec!["合计".into(), "28".into()],
                    ],
                    total_row: true,
                },
                Block::Closing(vec!["省食安办".into(), "2026年12月4日".into()]),
            ],
        };
        let bytes = doc.docx().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let at = |s: &str| xml.find(s).unwrap_or_else(|| panic!("{s} in the document"));
        assert!(at("省级初评情况") < at("一、省级初评组织实施情况"));
        assert!(at("（一）实施方式") < at("评审组采取"));
        assert!(at("评审组采取") < at("基础工作"));
        assert!(at("基础工作") < at("2026年12月4日"));
        assert!(!xml.contains("尚未填写"), "placeholders stay on the page");
        assert!(xml.contains("仿宋_GB2312") && xml.contains("黑体"));
        assert!(xml.contains(r#"w:w="11906""#), "A4");
        assert!(archive.by_name("word/footer1.xml").is_ok(), "page numbers");
    }
}
