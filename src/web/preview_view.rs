//! What the evidence preview page shows, built from a [`Preview`]: every piece of text
//! from the file cut into [`Piece`]s (marked where `?q=` occurs, numbered in page order)
//! that the template escapes, and the limits stated in the reader's language.
//!
//! Also the bound on previews running at once: each may hold a workbook's shared
//! strings or a document's text in memory, so at most [`CONCURRENT`] are built at a time.

use crate::evidence::preview::highlight::{Marker, Piece};
use crate::evidence::preview::{Block, Embed, Preview, PreviewRefusal};
use crate::i18n::{Arg, Lang};

/// Previews built at the same time; the others wait for a turn.
pub const CONCURRENT: usize = 2;
pub static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT);

/// Cells of a table: each cell its pieces.
pub type Row = Vec<Vec<Piece>>;

pub struct SheetTab {
    pub index: usize,
    pub name: String,
    pub current: bool,
}

#[derive(Default)]
pub struct TableView {
    pub tabs: Vec<SheetTab>,
    pub rows: Vec<Row>,
    /// Shown rows are padded to this many cells.
    pub columns: usize,
}

pub struct BlockView {
    /// "h", "p" or "table".
    pub kind: &'static str,
    pub level: u8,
    pub pieces: Vec<Piece>,
    pub rows: Vec<Row>,
}

pub struct EntryView {
    pub name: String,
    pub size: String,
    pub folder: bool,
    pub encrypted: bool,
}

/// The preview body: one of its parts is filled in.
#[derive(Default)]
pub struct PreviewBody {
    pub version_id: i64,
    pub table: Option<TableView>,
    pub blocks: Option<Vec<BlockView>>,
    pub text: Option<Vec<Piece>>,
    pub entries: Option<Vec<EntryView>>,
    /// "pdf", "image" or "heic": the browser shows `/files/{id}?inline=1` itself.
    pub embed: Option<&'static str>,
    /// Why there is no preview, worded.
    pub refusal: Option<String>,
    /// What the limits left out, and other facts about the preview, worded.
    pub notes: Vec<String>,
    /// The searched word, and how many times it was marked.
    pub query: String,
    pub marks: usize,
}

impl PreviewBody {
    pub fn embed_is(&self, kind: &str) -> bool {
        self.embed == Some(kind)
    }
}

/// 12345 → "12,345".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn t(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    lang.t_args(key, args)
}

pub fn refusal_text(lang: Lang, refusal: PreviewRefusal) -> String {
    match refusal {
        PreviewRefusal::Corrupt => lang.t("preview-refused-corrupt"),
        PreviewRefusal::Encrypted => lang.t("preview-refused-encrypted"),
        PreviewRefusal::TooLarge(limit) => t(
            lang,
            "preview-refused-too-large",
            &[("limit", crate::evidence::human_size(limit as i64).into())],
        ),
        PreviewRefusal::NotPreviewable => lang.t("preview-refused-kind"),
    }
}

