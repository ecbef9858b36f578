//! What was typed into the search box, parsed once into terms or a typed refusal.
//!
//! Any characters are safe: quotes, `&|!():*`, SQL and emoji are either parts of words
//! or dropped as separators; the `tsquery` is built here from quoted lexemes and bound
//! as one parameter (`$n::tsquery`), never spliced into SQL.

use super::terms::{self, Scheme, bigrams, is_han, normalise, query_words};

/// Longest query accepted, in characters.
pub const MAX_CHARS: usize = 200;
/// Most words a query may have.
pub const MAX_TERMS: usize = 20;

/// Why a query is not searched (each is worded on the page and in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooLong,
    TooManyTerms,
    /// Only punctuation, symbols or emoji: nothing to look for.
    NoWords,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::TooLong => "search-refused-long",
            Refusal::TooManyTerms => "search-refused-terms",
            Refusal::NoWords => "search-refused-nothing",
        }
    }
}

/// One thing the user asked for: a run of Han characters (with jieba's words of it) or
/// a Latin word or number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Han { run: String, words: Vec<String> },
    Word(String),
}

/// A parsed query: every term must match (in the title, description, organisation or
/// file name, or in the file's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

/// `Ok(None)` for an empty query (no search at all).
pub fn parse(raw: &str) -> Result<Option<Query>, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.chars().count() > MAX_CHARS {
        return Err(Refusal::TooLong);
    }
    let text = normalise(raw);
    let mut terms = Vec::new();
    let mut words = 0;
    // Split into Han runs and everything else; the rest yields Latin words and numbers.
    let mut rest = String::new();
    let flush = |rest: &mut String, terms: &mut Vec<Term>, words: &mut usize| {
        for word in query_words(rest) {
            *words += 1;
            if !terms.contains(&Term::Word(word.clone())) {
                terms.push(Term::Word(word));
            }
        }
        rest.clear();
    };
    let mut run = String::new();
    for c in text.chars().chain([' ']) {
        if is_han(c) {
            if !rest.is_empty() {
                flush(&mut rest, &mut terms, &mut words);
            }
            run.push(c);
        } else {
            if !run.is_empty() {
                let run_words = query_words(&run);
                words += run_words.len().max(1);
                let term = Term::Han {
                    run: std::mem::take(&mut run),
                    words: run_words,
                };
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
            rest.push(c);
        }
    }
    if !rest.trim().is_empty() {
        flush(&mut rest, &mut terms, &mut words);
    }
    if words > MAX_TERMS {
        return Err(Refusal::TooManyTerms);
    }
    if terms.is_empty() {
        return Err(Refusal::NoWords);
    }
    Ok(Some(Query { terms }))
}

impl Query {
    /// The `tsquery` literal (bound as a parameter and cast, never spliced).
    pub fn tsquery(&self, scheme: Scheme) -> String {
        let parts: Vec<String> = self.terms.iter().map(|t| term_query(t, scheme)).collect();
        parts.join(" & ")
    }

    /// What to look for in the stored text to show a passage, best first: whole runs
    /// and words, then jieba's words of runs, then pairs.
    pub fn needles(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let add = |s: &str, out: &mut Vec<String>| {
            if !s.is_empty() && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        };
        for term in &self.terms {
            match term {
                Term::Han { run, .. } => add(run, &mut out),
                Term::Word(word) => add(word, &mut out),
            }
        }
        for term in &self.terms {
            if let Term::Han { run, words } = term {
                for word in words.iter().filter(|w| w.chars().count() > 1) {
                    add(word, &mut out);
                }
                for pair in bigrams(run) {
                    add(pair, &mut out);
                }
            }
        }
        out
    }
}

fn lexeme(word: &str, prefix: bool) -> String {
    let mut out = String::new();
    terms::quote_into(&mut out, word);
    if prefix {
        out.push_str(":*");
    }
    out
}

fn all(parts: Vec<String>) -> String {
    match parts.len() {
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" & ")),
    }
}

fn term_query(term: &Term, scheme: Scheme) -> String {
    match term {
        Term::Word(word) => lexeme(word, false),
        Term::Han { run, words } => {
            if run.chars().count() == 1 {
                // A single character: as a word, or as the first of a pair.
                return lexeme(run, scheme == Scheme::WordsAndBigrams);
            }
            let words: Vec<String> = if words.is_empty() {
                vec![lexeme(run, false)]
            } else {
                words.iter().map(|w| lexeme(w, false)).collect()
            };
            match scheme {
                Scheme::Words => all(words),
                Scheme::WordsAndBigrams => {
                    let pairs: Vec<String> = bigrams(run).map(|p| lexeme(p, false)).collect();
                    format!("({} | {})", all(words), all(pairs))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_long_and_wordless_queries() {
        assert_eq!(parse("   "), Ok(None));
        assert_eq!(parse(&"明".repeat(201)), Err(Refusal::TooLong));
        assert_eq!(parse("'\"&|!():*"), Err(Refusal::NoWords));
        assert_eq!(parse("🍜🍜"), Err(Refusal::NoWords));
        let many: Vec<String> = (0..21).map(|i| format!("w{i}")).collect();
        assert_eq!(parse(&many.join(" ")), Err(Refusal::TooManyTerms));
    }

    #[test]
    fn han_runs_and_words() {
        let q = parse("明厨亮灶 HACCP").unwrap().unwrap();
        assert_eq!(q.terms.len(), 2);
        let ts = q.tsquery(Scheme::WordsAndBigrams);
        assert!(ts.contains("'明厨' & '厨亮' & '亮灶'"), "{ts}");
        assert!(ts.contains("'haccp'"), "{ts}");
        assert_eq!(q.needles()[0], "明厨亮灶");
    }

    #[test]
    fn document_numbers_and_sql_are_just_words() {
        let q = parse("卡市监〔2025〕12号").unwrap().unwrap();
        let ts = q.tsquery(Scheme::WordsAndBigrams);
        assert!(ts.contains("'2025'") && ts.contains("'12'"), "{ts}");
        assert!(ts.contains("'号':*"), "{ts}");
        let q = parse("x'); DROP TABLE evidence; --").unwrap().unwrap();
        let ts = q.tsquery(Scheme::WordsAndBigrams);
        assert!(!ts.contains(";"), "{ts}");
        let q = parse("<script>alert(1)</script>").unwrap().unwrap();
        assert!(q.tsquery(Scheme::Words).contains("'script'"));
    }
}
