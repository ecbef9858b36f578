//! Settings: built-in defaults, overridden by an optional `shian.toml`, overridden by
//! environment variables. Every setting has a default so a first run needs nothing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// Counties seeded on first start (the default list follows the seed city's districts);
/// the administrator edits the list afterwards under 组织机构.
pub const DEFAULT_COUNTIES: &[&str] = &[
    "卡若区",
    "江达县",
    "贡觉县",
    "类乌齐县",
    "丁青县",
    "察雅县",
    "八宿县",
    "左贡县",
    "芒康县",
    "洛隆县",
    "边坝县",
];

#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server listens on (`SHIAN_ADDR`).
    pub addr: SocketAddr,
    /// External PostgreSQL (`DATABASE_URL`); `None` runs the embedded cluster.
    pub database_url: Option<String>,
    /// Folder for everything Shian keeps on disk (`SHIAN_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Folder with CSS/JS/images (`SHIAN_STATIC_DIR`).
    pub static_dir: PathBuf,
    /// Mark the session cookie `Secure` (`SHIAN_COOKIE_SECURE`); defaults to true when
    /// `public_url` is https.
    pub cookie_secure: bool,
    /// The address users reach Shian at (`SHIAN_PUBLIC_URL`), e.g. `https://shian.example.gov.cn`.
    pub public_url: Option<String>,
    /// Idle session lifetime in minutes (`SHIAN_SESSION_MINUTES`).
    pub session_minutes: i64,
    /// Counties created on first start when none exist (`SHIAN_COUNTIES`, comma separated).
    pub default_counties: Vec<String>,
    /// Largest pool size (`SHIAN_DB_POOL`).
    pub db_pool_size: u32,
    /// Take the client address from `X-Forwarded-For` (`SHIAN_TRUST_PROXY`); only behind
    /// a reverse proxy you run, which sets that header.
    pub trust_proxy: bool,
    /// Largest evidence file in bytes (`SHIAN_MAX_UPLOAD_MB`, in megabytes).
    pub max_upload_bytes: u64,
    /// The city of the campaign created on first start (`SHIAN_CITY`).
    pub city_name: String,
    /// Send notification e-mail through this server (`SHIAN_SMTP_URL`, e.g.
    /// `smtps://user:password@smtp.example.gov.cn`). Off when unset.
    pub smtp_url: Option<String>,
    /// Instead of sending, write e-mail as `.eml` files into this folder (`SHIAN_MAIL_DIR`).
    pub mail_dir: Option<PathBuf>,
    /// Sender of notification e-mail (`SHIAN_MAIL_FROM`).
    pub mail_from: String,
    // upload and shutdown hardening
    /// An upload whose body sends nothing for this long is refused
    /// (`SHIAN_UPLOAD_IDLE_SECS`); uploads have no total time limit, only this and size.
    pub upload_idle: Duration,
    /// Longest time any other request may take (`SHIAN_REQUEST_TIMEOUT_SECS`).
    pub request_timeout: Duration,
    /// A connection must send a complete request head within this time
    /// (`SHIAN_HEADER_READ_TIMEOUT_SECS`), so half-open connections do not pile up.
    pub header_read_timeout: Duration,
    /// After a stop signal, requests in flight get this long to finish before their
    /// connections are closed (`SHIAN_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace: Duration,
    // sign-in hardening
    /// Failed sign-ins of one username from one address before attempts are spaced out
    /// (`SHIAN_LOGIN_FREE_FAILURES`).
    pub login_free_failures: u32,
    /// The first wait after those, doubled on each further failure up to 15 minutes
    /// (`SHIAN_LOGIN_FIRST_DELAY_SECS`).
    pub login_first_delay_secs: u64,
    /// Failed sign-ins per minute from one address before new usernames from it wait
    /// (`SHIAN_LOGIN_ADDRESS_LIMIT`).
    pub login_address_failures_per_minute: u32,
    /// Failed sign-ins per minute in all before failing addresses wait
    /// (`SHIAN_LOGIN_GLOBAL_LIMIT`).
    pub login_global_failures_per_minute: u32,
    /// 公示 objections per hour from one client address (`SHIAN_OBJECTION_LIMIT`).
    pub objection_limit_per_hour: u32,
    /// The largest attachment to a 公示 objection (`SHIAN_OBJECTION_ATTACHMENT_MB`,
    /// default 10, never above the upload limit): anyone may send one without signing
    /// in, so the public form takes far less than a clerk's evidence upload.
    pub objection_attachment_bytes: u64,
    /// Roles that must sign in with a second factor (`SHIAN_TWO_FACTOR_ROLES`, comma
    /// separated, `none` for none).
    pub two_factor_roles: Vec<crate::accounts::Role>,
    /// Days a browser may skip the second step when the user asks (`SHIAN_TWO_FACTOR_REMEMBER_DAYS`; 0: never).
    pub two_factor_remember_days: u32,
    // operations hardening
    /// Where the embedded cluster goes when Shian runs as root and the `postgres` account
    /// cannot enter the data folder (`SHIAN_PG_FALLBACK_DIR`).
    pub embedded_pg_fallback_dir: PathBuf,
    /// Dashboards and other derived figures follow other people's changes at most this
    /// late (`SHIAN_FIGURES_REFRESH_MS`); whoever made a change sees it at once.
    pub figures_refresh: Duration,
    /// The program the search indexer runs as `PROGRAM extract-text` (None: this
    /// executable; tests point it at the built `shian` binary).
    pub extract_program: Option<PathBuf>,
    /// Work-group robots (`SHIAN_WEBHOOK_DIGEST_MINUTES`, `SHIAN_WEBHOOK_ALLOW_HTTP`).
    pub webhooks: crate::webhooks::WebhookConfig,
}

