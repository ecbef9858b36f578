//! Command line: `shian [serve]`, `shian user add`, `shian rubric import|check`,
//! `shian plan import|check`, `shian campaign list|migrate`,
//! `shian storage check`, `shian backup|restore`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

mod campaign;

use crate::accounts::{self, NewUser, Role, password};
use crate::app::{self, Application};
use crate::config::Config;
use crate::db::Database;
use crate::orgs;
use crate::rubric::{data::RubricFile, import};

#[derive(Debug, Parser)]
#[command(
    name = "shian",
    version,
    about = "食安创建 — food-safety demonstration city campaign platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load or check a rubric data file.
    Rubric {
        #[command(subcommand)]
        command: RubricCommand,
    },
    /// List campaigns, or move one to another rubric edition keeping its work.
    Campaign {
        #[command(subcommand)]
        command: campaign::CampaignCommand,
    },
    /// Load or check a city's campaign-plan data file (organisations and membership of
    /// the 食药安委, programmes of 四、主要任务, escalation rule).
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Fill a fresh database with a realistic demo campaign.
    Demo {
        /// small (a few hundred files), city (~20,000 evidence records) or province
        /// (20 campaigns of city size)
        #[arg(long, value_enum, default_value = "small")]
        scale: crate::demo::Scale,
        /// Add demo data even though the database already holds users or evidence
        #[arg(long)]
        force: bool,
    },
    /// Copy the database and every file it references into a new, empty folder.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty data folder or empty database.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Check the stored files against the database.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Full-text search of evidence files.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Print the text of one file as JSON (the search indexer runs this in a child
    /// process with time and memory limits).
    #[command(hide = true)]
    ExtractText {
        /// pdf, docx, pptx, sheet or text
        #[arg(long)]
        format: String,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum SearchCommand {
    /// Queue every evidence file for text extraction again and rebuild every search entry
    /// (the old text stays searchable meanwhile).
    Reindex {
        /// Do the work in this process and report the throughput when the queue is empty
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StorageCommand {
    /// List files without rows, rows without files and checksum mismatches.
    Check {
        /// Move files without rows into the quarantine folder of the data folder
        #[arg(long)]
        repair: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, office, department, assessor or viewer
        #[arg(long)]
        role: String,
        /// Organisation name (required for the department role), e.g. 市农业农村局
        #[arg(long)]
        org: Option<String>,
        /// Name shown in the application (defaults to the username)
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required; keeps it out of shell history)
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Ask the user to choose a new password at first login
        #[arg(long)]
        must_change: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Import (or update) the plan into the current campaign, then make the tasks it calls for.
    Import { file: PathBuf },
    /// Check a file against the bundled rubric without touching the database.
    Check { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum RubricCommand {
    /// Import (or update) an edition from a TOML file.
    Import { file: PathBuf },
    /// Check a file without touching the database.
    Check { file: PathBuf },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::ExtractText { format, file }) = &cli.command {
        // No runtime, no logging: this runs as the indexer's child, under its limits.
        return crate::search::extract::isolated::child_main(format, file);
    }
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command.unwrap_or(Command::Serve))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("shian=info,tower_http=info,sqlx=warn"));
    let json = std::env::var("SHIAN_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve().await,
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    org,
                    display_name,
                    password_stdin: _,
                    must_change,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            with_database(|pool| async move {
                add_user(
                    &pool,
                    &username,
                    &role,
                    org.as_deref(),
                    display_name.as_deref(),
                    password,
                    must_change,
                )
                .await
            })
            .await
        }
        Command::Demo { scale, force } => {
            let config = Config::load()?;
            let storage = crate::storage::Storage::new(config.files_dir()).with_context(|| {
                format!("cannot use file folder {}", config.files_dir().display())
            })?;
            with_database(|pool| async move {
                let started = std::time::Instant::now();
                let report = crate::demo::fill(&pool, &storage, scale, force).await?;
                print_demo_report(&report, started.elapsed());
                Ok(())
            })
            .await
        }
        Command::Campaign { command } => {
            with_database(|pool| async move { campaign::dispatch(&pool, command).await }).await
        }
        Command::Storage {
            command: StorageCommand::Check { repair },
        } => check_storage(repair).await,
        Command::Search {
            command: SearchCommand::Reindex { wait },
        } => reindex(wait).await,
        Command::ExtractText { .. } => unreachable!("handled before the runtime starts"),
        Command::Backup { to } => {
            let report = crate::backup::backup(&Config::load()?, &to).await?;
            println!(
                "backup written to {}: database dump {} bytes, {} files ({} bytes)",
                to.display(),
                report.dump_bytes,
                report.files,
                report.file_bytes
            );
            if !report.missing.is_empty() {
                println!(
                    "warning: {} files the database lists were already missing from disk: {}",
                    report.missing.len(),
                    report.missing.join(", ")
                );
            }
            Ok(())
        }
        Command::Restore { from } => {
            let report = crate::backup::restore(&Config::load()?, &from).await?;
            println!(
                "restored {}: database and {} files ({} bytes), every checksum verified",
                from.display(),
                report.files,
                report.file_bytes
            );
            Ok(())
        }
        Command::Rubric {
            command: RubricCommand::Check { file },
        } => {
            let text = read(&file)?;
            let rubric = RubricFile::parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}: edition {}, {} parts, {} evaluation points, {} indicators — valid",
                file.display(),
                rubric.edition,
                rubric.parts.len(),
                rubric.points().count(),
                rubric.indicators().count()
            );
            Ok(())
        }
        Command::Plan {
            command: PlanCommand::Check { file },
        } => {
            let text = read(&file)?;
            let rubric = RubricFile::parse(crate::rubric::data::BUNDLED_2021)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let numbers = rubric.indicators().map(|(_, _, i)| i.number).collect();
            let plan = crate::plans::data::PlanFile::parse(&text, &numbers)
                .map_err(|e| anyhow::anyhow!("{}:\n{e}", file.display()))?;
            println!(
                "{}: {} — {} organisations ({} members), {} programmes — valid",
                file.display(),
                plan.city,
                plan.organisations.len(),
                plan.organisations
                    .iter()
                    .filter(|o| o.get_ref().member)
                    .count(),
                plan.programmes.len()
            );
            Ok(())
        }
        Command::Plan {
            command: PlanCommand::Import { file },
        } => {
            let text = read(&file)?;
            with_database(|pool| async move {
                let campaign = crate::campaigns::current(&pool)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no campaign: start the server once first"))?;
                let done = crate::plans::import(&pool, campaign.id, &text).await?;
                println!(
                    "imported into {}: {} organisations added, {} members, {} programmes, {} tasks made",
                    campaign.name,
                    done.organisations_added,
                    done.members,
                    done.programmes,
                    done.tasks_added
                );
                Ok(())
            })
            .await
        }
        Command::Rubric {
            command: RubricCommand::Import { file },
        } => {
            let text = read(&file)?;
            with_database(|pool| async move {
                match import::import(&pool, &text).await? {
                    import::Outcome::Imported {
                        edition,
                        indicators,
                    } => {
                        println!("imported edition {edition}: {indicators} indicators")
                    }
                    import::Outcome::Unchanged { edition } => {
                        println!("edition {edition} is already up to date")
                    }
                }
                Ok(())
            })
            .await
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::load()?;
    let application = Application::build(config).await?;
    tracing::info!("Shian listening on http://{}", application.local_addr());
    application.run_until(app::shutdown_signal()).await
}

/// `shian storage check`: prints every problem; fails while any remains unrepaired.
async fn check_storage(repair: bool) -> anyhow::Result<()> {
    let config = Config::load()?;
    let storage = crate::storage::Storage::inspect(config.files_dir());
    let quarantine = config.data_dir.join("quarantine");
    with_database(|pool| async move {
        let report = crate::storage::check::run(&pool, &storage, &quarantine, repair).await?;
        println!("{report}");
        let left = report.problems() - report.quarantined.len();
        if left > 0 {
            bail!("{left} storage problem(s) found");
        }
        Ok(())
    })
    .await
}

/// `shian search reindex [--wait]`.
async fn reindex(wait: bool) -> anyhow::Result<()> {
    let config = Config::load()?;
    let files = config.files_dir();
    with_database(|pool| async move {
        let (queued, vectors) = crate::search::worker::requeue_all(&pool).await?;
        println!("queued {queued} files for text extraction, {vectors} search entries to rebuild");
        if !wait {
            println!("a running server works through them in the background");
            return Ok(());
        }
        let worker =
            crate::search::worker::Worker::new(pool.clone(), files, None, Default::default());
        let report = worker.drain().await?;
        let secs = report.total_time.as_secs_f64().max(0.001);
        let extract_secs = report.extract_time.as_secs_f64().max(0.001);
        let states: Vec<String> = report.by_state.iter().map(|(s, n)| format!("{s} {n}")).collect();
        println!(
            "indexed {} files ({}) with {:.1} MB of text and rebuilt {} search entries in {:.1} s",
            report.files,
            states.join(", "),
            report.text_bytes as f64 / 1e6,
            report.vectors,
            secs
        );
        println!(
            "extraction and file words: {:.1} files/s, {:.2} MB/s of text ({:.1} s); search entries: {:.0}/s ({:.1} s)",
            report.files as f64 / extract_secs,
            report.text_bytes as f64 / 1e6 / extract_secs,
            extract_secs,
            report.vectors as f64 / report.vector_time.as_secs_f64().max(0.001),
            report.vector_time.as_secs_f64(),
        );
        let (text, search, text_bytes, documents): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT pg_total_relation_size('evidence_text'), pg_total_relation_size('evidence_search'), \
                    (SELECT coalesce(sum(text_bytes), 0) FROM evidence_text), \
                    (SELECT count(*) FROM evidence_search WHERE vector IS NOT NULL)",
        )
        .fetch_one(&pool)
        .await?;
        println!(
            "index: {documents} evidence records searchable; text and file words {:.1} MB, \
             search vectors with their GIN index {:.1} MB (for {:.1} MB of extracted text)",
            text as f64 / 1e6,
            search as f64 / 1e6,
            text_bytes as f64 / 1e6
        );
        Ok(())
    })
    .await
}

