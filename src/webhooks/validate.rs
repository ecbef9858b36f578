//! What may be registered as a robot. Refusals are typed; the handler words them, and
//! the form keeps what was typed.
//!
//! Only https to the vendor's own hosts (so the job never posts a digest, with its
//! links, anywhere else, nor to an address inside the network), with no credentials in
//! the URL and no other port. A test installation (`SHIAN_WEBHOOK_ALLOW_HTTP`) may also
//! use plain http to a loopback address and any host, for a local receiver.

use url::{Host, Url};

use super::Vendor;

/// Longest URL and secret accepted (the vendors' are under 200 characters).
pub const MAX_URL_CHARS: usize = 500;
pub const MAX_SECRET_CHARS: usize = 200;
pub const MAX_LABEL_CHARS: usize = 50;

/// What the admin typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Draft<'a> {
    pub vendor: &'a str,
    pub url: &'a str,
    pub secret: &'a str,
    pub label: &'a str,
}

/// Which URLs the installation accepts.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlRules {
    /// `SHIAN_WEBHOOK_ALLOW_HTTP`: http to loopback, and any host.
    pub allow_http_and_any_host: bool,
}

/// A robot that may be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWebhook {
    pub vendor: Vendor,
    pub url: String,
    pub secret: Option<String>,
    pub label: String,
}

/// Why a robot was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No vendor, or one we do not know.
    Vendor,
    UrlMissing,
    UrlTooLong,
    /// Not a URL at all.
    UrlInvalid,
    /// `http://` (or another scheme) where https is required.
    NotHttps,
    /// `http://` to a host that is not a loopback address (even in a test installation).
    HttpNotLoopback,
    /// A user name or password in the URL.
    UrlCredentials,
    /// Not one of the vendor's hosts, or not its standard port.
    WrongHost(Vendor),
    /// 钉钉's robots are registered with their 加签 secret.
    SecretMissing,
    /// 钉钉's secret (shown under 加签 in the robot's settings) starts with "SEC".
    SecretNotSec,
    /// 企业微信's group robots have no signing secret.
    SecretNotUsed,
    SecretTooLong,
    /// Spaces or control characters in the secret (a copy that caught more than it).
    SecretInvalid,
    LabelTooLong,
}

impl Refusal {
    /// A short code for the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Vendor => "vendor",
            Refusal::UrlMissing => "url_missing",
            Refusal::UrlTooLong => "url_too_long",
            Refusal::UrlInvalid => "url_invalid",
            Refusal::NotHttps => "not_https",
            Refusal::HttpNotLoopback => "http_not_loopback",
            Refusal::UrlCredentials => "url_credentials",
            Refusal::WrongHost(_) => "wrong_host",
            Refusal::SecretMissing => "secret_missing",
            Refusal::SecretNotSec => "secret_not_sec",
            Refusal::SecretNotUsed => "secret_not_used",
            Refusal::SecretTooLong => "secret_too_long",
            Refusal::SecretInvalid => "secret_invalid",
            Refusal::LabelTooLong => "label_too_long",
        }
    }
}

/// Checks a draft; every refusal at once, so the admin fixes them in one go.
pub fn validate(draft: &Draft<'_>, rules: UrlRules) -> Result<ValidWebhook, Vec<Refusal>> {
    let mut refusals = Vec::new();
    let vendor = Vendor::parse(draft.vendor);
    if vendor.is_none() {
        refusals.push(Refusal::Vendor);
    }
    let url = draft.url.trim();
    if let Err(refusal) = check_url(url, vendor, rules) {
        refusals.push(refusal);
    }
    let secret = draft.secret.trim();
    if let Some(vendor) = vendor
        && let Err(refusal) = check_secret(secret, vendor)
    {
        refusals.push(refusal);
    }
    let label = draft.label.trim();
    if label.chars().count() > MAX_LABEL_CHARS {
        refusals.push(Refusal::LabelTooLong);
    }
    match vendor {
        Some(vendor) if refusals.is_empty() => Ok(ValidWebhook {
            vendor,
            url: url.to_string(),
            secret: Some(secret.to_string()).filter(|s| !s.is_empty()),
            label: label.to_string(),
        }),
        _ => Err(refusals),
    }
}

fn check_url(text: &str, vendor: Option<Vendor>, rules: UrlRules) -> Result<(), Refusal> {
    if text.is_empty() {
        return Err(Refusal::UrlMissing);
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Err(Refusal::UrlTooLong);
    }
    let url = Url::parse(text).map_err(|_| Refusal::UrlInvalid)?;
    let Some(host) = url.host() else {
        return Err(Refusal::UrlInvalid);
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::UrlCredentials);
    }
    match url.scheme() {
        "https" => {}
        "http" if rules.allow_http_and_any_host => {
            if !is_loopback(&host) {
                return Err(Refusal::HttpNotLoopback);
            }
        }
        _ => return Err(Refusal::NotHttps),
    }
    if rules.allow_http_and_any_host {
        return Ok(());
    }
    // Without a vendor there is nothing to match the host against (refused already).
    let Some(vendor) = vendor else {
        return Ok(());
    };
    let host_matches = match &host {
        Host::Domain(name) => vendor.hosts().iter().any(|h| name.eq_ignore_ascii_case(h)),
        Host::Ipv4(_) | Host::Ipv6(_) => false,
    };
    // `port()` is None for the scheme's default (443), so an explicit :443 passes too.
    if !host_matches || url.port().is_some() {
        return Err(Refusal::WrongHost(vendor));
    }
    Ok(())
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