/// The shape of `shian.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    static_dir: Option<PathBuf>,
    cookie_secure: Option<bool>,
    public_url: Option<String>,
    session_minutes: Option<i64>,
    counties: Option<Vec<String>>,
    db_pool_size: Option<u32>,
    trust_proxy: Option<bool>,
    max_upload_mb: Option<u64>,
    city: Option<String>,
    smtp_url: Option<String>,
    mail_dir: Option<PathBuf>,
    mail_from: Option<String>,
    // upload and shutdown hardening
    upload_idle_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    header_read_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    // sign-in hardening
    login_free_failures: Option<u32>,
    login_first_delay_secs: Option<u64>,
    login_address_limit: Option<u32>,
    login_global_limit: Option<u32>,
    objection_limit: Option<u32>,
    objection_attachment_mb: Option<u64>,
    two_factor_roles: Option<Vec<String>>,
    two_factor_remember_days: Option<u32>,
    // operations hardening
    pg_fallback_dir: Option<PathBuf>,
    figures_refresh_ms: Option<u64>,
    // work-group robots
    webhook_digest_minutes: Option<u32>,
    webhook_allow_http: Option<bool>,
}

impl Config {
    /// Reads `SHIAN_CONFIG` (or `./shian.toml` when present) and the environment.
    pub fn load() -> anyhow::Result<Config> {
        let file = match std::env::var_os("SHIAN_CONFIG") {
            Some(path) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from("shian.toml")).filter(|p| p.exists()),
        };
        let file_config = match file {
            Some(path) => read_file_config(&path)?,
            None => FileConfig::default(),
        };
        Config::from_sources(file_config, |key| std::env::var(key).ok())
    }

    fn from_sources(
        file: FileConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let env = |key: &str| env(key).filter(|v| !v.trim().is_empty());

        let addr_text = env("SHIAN_ADDR")
            .or(file.addr)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr = addr_text.parse().with_context(|| {
            format!("SHIAN_ADDR {addr_text:?} is not an address like 127.0.0.1:8080")
        })?;

        let public_url = env("SHIAN_PUBLIC_URL").or(file.public_url);
        let cookie_secure = match env("SHIAN_COOKIE_SECURE") {
            Some(v) => parse_bool("SHIAN_COOKIE_SECURE", &v)?,
            None => file.cookie_secure.unwrap_or_else(|| {
                public_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://"))
            }),
        };

        let session_minutes = match env("SHIAN_SESSION_MINUTES") {
            Some(v) => v
                .parse()
                .with_context(|| format!("SHIAN_SESSION_MINUTES {v:?} is not a number"))?,
            None => file.session_minutes.unwrap_or(8 * 60),
        };
        if session_minutes < 5 {
            bail!("session lifetime must be at least 5 minutes");
        }

        let default_counties = match env("SHIAN_COUNTIES") {
            Some(v) => v
                .split([',', '，'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file
                .counties
                .unwrap_or_else(|| DEFAULT_COUNTIES.iter().map(|s| s.to_string()).collect()),
        };

        let db_pool_size = match env("SHIAN_DB_POOL") {
            Some(v) => v
                .parse()
                .with_context(|| format!("SHIAN_DB_POOL {v:?} is not a number"))?,
            None => file.db_pool_size.unwrap_or(16),
        };

        let trust_proxy = match env("SHIAN_TRUST_PROXY") {
            Some(v) => parse_bool("SHIAN_TRUST_PROXY", &v)?,
            None => file.trust_proxy.unwrap_or(false),
        };

        let max_upload_mb = match env("SHIAN_MAX_UPLOAD_MB") {
            Some(v) => v
                .parse::<u64>()
                .with_context(|| format!("SHIAN_MAX_UPLOAD_MB {v:?} is not a number"))?,
            None => file.max_upload_mb.unwrap_or(200),
        };
        if max_upload_mb == 0 {
            bail!("SHIAN_MAX_UPLOAD_MB must be at least 1");
        }

        // upload and shutdown hardening
        let seconds =
            |key: &str, from_file: Option<u64>, default: u64| -> anyhow::Result<Duration> {
                let secs = match env(key) {
                    Some(v) => v
                        .parse::<u64>()
                        .with_context(|| format!("{key} {v:?} is not a number of seconds"))?,
                    None => from_file.unwrap_or(default),
                };
                if secs == 0 {
                    bail!("{key} must be at least 1 second");
                }
                Ok(Duration::from_secs(secs))
            };
        let upload_idle = seconds("SHIAN_UPLOAD_IDLE_SECS", file.upload_idle_secs, 60)?;
        let request_timeout =
            seconds("SHIAN_REQUEST_TIMEOUT_SECS", file.request_timeout_secs, 120)?;
        let header_read_timeout = seconds(
            "SHIAN_HEADER_READ_TIMEOUT_SECS",
            file.header_read_timeout_secs,
            30,
        )?;
        let shutdown_grace = seconds("SHIAN_SHUTDOWN_GRACE_SECS", file.shutdown_grace_secs, 20)?;
        let figures_refresh = match env("SHIAN_FIGURES_REFRESH_MS") {
            Some(v) => v
                .trim()
                .parse()
                .with_context(|| format!("SHIAN_FIGURES_REFRESH_MS {v:?} is not a number"))?,
            None => file.figures_refresh_ms.unwrap_or(1_000),
        };
        anyhow::ensure!(
            figures_refresh <= 60_000,
            "SHIAN_FIGURES_REFRESH_MS {figures_refresh} is over a minute"
        );
        let figures_refresh = Duration::from_millis(figures_refresh);
        // sign-in hardening
        let number = |key: &str, from_file: Option<u64>, default: u64| -> anyhow::Result<u64> {
            match env(key) {
                Some(v) => v
                    .trim()
                    .parse()
                    .with_context(|| format!("{key} {v:?} is not a number")),
                None => Ok(from_file.unwrap_or(default)),
            }
        };
        let small = |value: u64, key: &str| -> anyhow::Result<u32> {
            u32::try_from(value).with_context(|| format!("{key} {value} is too large"))
        };
        let login_free_failures = small(
            number(
                "SHIAN_LOGIN_FREE_FAILURES",
                file.login_free_failures.map(u64::from),
                5,
            )?,
            "SHIAN_LOGIN_FREE_FAILURES",
        )?;
        let login_first_delay_secs = number(
            "SHIAN_LOGIN_FIRST_DELAY_SECS",
            file.login_first_delay_secs,
            1,
        )?;
        let login_address_failures_per_minute = small(
            number(
                "SHIAN_LOGIN_ADDRESS_LIMIT",
                file.login_address_limit.map(u64::from),
                30,
            )?,
            "SHIAN_LOGIN_ADDRESS_LIMIT",
        )?;
        let login_global_failures_per_minute = small(
            number(
                "SHIAN_LOGIN_GLOBAL_LIMIT",
                file.login_global_limit.map(u64::from),
                300,
            )?,
            "SHIAN_LOGIN_GLOBAL_LIMIT",
        )?;
        let objection_limit_per_hour = small(
            number(
                "SHIAN_OBJECTION_LIMIT",
                file.objection_limit.map(u64::from),
                5,
            )?,
            "SHIAN_OBJECTION_LIMIT",
        )?;
        let objection_attachment_mb = number(
            "SHIAN_OBJECTION_ATTACHMENT_MB",
            file.objection_attachment_mb,
            10,
        )?;
        if objection_attachment_mb == 0 {
            bail!("SHIAN_OBJECTION_ATTACHMENT_MB must be at least 1");
        }
        let objection_attachment_mb = objection_attachment_mb.min(max_upload_mb);
        if login_free_failures == 0
            || login_address_failures_per_minute == 0
            || login_global_failures_per_minute == 0
        {
            bail!(
                "SHIAN_LOGIN_FREE_FAILURES, SHIAN_LOGIN_ADDRESS_LIMIT and SHIAN_LOGIN_GLOBAL_LIMIT must be at least 1"
            );
        }
        let role_names: Vec<String> = match env("SHIAN_TWO_FACTOR_ROLES") {
            Some(v) => v.split([',', '，']).map(|s| s.trim().to_string()).collect(),
            None => file
                .two_factor_roles
                .unwrap_or_else(|| vec!["admin".to_string()]),
        };
        let mut two_factor_roles = Vec::new();
        for name in role_names
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case("none"))
        {
            let role = crate::accounts::Role::parse(name).with_context(|| {
                format!("SHIAN_TWO_FACTOR_ROLES: {name:?} is not a role (admin, office, department, assessor, viewer)")
            })?;
            if !two_factor_roles.contains(&role) {
                two_factor_roles.push(role);
            }
        }
        let two_factor_remember_days = small(
            number(
                "SHIAN_TWO_FACTOR_REMEMBER_DAYS",
                file.two_factor_remember_days.map(u64::from),
                30,
            )?,
            "SHIAN_TWO_FACTOR_REMEMBER_DAYS",
        )?;

        // work-group robots
        let webhook_digest_minutes = number(
            "SHIAN_WEBHOOK_DIGEST_MINUTES",
            file.webhook_digest_minutes.map(u64::from),
            10,
        )?;
        anyhow::ensure!(
            webhook_digest_minutes <= 24 * 60,
            "SHIAN_WEBHOOK_DIGEST_MINUTES {webhook_digest_minutes} is over a day"
        );
        let webhook_allow_http = match env("SHIAN_WEBHOOK_ALLOW_HTTP") {
            Some(v) => parse_bool("SHIAN_WEBHOOK_ALLOW_HTTP", &v)?,
            None => file.webhook_allow_http.unwrap_or(false),
        };

        let webhooks = crate::webhooks::WebhookConfig {
            digest_minutes: webhook_digest_minutes as u32,
            allow_http: webhook_allow_http,
            ..Default::default()
        };
        Ok(Config {
            addr,
            database_url: env("DATABASE_URL").or(file.database_url),
            data_dir: env("SHIAN_DATA_DIR")
                .map(PathBuf::from)
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("shian-data")),
            static_dir: env("SHIAN_STATIC_DIR")
                .map(PathBuf::from)
                .or(file.static_dir)
                .unwrap_or_else(default_static_dir),
            cookie_secure,
            public_url,
            session_minutes,
            default_counties,
            db_pool_size,
            trust_proxy,
            max_upload_bytes: max_upload_mb * 1024 * 1024,
            city_name: env("SHIAN_CITY")
                .or(file.city)
                .unwrap_or_else(|| "昌都市".to_string()),
            smtp_url: env("SHIAN_SMTP_URL").or(file.smtp_url),
            mail_dir: env("SHIAN_MAIL_DIR").map(PathBuf::from).or(file.mail_dir),
            mail_from: env("SHIAN_MAIL_FROM")
                .or(file.mail_from)
                .unwrap_or_else(|| "食安创建 <noreply@localhost>".to_string()),
            // upload and shutdown hardening
            upload_idle,
            request_timeout,
            header_read_timeout,
            shutdown_grace,
            // sign-in hardening
            login_free_failures,
            login_first_delay_secs,
            login_address_failures_per_minute,
            login_global_failures_per_minute,
            objection_limit_per_hour,
            objection_attachment_bytes: objection_attachment_mb * 1024 * 1024,
            two_factor_roles,
            two_factor_remember_days,
            // operations hardening
            embedded_pg_fallback_dir: env("SHIAN_PG_FALLBACK_DIR")
                .map(PathBuf::from)
                .or(file.pg_fallback_dir)
                .unwrap_or_else(|| PathBuf::from(crate::db::embedded::DEFAULT_FALLBACK_BASE)),
            figures_refresh,
            extract_program: None,
            webhooks,
        })
    }

    /// A configuration for tests: everything default, nothing read from the environment.
    pub fn for_tests(database_url: String, data_dir: PathBuf) -> Config {
        let mut config =
            Config::from_sources(FileConfig::default(), |_| None).expect("defaults are valid");
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.database_url = Some(database_url);
        config.data_dir = data_dir;
        config.db_pool_size = 4;
        // Tests check one user's change on another user's page right away.
        config.figures_refresh = Duration::ZERO;
        config
    }

    /// The address users reach Shian at, without a trailing slash, for links sent
    /// outside the browser (e-mail, work groups): the public URL, else the listening
    /// address.
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }

    /// Where uploaded files are kept.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Where the embedded PostgreSQL cluster lives.
    pub fn embedded_pg_dir(&self) -> PathBuf {
        self.data_dir.join("pg")
    }
}

