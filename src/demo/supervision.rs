//! The office's machinery in use in the demo: unit heads, 经办人 and 单位审核, the office's pick of 有关成员单位
//! for indicator 5, and 督办单 in every state of their six steps.

use anyhow::Context;
use sqlx::PgPool;

use crate::accounts::{self, User};
use crate::campaigns::Campaign;
use crate::supervision::{self, Draft, NewOrder, Step};

pub async fn fill(db: &PgPool, campaign: &Campaign) -> anyhow::Result<()> {
    let today = campaign.today();
    // Each department's and county's first clerk is its head (负责人).
    sqlx::query(
        "UPDATE users SET unit_head = true WHERE username ~ '^clerk-[0-9]+-1$' \
         AND organisation_id IN (SELECT id FROM organisations WHERE kind IN ('department', 'county'))",
    )
    .execute(db)
    .await?;
    let office = user(db, "office1").await?;
    // 市市场监管局 has its head review submissions (单位审核); each of its tasks is handled
    // by one of its clerks in turn (经办人), as a department of several people works.
    sqlx::query("UPDATE organisations SET unit_review = true WHERE name = '市市场监管局'")
        .execute(db)
        .await?;
    sqlx::query(
        "WITH clerks AS ( \
             SELECT u.organisation_id, array_agg(u.id ORDER BY u.id) AS ids FROM users u \
             JOIN organisations o ON o.id = u.organisation_id \
             WHERE u.role = 'department' AND u.active AND o.kind IN ('department', 'county') GROUP BY u.organisation_id \
         ) \
         UPDATE tasks t SET assignee_id = c.ids[1 + (t.id % cardinality(c.ids))] \
         FROM clerks c WHERE c.organisation_id = t.organisation_id AND t.campaign_id = $1 AND t.removed_at IS NULL",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;
    // Some of its submissions wait for the head before the office sees them.
    sqlx::query(
        "UPDATE tasks SET status = 'unit_review' WHERE campaign_id = $1 AND status = 'submitted' AND id % 3 = 0 \
         AND organisation_id = (SELECT id FROM organisations WHERE name = '市市场监管局')",
    )
    .bind(campaign.id)
    .execute(db)
    .await?;

    // 5 says 有关成员单位: the office confirmed the plan's proposal.
    let five: i64 =
        sqlx::query_scalar("SELECT id FROM indicators WHERE edition_id = $1 AND number = 5")
            .bind(campaign.edition_id)
            .fetch_one(db)
            .await?;
    let pick = crate::tasks::members::default_pick(db, campaign.id, five).await?;
    crate::tasks::members::confirm_pick(db, campaign.id, five, &pick, office.id)
        .await?
        .map_err(|refusal| anyhow::anyhow!("demo pick refused: {refusal}"))?;

    // The longest-overdue tasks of five units, one 督办单 each, left at different steps.
    let overdue: Vec<(i64, i64, String, i32)> = sqlx::query_as(
        "SELECT DISTINCT ON (t.organisation_id) t.id, t.organisation_id, t.text, ($2::date - t.due_on)::int \
         FROM tasks t JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.campaign_id = $1 AND t.removed_at IS NULL AND t.due_on < $2 AND t.indicator_id IS NOT NULL \
           AND t.status NOT IN ('submitted', 'approved') AND o.kind IN ('department', 'county') \
         ORDER BY t.organisation_id, t.due_on LIMIT 5",
    )
    .bind(campaign.id)
    .bind(today)
    .fetch_all(db)
    .await?;
    let answers = [
        "已召开专题会议研究部署，印发工作方案，相关佐证资料已上传。",
        "已完成整改，补充报送台账和会议纪要。",
    ];
    for (index, (task, organisation, text, days)) in overdue.into_iter().enumerate() {
        let order = NewOrder::check(
            Draft {
                organisation_id: organisation,
                owns_tasks: true,
                head_user_id: sqlx::query_scalar(
                    "SELECT min(id) FROM users WHERE organisation_id = $1 AND unit_head",
                )
                .bind(organisation)
                .fetch_one(db)
                .await?,
                task_id: Some(task),
                matter: format!("“{text}”已逾期{days}天，仍未报送。"),
                demand: "请于期限内办结，并书面反馈办理情况、逾期原因及整改措施。".into(),
                deadline: Some(today + chrono::Duration::days(7)),
                ..Default::default()
            },
            today,
        )
        .map_err(|refusals| anyhow::anyhow!("demo order refused: {refusals:?}"))?;
        let id = supervision::create(db, campaign.id, &order, Some(office.id), true, today).await?;
        let clerk = sqlx::query_scalar::<_, String>(
            "SELECT username FROM users WHERE organisation_id = $1 AND role = 'department' ORDER BY id LIMIT 1",
        )
        .bind(organisation)
        .fetch_optional(db)
        .await?;
        let Some(clerk) = clerk else { continue };
        let clerk = user(db, &clerk).await?;
        // 0: closed; 1: answered, waiting for 复核; 2: in progress; 3: acknowledged; 4: just issued.
        let steps: Vec<(Step, &User)> = match index {
            0 => vec![
                (Step::Acknowledge, &clerk),
                (
                    Step::Handle {
                        note: "已部署落实".into(),
                    },
                    &clerk,
                ),
                (
                    Step::Answer {
                        answer: answers[1].into(),
                    },
                    &clerk,
                ),
                (
                    Step::Review {
                        accepted: true,
                        comment: "资料齐全，同意办结。".into(),
                    },
                    &office,
                ),
                (Step::Close, &office),
            ],
            1 => vec![
                (Step::Acknowledge, &clerk),
                (
                    Step::Answer {
                        answer: answers[0].into(),
                    },
                    &clerk,
                ),
            ],
            2 => vec![
                (Step::Acknowledge, &clerk),
                (
                    Step::Handle {
                        note: "正在收集佐证资料".into(),
                    },
                    &clerk,
                ),
            ],
            3 => vec![(Step::Acknowledge, &clerk)],
            _ => vec![],
        };
        for (step, actor) in steps {
            supervision::take_step(db, id, step, actor, today)
                .await?
                .map_err(|refusal| anyhow::anyhow!("demo step refused: {refusal}"))?;
        }
    }
    // The hourly rule's work: a draft per unit for the office to confirm.
    supervision::escalate(db, campaign.id, today).await?;
    Ok(())
}

async fn user(db: &PgPool, username: &str) -> anyhow::Result<User> {
    let id = accounts::id_by_username(db, username)
        .await?
        .with_context(|| format!("demo user {username}"))?;
    accounts::find(db, id)
        .await?
        .with_context(|| format!("demo user {username}"))
}