pub fn build(
    lang: Lang,
    version_id: i64,
    outcome: Result<Preview, PreviewRefusal>,
    query: &str,
) -> PreviewBody {
    let mut marker = Marker::new(query);
    let mut body = PreviewBody {
        version_id,
        query: query.trim().to_string(),
        ..PreviewBody::default()
    };
    match outcome {
        Err(refusal) => body.refusal = Some(refusal_text(lang, refusal)),
        Ok(Preview::Embedded(embed)) => {
            body.embed = Some(match embed {
                Embed::Pdf => "pdf",
                Embed::Image => "image",
                Embed::Heic => "heic",
            })
        }
        Ok(Preview::Table(table)) => {
            let columns = table.columns_shown() as usize;
            if table.rows_left_out() > 0 {
                body.notes.push(t(
                    lang,
                    if table.at_least {
                        "preview-rows-at-least"
                    } else {
                        "preview-rows"
                    },
                    &[
                        ("shown", grouped(table.rows.len() as u64).into()),
                        ("total", grouped(table.total_rows).into()),
                    ],
                ));
            }
            if table.columns_left_out() > 0 {
                body.notes.push(t(
                    lang,
                    "preview-columns",
                    &[
                        ("shown", grouped(columns as u64).into()),
                        ("total", grouped(table.total_columns).into()),
                    ],
                ));
            }
            if table.rows.is_empty() {
                body.notes.push(lang.t("preview-empty-sheet"));
            }
            let tabs = if table.sheets.len() > 1 {
                table
                    .sheets
                    .iter()
                    .enumerate()
                    .map(|(index, name)| SheetTab {
                        index,
                        name: name.clone(),
                        current: index == table.sheet,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let rows = table
                .rows
                .iter()
                .map(|row| {
                    let mut cells: Row = row.iter().map(|c| marker.pieces(c)).collect();
                    cells.resize_with(columns, Vec::new);
                    cells
                })
                .collect();
            body.table = Some(TableView {
                tabs,
                rows,
                columns,
            });
        }
        Ok(Preview::Document(document)) => {
            if document.truncated {
                body.notes.push(lang.t("preview-document-cut"));
            }
            if document.blocks.is_empty() {
                body.notes.push(lang.t("preview-empty-document"));
            }
            let blocks = document
                .blocks
                .iter()
                .map(|block| match block {
                    Block::Heading(level, text) => BlockView {
                        kind: "h",
                        level: (*level).clamp(1, 4) + 1,
                        pieces: marker.pieces(text),
                        rows: Vec::new(),
                    },
                    Block::Paragraph(text) => BlockView {
                        kind: "p",
                        level: 0,
                        pieces: marker.pieces(text),
                        rows: Vec::new(),
                    },
                    Block::Table(rows) => {
                        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
                        BlockView {
                            kind: "table",
                            level: 0,
                            pieces: Vec::new(),
                            rows: rows
                                .iter()
                                .map(|row| {
                                    let mut cells: Row =
                                        row.iter().map(|c| marker.pieces(c)).collect();
                                    cells.resize_with(width, Vec::new);
                                    cells
                                })
                                .collect(),
                        }
                    }
                })
                .collect();
            body.blocks = Some(blocks);
        }
        Ok(Preview::Text(text)) => {
            if text.truncated() {
                body.notes.push(t(
                    lang,
                    "preview-text-cut",
                    &[
                        (
                            "shown",
                            crate::evidence::human_size(text.shown_bytes as i64).into(),
                        ),
                        (
                            "total",
                            crate::evidence::human_size(text.total_bytes as i64).into(),
                        ),
                    ],
                ));
            }
            if text.encoding != "UTF-8" {
                body.notes.push(t(
                    lang,
                    "preview-encoding",
                    &[("encoding", text.encoding.into())],
                ));
            }
            body.text = Some(marker.pieces(&text.text));
        }
        Ok(Preview::Listing(listing)) => {
            body.notes.push(t(
                lang,
                if listing.at_least {
                    "preview-entries-at-least"
                } else {
                    "preview-entries"
                },
                &[
                    ("format", listing.format.label().into()),
                    ("total", grouped(listing.total).into()),
                    (
                        "size",
                        crate::evidence::human_size(
                            listing.declared_bytes.min(i64::MAX as u64) as i64
                        )
                        .into(),
                    ),
                ],
            ));
            if listing.left_out() > 0 {
                body.notes.push(t(
                    lang,
                    "preview-entries-cut",
                    &[("shown", grouped(listing.entries.len() as u64).into())],
                ));
            }
            if listing.nested > 0 {
                body.notes.push(t(
                    lang,
                    "preview-nested",
                    &[("count", grouped(listing.nested).into())],
                ));
            }
            if listing.encrypted {
                body.notes.push(lang.t("preview-entries-encrypted"));
            }
            body.entries = Some(
                listing
                    .entries
                    .iter()
                    .map(|e| EntryView {
                        name: e.name.clone(),
                        size: match (e.folder, e.size) {
                            (true, _) => String::new(),
                            (false, Some(size)) => {
                                crate::evidence::human_size(size.min(i64::MAX as u64) as i64)
                            }
                            (false, None) => "—".into(),
                        },
                        folder: e.folder,
                        encrypted: e.encrypted,
                    })
                    .collect(),
            );
        }
    }
    body.marks = marker.count;
    if !body.query.is_empty()
        && (body.text.is_some() || body.blocks.is_some() || body.table.is_some())
    {
        body.notes.push(t(
            lang,
            "preview-marks",
            &[
                ("query", body.query.clone().into()),
                ("count", grouped(marker.count as u64).into()),
            ],
        ));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(12_345), "12,345");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
