//! The messages posted to the groups, in each vendor's documented JSON:
//!
//! - 企业微信 群机器人配置说明 (developer.work.weixin.qq.com, document 91770):
//!   `{"msgtype":"markdown","markdown":{"content":…}}`, content at most 4096 bytes of
//!   UTF-8; `[text](url)` links; `<@userid>` mentions and `<font>` tags.
//! - 钉钉 自定义机器人 消息类型 (open.dingtalk.com): `{"msgtype":"markdown","markdown":
//!   {"title":…,"text":…}}`; the title is what the chat list shows; a line break needs a
//!   blank line.
//! - 飞书 自定义机器人使用指南 (open.feishu.cn): `{"msg_type":"text","content":{"text":…}}`,
//!   a request body of at most 20 KB; `<at user_id="…">` mentions.
//!
//! Always in Chinese (the groups are the city's), with the notices' own wording
//! ([`crate::notifications::text`]) and absolute links back. What users typed (an
//! office's return comment) is neutralised first: its markup characters are replaced
//! by their full-width forms, so a comment can neither make a link nor mention 所有人.

use serde_json::{Value, json};

use super::Vendor;
use crate::i18n::{Arg, Lang};

/// One line of a digest: a notice as worded, and its link inside Shian (`/tasks/5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub link: String,
}

/// Longest notice line, in characters (a long return comment is cut).
const MAX_LINE_CHARS: usize = 300;

/// Room for the message text, in bytes of UTF-8, under each vendor's limit (with space
/// for the JSON around it and the closing line).
fn budget(vendor: Vendor) -> usize {
    match vendor {
        Vendor::Wecom => 3_800,
        Vendor::Dingtalk | Vendor::Feishu => 16_000,
    }
}

/// The digest of `lines` for `organisation`'s group: the JSON body to post (without
/// any signature). As many lines as fit the vendor's limit, then how many more there are
/// with a link to the notification page.
pub fn digest_payload(
    vendor: Vendor,
    organisation: &str,
    lines: &[Line],
    public_base: &str,
) -> Value {
    let zh = Lang::Zh;
    let organisation = neutralise(organisation);
    let head = zh.t_args(
        "webhook-digest-head",
        &[
            ("app", Arg::Text(zh.t("app-name"))),
            ("org", Arg::Text(organisation.clone())),
            ("count", Arg::Number(lines.len() as i64)),
        ],
    );
    let view = zh.t("webhook-digest-view");
    let mut items = Vec::new();
    let mut used = head.len();
    for (index, line) in lines.iter().enumerate() {
        let text: String = neutralise(&line.text)
            .chars()
            .take(MAX_LINE_CHARS)
            .collect();
        let url = absolute(public_base, &line.link);
        let item = match vendor {
            Vendor::Wecom | Vendor::Dingtalk => format!("{}. {text} [{view}]({url})", index + 1),
            Vendor::Feishu => format!("{}. {text}\n{url}", index + 1),
        };
        if used + item.len() + 2 > budget(vendor) {
            break;
        }
        used += item.len() + 2;
        items.push(item);
    }
    let left = lines.len() - items.len();
    if left > 0 {
        let more = zh.t_args(
            "webhook-digest-more",
            &[("count", Arg::Number(left as i64))],
        );
        let all = absolute(public_base, "/notifications");
        items.push(match vendor {
            Vendor::Wecom | Vendor::Dingtalk => format!("{more} [{view}]({all})"),
            Vendor::Feishu => format!("{more}\n{all}"),
        });
    }
    let title = zh.t_args(
        "webhook-digest-title",
        &[
            ("org", Arg::Text(organisation)),
            ("count", Arg::Number(lines.len() as i64)),
        ],
    );
    body(vendor, &title, &head, &items)
}

/// The admin's test message: says which organisation's notices will come here.
pub fn test_payload(vendor: Vendor, organisation: &str, public_base: &str) -> Value {
    let zh = Lang::Zh;
    let organisation = neutralise(organisation);
    let text = zh.t_args(
        "webhook-test-text",
        &[
            ("app", Arg::Text(zh.t("app-name"))),
            ("org", Arg::Text(organisation.clone())),
        ],
    );
    let title = zh.t_args("webhook-test-title", &[("org", Arg::Text(organisation))]);
    body(vendor, &title, &text, &[public_base.to_string()])
}

/// The vendor's JSON around a head line and items.
fn body(vendor: Vendor, title: &str, head: &str, items: &[String]) -> Value {
    match vendor {
        Vendor::Wecom => {
            let mut content = head.to_string();
            for item in items {
                content.push('\n');
                content.push_str(item);
            }
            json!({"msgtype": "markdown", "markdown": {"content": content}})
        }
        // 钉钉's markdown joins single line breaks; a blank line separates lines.
        Vendor::Dingtalk => {
            let mut text = head.to_string();
            for item in items {
                text.push_str("\n\n");
                text.push_str(item);
            }
            json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}})
        }
        Vendor::Feishu => {
            let mut text = head.to_string();
            for item in items {
                text.push('\n');
                text.push_str(item);
            }
            json!({"msg_type": "text", "content": {"text": text}})
        }
    }
}

