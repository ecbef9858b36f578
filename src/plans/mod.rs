//! Campaign plans: a city's data file (see [`data`]) imported into one campaign — its
//! organisations and their membership of the 食药安委, the proposals for 有关成员单位,
//! and the programmes of 四、主要任务 — after which the tasks they call for are made.

pub mod data;

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

use data::PlanFile;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the campaign-plan file is invalid:\n{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub organisations_added: usize,
    pub members: usize,
    pub programmes: usize,
    pub tasks_added: u64,
}

/// The rubric indicator numbers of a campaign's edition, which a plan may refer to.
pub async fn indicator_numbers(db: &PgPool, campaign_id: i64) -> sqlx::Result<HashSet<i32>> {
    let numbers: Vec<i32> = sqlx::query_scalar(
        "SELECT i.number FROM indicators i JOIN campaigns c ON c.edition_id = i.edition_id WHERE c.id = $1",
    )
    .bind(campaign_id)
    .fetch_all(db)
    .await?;
    Ok(numbers.into_iter().collect())
}

/// Checks `text` against campaign `campaign_id`'s rubric and imports it in one
/// transaction; then makes the tasks the members and programmes call for.
pub async fn import(db: &PgPool, campaign_id: i64, text: &str) -> Result<Imported, PlanError> {
    let numbers = indicator_numbers(db, campaign_id).await?;
    let plan = PlanFile::parse(text, &numbers).map_err(PlanError::Invalid)?;
    let checksum: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut out = Imported::default();
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('shian.plan.import'), $1::int)")
        .bind(campaign_id as i32)
        .execute(&mut *tx)
        .await?;
    let org_ids = resolve_organisations(&mut tx, &plan, &mut out).await?;
    let id_of = |name: &str| org_ids[plan.canonical(name)];

    sqlx::query("DELETE FROM plan_relevant_members WHERE campaign_id = $1")
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
    for (number, names) in &plan.relevant_members {
        for name in names {
            sqlx::query(
                "INSERT INTO plan_relevant_members (campaign_id, indicator_number, organisation_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(campaign_id)
            .bind(number.parse::<i32>().unwrap_or_default())
            .bind(id_of(name))
            .execute(&mut *tx)
            .await?;
        }
    }

    for entry in &plan.programmes {
        let p = entry.get_ref();
        let programme_id: i64 = sqlx::query_scalar(
            "INSERT INTO programmes (campaign_id, kind, number, title, text, lead_text, responsible_text, counties, starts_on, ends_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (campaign_id, kind, number) DO UPDATE SET title = EXCLUDED.title, text = EXCLUDED.text, \
                 lead_text = EXCLUDED.lead_text, responsible_text = EXCLUDED.responsible_text, \
                 counties = EXCLUDED.counties, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on \
             RETURNING id",
        )
        .bind(campaign_id)
        .bind(p.kind.as_str())
        .bind(p.number)
        .bind(&p.title)
        .bind(&p.text)
        .bind(&p.lead_text)
        .bind(&p.responsible_text)
        .bind(p.counties)
        .bind(p.starts_on.or(plan.starts_on))
        .bind(p.ends_on.or(plan.ends_on))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM programme_organisations WHERE programme_id = $1")
            .bind(programme_id)
            .execute(&mut *tx)
            .await?;
        let named = p
            .lead
            .iter()
            .map(|n| (n, "lead"))
            .chain(p.responsible.iter().map(|n| (n, "responsible")));
        for (position, (name, role)) in named.enumerate() {
            sqlx::query(
                "INSERT INTO programme_organisations (programme_id, organisation_id, role, position) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(programme_id)
            .bind(id_of(name))
            .bind(role)
            .bind(position as i32)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM programme_indicators WHERE programme_id = $1")
            .bind(programme_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO programme_indicators (programme_id, indicator_id) \
             SELECT $1, i.id FROM indicators i JOIN campaigns c ON c.edition_id = i.edition_id \
             WHERE c.id = $2 AND i.number = ANY($3)",
        )
        .bind(programme_id)
        .bind(campaign_id)
        .bind(&p.indicators)
        .execute(&mut *tx)
        .await?;
        // Milestones are the office's to keep once imported: only a programme without
        // any takes the file's.
        for milestone in &p.milestones {
            sqlx::query(
                "INSERT INTO programme_milestones (programme_id, title, due_on) \
                 SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM programme_milestones WHERE programme_id = $1 AND title = $2)",
            )
            .bind(programme_id)
            .bind(&milestone.title)
            .bind(milestone.due_on)
            .execute(&mut *tx)
            .await?;
        }
        out.programmes += 1;
    }
    if let Some(e) = plan.escalation {
        crate::supervision::set_escalation_rule(
            &mut *tx,
            campaign_id,
            crate::supervision::EscalationRule {
                remind_clerk_days: e.remind_clerk_days,
                remind_head_days: e.remind_head_days,
                draft_order_days: e.draft_order_days,
            },
        )
        .await?;
    }
    sqlx::query(
        "INSERT INTO campaign_plans (campaign_id, city, title, issuing_body, content_sha256, source) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (campaign_id) DO UPDATE SET city = EXCLUDED.city, title = EXCLUDED.title, \
             issuing_body = EXCLUDED.issuing_body, content_sha256 = EXCLUDED.content_sha256, \
             source = EXCLUDED.source, imported_at = now()",
    )
    .bind(campaign_id)
    .bind(&plan.city)
    .bind(&plan.title)
    .bind(&plan.issuing_body)
    .bind(&checksum)
    .bind(text)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    out.tasks_added = crate::tasks::generate(db, campaign_id).await?;
    Ok(out)
}

/// Finds or creates every organisation of the plan, sets its membership and records the
/// plan's aliases. Returns canonical name → id.
async fn resolve_organisations(
    tx: &mut Transaction<'_, Postgres>,
    plan: &PlanFile,
    out: &mut Imported,
) -> sqlx::Result<HashMap<String, i64>> {
    let mut ids = HashMap::new();
    let mut next_order: i32 = sqlx::query_scalar(
        "SELECT coalesce(max(sort_order), 0) + 1 FROM organisations WHERE kind = 'department'",
    )
    .fetch_one(&mut **tx)
    .await?;
    for entry in &plan.organisations {
        let org = entry.get_ref();
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organisations WHERE name = $1 \
             OR id IN (SELECT organisation_id FROM organisation_aliases WHERE alias = $1) \
             ORDER BY (name = $1) DESC LIMIT 1",
        )
        .bind(&org.name)
        .fetch_optional(&mut **tx)
        .await?;
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE organisations SET member = $2, updated_at = now() WHERE id = $1",
                )
                .bind(id)
                .bind(org.member)
                .execute(&mut **tx)
                .await?;
                id
            }
            None => {
                out.organisations_added += 1;
                next_order += 1;
                sqlx::query_scalar(
                    "INSERT INTO organisations (name, kind, sort_order, member) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&org.name)
                .bind(org.kind.as_str())
                .bind(next_order)
                .bind(org.member)
                .fetch_one(&mut **tx)
                .await?
            }
        };
        if org.member {
            out.members += 1;
        }
        ids.insert(org.name.clone(), id);
    }
    for (alias, target) in &plan.aliases {
        sqlx::query(
            "INSERT INTO organisation_aliases (alias, organisation_id) VALUES ($1, $2) ON CONFLICT (alias) DO NOTHING",
        )
        .bind(alias)
        .bind(ids[target.as_str()])
        .execute(&mut **tx)
        .await?;
    }
    Ok(ids)
}

/// On start: a campaign of the bundled plan's city that has no plan yet gets it.
pub async fn ensure_bundled(db: &PgPool) -> anyhow::Result<()> {
    let Some(campaign) = crate::campaigns::current(db).await? else {
        return Ok(());
    };
    let has_plan: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM campaign_plans WHERE campaign_id = $1)")
            .bind(campaign.id)
            .fetch_one(db)
            .await?;
    if has_plan || !data::BUNDLED_CHANGDU.contains(&format!("city = \"{}\"", campaign.city_name)) {
        return Ok(());
    }
    let imported = import(db, campaign.id, data::BUNDLED_CHANGDU).await?;
    tracing::info!(
        campaign = campaign.id,
        programmes = imported.programmes,
        members = imported.members,
        added = imported.organisations_added,
        tasks = imported.tasks_added,
        "campaign plan loaded"
    );
    Ok(())
}

/// The plan's issuing body for a campaign (the 简报/通报 signature), if a plan is loaded.
pub async fn issuing_body(db: &PgPool, campaign_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT issuing_body FROM campaign_plans WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_optional(db)
        .await
}
