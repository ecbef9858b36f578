//! A round's history in words: every change recorded against the round in the audit
//! trail (scores, marks, vetoes, reviews, state, locks and reopenings, settings), with
//! who, when (in China time, written the Chinese way) and why. The history page and the
//! JSON API both show these entries.
//!
//! Oldest first: a history is read as the story of how a total came about, and keyset
//! paging forward (100 a page) keeps every page one index range.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::audit::object::{self, ObjectEvent};
use crate::i18n::{Arg, Lang};
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::pages::action_label;

pub const HISTORY_PAGE: i64 = 100;

/// `?after=<event id>` of the history page and the API.
#[derive(Debug, Default, serde::Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    pub after: Option<String>,
}

impl HistoryQuery {
    /// The cursor, or None for the first page (anything not a positive id is the start).
    pub fn after(&self) -> Option<i64> {
        self.after
            .as_deref()
            .and_then(|a| a.trim().parse::<i64>().ok())
            .filter(|a| *a > 0)
    }
}

/// Summary fields that say why something was done, in the order they are looked for.
const WHY_FIELDS: [&str; 4] = ["reason", "note", "remark", "source"];

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// "2026年12月2日 14:05" (China time).
    pub when: String,
    pub who: Option<String>,
    pub action: String,
    /// The action in words ("扣分").
    pub label: String,
    /// What changed, in words.
    pub what: String,
    pub why: Option<String>,
}

/// One page of a round's history and the event to continue after.
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    pub next: Option<i64>,
}

pub async fn load(
    state: &AppState,
    lang: Lang,
    round_id: i64,
    after: Option<i64>,
) -> AppResult<HistoryPage> {
    let page = object::history(
        &state.db,
        "round",
        &round_id.to_string(),
        after,
        HISTORY_PAGE,
    )
    .await?;
    Ok(HistoryPage {
        entries: page.events.iter().map(|e| word(lang, e)).collect(),
        next: page.next,
    })
}

/// A moment in China Standard Time: "2026年12月2日 14:05" (English: "2026-12-02 14:05").
pub fn when(lang: Lang, at: &DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let local = at.with_timezone(&offset);
    match lang {
        Lang::Zh => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

fn scalar(value: &Value) -> Option<Arg> {
    match value {
        Value::String(s) => Some(Arg::Text(s.clone())),
        Value::Bool(b) => Some(Arg::Text(b.to_string())),
        Value::Number(n) => Some(match n.as_i64() {
            Some(i) => Arg::Number(i),
            None => Arg::Text(n.to_string()),
        }),
        _ => None,
    }
}

/// An argument as the messages want it: a round state in words, an item key ("p12",
/// "v90") as its number, anything else as it is.
fn readable_arg(lang: Lang, name: &str, value: &Value) -> Option<Arg> {
    match (name, value) {
        ("from" | "to", Value::String(state)) => {
            Some(Arg::Text(lang.t(&format!("round-state-{state}"))))
        }
        ("item", Value::String(key)) => {
            Some(Arg::Text(key.trim_start_matches(['p', 'v']).to_string()))
        }
        _ => scalar(value),
    }
}

pub fn word(lang: Lang, event: &ObjectEvent) -> HistoryEntry {
    let fields = event.summary.as_object();
    let why = WHY_FIELDS.iter().find_map(|name| {
        fields
            .and_then(|f| f.get(*name))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    });
    let key = format!("history-{}", event.action.replace(['.', '_'], "-"));
    let args: Vec<(&str, Arg)> = fields
        .map(|f| {
            f.iter()
                .filter_map(|(k, v)| Some((k.as_str(), readable_arg(lang, k, v)?)))
                .collect()
        })
        .unwrap_or_default();
    let worded = lang.t_args(&key, &args);
    let what = if worded == key || worded.contains("{$") || worded.contains("{ $") {
        // No wording for this action (or the summary lacks a field it names): the
        // fields as `key: value`, without the reason already shown.
        let rest: serde_json::Map<String, Value> = fields
            .map(|f| {
                f.iter()
                    .filter(|(k, _)| !WHY_FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        crate::audit::readable_summary(
            &Value::Object(rest),
            &lang.t("audit-yes"),
            &lang.t("audit-no"),
        )
    } else {
        worded
    };
    HistoryEntry {
        id: event.id,
        at: event.at,
        when: when(lang, &event.at),
        who: event.actor.clone(),
        action: event.action.clone(),
        label: action_label(lang, &event.action),
        what,
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_chinese_way_in_china_time() {
        let at: DateTime<Utc> = "2026-12-02T06:05:00Z".parse().unwrap();
        assert_eq!(when(Lang::Zh, &at), "2026年12月2日 14:05");
        assert_eq!(when(Lang::En, &at), "2026-12-02 14:05");
    }

    #[test]
    fn a_deduction_reads_as_words_with_its_reason() {
        let event = ObjectEvent {
            id: 1,
            at: Utc::now(),
            actor: Some("专家甲".into()),
            action: "score.deduct".into(),
            summary: serde_json::json!({"item": "p1", "indicator": 1, "points": "0.5", "reason": "台账缺失", "deduction": 3}),
        };
        let entry = word(Lang::Zh, &event);
        assert_eq!(entry.label, "扣分");
        assert!(entry.what.contains("0.5"), "{}", entry.what);
        assert!(!entry.what.contains("{"), "{}", entry.what);
        assert_eq!(entry.why.as_deref(), Some("台账缺失"));
        let unknown = ObjectEvent {
            action: "round.something_new".into(),
            summary: serde_json::json!({"count": 2, "reason": "x"}),
            ..event
        };
        assert_eq!(word(Lang::En, &unknown).what, "count: 2");
        // A summary without a field its wording names reads as its fields instead.
        let reopened = ObjectEvent {
            action: "round.reopen".into(),
            summary: serde_json::json!({"from": "locked", "to": "open", "total": null, "reason": "复核"}),
            ..unknown
        };
        let entry = word(Lang::Zh, &reopened);
        assert!(!entry.what.contains('{'), "{}", entry.what);
        assert_eq!(entry.why.as_deref(), Some("复核"));
    }
}
