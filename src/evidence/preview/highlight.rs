//! Marking the occurrences of a searched word in preview text (`?q=`). The text is cut
//! into pieces, each plain or marked and numbered in page order, and the template
//! escapes every piece: escaping comes first, marking adds only `<mark>` around it.

/// A piece of text, marked as the `n`-th occurrence on the page or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub mark: Option<usize>,
}

/// Cuts `text` at the occurrences of `query` (case-insensitive where lower-casing keeps
/// byte lengths, as in ASCII and Chinese), numbering them from `counter`.
pub struct Marker {
    query: String,
    pub count: usize,
}

/// The longest query marked; a longer one is not searched for in the preview.
const MAX_QUERY_CHARS: usize = 100;

impl Marker {
    pub fn new(query: &str) -> Marker {
        let query = query.trim();
        let query = if query.chars().count() > MAX_QUERY_CHARS {
            ""
        } else {
            query
        };
        Marker {
            query: query.to_lowercase(),
            count: 0,
        }
    }

    pub fn pieces(&mut self, text: &str) -> Vec<Piece> {
        let plain = || {
            vec![Piece {
                text: text.to_string(),
                mark: None,
            }]
        };
        if self.query.is_empty() || text.is_empty() {
            return plain();
        }
        let lower = text.to_lowercase();
        let (haystack, needle) = if lower.len() == text.len() && lower.is_char_boundary(0) {
            (lower.as_str(), self.query.as_str())
        } else {
            (text, self.query.as_str())
        };
        let mut pieces = Vec::new();
        let mut at = 0;
        for (start, found) in haystack.match_indices(needle) {
            let end = start + found.len();
            // Byte offsets of the lower-cased text are the original's only on char
            // boundaries of both.
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            if start > at {
                pieces.push(Piece {
                    text: text[at..start].to_string(),
                    mark: None,
                });
            }
            self.count += 1;
            pieces.push(Piece {
                text: text[start..end].to_string(),
                mark: Some(self.count),
            });
            at = end;
        }
        if pieces.is_empty() {
            return plain();
        }
        if at < text.len() {
            pieces.push(Piece {
                text: text[at..].to_string(),
                mark: None,
            });
        }
        pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_are_numbered_across_texts() {
        let mut m = Marker::new("明厨亮灶");
        let first = m.pieces("推进明厨亮灶工程，明厨亮灶覆盖率");
        assert_eq!(first.len(), 5);
        assert_eq!(first[1].mark, Some(1));
        assert_eq!(first[3].mark, Some(2));
        assert_eq!(first[3].text, "明厨亮灶");
        assert_eq!(first[4].text, "覆盖率");
        let second = m.pieces("明厨亮灶");
        assert_eq!(second[0].mark, Some(3));
        assert_eq!(m.pieces("无关")[0].mark, None);
        let mut m = Marker::new("SCRIPT");
        let p = m.pieces("<script>");
        assert_eq!(
            p[1].text, "script",
            "case-insensitive, the original text kept"
        );
        assert_eq!(Marker::new("  ").pieces("a")[0].mark, None);
        let mut m = Marker::new("İ");
        assert!(m.pieces("İx").iter().all(|p| !p.text.is_empty()));
    }
}
