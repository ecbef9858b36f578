//! `shian demo`: fills a fresh database with a plausible campaign — every role's users,
//! every task assigned with due dates, evidence in all states backed by real files,
//! two years of monthly reports (some late), a locked self-assessment and an open
//! provincial round with partial scores, bulletins, a published 公示 of the self-assessment
//! with objections, the organisations' 自查自评 and a finalised 市级考评, the problem list (问题整改) in every state, the 调度 meeting register, work-group robots (registered off), and an audit trail. Bulk rows are
//! made by set-based SQL (`generate_series`), so even the province scale takes minutes,
//! not hours. Everything is deterministic: the same scale gives the same data.

pub mod documents;
pub mod files;
mod inspections;
mod interviews;
mod meetings;
mod org_evaluations;
mod problems;
mod publicity;
mod supervision;
mod webhooks;

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use futures_util::stream;
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::accounts::password;
use crate::campaigns::{self, Campaign};
use crate::scoring::rounds::{self, ItemKey, NewRound, RoundKind, RubricIds};
use crate::scoring::scope::Scope;
use crate::storage::Storage;
use files::Noise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// A few hundred evidence files.
    Small,
    /// One city: ~300 users, ~20,000 evidence records, ~200,000 audit events.
    City,
    /// Twenty campaigns of city size in one instance.
    Province,
}

/// How much of everything a scale makes.
struct Plan {
    campaigns: usize,
    clerks_per_org: i64,
    /// Average evidence records per task that has been started.
    evidence_per_task: i64,
    /// Share (percent) of started tasks that have evidence at all.
    evidence_task_share: i64,
    audit_events: i64,
    /// Distinct files stored on disk; evidence records share them.
    file_pool: usize,
    /// Of which text-bearing documents (notices, reports, ledgers) for full-text search.
    text_documents: usize,
}

impl Scale {
    fn plan(self) -> Plan {
        match self {
            Scale::Small => Plan {
                campaigns: 1,
                clerks_per_org: 1,
                evidence_per_task: 1,
                evidence_task_share: 25,
                audit_events: 2_000,
                file_pool: 60,
                text_documents: 40,
            },
            Scale::City | Scale::Province => Plan {
                campaigns: if self == Scale::Province { 20 } else { 1 },
                clerks_per_org: 7,
                evidence_per_task: 20,
                evidence_task_share: 100,
                audit_events: 200_000,
                file_pool: 300,
                text_documents: 1500,
            },
        }
    }
}

/// Demo passwords (printed once by the command): one per role.
pub const PASSWORDS: [(&str, &str); 5] = [
    ("admin", "Demo-Admin-2025"),
    ("office", "Demo-Office-2025"),
    ("department", "Demo-Clerk-2025"),
    ("assessor", "Demo-Expert-2025"),
    ("viewer", "Demo-Leader-2025"),
];

/// Names for the province scale's other campaigns: the rest of Tibet's prefecture-level
/// cities (the seed city 昌都市 is one), then Sichuan's, whose provincial reports are among
/// the seeds. They only label synthetic campaigns that add volume: organisations and
/// accounts are instance-wide, and the pages work on the instance's first campaign.
const CITIES: [&str; 19] = [
    "拉萨市",
    "日喀则市",
    "林芝市",
    "山南市",
    "那曲市",
    "阿里地区",
    "成都市",
    "绵阳市",
    "攀枝花市",
    "德阳市",
    "宜宾市",
    "泸州市",
    "乐山市",
    "南充市",
    "达州市",
    "遂宁市",
    "内江市",
    "自贡市",
    "广元市",
];

/// What was made, for the summary the command prints.
#[derive(Debug, Default)]
pub struct Report {
    pub campaigns: usize,
    pub users: i64,
    pub tasks: i64,
    pub evidence: i64,
    pub files: usize,
    pub monthly_reports: i64,
    pub audit_events: i64,
    /// (role, example username)
    pub logins: Vec<(String, String)>,
}

/// Counts of what a database already holds that a demo must not be mixed into.
pub async fn existing_data(db: &PgPool) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM evidence)")
        .fetch_one(db)
        .await
}

