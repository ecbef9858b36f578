//! Words of Chinese (and Latin) text as the PostgreSQL index stores them.
//!
//! PostgreSQL has no Chinese parser here (no zhparser or pg_jieba for this server), so the
//! text is segmented in the application with jieba and the lexemes are handed to
//! PostgreSQL as a `tsvector` literal of the `simple` kind (every lexeme verbatim). Beside
//! jieba's words (search mode: long words also give their parts), every run of Han
//! characters adds its overlapping character pairs (bigrams), so that a word jieba
//! segments one way in a query and another way in a document (company names, 文号,
//! words jieba does not know) is still found: the query asks for the run's words *or*
//! all of its pairs. README "Full-text search" has the figures that decided this.
//!
//! Both sides go through [`normalise`]: full-width Latin letters and digits become
//! ASCII (`２０２５` = `2025`) and Latin is lower-cased.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

use jieba_rs::Jieba;

/// The segmenter, built once (loading the dictionary takes a few hundred milliseconds).
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Lexemes longer than this are not words (hashes, base64 blobs) and are left out.
const MAX_LEXEME_CHARS: usize = 40;
/// Positions kept per lexeme: enough for ranking, and keeps vectors small.
const MAX_POSITIONS: usize = 3;
/// PostgreSQL's largest position; later ones are stored as this.
const MAX_POSITION: u32 = 16_383;
/// A `tsvector` must stay under 1 MB; new lexemes stop being added past this estimate.
const MAX_VECTOR_BYTES: usize = 900_000;

pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Full-width ASCII to ASCII, then lower case.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A word worth indexing: letters, digits or Han characters, not too long.
fn wordlike(word: &str) -> bool {
    word.chars().any(|c| c.is_alphanumeric()) && word.chars().count() <= MAX_LEXEME_CHARS
}

/// A token of text: jieba's word with non-word characters trimmed from its ends.
fn clean(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric())
}

/// How text is indexed: jieba's words only, or with the Han bigrams too (the choice the
/// comparison in README measured; the application always uses [`Scheme::WordsAndBigrams`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Words,
    WordsAndBigrams,
}

/// The weights of `tsvector` positions: A for titles, B for descriptions, organisation
/// and file names, D for the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    A,
    B,
    D,
}

impl Weight {
    fn letter(self) -> &'static str {
        match self {
            Weight::A => "A",
            Weight::B => "B",
            Weight::D => "",
        }
    }
}

/// Builds a `tsvector` literal from pieces of text of different weights.
#[derive(Debug, Default)]
pub struct VectorBuilder {
    /// lexeme → positions with their weight, in order of first appearance.
    lexemes: HashMap<String, Vec<(u32, Weight)>>,
    order: Vec<String>,
    position: u32,
    bytes: usize,
    /// Lexemes left out because the vector was full.
    pub dropped: usize,
}

impl VectorBuilder {
    pub fn new() -> VectorBuilder {
        VectorBuilder::default()
    }

    fn push(&mut self, lexeme: &str, weight: Weight) {
        self.position = (self.position + 1).min(MAX_POSITION);
        let position = self.position;
        match self.lexemes.get_mut(lexeme) {
            Some(positions) => {
                if positions.len() < MAX_POSITIONS
                    && positions.last().map(|p| p.0) != Some(position)
                {
                    positions.push((position, weight));
                    self.bytes += 4;
                }
            }
            None => {
                if self.bytes + lexeme.len() + 12 > MAX_VECTOR_BYTES {
                    self.dropped += 1;
                    return;
                }
                self.bytes += lexeme.len() + 12;
                self.lexemes
                    .insert(lexeme.to_string(), vec![(position, weight)]);
                self.order.push(lexeme.to_string());
            }
        }
    }

    /// Adds the words (and, with bigrams, the Han pairs) of `text`.
    pub fn add(&mut self, text: &str, weight: Weight, scheme: Scheme) {
        let text = normalise(text);
        for token in jieba().cut_for_search(&text, true) {
            let word = clean(token.word);
            if wordlike(word) {
                self.push(word, weight);
            }
        }
        if scheme == Scheme::WordsAndBigrams {
            for run in han_runs(&text) {
                for pair in bigrams(run) {
                    self.push(pair, weight);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The literal PostgreSQL reads with `$1::tsvector` (lexemes quoted, never SQL).
    pub fn literal(&self) -> String {
        let mut out = String::with_capacity(self.bytes + 16);
        for lexeme in &self.order {
            if !out.is_empty() {
                out.push(' ');
            }
            quote_into(&mut out, lexeme);
            out.push(':');
            for (i, (position, weight)) in self.lexemes[lexeme].iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{position}{}", weight.letter());
            }
        }
        out
    }
}

/// `lexeme` quoted for a `tsvector`/`tsquery` literal: in single quotes, with quotes and
/// backslashes doubled/escaped, so any character is just a character of the lexeme.
pub fn quote_into(out: &mut String, lexeme: &str) {
    out.push('\'');
    for c in lexeme.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// Maximal runs of Han characters.
pub fn han_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_han(c))
        .filter(|run| !run.is_empty())
}

/// Overlapping pairs of characters of a run (none for a single character).
pub fn bigrams(run: &str) -> impl Iterator<Item = &str> {
    let starts: Vec<usize> = run
        .char_indices()
        .map(|(i, _)| i)
        .chain([run.len()])
        .collect();
    (0..starts.len().saturating_sub(2)).map(move |i| &run[starts[i]..starts[i + 2]])
}

/// jieba's words of a query piece (normal mode: the segmentation a reader expects),
/// cleaned, in order.
pub fn query_words(text: &str) -> Vec<String> {
    jieba()
        .cut(text, true)
        .into_iter()
        .map(|t| clean(t.word))
        .filter(|w| wordlike(w))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_of_a_run() {
        assert_eq!(
            bigrams("明厨亮灶").collect::<Vec<_>>(),
            ["明厨", "厨亮", "亮灶"]
        );
        assert_eq!(bigrams("明").count(), 0);
        assert_eq!(
            han_runs("卡市监〔2025〕12号").collect::<Vec<_>>(),
            ["卡市监", "号"]
        );
    }

    #[test]
    fn full_width_and_case_are_folded() {
        assert_eq!(normalise("ＡＢＣ２０２５年Haccp"), "abc2025年haccp");
    }

    #[test]
    fn vectors_quote_everything() {
        let mut v = VectorBuilder::new();
        v.add("O'Brien 食品安全 a\\b", Weight::A, Scheme::WordsAndBigrams);
        let literal = v.literal();
        assert!(
            literal.contains("'o''brien'") || literal.contains("'brien'"),
            "{literal}"
        );
        assert!(literal.contains("'食品':"), "{literal}");
        assert!(literal.contains("'品安':"), "{literal}");
        assert!(literal.contains("A"), "{literal}");
    }

    #[test]
    fn positions_are_capped() {
        let mut v = VectorBuilder::new();
        v.add(&"抽检 ".repeat(100), Weight::D, Scheme::Words);
        let literal = v.literal();
        assert_eq!(literal.matches(',').count(), MAX_POSITIONS - 1, "{literal}");
    }
}
