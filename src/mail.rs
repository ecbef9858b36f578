//! Optional e-mail for notifications, off unless configured. Notifications are the
//! outbox: a background job mails those not yet sent to users who have an address, so
//! a slow or failing mail server never delays a page, and a failed send is retried.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;

use crate::config::Config;
use crate::i18n::Lang;
use crate::notifications::{self, Notification};

/// Notifications older than this are not mailed (e.g. after mail is switched on).
const MAX_AGE_HOURS: i64 = 48;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Writes `.eml` files into a folder instead of sending (development, tests).
    Folder(AsyncFileTransport<Tokio1Executor>),
}

pub struct Outbox {
    mailer: Mailer,
    from: Mailbox,
    public_url: String,
}

impl Outbox {
    /// None when neither `SHIAN_SMTP_URL` nor `SHIAN_MAIL_DIR` is set.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Outbox>> {
        let mailer = match (&config.smtp_url, &config.mail_dir) {
            (Some(url), _) => Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SHIAN_SMTP_URL is invalid: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir)?;
                Mailer::Folder(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
            (None, None) => return Ok(None),
        };
        let from = config.mail_from.parse().map_err(|e| {
            anyhow::anyhow!(
                "SHIAN_MAIL_FROM {:?} is not an address: {e}",
                config.mail_from
            )
        })?;
        Ok(Some(Outbox {
            mailer,
            from,
            public_url: config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.addr))
                .trim_end_matches('/')
                .to_string(),
        }))
    }

    /// Mails what is waiting; returns how many went out. Stops at the first failure (the
    /// rest is tried again next time).
    pub async fn send_pending(&self, db: &PgPool) -> anyhow::Result<usize> {
        let pending: Vec<Pending> = sqlx::query_as(
            "SELECT n.id, n.kind, n.params, n.link, n.created_at, n.read_at, u.email, u.locale \
             FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.emailed_at IS NULL AND u.email IS NOT NULL AND u.active \
               AND n.created_at > now() - make_interval(hours => $1) \
             ORDER BY n.id LIMIT 200",
        )
        .bind(MAX_AGE_HOURS as i32)
        .fetch_all(db)
        .await?;
        let mut sent = 0;
        for Pending {
            notification,
            email,
            locale,
        } in pending
        {
            let id = notification.id;
            let link = notification.link.clone();
            let lang = locale
                .as_deref()
                .and_then(Lang::from_code)
                .unwrap_or_default();
            let text = notifications::text(lang, &notification);
            let Ok(to) = email.parse::<Mailbox>() else {
                tracing::warn!(notification = id, "skipping a malformed e-mail address");
                mark_sent(db, id).await?;
                continue;
            };
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(format!("【{}】{}", lang.t("app-name"), text))
                .header(ContentType::TEXT_PLAIN)
                .body(format!(
                    "{text}\n\n{}{}\n\n— {}\n",
                    self.public_url,
                    link,
                    lang.t("app-full-name")
                ))?;
            let result = match &self.mailer {
                Mailer::Smtp(transport) => transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(anyhow::Error::from),
                Mailer::Folder(transport) => transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(anyhow::Error::from),
            };
            if let Err(err) = result {
                tracing::warn!(error = %err, "sending e-mail failed; will retry");
                break;
            }
            mark_sent(db, id).await?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// A notification waiting to be mailed, with its recipient.
#[derive(sqlx::FromRow)]
struct Pending {
    #[sqlx(flatten)]
    notification: Notification,
    email: String,
    locale: Option<String>,
}

async fn mark_sent(db: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET emailed_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