pub async fn fill(
    db: &PgPool,
    storage: &Storage,
    scale: Scale,
    force: bool,
) -> anyhow::Result<Report> {
    let (users, evidence) = existing_data(db).await?;
    if (users > 0 || evidence > 0) && !force {
        bail!(
            "this database already holds data ({users} users, {evidence} evidence records); \
             demo data goes only into a fresh database (pass --force to add it anyway)"
        );
    }
    let plan = scale.plan();
    let first = campaigns::current(db)
        .await?
        .context("no campaign: the rubric must be loaded first")?;
    // A unit the committee took in two and a half months ago (the plan names it; it
    // joined late): it owes the monthly reports due since then, and shows 未纳入 for
    // the months before.
    sqlx::query(
        "INSERT INTO organisations (name, kind, sort_order, joined_on, member) \
         VALUES ('市生态环境局', 'department', 90, $1, true) \
         ON CONFLICT (name) DO UPDATE SET joined_on = EXCLUDED.joined_on",
    )
    .bind(first.today() - Duration::days(75))
    .execute(db)
    .await?;
    let mut report = Report {
        logins: make_users(db, plan.clerks_per_org).await?,
        ..Default::default()
    };
    webhooks::register(db).await?;
    let groups = assessor_groups(db).await?;
    let mut file_ids = make_files(db, storage, plan.file_pool).await?;
    file_ids.extend(documents::make(db, storage, plan.text_documents).await?);
    report.files = file_ids.len();

    let mut campaign_list = vec![first.clone()];
    for city in CITIES.iter().take(plan.campaigns.saturating_sub(1)) {
        campaign_list.push(add_campaign(db, &first, city).await?);
    }
    for (index, campaign) in campaign_list.iter().enumerate() {
        let campaign = shape_campaign(db, campaign, index).await?;
        fill_campaign(db, &campaign, &plan, &file_ids, &groups, index as u64).await?;
        tracing::info!(
            campaign = campaign.id,
            city = campaign.city_name,
            "demo campaign filled"
        );
    }
    // The provincial round's site inspections, in the city the demo signs in to.
    let shown = campaigns::current(db)
        .await?
        .context("the first campaign")?;
    inspections::fill(db, storage, &shown).await?;
    meetings::fill(db, &shown).await?;
    supervision::fill(db, &shown).await?;
    bulletins(db, &shown).await?;
    audit_trail(db, plan.audit_events * campaign_list.len() as i64).await?;
    // Fresh statistics, so the first queries after a bulk load get good plans rather
    // than waiting for autovacuum to notice.
    sqlx::query("ANALYZE").execute(db).await?;

    report.campaigns = campaign_list.len();
    (report.users, report.tasks, report.evidence, report.monthly_reports, report.audit_events) =
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM tasks), (SELECT count(*) FROM evidence), \
                    (SELECT count(*) FROM monthly_reports), (SELECT count(*) FROM audit_events)",
        )
        .fetch_one(db)
        .await?;
    Ok(report)
}

/// Users for every role; one password hash per role (hashing ~300 passwords one by one
/// would take most of a minute and prove nothing).
async fn make_users(db: &PgPool, clerks_per_org: i64) -> anyhow::Result<Vec<(String, String)>> {
    let mut hashes = BTreeMap::new();
    for (role, secret) in PASSWORDS {
        hashes.insert(role, password::hash(secret.to_string()).await?);
    }
    let insert = |sql: &'static str, hash: &String| sqlx::query(sql).bind(hash.clone());
    insert(
        "INSERT INTO users (username, display_name, role, password_hash, must_change_password) \
         VALUES ('admin', '系统管理员', 'admin', $1, false) ON CONFLICT DO NOTHING",
        &hashes["admin"],
    )
    .execute(db)
    .await?;
    insert(
        "INSERT INTO users (username, display_name, role, organisation_id, password_hash, must_change_password) \
         SELECT 'office' || n, '创建办工作人员' || n, 'office', (SELECT id FROM organisations WHERE kind = 'office' ORDER BY id LIMIT 1), $1, false \
         FROM generate_series(1, 10) n ON CONFLICT DO NOTHING",
        &hashes["office"],
    )
    .execute(db)
    .await?;
    sqlx::query(
        "INSERT INTO users (username, display_name, role, organisation_id, password_hash, must_change_password) \
         SELECT 'clerk-' || o.id || '-' || n, o.name || '填报员' || n, 'department', o.id, $1, false \
         FROM organisations o, generate_series(1, $2) n \
         WHERE o.active AND o.kind IN ('office', 'department', 'county') ON CONFLICT DO NOTHING",
    )
    .bind(&hashes["department"])
    .bind(clerks_per_org)
    .execute(db)
    .await?;
    insert(
        "INSERT INTO users (username, display_name, role, password_hash, must_change_password) \
         SELECT 'leader' || n, '市领导' || n, 'viewer', $1, false FROM generate_series(1, 5) n ON CONFLICT DO NOTHING",
        &hashes["viewer"],
    )
    .execute(db)
    .await?;
    // Fifteen working groups of four experts (省级初评 uses 15 groups).
    sqlx::query(
        "INSERT INTO organisations (name, kind, sort_order) \
         SELECT '第' || n || '评审组', 'assessor_group', n FROM generate_series(1, 15) n \
         ON CONFLICT (name) DO NOTHING",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "INSERT INTO users (username, display_name, role, organisation_id, password_hash, must_change_password) \
         SELECT 'expert-' || g.sort_order || '-' || n, '评审专家' || g.sort_order || '-' || n, 'assessor', g.id, $1, false \
         FROM organisations g, generate_series(1, 4) n WHERE g.kind = 'assessor_group' ON CONFLICT DO NOTHING",
    )
    .bind(&hashes["assessor"])
    .execute(db)
    .await?;
    let example_clerk: Option<String> = sqlx::query_scalar(
        "SELECT u.username FROM users u JOIN organisations o ON o.id = u.organisation_id \
         WHERE u.role = 'department' AND o.kind = 'county' ORDER BY u.id LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    let example_department: Option<String> = sqlx::query_scalar(
        "SELECT u.username FROM users u JOIN organisations o ON o.id = u.organisation_id \
         WHERE u.role = 'department' AND o.kind = 'department' ORDER BY u.id LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    let mut logins = vec![
        ("admin".to_string(), "admin".to_string()),
        ("office".to_string(), "office1 … office10".to_string()),
    ];
    for example in [example_department, example_clerk].into_iter().flatten() {
        logins.push(("department".to_string(), example));
    }
    logins.push((
        "assessor".to_string(),
        "expert-1-1 … expert-15-4".to_string(),
    ));
    logins.push(("viewer".to_string(), "leader1 … leader5".to_string()));
    Ok(logins)
}