fn check_secret(secret: &str, vendor: Vendor) -> Result<(), Refusal> {
    if secret.chars().count() > MAX_SECRET_CHARS {
        return Err(Refusal::SecretTooLong);
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Refusal::SecretInvalid);
    }
    match vendor {
        Vendor::Wecom if !secret.is_empty() => Err(Refusal::SecretNotUsed),
        Vendor::Dingtalk if secret.is_empty() => Err(Refusal::SecretMissing),
        Vendor::Dingtalk if !secret.starts_with("SEC") => Err(Refusal::SecretNotSec),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: UrlRules = UrlRules {
        allow_http_and_any_host: false,
    };
    const TESTING: UrlRules = UrlRules {
        allow_http_and_any_host: true,
    };

    fn draft<'a>(vendor: &'a str, url: &'a str, secret: &'a str) -> Draft<'a> {
        Draft {
            vendor,
            url,
            secret,
            label: "创建办工作群",
        }
    }

    #[test]
    fn the_vendors_own_urls_pass() {
        let ok = validate(
            &draft(
                "wecom",
                " https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc ",
                "",
            ),
            STRICT,
        )
        .unwrap();
        assert_eq!(ok.vendor, Vendor::Wecom);
        assert_eq!(
            ok.url,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
        );
        assert_eq!(ok.secret, None);
        let ok = validate(
            &draft(
                "dingtalk",
                "https://oapi.dingtalk.com/robot/send?access_token=t",
                "SECabc",
            ),
            STRICT,
        )
        .unwrap();
        assert_eq!(ok.secret.as_deref(), Some("SECabc"));
        for url in [
            "https://open.feishu.cn/open-apis/bot/v2/hook/x",
            "https://open.larksuite.com/open-apis/bot/v2/hook/x",
            "https://OPEN.FEISHU.CN:443/open-apis/bot/v2/hook/x",
        ] {
            assert!(validate(&draft("feishu", url, ""), STRICT).is_ok(), "{url}");
            assert!(validate(&draft("feishu", url, "s3cret"), STRICT).is_ok());
        }
    }

    #[test]
    fn other_urls_are_refused_with_their_reason() {
        let refused = |vendor, url, secret, rules| validate(&draft(vendor, url, secret), rules);
        assert_eq!(
            refused(
                "wecom",
                "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a",
                "",
                STRICT
            ),
            Err(vec![Refusal::NotHttps])
        );
        assert_eq!(
            refused("wecom", "https://oapi.dingtalk.com/robot/send", "", STRICT),
            Err(vec![Refusal::WrongHost(Vendor::Wecom)])
        );
        assert_eq!(
            refused(
                "wecom",
                "https://qyapi.weixin.qq.com.evil.example/send",
                "",
                STRICT
            ),
            Err(vec![Refusal::WrongHost(Vendor::Wecom)])
        );
        assert_eq!(
            refused(
                "feishu",
                "https://open.feishu.cn:8443/open-apis/bot/v2/hook/x",
                "",
                STRICT
            ),
            Err(vec![Refusal::WrongHost(Vendor::Feishu)])
        );
        assert_eq!(
            refused("wecom", "https://u:p@qyapi.weixin.qq.com/x", "", STRICT),
            Err(vec![Refusal::UrlCredentials])
        );
        assert_eq!(
            refused("wecom", "qyapi.weixin.qq.com/x", "", STRICT),
            Err(vec![Refusal::UrlInvalid])
        );
        assert_eq!(
            refused("wecom", "", "", STRICT),
            Err(vec![Refusal::UrlMissing])
        );
        assert_eq!(
            refused("slack", "https://hooks.example/x", "", STRICT),
            Err(vec![Refusal::Vendor])
        );
        // Plain http is for loopback only, even where it is allowed at all.
        assert_eq!(
            refused("wecom", "http://127.0.0.1:9000/send?key=a", "", STRICT),
            Err(vec![Refusal::NotHttps])
        );
        assert!(refused("wecom", "http://127.0.0.1:9000/send?key=a", "", TESTING).is_ok());
        assert!(refused("wecom", "http://[::1]:9000/send", "", TESTING).is_ok());
        assert_eq!(
            refused("wecom", "http://10.0.0.8/send", "", TESTING),
            Err(vec![Refusal::HttpNotLoopback])
        );
        assert_eq!(
            refused("wecom", "ftp://127.0.0.1/send", "", TESTING),
            Err(vec![Refusal::NotHttps])
        );
    }

    #[test]
    fn secrets_follow_the_vendor() {
        let url = "https://oapi.dingtalk.com/robot/send?access_token=t";
        assert_eq!(
            validate(&draft("dingtalk", url, ""), STRICT),
            Err(vec![Refusal::SecretMissing])
        );
        assert_eq!(
            validate(&draft("dingtalk", url, "abc123"), STRICT),
            Err(vec![Refusal::SecretNotSec])
        );
        assert_eq!(
            validate(&draft("dingtalk", url, "SEC ab"), STRICT),
            Err(vec![Refusal::SecretInvalid])
        );
        let long = format!("SEC{}", "a".repeat(MAX_SECRET_CHARS));
        assert_eq!(
            validate(&draft("dingtalk", url, &long), STRICT),
            Err(vec![Refusal::SecretTooLong])
        );
        assert_eq!(
            validate(
                &draft(
                    "wecom",
                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a",
                    "SECx"
                ),
                STRICT
            ),
            Err(vec![Refusal::SecretNotUsed])
        );
    }

    #[test]
    fn every_refusal_is_reported_at_once() {
        let refused = validate(
            &Draft {
                vendor: "dingtalk",
                url: "http://oapi.dingtalk.com/robot/send",
                secret: "nosec",
                label: &"群".repeat(MAX_LABEL_CHARS + 1),
            },
            STRICT,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            vec![
                Refusal::NotHttps,
                Refusal::SecretNotSec,
                Refusal::LabelTooLong
            ]
        );
    }
}