/// Opens the database (starting the embedded cluster if needed), prepares first-start
/// data, runs `work`, and closes everything again.
async fn with_database<F, Fut>(work: F) -> anyhow::Result<()>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let config = Config::load()?;
    let database = Database::open(&config).await?;
    let result = async {
        app::prepare(&database.pool, &config).await?;
        work(database.pool.clone()).await
    }
    .await;
    database.close().await;
    result
}

async fn add_user(
    db: &sqlx::PgPool,
    username: &str,
    role: &str,
    org: Option<&str>,
    display_name: Option<&str>,
    password: String,
    must_change: bool,
) -> anyhow::Result<()> {
    let Some(role) = Role::parse(role) else {
        bail!("unknown role {role:?}; use one of admin, office, department, assessor, viewer");
    };
    if !accounts::valid_username(username) {
        bail!("username {username:?} must be 2–64 letters, digits or . _ @ -");
    }
    if let Err(weakness) = password::check_strength(&password, username) {
        bail!(
            "password refused ({weakness:?}): use at least {} characters mixing letters and digits or symbols",
            password::MIN_LENGTH
        );
    }
    let organisation = match org {
        Some(name) => {
            let found = orgs::find_by_name_or_alias(db, name)
                .await?
                .with_context(|| format!("no organisation named {name:?}"))?;
            if !role.allowed_org_kinds().contains(&found.kind) {
                bail!(
                    "a {} account cannot belong to {} ({})",
                    role.as_str(),
                    found.name,
                    found.kind.as_str()
                );
            }
            Some(found)
        }
        None if role.requires_org() => bail!("the {} role needs --org", role.as_str()),
        None => None,
    };
    let new = NewUser {
        username: username.to_string(),
        display_name: display_name.unwrap_or(username).to_string(),
        role,
        organisation_id: organisation.as_ref().map(|o| o.id),
        password_hash: password::hash(password).await?,
        must_change_password: must_change,
        email: None,
    };
    match accounts::insert(db, &new).await {
        Ok(id) => {
            crate::audit::record(
                db,
                crate::audit::Event {
                    actor_id: None,
                    action: "user.create",
                    object_type: "user",
                    object_id: Some(id.to_string()),
                    summary: serde_json::json!({"username": username, "role": role.as_str(), "via": "cli"}),
                    client_addr: None,
                },
            )
            .await?;
            println!("created {} account {username:?} (id {id})", role.as_str());
            Ok(())
        }
        Err(err) if crate::db::is_unique_violation(&err) => {
            bail!("username {username:?} is already taken")
        }
        Err(err) => Err(err.into()),
    }
}

fn print_demo_report(report: &crate::demo::Report, took: std::time::Duration) {
    println!(
        "demo data ready in {:.0} s: {} campaign(s), {} users, {} tasks, {} evidence records \
         ({} distinct files), {} monthly reports, {} audit events",
        took.as_secs_f64(),
        report.campaigns,
        report.users,
        report.tasks,
        report.evidence,
        report.files,
        report.monthly_reports,
        report.audit_events
    );
    println!("\nDemo sign-ins (shown once; change them before any real use):");
    for (role, username) in &report.logins {
        let password = crate::demo::PASSWORDS
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, p)| *p)
            .unwrap_or("");
        println!("  {role:<10} {username:<28} {password}");
    }
    println!("\nClerks are clerk-<organisation id>-<1…5>; experts expert-<group>-<1…4>.");
    println!(
        "The admin sets up two-step verification (an authenticator app such as Google or \
         Microsoft Authenticator) at the first sign-in; SHIAN_TWO_FACTOR_ROLES says which roles must."
    );
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