/// Assessor group ids in their order (第1评审组 …).
async fn assessor_groups(db: &PgPool) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM organisations WHERE kind = 'assessor_group' ORDER BY sort_order, id",
    )
    .fetch_all(db)
    .await
}

/// Stores `count` real files (PDF, PNG, XLSX, CSV in a realistic mix and sizes) and
/// returns their stored_files ids.
async fn make_files(db: &PgPool, storage: &Storage, count: usize) -> anyhow::Result<Vec<i64>> {
    let mut noise = Noise::new(2025);
    let uploader: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'")
        .fetch_one(db)
        .await?;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let (name, bytes) = match i % 10 {
            0..=4 => {
                // Documents: 40 KB to ~2 MB.
                let padding = 40_000 + noise.below(2_000_000) as usize;
                (
                    format!("文件{i:04}.pdf"),
                    files::pdf(&format!("佐证资料{i}"), padding, &mut noise),
                )
            }
            5..=7 => {
                let (w, h) = (320 + noise.below(480) as u32, 240 + noise.below(360) as u32);
                (format!("现场照片{i:04}.png"), files::png(w, h, &mut noise))
            }
            8 => (
                format!("检查台账{i:04}.xlsx"),
                files::xlsx("监督检查台账", 20 + noise.below(400) as u32, &mut noise)?,
            ),
            _ => (
                format!("抽检数据{i:04}.csv"),
                files::csv(50 + noise.below(500) as u32, &mut noise),
            ),
        };
        let body = stream::iter(
            bytes
                .chunks(256 * 1024)
                .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        );
        let stored = storage
            .store(&name, body, u64::MAX)
            .await
            .map_err(|e| anyhow::anyhow!("storing demo file {name}: {e}"))?;
        ids.push(crate::evidence::insert_file(db, &stored, &name, uploader).await?);
    }
    Ok(ids)
}

