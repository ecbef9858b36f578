//! Connecting to PostgreSQL: the configured server, or the embedded cluster.

pub mod database_url;
pub mod embedded;
pub mod health;
pub mod watchdog;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;
use embedded::{Durability, EmbeddedPostgres};

/// The application's database name inside the embedded cluster.
const EMBEDDED_DATABASE: &str = "shian";

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open pool, plus the embedded cluster when Shian runs its own.
pub struct Database {
    pub pool: PgPool,
    /// A libpq URL of the same database, for `pg_dump` and `pg_restore`.
    pub url: String,
    /// Shared with the watchdog, which restarts the cluster if its postmaster dies.
    embedded: Option<Arc<tokio::sync::Mutex<EmbeddedPostgres>>>,
}

impl Database {
    /// Connects (starting the embedded cluster if no `DATABASE_URL` is configured) and
    /// brings the schema up to date.
    pub async fn open(config: &Config) -> anyhow::Result<Database> {
        Database::open_with(config, true).await
    }

    /// Connects without touching the schema (a restore needs the database as it is).
    pub async fn open_unmigrated(config: &Config) -> anyhow::Result<Database> {
        Database::open_with(config, false).await
    }

    async fn open_with(config: &Config, run_migrations: bool) -> anyhow::Result<Database> {
        let Some(url) = &config.database_url else {
            return Database::open_embedded(config, run_migrations).await;
        };
        let pool = connect(url, config.db_pool_size).await?;
        if run_migrations {
            migrate(&pool).await?;
        }
        Ok(Database {
            pool,
            url: database_url::normalise(url)
                .map_err(|e| anyhow::anyhow!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))?,
            embedded: None,
        })
    }

    async fn open_embedded(config: &Config, run_migrations: bool) -> anyhow::Result<Database> {
        let mut cluster = EmbeddedPostgres::new_with_fallback(
            &config.embedded_pg_dir(),
            Durability::Durable,
            &config.embedded_pg_fallback_dir,
        )?;
        cluster.ensure_running().await?;
        let url = cluster.url(EMBEDDED_DATABASE);
        let opened = async {
            create_database_if_missing(&cluster.url("postgres"), EMBEDDED_DATABASE).await?;
            let pool = connect(&url, config.db_pool_size).await?;
            if run_migrations && let Err(err) = migrate(&pool).await {
                pool.close().await;
                return Err(err);
            }
            Ok(pool)
        }
        .await;
        match opened {
            Ok(pool) => Ok(Database {
                pool,
                url,
                embedded: Some(Arc::new(tokio::sync::Mutex::new(cluster))),
            }),
            Err(err) => {
                // Leave nothing running behind a failed start.
                cluster.stop_if_started_here().await;
                Err(err)
            }
        }
    }

    /// Starts the watchdog of the embedded cluster (none for an external server, whose
    /// restarts are its operator's business).
    pub fn watchdog(&self) -> Option<tokio::task::JoinHandle<()>> {
        let cluster = Arc::clone(self.embedded.as_ref()?);
        Some(tokio::spawn(watchdog::watch(
            cluster,
            watchdog::Schedule::default(),
        )))
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = &self.embedded {
            cluster.lock().await.stop_if_started_here().await;
        }
    }
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("applying database migrations")
}

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = connect_options(url)?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))
}

/// Parses a PostgreSQL URL in any form libpq documents (see [`database_url`]).
pub fn connect_options(url: &str) -> anyhow::Result<PgConnectOptions> {
    let normalised = database_url::normalise(url)
        .map_err(|e| anyhow::anyhow!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))?;
    normalised
        .parse()
        .context("DATABASE_URL is not a valid PostgreSQL URL")
}

/// Creates `name` on the server behind `admin_url` unless it exists.
pub async fn create_database_if_missing(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let admin = connect(admin_url, 1).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&admin)
            .await?;
    if !exists {
        // Identifiers cannot be bound; `name` is one of our own constants.
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&admin)
            .await
            .with_context(|| format!("creating database {name}"))?;
    }
    admin.close().await;
    Ok(())
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// True when a sqlx error is a unique-constraint violation (to answer 422, not 500).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
