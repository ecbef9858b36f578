//! Building and running the application: database, first-start data, HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::Config;
use crate::db::Database;
use crate::rubric::{data::BUNDLED_2021, import};
use crate::web::{self, AppState};
use crate::{accounts, orgs};

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    serve_settings: web::serve::ServeSettings,
    database: Database,
    /// Periodic jobs (expired sessions, reminders), stopped at shutdown.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Opens the database, loads first-start data and binds the listener (port 0 picks a
    /// free port, which tests use).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let database = Database::open(&config).await?;
        let sessions = prepare(&database.pool, &config).await?;
        let reminders = tokio::spawn({
            let pool = database.pool.clone();
            async move {
                let mut every = tokio::time::interval(tokio::time::Duration::from_secs(3600));
                loop {
                    every.tick().await;
                    match crate::notifications::send_reminders(&pool).await {
                        Ok(0) => {}
                        Ok(sent) => tracing::info!(sent, "reminders sent"),
                        Err(err) => tracing::warn!(error = %err, "sending reminders failed"),
                    }
                    // Tasks that stay overdue climb the escalation rule: the clerk, the
                    // unit head, then a 督办单 drafted for the office.
                    if let Ok(Some(campaign)) = crate::campaigns::current(&pool).await {
                        match crate::supervision::escalate(&pool, campaign.id, campaign.today())
                            .await
                        {
                            Ok(done)
                                if done.drafts + done.clerk_reminders + done.head_reminders > 0 =>
                            {
                                tracing::info!(
                                    drafts = done.drafts,
                                    clerks = done.clerk_reminders,
                                    heads = done.head_reminders,
                                    "overdue work escalated"
                                )
                            }
                            Ok(_) => {}
                            Err(err) => tracing::warn!(error = %err, "escalation failed"),
                        }
                    }
                }
            }
        });
        let throttle_cleanup = tokio::spawn({
            let pool = database.pool.clone();
            async move {
                let mut every = tokio::time::interval(tokio::time::Duration::from_secs(3600));
                loop {
                    every.tick().await;
                    if let Err(err) = accounts::throttle::forget_stale(&pool).await {
                        tracing::warn!(error = %err, "sign-in throttle cleanup failed");
                    }
                }
            }
        });
        let mut background = vec![reminders, throttle_cleanup];
        background.extend(database.watchdog());
        if let Some(outbox) = crate::mail::Outbox::from_config(&config)? {
            let pool = database.pool.clone();
            background.push(tokio::spawn(async move {
                let mut every = tokio::time::interval(tokio::time::Duration::from_secs(30));
                loop {
                    every.tick().await;
                    if let Err(err) = outbox.send_pending(&pool).await {
                        tracing::warn!(error = %err, "e-mail outbox failed");
                    }
                }
            }));
        }
        // Work-group robots: digests and their outbox (requests only insert notifications).
        background.push(tokio::spawn(
            crate::webhooks::Worker::new(
                database.pool.clone(),
                crate::webhooks::Settings::from_config(&config),
            )?
            .run(),
        ));
        let session_cleanup = tokio::spawn({
            let sessions = sessions.clone();
            async move {
                use tower_sessions::session_store::ExpiredDeletion;
                let every = tokio::time::Duration::from_secs(3600);
                if let Err(err) = sessions.continuously_delete_expired(every).await {
                    tracing::warn!(error = %err, "expired-session cleanup stopped");
                }
            }
        });
        let storage = crate::storage::Storage::new(config.files_dir())
            .with_context(|| format!("cannot use file folder {}", config.files_dir().display()))?
            .with_pending_marks(database.pool.clone());
        background.push(tokio::spawn(sweep_abandoned_uploads(
            database.pool.clone(),
            storage.clone(),
        )));
        let search_wake = crate::search::worker::Wake::default();
        let derived = crate::derived::Derived::new(config.figures_refresh);
        background.push(tokio::spawn(
            crate::search::worker::Worker::new(
                database.pool.clone(),
                config.files_dir(),
                config.extract_program.clone(),
                search_wake.clone(),
            )
            .with_figures(derived.clone())
            .run(),
        ));
        let state = AppState::new(web::Shared {
            db: database.pool.clone(),
            config: Arc::new(config.clone()),
            dummy_hash: Arc::new(accounts::password::dummy_hash().await),
            storage,
            rules: crate::rubric::RulesCache::default(),
            derived,
            db_health: Arc::default(),
            search_wake,
        });
        let router = web::router(state, sessions);
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        Ok(Application {
            listener,
            router,
            serve_settings: web::serve::ServeSettings {
                header_read_timeout: config.header_read_timeout,
                shutdown_grace: config.shutdown_grace,
            },
            database,
            background: {
                background.push(session_cleanup);
                background
            },
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn pool(&self) -> PgPool {
        self.database.pool.clone()
    }

    /// Serves until `shutdown` completes, lets requests in flight finish for the grace
    /// period (then closes what remains), and closes the database (stopping the embedded
    /// cluster if this process started it).
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        web::serve::serve(self.listener, self.router, self.serve_settings, shutdown).await;
        for job in &self.background {
            job.abort();
        }
        self.database.close().await;
        Ok(())
    }
}

/// Removes the files of uploads that were never recorded (the process died between
/// moving the file into place and committing its row): at start, then daily.
async fn sweep_abandoned_uploads(db: PgPool, storage: crate::storage::Storage) {
    use crate::storage::pending;
    let mut every = tokio::time::interval(pending::SWEEP_EVERY);
    loop {
        every.tick().await;
        match pending::sweep(&db, &storage, pending::ABANDONED_AFTER).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed files of abandoned uploads"),
            Err(err) => tracing::warn!(error = %err, "sweeping abandoned uploads failed"),
        }
    }
}

/// Loads the bundled rubric (skipped when unchanged), seeds the default counties on the
/// very first start and prepares the session table.
pub async fn prepare(pool: &PgPool, config: &Config) -> anyhow::Result<PostgresStore> {
    match import::import(pool, BUNDLED_2021).await? {
        import::Outcome::Imported {
            edition,
            indicators,
        } => {
            tracing::info!(edition, indicators, "rubric loaded")
        }
        import::Outcome::Unchanged { edition } => tracing::debug!(edition, "rubric up to date"),
    }
    orgs::seed_default_counties(pool, &config.default_counties).await?;
    crate::campaigns::ensure_default(pool, &config.city_name).await?;
    crate::plans::ensure_bundled(pool).await?;
    let sessions = PostgresStore::new(pool.clone());
    sessions
        .migrate()
        .await
        .context("preparing the session table")?;
    Ok(sessions)
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
