//! UI language. Simplified Chinese is the default, English is available; the rubric's own
//! text is never translated. Messages live in `locales/<lang>/main.ftl` (Fluent syntax) and
//! are compiled into the binary. The language is passed explicitly to every lookup, never
//! kept in a global, because concurrent requests may want different languages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // No Unicode isolation marks around arguments: they show up in copied text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The message files, for their list of keys (the loader above compiles the same files).
const ZH_SOURCE: &str = include_str!("../locales/zh-CN/main.ftl");
const EN_SOURCE: &str = include_str!("../locales/en/main.ftl");

/// One language's messages by key.
type Messages = HashMap<&'static str, String>;

/// Every message of each language as [`Lang::t`] gives it, formatted once on first use.
/// A page asks for the same labels hundreds of times (one per evidence row, say), and a
/// Fluent lookup negotiates the language and formats the pattern on every call.
static FORMATTED: LazyLock<(Messages, Messages)> = LazyLock::new(|| {
    let format_all = |lang: &LanguageIdentifier, source: &'static str| {
        message_keys(source)
            .filter_map(|key| Some((key, LOCALES.try_lookup(lang, key)?)))
            .collect()
    };
    (format_all(&ZH, ZH_SOURCE), format_all(&EN, EN_SOURCE))
});

/// The message ids of a Fluent file: `key = …` at the start of a line (continuations,
/// attributes and comments are indented or start with `#`).
fn message_keys(source: &str) -> impl Iterator<Item = &str> {
    source
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" =").map(|(key, _)| key.trim()))
}

static ZH: LazyLock<LanguageIdentifier> = LazyLock::new(|| "zh-CN".parse().expect("valid id"));
static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().expect("valid id"));

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code == "zh" || code.starts_with("zh-") || code.starts_with("zh_") {
            Some(Lang::Zh)
        } else if code == "en" || code.starts_with("en-") || code.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks the best supported language from an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::from_code(pieces.next()?)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (quality > 0.0).then_some((quality, position, lang))
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        choices.first().map(|c| c.2)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The message for `key`; a missing key shows itself so it is noticed, never panics.
    pub fn t(self, key: &str) -> String {
        let formatted = match self {
            Lang::Zh => &FORMATTED.0,
            Lang::En => &FORMATTED.1,
        };
        match formatted.get(key) {
            Some(text) => text.clone(),
            None => LOCALES
                .try_lookup(self.id(), key)
                .unwrap_or_else(|| key.to_string()),
        }
    }

    /// The message for `key` with named arguments, e.g. `("count", 3.into())`.
    pub fn t_args(self, key: &str, args: &[(&str, Arg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(s) => FluentValue::from(s.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Owned(name.to_string()), value)
            })
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_string())
    }
}

/// An argument to a message.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Number(n)
    }
}
impl From<&i64> for Arg {
    fn from(n: &i64) -> Arg {
        Arg::Number(*n)
    }
}
impl From<&&i64> for Arg {
    fn from(n: &&i64) -> Arg {
        Arg::Number(**n)
    }
}

impl From<&&usize> for Arg {
    fn from(n: &&usize) -> Arg {
        Arg::Number(**n as i64)
    }
}

impl From<&usize> for Arg {
    fn from(n: &usize) -> Arg {
        Arg::Number(*n as i64)
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Number(n as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn accept_language_negotiation() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::from_accept_language("fr;q=1, en;q=0.5, zh;q=0.7"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("en;q=0"), None);
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let zh: BTreeSet<&str> = message_keys(ZH_SOURCE).collect();
        let en: BTreeSet<&str> = message_keys(EN_SOURCE).collect();
        let missing_en: Vec<_> = zh.difference(&en).collect();
        let missing_zh: Vec<_> = en.difference(&zh).collect();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_zh.is_empty(), "missing in zh-CN: {missing_zh:?}");
        assert!(zh.len() > 50);
    }

    #[test]
    fn formatted_messages_are_what_fluent_gives() {
        for (lang, source) in [(Lang::Zh, ZH_SOURCE), (Lang::En, EN_SOURCE)] {
            for key in message_keys(source) {
                // A message that needs arguments has no plain form: the key shows.
                let direct = LOCALES
                    .try_lookup(lang.id(), key)
                    .unwrap_or_else(|| key.to_string());
                assert_eq!(lang.t(key), direct, "{key}");
            }
        }
        assert!(FORMATTED.0.len() > 50, "plain messages are formatted ahead");
    }

    #[test]
    fn lookups_use_the_requested_language() {
        assert_eq!(Lang::Zh.t("nav-rubric"), "评价细则");
        assert_eq!(Lang::En.t("nav-rubric"), "Rubric");
        assert_eq!(Lang::En.t("no-such-key"), "no-such-key");
        assert_eq!(
            Lang::En.t_args("rubric-indicator-count", &[("count", 94usize.into())]),
            "94 indicators"
        );
    }
}

/// Lines `text` wraps to in a spreadsheet column `width` units wide, where a Chinese
/// character takes about two units and a Latin one about one (a cell keeps one unit of
/// padding). Wrapped rows need their height set: spreadsheet programs do not grow them
/// when a file is opened.
pub fn wrapped_lines(text: &str, width: f64) -> f64 {
    let units: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
        .sum();
    (units / (width - 1.0).max(1.0)).ceil().max(1.0)
}

/// 2026年12月2日: dates in official text and Chinese pages.
pub fn chinese_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// 2023年10月25日至11月8日 (the year is not repeated within one year; one day is one date).
pub fn chinese_period(starts_on: chrono::NaiveDate, ends_on: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    if starts_on == ends_on {
        return chinese_date(starts_on);
    }
    let end = if starts_on.year() == ends_on.year() {
        format!("{}月{}日", ends_on.month(), ends_on.day())
    } else {
        chinese_date(ends_on)
    };
    format!("{}至{end}", chinese_date(starts_on))
}

#[cfg(test)]
mod date_tests {
    use super::{chinese_date, chinese_period};
    use chrono::NaiveDate;

    #[test]
    fn dates_are_written_the_chinese_way() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(chinese_date(d(2026, 12, 2)), "2026年12月2日");
        assert_eq!(
            chinese_period(d(2023, 10, 25), d(2023, 11, 8)),
            "2023年10月25日至11月8日"
        );
        assert_eq!(
            chinese_period(d(2026, 12, 20), d(2027, 1, 3)),
            "2026年12月20日至2027年1月3日"
        );
        assert_eq!(chinese_period(d(2026, 4, 1), d(2026, 4, 1)), "2026年4月1日");
    }
}
