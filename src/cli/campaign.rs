//! `shian campaign list` and `shian campaign migrate`.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;

use crate::campaigns::migration::{self, MigrationError, Preview};
use crate::i18n::Lang;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// List the campaigns: id, city, rubric edition, dates, tasks.
    List,
    /// Move a campaign to another rubric edition with a mapping file
    /// (old,new,relation,note), keeping its tasks, evidence and reviews.
    Migrate {
        /// The campaign's id (see `shian campaign list`)
        #[arg(long)]
        campaign: i64,
        /// The edition's code, e.g. 2023
        #[arg(long)]
        to: String,
        /// The mapping file (CSV)
        #[arg(long)]
        mapping: PathBuf,
        /// Show what would move and change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn dispatch(db: &sqlx::PgPool, command: CampaignCommand) -> anyhow::Result<()> {
    match command {
        CampaignCommand::List => list(db).await,
        CampaignCommand::Migrate {
            campaign,
            to,
            mapping,
            dry_run,
        } => {
            let text = std::fs::read_to_string(&mapping)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", mapping.display()))?;
            let outcome = if dry_run {
                migration::preview(db, campaign, &to, &text).await
            } else {
                migration::run(db, campaign, &to, &text, migration::Actor::default()).await
            };
            match outcome {
                Ok(preview) => {
                    print_preview(&preview, dry_run);
                    Ok(())
                }
                Err(MigrationError::Refused(refusal)) => {
                    for message in refusal.messages(Lang::Zh) {
                        eprintln!("{}: {message}", mapping.display());
                    }
                    bail!("the migration was refused; nothing changed")
                }
                Err(MigrationError::Database(err)) => Err(err.into()),
            }
        }
    }
}

async fn list(db: &sqlx::PgPool) -> anyhow::Result<()> {
    let rows: Vec<(i64, String, String, chrono::NaiveDate, chrono::NaiveDate, i64)> =
        sqlx::query_as(
            "SELECT c.id, c.city_name, e.code, c.starts_on, c.ends_on, \
                    (SELECT count(*) FROM tasks t WHERE t.campaign_id = c.id AND t.removed_at IS NULL) \
             FROM campaigns c JOIN rubric_editions e ON e.id = c.edition_id ORDER BY c.id",
        )
        .fetch_all(db)
        .await?;
    println!("id\tcity\tedition\tstarts\tends\ttasks");
    for (id, city, edition, starts, ends, tasks) in rows {
        println!("{id}\t{city}\t{edition}\t{starts}\t{ends}\t{tasks}");
    }
    Ok(())
}

fn print_preview(p: &Preview, dry_run: bool) {
    let verb = if dry_run { "would move" } else { "moved" };
    println!(
        "{} (campaign {}): {} → {} ({} → {} points){}",
        p.city_name,
        p.campaign_id,
        p.from.code,
        p.to.code,
        p.from.total_points,
        p.to.total_points,
        if dry_run {
            " — dry run, nothing changed"
        } else {
            ""
        }
    );
    println!(
        "tasks {verb}: {} ({} keep their own text), withdrawn: {}",
        p.tasks_moved, p.tasks_kept_own_text, p.tasks_withdrawn
    );
    println!(
        "evidence {verb} with its tasks: {}, kept under withdrawn tasks: {}; reviews: {}",
        p.evidence_moved, p.evidence_under_withdrawn, p.reviews_moved
    );
    println!(
        "member picks: {}, programme links: {}, problems: {} ({} left without an indicator)",
        p.member_picks_moved, p.programme_links_moved, p.problems_moved, p.problems_unlinked
    );
    for m in p.moves.iter().filter(|m| {
        m.relation != Some(crate::rubric::mapping::Relation::Same)
            || m.new_numbers != [m.old_number]
    }) {
        let relation = m.relation.map_or("undecided", |r| r.as_str());
        let new: Vec<String> = m.new_numbers.iter().map(i32::to_string).collect();
        println!(
            "  {} → {} [{relation}]: {} tasks, {} evidence, {} reviews",
            m.old_number,
            if new.is_empty() {
                "—".to_string()
            } else {
                new.join(";")
            },
            m.tasks,
            m.evidence,
            m.reviews
        );
    }
    for (number, content) in &p.new_indicators {
        let short: String = content.chars().take(30).collect();
        println!("  new {number}: {short}…");
    }
    if !p.targets_not_carried.is_empty() {
        println!(
            "targets whose values the new edition does not use: {}",
            p.targets_not_carried.join(", ")
        );
    }
    if !p.locked_rounds.is_empty() {
        println!(
            "locked rounds staying on {}: {}",
            p.from.code,
            p.locked_rounds.join("、")
        );
    }
    if let Some(generated) = p.tasks_generated {
        println!("tasks generated for the new edition: {generated}");
    }
}
