//! Watches the framing of a multipart upload as it streams: the preamble and each part's
//! headers must stay short. multer (underneath axum's `Multipart`) buffers both whole
//! until it finds their end, so without this bound one endless header line (say, a field
//! name of a gigabyte) would be held in memory up to the whole request's size limit.
//! File contents are not limited here; storage streams them to disk.

use memchr::memmem::Finder;

/// Longest preamble, or headers of one part, in bytes.
pub const MAX_FRAMING_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Preamble,
    Headers,
    Data,
}

pub struct Framing {
    delimiter: Finder<'static>,
    end_of_headers: Finder<'static>,
    stage: Stage,
    /// The last bytes of the previous piece, too few to hold a whole pattern, kept so a
    /// pattern split across two pieces is still found.
    carry: Vec<u8>,
    /// Framing bytes (preamble or headers) seen in the current stage.
    counted: usize,
}

impl Framing {
    /// For a body whose `Content-Type` carries `boundary`.
    pub fn new(boundary: &str) -> Framing {
        Framing {
            delimiter: Finder::new(format!("\r\n--{boundary}").as_bytes()).into_owned(),
            end_of_headers: Finder::new(b"\r\n\r\n").into_owned(),
            stage: Stage::Preamble,
            // A body normally starts with the delimiter, without the line break before it.
            carry: b"\r\n".to_vec(),
            counted: 0,
        }
    }

    /// The boundary of a `multipart/form-data` content type.
    pub fn boundary(content_type: &str) -> Option<String> {
        let (kind, params) = content_type.split_once(';')?;
        if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
            return None;
        }
        params.split(';').find_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| value.trim().trim_matches('"').to_string())
                .filter(|b| !b.is_empty())
        })
    }

    /// Takes the next piece of the body; false once a preamble or headers outgrew
    /// [`MAX_FRAMING_BYTES`].
    pub fn feed(&mut self, piece: &[u8]) -> bool {
        let fresh_from = self.carry.len();
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(piece);
        let mut at = 0;
        loop {
            let finder = match self.stage {
                Stage::Preamble | Stage::Data => &self.delimiter,
                Stage::Headers => &self.end_of_headers,
            };
            let counting = self.stage != Stage::Data;
            match finder.find(&window[at..]) {
                Some(found) => {
                    if counting {
                        self.counted += (at + found).saturating_sub(at.max(fresh_from));
                        if self.counted > MAX_FRAMING_BYTES {
                            return false;
                        }
                    }
                    at += found + finder.needle().len();
                    self.stage = match self.stage {
                        Stage::Preamble | Stage::Data => Stage::Headers,
                        Stage::Headers => Stage::Data,
                    };
                    self.counted = 0;
                }
                None => {
                    if counting {
                        self.counted += window.len().saturating_sub(at.max(fresh_from));
                    }
                    let keep = (finder.needle().len() - 1).min(window.len() - at);
                    self.carry = window[window.len() - keep..].to_vec();
                    return self.counted <= MAX_FRAMING_BYTES;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(header: &str, data: &[u8]) -> Vec<u8> {
        let mut body = format!("--XB\r\n{header}\r\n\r\n").into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(
            b"\r\n--XB\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nv\r\n--XB--\r\n",
        );
        body
    }

    #[test]
    fn ordinary_forms_pass_in_any_pieces() {
        let data = vec![b'x'; 100_000];
        let whole = body(
            "Content-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"",
            &data,
        );
        for size in [1, 3, 7, 4096, whole.len()] {
            let mut framing = Framing::new("XB");
            assert!(
                whole.chunks(size).all(|p| framing.feed(p)),
                "pieces of {size}"
            );
            assert_eq!(
                framing.stage,
                Stage::Headers,
                "the closing delimiter was seen"
            );
        }
    }

    #[test]
    fn endless_headers_and_preambles_are_cut_off() {
        let name = "n".repeat(MAX_FRAMING_BYTES * 2);
        let long = body(
            &format!("Content-Disposition: form-data; name=\"{name}\""),
            b"v",
        );
        for size in [1, 1000, long.len()] {
            let mut framing = Framing::new("XB");
            assert!(
                !long.chunks(size).all(|p| framing.feed(p)),
                "pieces of {size}"
            );
        }
        let mut framing = Framing::new("XB");
        assert!(!framing.feed(&vec![b'p'; MAX_FRAMING_BYTES + 10]));
    }

    #[test]
    fn boundary_from_content_type() {
        assert_eq!(
            Framing::boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(
            Framing::boundary("Multipart/Form-Data;charset=utf-8; boundary=----x").as_deref(),
            Some("----x")
        );
        assert_eq!(Framing::boundary("application/json"), None);
    }
}