fn read_file_config(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration file {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("configuration file {} is invalid", path.display()))
}

fn parse_bool(key: &str, value: &str) -> anyhow::Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{key} {value:?} must be true or false"),
    }
}

/// The `static/` folder of the source tree when it is there (development, tests), else
/// `./static` beside the working directory (container images copy it there).
fn default_static_dir() -> PathBuf {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    if built_in.is_dir() {
        built_in
    } else {
        PathBuf::from("static")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(pairs: &[(&str, &str)], file: FileConfig) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(file, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_nothing() {
        let c = with_env(&[], FileConfig::default()).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.is_none());
        assert_eq!(c.data_dir, PathBuf::from("shian-data"));
        assert!(!c.cookie_secure);
        assert_eq!(c.default_counties.len(), DEFAULT_COUNTIES.len());
    }

    #[test]
    fn environment_overrides_file() {
        let file = FileConfig {
            addr: Some("0.0.0.0:9000".into()),
            public_url: Some("https://shian.example".into()),
            ..Default::default()
        };
        let c = with_env(
            &[
                ("SHIAN_ADDR", "127.0.0.1:7000"),
                ("SHIAN_COUNTIES", "甲县，乙区, 丙县"),
            ],
            file,
        )
        .unwrap();
        assert_eq!(c.addr.port(), 7000);
        assert!(c.cookie_secure, "https public URL implies Secure cookies");
        assert_eq!(c.default_counties, vec!["甲县", "乙区", "丙县"]);
    }

    #[test]
    fn bad_values_are_explained() {
        let err = with_env(&[("SHIAN_ADDR", "localhost")], FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("SHIAN_ADDR"));
        let err = with_env(&[("SHIAN_COOKIE_SECURE", "maybe")], FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("true or false"));
    }

    #[test]
    fn upload_and_shutdown_limits() {
        let c = with_env(&[], FileConfig::default()).unwrap();
        assert_eq!(c.upload_idle, Duration::from_secs(60));
        assert_eq!(c.request_timeout, Duration::from_secs(120));
        assert_eq!(c.header_read_timeout, Duration::from_secs(30));
        assert_eq!(c.shutdown_grace, Duration::from_secs(20));
        let file = FileConfig {
            shutdown_grace_secs: Some(5),
            ..Default::default()
        };
        let c = with_env(&[("SHIAN_UPLOAD_IDLE_SECS", "15")], file).unwrap();
        assert_eq!(c.upload_idle, Duration::from_secs(15));
        assert_eq!(c.shutdown_grace, Duration::from_secs(5));
        let err = with_env(&[("SHIAN_UPLOAD_IDLE_SECS", "0")], FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("SHIAN_UPLOAD_IDLE_SECS"));
    }

    #[test]
    fn sign_in_settings() {
        let c = with_env(&[], FileConfig::default()).unwrap();
        assert_eq!(c.two_factor_roles, vec![crate::accounts::Role::Admin]);
        assert_eq!(c.two_factor_remember_days, 30);
        assert_eq!(
            (
                c.login_free_failures,
                c.login_address_failures_per_minute,
                c.login_global_failures_per_minute
            ),
            (5, 30, 300)
        );
        let c = with_env(
            &[("SHIAN_TWO_FACTOR_ROLES", "admin, Office，assessor")],
            FileConfig::default(),
        )
        .unwrap();
        assert_eq!(c.two_factor_roles.len(), 3);
        let c = with_env(&[("SHIAN_TWO_FACTOR_ROLES", "none")], FileConfig::default()).unwrap();
        assert!(c.two_factor_roles.is_empty());
        let err =
            with_env(&[("SHIAN_TWO_FACTOR_ROLES", "root")], FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("root"));
        let err =
            with_env(&[("SHIAN_LOGIN_GLOBAL_LIMIT", "0")], FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("at least 1"));
    }

    #[test]
    fn webhook_settings() {
        let c = with_env(&[], FileConfig::default()).unwrap();
        assert_eq!(
            (c.webhooks.digest_minutes, c.webhooks.allow_http),
            (10, false)
        );
        let env = [
            ("SHIAN_WEBHOOK_DIGEST_MINUTES", "0"),
            ("SHIAN_WEBHOOK_ALLOW_HTTP", "1"),
            ("SHIAN_PUBLIC_URL", "https://shian.test/"),
        ];
        let c = with_env(&env, FileConfig::default()).unwrap();
        assert_eq!(
            (c.webhooks.digest_minutes, c.webhooks.allow_http),
            (0, true)
        );
        assert_eq!(c.public_base(), "https://shian.test");
        let err = with_env(
            &[env[0], ("SHIAN_WEBHOOK_DIGEST_MINUTES", "2000")],
            FileConfig::default(),
        );
        assert!(err.unwrap_err().to_string().contains("over a day"));
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        let err = toml::from_str::<FileConfig>("adress = \"x\"").unwrap_err();
        assert!(err.to_string().contains("adress"));
    }
}
