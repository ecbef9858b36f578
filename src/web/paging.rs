//! Page numbers from query strings, turned into SQL offsets that cannot overflow.
//!
//! `?page=9223372036854775807` once became a negative OFFSET (`(page - 1) * size`
//! wrapped) and a 500. Every list that pages by number goes through [`Paging::parse`].

/// No list is anywhere near this long (a campaign has a few thousand tasks); a page
/// beyond it is simply empty, like any page past the end.
pub const MAX_PAGE: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based, within 1..=MAX_PAGE.
    pub page: i64,
    /// Rows to skip.
    pub offset: i64,
    pub size: i64,
}

impl Paging {
    /// Anything that is not a number in range (empty, "abc", "-5", "0", a number too
    /// big for i64) means the nearest valid page: the first, or [`MAX_PAGE`].
    pub fn parse(raw: &str, size: i64) -> Paging {
        let raw = raw.trim();
        let page = match raw.parse::<i64>() {
            Ok(page) => page.clamp(1, MAX_PAGE),
            // Digits only but too long for i64: as far as can be.
            Err(_) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => MAX_PAGE,
            Err(_) => 1,
        };
        let size = size.max(1);
        Paging {
            page,
            offset: (page - 1).saturating_mul(size),
            size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_and_odd_pages_are_clamped() {
        assert_eq!(Paging::parse("9223372036854775807", 200).page, MAX_PAGE);
        assert_eq!(Paging::parse("99999999999999999999999", 200).page, MAX_PAGE);
        assert_eq!(
            Paging::parse("9223372036854775807", 200).offset,
            (MAX_PAGE - 1) * 200
        );
        assert_eq!(Paging::parse("-9223372036854775808", 200).page, 1);
        assert_eq!(Paging::parse("0", 200).offset, 0);
        assert_eq!(Paging::parse("", 200).page, 1);
        assert_eq!(Paging::parse("abc", 200).page, 1);
        assert_eq!(Paging::parse(" 3 ", 200).offset, 400);
        assert_eq!(Paging::parse("2", i64::MAX).offset, i64::MAX);
    }
}