/// A link inside Shian made absolute; characters that would end a markdown link are
/// escaped (links come from Shian's own code, but cost nothing to make safe).
fn absolute(public_base: &str, link: &str) -> String {
    let full = if link.starts_with("http://") || link.starts_with("https://") {
        link.to_string()
    } else if link.starts_with('/') {
        format!("{public_base}{link}")
    } else {
        format!("{public_base}/{link}")
    };
    full.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
}

/// Text from users made inert in every vendor's markup: full-width forms of the
/// characters that start links, tags, mentions, emphasis, code and headings, and line
/// breaks as spaces (a line of its own could start a quote or a heading).
pub fn neutralise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '[' => '［',
            ']' => '］',
            '<' => '＜',
            '>' => '＞',
            '*' => '＊',
            '_' => '＿',
            '`' => '｀',
            '#' => '＃',
            '~' => '～',
            '|' => '｜',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<Line> {
        (1..=n)
            .map(|i| Line {
                text: format!("指标（{i}）的任务已审核通过。"),
                link: format!("/tasks/{i}"),
            })
            .collect()
    }

    #[test]
    fn wecom_markdown_lists_the_notices_with_links() {
        let payload = digest_payload(Vendor::Wecom, "市市场监管局", &lines(2), "https://s.test");
        assert_eq!(payload["msgtype"], "markdown");
        let content = payload["markdown"]["content"].as_str().unwrap();
        assert_eq!(
            content,
            "【食安创建】市市场监管局 有 2 条新通知：\n\
             1. 指标（1）的任务已审核通过。 [查看](https://s.test/tasks/1)\n\
             2. 指标（2）的任务已审核通过。 [查看](https://s.test/tasks/2)"
        );
    }

    #[test]
    fn dingtalk_markdown_has_a_title_and_blank_lines() {
        let payload = digest_payload(Vendor::Dingtalk, "卡若区", &lines(2), "https://s.test");
        assert_eq!(payload["msgtype"], "markdown");
        assert_eq!(payload["markdown"]["title"], "卡若区 2 条新通知");
        let text = payload["markdown"]["text"].as_str().unwrap();
        assert!(text.starts_with("【食安创建】卡若区 有 2 条新通知：\n\n1. "));
        assert!(text.contains("\n\n2. 指标（2）"));
    }

    #[test]
    fn feishu_text_puts_each_link_on_its_own_line() {
        let payload = digest_payload(Vendor::Feishu, "卡若区", &lines(1), "https://s.test");
        assert_eq!(payload["msg_type"], "text");
        assert_eq!(
            payload["content"]["text"],
            "【食安创建】卡若区 有 1 条新通知：\n1. 指标（1）的任务已审核通过。\nhttps://s.test/tasks/1"
        );
    }

    #[test]
    fn typed_text_cannot_make_links_or_mentions() {
        let hostile = vec![Line {
            text: "退回：[点此](http://evil.example) <@all> <at user_id=\"all\">\n# 标题".into(),
            link: "/tasks/1".into(),
        }];
        for vendor in Vendor::ALL {
            let payload = digest_payload(vendor, "单位", &hostile, "https://s.test");
            let text = payload.to_string();
            assert!(!text.contains("[点此]"), "{vendor:?}: {text}");
            assert!(!text.contains("<@all>") && !text.contains("<at "));
            assert!(text.contains("［点此］(http://evil.example) ＜@all＞"));
            assert!(!text.contains("\\n# 标题"));
        }
    }

    #[test]
    fn a_long_digest_stops_within_the_vendors_limit() {
        let many = lines(400);
        let payload = digest_payload(Vendor::Wecom, "市市场监管局", &many, "https://s.test");
        let content = payload["markdown"]["content"].as_str().unwrap();
        assert!(content.len() <= 4096, "{} bytes", content.len());
        assert!(content.starts_with("【食安创建】市市场监管局 有 400 条新通知："));
        let last = content.lines().last().unwrap();
        assert!(last.starts_with("……另有 "), "{last}");
        assert!(last.ends_with("[查看](https://s.test/notifications)"));
        let feishu = digest_payload(Vendor::Feishu, "市市场监管局", &many, "https://s.test");
        assert!(feishu.to_string().len() < 20_000);
    }

    #[test]
    fn test_messages_name_the_organisation() {
        let payload = test_payload(Vendor::Dingtalk, "卡若区", "https://s.test");
        assert!(
            payload["markdown"]["text"]
                .as_str()
                .unwrap()
                .contains("卡若区")
        );
        assert!(
            payload["markdown"]["title"]
                .as_str()
                .unwrap()
                .contains("测试")
        );
        let payload = test_payload(Vendor::Feishu, "卡若区", "https://s.test");
        assert!(
            payload["content"]["text"]
                .as_str()
                .unwrap()
                .ends_with("https://s.test")
        );
    }
}