async fn add_campaign(db: &PgPool, template: &Campaign, city: &str) -> anyhow::Result<Campaign> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (name, city_name, edition_id, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(format!("{city}创建国家食品安全示范城市"))
    .bind(city)
    .bind(template.edition_id)
    .bind(template.starts_on)
    .bind(template.ends_on)
    .fetch_one(db)
    .await?;
    for (seq, code) in campaigns::STAGES.iter().enumerate() {
        sqlx::query("INSERT INTO campaign_stages (campaign_id, seq, code) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(seq as i32 + 1)
            .bind(code)
            .execute(db)
            .await?;
    }
    crate::tasks::generate(db, id).await?;
    sqlx::query_as("SELECT id, name, city_name, edition_id, population, starts_on, ends_on, time_zone, report_due_day FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
        .map_err(Into::into)
}

/// Two years in: started 22 months ago, national acceptance four months ahead, the
/// provincial review under way now.
async fn shape_campaign(
    db: &PgPool,
    campaign: &Campaign,
    index: usize,
) -> anyhow::Result<Campaign> {
    let today = campaign.today();
    let month = |back: i32| -> NaiveDate {
        let total = today.year() * 12 + today.month0() as i32 - back;
        NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
            .expect("valid month")
    };
    let starts = month(22);
    let ends = month(-5) - Duration::days(1);
    let stages: [(NaiveDate, NaiveDate); 7] = [
        (starts, month(21) - Duration::days(1)),
        (month(21), month(19) - Duration::days(1)),
        (month(19), month(4) - Duration::days(1)),
        (month(4), month(2) - Duration::days(1)),
        (month(2), month(1) - Duration::days(1)),
        (month(1), month(-2) - Duration::days(1)),
        (month(-3), ends),
    ];
    sqlx::query(
        "UPDATE campaigns SET starts_on = $2, ends_on = $3, population = $4, optional_points = '{30,31,32}', \
             chosen_items = '{78,80}', updated_at = now() WHERE id = $1",
    )
    .bind(campaign.id)
    .bind(starts)
    .bind(ends)
    .bind(780_000i64 + 97_000 * index as i64)
    .execute(db)
    .await?;
    for (seq, (s, e)) in stages.iter().enumerate() {
        sqlx::query("UPDATE campaign_stages SET starts_on = $3, ends_on = $4 WHERE campaign_id = $1 AND seq = $2")
            .bind(campaign.id)
            .bind(seq as i32 + 1)
            .bind(s)
            .bind(e)
            .execute(db)
            .await?;
    }
    Ok(sqlx::query_as("SELECT id, name, city_name, edition_id, population, starts_on, ends_on, time_zone, report_due_day FROM campaigns WHERE id = $1")
        .bind(campaign.id)
        .fetch_one(db)
        .await?)
}

async fn fill_campaign(
    db: &PgPool,
    campaign: &Campaign,
    plan: &Plan,
    file_ids: &[i64],
    groups: &[i64],
    seed: u64,
) -> anyhow::Result<()> {
    let today = campaign.today();
    // Task states by a stable hash: 40% approved, 15% submitted, 8% returned, 22% in
    // progress, 15% not started. Finished work had its deadline in the past; open work
    // mostly falls due in the coming months, a minority is overdue.
    sqlx::query(
        "UPDATE tasks t SET \
             status = CASE WHEN h < 40 THEN 'approved' WHEN h < 55 THEN 'submitted' WHEN h < 63 THEN 'returned' \
                           WHEN h < 85 THEN 'in_progress' ELSE 'not_started' END, \
             due_on = CASE WHEN h < 55 THEN $2::date + ((h * 7 + t.id) % greatest($3::int, 1))::int \
                           ELSE $4::date - 25 + ((h * 13 + t.id) % 150)::int END \
         FROM (SELECT id, abs(hashtext(id::text || $5)) % 100 AS h FROM tasks WHERE campaign_id = $1) x \
         WHERE t.id = x.id",
    )
    .bind(campaign.id)
    .bind(campaign.starts_on + Duration::days(60))
    .bind((today - campaign.starts_on).num_days() as i32 - 60)
    .bind(today)
    .bind(seed.to_string())
    .execute(db)
    .await?;
    // Evidence: started tasks get 1 … 2×average records; each record points at a real
    // file of the pool; one in eight has a second version; a few were deleted.
    let titles = [
        ("工作会议纪要", "minutes"),
        ("实施方案", "document"),
        ("工作台账", "ledger"),
        ("现场检查照片", "photo"),
        ("新闻报道", "news"),
        ("培训签到表", "other"),
        ("自查报告", "document"),
        ("整改落实情况", "document"),
        ("监督抽检报告", "document"),
        ("宣传活动照片", "photo"),
    ];
    let title_list: Vec<&str> = titles.iter().map(|t| t.0).collect();
    let kind_list: Vec<&str> = titles.iter().map(|t| t.1).collect();
    sqlx::query(
        "INSERT INTO evidence (campaign_id, task_id, organisation_id, title, description, year, kind, created_by, created_at) \
         SELECT t.campaign_id, t.id, t.organisation_id, \
                ($2::text[])[1 + (t.id + n) % 10] || '（' || (2024 + (n % 2)) || '年第' || n || '份）', \
                '', 2024 + (n % 2), ($3::text[])[1 + (t.id + n) % 10], \
                (SELECT min(id) FROM users u WHERE u.organisation_id = t.organisation_id), \
                c.starts_on + interval '20 days' + (abs(hashtext(t.id::text || n)) % 500) * interval '1 day' \
         FROM tasks t JOIN campaigns c ON c.id = t.campaign_id \
         CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext(t.id::text)) % (2 * $4::int)) n \
         WHERE t.campaign_id = $1 AND t.status <> 'not_started' AND t.id % 100 < $5",
    )
    .bind(campaign.id)
    .bind(&title_list)
    .bind(&kind_list)
    .bind(plan.evidence_per_task as i32)
    .bind(plan.evidence_task_share)
    .execute(db)
    .await?;
    sqlx::query(
        "INSERT INTO evidence_versions (evidence_id, version, file_id, created_by, created_at) \
         SELECT e.id, 1, ($2::bigint[])[1 + e.id % cardinality($2::bigint[])], e.created_by, e.created_at \
         FROM evidence e WHERE e.campaign_id = $1 \
         UNION ALL \
         SELECT e.id, 2, ($2::bigint[])[1 + (e.id * 7) % cardinality($2::bigint[])], e.created_by, e.created_at + interval '12 days' \
         FROM evidence e WHERE e.campaign_id = $1 AND e.id % 8 = 0",
    )
    .bind(campaign.id)
    .bind(file_ids)
    .execute(db)
    .await?;
    // Licences and yearly plans state how long they hold; a share of them lapse before
    // the campaign's evaluation, for the office to chase.
    sqlx::query(
        "UPDATE evidence e SET valid_from = c.starts_on + (e.id % 200)::int, \
                valid_until = c.starts_on + (e.id % 200)::int + 365 * (1 + e.id % 3)::int \
         FROM campaigns c WHERE c.id = e.campaign_id AND e.campaign_id = $1 \
           AND e.kind IN ('document', 'ledger') AND e.id % 7 = 0",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;
    // Every record serves the task it was uploaded for; some minutes and plans also serve
    // another task of the same organisation (one file, several uses).
    sqlx::query(
        "INSERT INTO evidence_uses (evidence_id, task_id, linked_by, linked_at) \
         SELECT e.id, e.task_id, e.created_by, e.created_at FROM evidence e WHERE e.campaign_id = $1 \
         UNION ALL \
         SELECT e.id, other.id, e.created_by, e.created_at + interval '3 days' FROM evidence e \
         JOIN tasks home ON home.id = e.task_id \
         CROSS JOIN LATERAL (SELECT t.id FROM tasks t WHERE t.campaign_id = e.campaign_id \
             AND t.organisation_id = e.organisation_id AND t.indicator_id <> home.indicator_id \
             AND t.status <> 'not_started' ORDER BY abs(hashtext(t.id::text || e.id::text)) LIMIT 1) other \
         WHERE e.campaign_id = $1 AND e.kind IN ('minutes', 'document') AND e.id % 6 = 0",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;
    // A task with no evidence has not really been started.
    sqlx::query(
        "UPDATE tasks t SET status = 'not_started' WHERE t.campaign_id = $1 AND t.status <> 'not_started' \
         AND NOT EXISTS (SELECT 1 FROM evidence_uses eu WHERE eu.task_id = t.id)",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;
    // The review loop's history, with plausible times.
    sqlx::query(
        "INSERT INTO task_events (task_id, at, actor_id, action, comment) \
         SELECT t.id, c.starts_on + interval '30 days' + (abs(hashtext(t.id::text)) % 300) * interval '1 day' \
                    + (ev.step - 1) * interval '5 days', \
                (SELECT min(id) FROM users u WHERE u.organisation_id = t.organisation_id), ev.action, '' \
         FROM tasks t JOIN campaigns c ON c.id = t.campaign_id \
         CROSS JOIN LATERAL (VALUES ('uploaded', 1), ('submitted', 2), ('returned', 3), ('resubmitted', 4), ('approved', 5)) ev(action, step) \
         WHERE t.campaign_id = $1 AND ( \
             (t.status = 'in_progress' AND ev.step = 1) OR (t.status = 'submitted' AND ev.step <= 2) OR \
             (t.status = 'returned' AND ev.step <= 3) OR \
             (t.status = 'approved' AND (ev.step IN (1, 2, 5) OR (abs(hashtext(t.id::text)) % 4 = 0 AND ev.step IN (3, 4)))))",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;
    sqlx::query(
        "UPDATE evidence SET deleted_at = created_at + interval '2 days', deleted_by = created_by \
         WHERE campaign_id = $1 AND id % 97 = 0",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;

    monthly_reports(db, campaign).await?;
    targets(db, campaign).await?;
    scoring(db, campaign, groups, seed).await?;
    // The shown city's bulletins come after its meeting register, which they count.
    if seed != 0 {
        bulletins(db, campaign).await?;
    }
    publicity::publish(db, campaign).await?;
    org_evaluations::fill(db, campaign).await?;
    // Seed 003 reports 150 problems under rectification in one county; a city has a few
    // per unit.
    let problems_per_org = if plan.clerks_per_org > 1 { 8 } else { 4 };
    problems::fill(db, campaign, problems_per_org).await?;
    Ok(())
}

/// Every reporting organisation, every month so far: mostly on time, some late, a few
/// missing; the current month only partly in.
async fn monthly_reports(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let now = Utc::now();
    for period in campaign.report_periods() {
        let due = campaign.report_due_at(period);
        sqlx::query(
            "INSERT INTO monthly_reports (campaign_id, organisation_id, period, body, due_at, first_submitted_at, late_days, submitted_by) \
             SELECT $1, o.id, $2, o.name || $2::text || '月度创建工作进展：本月完成任务' || (3 + h % 9) || '项，组织培训' || (1 + h % 4) || '次。', \
                    $3, at, greatest(0, ceil(extract(epoch FROM at - $3) / 86400))::int, \
                    (SELECT min(id) FROM users u WHERE u.organisation_id = o.id) \
             FROM (SELECT o.*, abs(hashtext(o.id::text || $2::text)) % 100 AS h FROM organisations o \
                   WHERE o.active AND o.kind IN ('department', 'county')) o \
             CROSS JOIN LATERAL (SELECT CASE WHEN o.h < 80 THEN $3 - (1 + o.h % 6) * interval '1 day' \
                                             ELSE $3 + (1 + o.h % 10) * interval '1 day' END AS at) a \
             WHERE o.h < 92 AND a.at <= $4 \
               AND (o.joined_on IS NULL OR o.joined_on < ($3 AT TIME ZONE 'Asia/Shanghai')::date)",
        )
        .bind(campaign.id)
        .bind(period)
        .bind(due)
        .bind(now)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Raw counts for a few quantitative targets (46: 抽检量, 75: 合格率 …).
async fn targets(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let population = campaign.population.unwrap_or(780_000);
    let year = campaign.today().year();
    let rows: [(&str, i64, i64); 5] = [
        ("46-batches", population * 43 / 10_000, population),
        ("46-residues", population * 21 / 10_000, population),
        ("75-pass", 1_974, 2_000),
        ("40-hotline", 9_420, 10_000),
        ("45-hours", 4_300, 100),
    ];
    // 46's 抽检量 is city-wide: three departments sample (60/25/15 per cent of the
    // batches) against the same city population, none reaching 4 per thousand alone.
    let city_wide = |code: &str| code.starts_with("46-");
    for (code, numerator, denominator) in rows {
        let shares: &[(&str, i64)] = if city_wide(code) {
            &[
                ("市市场监管局", 60),
                ("市农业农村局", 25),
                ("市卫生健康委", 15),
            ]
        } else {
            &[("市市场监管局", 100)]
        };
        for y in [year - 1, year] {
            let total = numerator - (year - y) as i64 * numerator / 20;
            for (organisation, percent) in shares {
                sqlx::query(
                    "INSERT INTO target_values (campaign_id, target_code, organisation_id, year, numerator, denominator) \
                     SELECT $1, $2, o.id, $3, $4, $5 FROM organisations o WHERE o.name = $6 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(campaign.id)
                .bind(code)
                .bind(y)
                .bind(Decimal::from(total * percent / 100))
                .bind(Decimal::from(denominator))
                .bind(organisation)
                .execute(db)
                .await?;
            }
        }
    }
    Ok(())
}

/// A locked self-assessment and an open provincial round with partial scores.
async fn scoring(
    db: &PgPool,
    campaign: &Campaign,
    groups: &[i64],
    seed: u64,
) -> anyhow::Result<()> {
    let source: String = sqlx::query_scalar("SELECT source FROM rubric_editions WHERE id = $1")
        .bind(campaign.edition_id)
        .fetch_one(db)
        .await?;
    let rubric = crate::rubric::data::RubricFile::parse(&source).map_err(|e| anyhow::anyhow!(e))?;
    let ids = RubricIds::load(db, campaign.edition_id).await?;
    let today = campaign.today();
    let mut noise = Noise::new(seed + 11);
    for (kind, name, lock, share) in [
        (RoundKind::SelfAssessment, "自查自评", true, 100u64),
        (RoundKind::Provincial, "省级初评", false, 55u64),
    ] {
        // Each kind of round scores the scope the edition declares for it (省级初评: 一–三).
        let scope = Scope::usual_for(&rubric, kind.as_str());
        let items = rounds::items_in(&rubric, &scope);
        let id = rounds::create(
            db,
            campaign.id,
            &NewRound {
                kind,
                name: &format!("{}年{name}", today.year()),
                starts_on: Some(today - Duration::days(if lock { 75 } else { 5 })),
                ends_on: Some(today + Duration::days(if lock { -60 } else { 10 })),
                scope: &scope,
            },
        )
        .await?;
        let assignment: BTreeMap<ItemKey, i64> = items
            .iter()
            .enumerate()
            .filter(|_| !groups.is_empty())
            .map(|(i, item)| (item.key, groups[i % groups.len()]))
            .collect();
        rounds::set_assignments(db, id, &ids, &assignment).await?;
        rounds::open(db, id).await?;
        let lead: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE role = 'assessor' AND organisation_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(groups.first().copied())
        .fetch_optional(db)
        .await?;
        rounds::set_lead(db, id, lead).await?;
        let round = rounds::find(db, id).await?.context("round just made")?;
        interviews::add(db, &round, &rubric, &ids.indicators, groups).await?;
        for item in &items {
            if noise.below(100) >= share {
                continue;
            }
            let assessor: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM users WHERE role = 'assessor' AND organisation_id = $1 ORDER BY id LIMIT 1",
            )
            .bind(assignment.get(&item.key))
            .fetch_optional(db)
            .await?;
            let Some(assessor) = assessor else { continue };
            let key_ids = ids.of(item.key).context("item ids")?;
            match (item.key, item.scoring) {
                (ItemKey::Point(_), crate::rubric::data::Scoring::Deduction)
                    if noise.below(3) == 0 =>
                {
                    let number =
                        item.indicators[noise.below(item.indicators.len() as u64) as usize];
                    let points = Decimal::new(5 * (1 + noise.below(3) as i64), 1);
                    rounds::add_deduction(
                        db,
                        id,
                        ids.indicators[&number],
                        points,
                        "部分年度资料不全，佐证不充分",
                        assessor,
                    )
                    .await?;
                }
                (ItemKey::Point(_), crate::rubric::data::Scoring::Measured) => {
                    let indicator = item.indicators[0];
                    let value = match indicator {
                        73 => Decimal::new(865, 1),
                        74 => Decimal::new(880, 1),
                        _ => Decimal::new(987, 1),
                    };
                    rounds::set_measurement(
                        db,
                        id,
                        ids.indicators[&indicator],
                        &rounds::NewMeasurement {
                            value,
                            unit: if indicator == 73 { "points" } else { "percent" },
                            source: "第三方测评机构",
                            source_date: Some(today - Duration::days(30)),
                        },
                        assessor,
                    )
                    .await?;
                }
                (ItemKey::Point(seq), crate::rubric::data::Scoring::Awarded) => {
                    let max = item.max.unwrap_or(0) as i64;
                    let points = Decimal::from(max) - Decimal::new(5 * noise.below(3) as i64, 1);
                    rounds::set_award(
                        db,
                        id,
                        ids.points[&seq],
                        points.max(Decimal::ZERO),
                        "工作扎实，成效明显",
                        assessor,
                    )
                    .await?;
                }
                (ItemKey::Veto(number), _) => {
                    rounds::set_veto(db, id, ids.indicators[&number], false, "", assessor).await?;
                }
                _ => {}
            }
            rounds::set_review(db, id, key_ids, "", true, assessor).await?;
        }
        // The report's framing, as the provincial reports open.
        let (basis, body, cooperating) = match kind {
            RoundKind::Provincial => (
                "《关于开展国家食品安全示范城市评价验收工作的通知》（食安办函〔2022〕12号）\n\
                 《国家食品安全示范城市评价细则（2021版）》\n\
                 《国家食品安全示范城市省级评审操作指南（2021版）》",
                "省食品安全委员会办公室",
                "省农业农村厅、省卫生健康委、省粮食和储备局",
            ),
            _ => (
                "《国家食品安全示范城市评价细则（2021版）》",
                "市食品安全委员会办公室",
                "市食药安委各成员单位",
            ),
        };
        sqlx::query(
            "UPDATE assessment_rounds SET basis_documents = $2, implementing_body = $3, \
             cooperating_bodies = $4, report_date = ends_on WHERE id = $1",
        )
        .bind(id)
        .bind(basis)
        .bind(body)
        .bind(cooperating)
        .execute(db)
        .await?;
        // 资料审查: marks on a share of the evidence.
        sqlx::query(
            "INSERT INTO evidence_marks (round_id, indicator_id, evidence_id, sufficient, remark, marked_by) \
             SELECT $1, t.indicator_id, e.id, e.id % 9 <> 0, CASE WHEN e.id % 9 = 0 THEN '资料不完整' ELSE '' END, \
                    (SELECT id FROM users WHERE role = 'assessor' ORDER BY id OFFSET e.id % 4 LIMIT 1) \
             FROM evidence e JOIN tasks t ON t.id = e.task_id WHERE e.campaign_id = $2 AND e.deleted_at IS NULL AND e.id % 100 < $3 AND t.indicator_id IS NOT NULL",
        )
        .bind(id)
        .bind(campaign.id)
        .bind(share as i64)
        .execute(db)
        .await?;
        if lock {
            let outcome = rounds::outcome(db, campaign, &rubric, &round).await?;
            rounds::lock(db, id, &outcome).await?;
            reopened_once(db, id, &outcome).await?;
        }
    }
    Ok(())
}

/// The self-assessment was reopened once (to look at a score again) and locked again,
/// so its history shows a reopening and an earlier lock. Done before the 公示 is drafted
/// from it, which needs it locked.
async fn reopened_once(
    db: &PgPool,
    round_id: i64,
    outcome: &crate::scoring::Outcome,
) -> anyhow::Result<()> {
    let Some(admin): Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
            .fetch_optional(db)
            .await?
    else {
        return Ok(());
    };
    let reason = "复核第1项扣分依据，确认无误后重新锁定";
    let mut tx = db.begin().await?;
    crate::scoring::locks::reopen(&mut tx, round_id, admin, reason).await?;
    let event = |action, summary| crate::audit::Event {
        actor_id: Some(admin),
        action,
        object_type: "round",
        object_id: Some(round_id.to_string()),
        summary,
        client_addr: None,
    };
    crate::audit::record(
        &mut *tx,
        event(
            "round.reopen",
            serde_json::json!({"from": "locked", "to": "open", "total": outcome.total, "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    rounds::lock(db, round_id, outcome).await?;
    crate::audit::record(
        db,
        event(
            "round.lock",
            serde_json::json!({"from": "open", "to": "locked", "total": outcome.total, "passed": outcome.decision.passed(), "unfinished": 0, "reason": null}),
        ),
    )
    .await?;
    Ok(())
}

/// The last two months' bulletins.
async fn bulletins(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let office: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'office1'")
        .fetch_one(db)
        .await?;
    let this_month = campaigns::first_of_month(campaign.today());
    let issuing_body = crate::plans::issuing_body(db, campaign.id)
        .await?
        .unwrap_or_else(|| format!("{}食品安全委员会办公室", campaign.city_name));
    // Two monthly 简报, then a 通报 on last month naming the units behind.
    for (back, series) in [
        (2, crate::bulletins::Series::Briefing),
        (1, crate::bulletins::Series::Briefing),
        (1, crate::bulletins::Series::Notice),
    ] {
        let mut start = this_month;
        for _ in 0..back {
            start = campaigns::first_of_month(start - Duration::days(1));
        }
        let end = campaigns::next_month(start) - Duration::days(1);
        let figures = crate::bulletins::figures(db, campaign, start, end).await?;
        let notice = series == crate::bulletins::Series::Notice;
        let title = if notice {
            format!(
                "关于{}年{}月创建工作进展情况的通报",
                start.year(),
                start.month()
            )
        } else {
            format!(
                "{}创建国家食品安全示范城市工作简报（{}年{}月）",
                campaign.city_name,
                start.year(),
                start.month()
            )
        };
        let doc_number = if notice {
            format!("昌创食安办〔{}〕1号", start.year())
        } else {
            String::new()
        };
        crate::bulletins::issue(
            db,
            campaign.id,
            &crate::bulletins::NewBulletin {
                series,
                notice_kind: notice.then_some("progress"),
                issuing_body: &issuing_body,
                doc_number: &doc_number,
                copy_to: if notice {
                    "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室"
                } else {
                    ""
                },
                title: &title,
                start,
                end,
                remarks: if notice {
                    "现将上月创建工作推进情况通报如下。请排名靠后和未按时报送月度进展的单位认真查找原因，于本月25日前整改到位。"
                } else {
                    "各单位要对照评价细则逐项查漏补缺，按时报送月度进展。"
                },
            },
            &figures,
            office,
        )
        .await?;
    }
    Ok(())
}

/// A long audit trail: logins, uploads, reviews … spread over the campaign.
async fn audit_trail(db: &PgPool, events: i64) -> anyhow::Result<()> {
    sqlx::query(
        // With the actor's organisation on each row, as `audit::record` writes it.
        "INSERT INTO audit_events (at, actor_id, actor_org_id, action, object_type, object_id, summary, client_addr) \
         SELECT e.at, e.actor_id, actor.organisation_id, e.action, e.object_type, e.object_id, '{}'::jsonb, e.client_addr \
         FROM (SELECT now() - (n % 660) * interval '1 day' - (n % 86400) * interval '1 second' AS at, \
                u.ids[1 + n % cardinality(u.ids)] AS actor_id, \
                (ARRAY['login', 'evidence.upload', 'task.submit', 'task.approve', 'task.return', 'report.submit', 'score.deduct'])[1 + n % 7] AS action, \
                (ARRAY['user', 'evidence', 'task', 'task', 'task', 'report', 'round'])[1 + n % 7] AS object_type, \
                (n % 5000)::text AS object_id, '10.' || (n % 250) || '.' || (n % 200) || '.' || (1 + n % 250) AS client_addr \
               FROM generate_series(1, $1) n, (SELECT array_agg(id ORDER BY id) AS ids FROM users) u) e \
         LEFT JOIN users actor ON actor.id = e.actor_id",
    )
    .bind(events)
    .execute(db)
    .await?;
    Ok(())
}
