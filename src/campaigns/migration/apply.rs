//! Carrying a planned migration out, inside the caller's transaction.

use sqlx::PgConnection;

use super::MigrationError;
use super::plan::Plan;

pub(super) async fn apply(
    conn: &mut PgConnection,
    plan: &Plan,
    actor_id: Option<i64>,
) -> Result<(), MigrationError> {
    let (from, to) = (&plan.preview.from.code, &plan.preview.to.code);
    // Tasks keep their ids, so evidence, versions, reviews and history go with them.
    let ids: Vec<i64> = plan.task_moves.iter().map(|m| m.task_id).collect();
    let indicator_ids: Vec<i64> = plan.task_moves.iter().map(|m| m.new_indicator_id).collect();
    let rubric_tasks: Vec<Option<i64>> = plan.task_moves.iter().map(|m| m.rubric_task_id).collect();
    sqlx::query(
        "UPDATE tasks t SET indicator_id = m.indicator_id, rubric_task_id = m.rubric_task_id, updated_at = now() \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS m (id, indicator_id, rubric_task_id) \
         WHERE t.id = m.id",
    )
    .bind(&ids)
    .bind(&indicator_ids)
    .bind(&rubric_tasks)
    .execute(&mut *conn)
    .await?;
    let comments: Vec<String> = plan
        .task_moves
        .iter()
        .map(|m| format!("{from}版第{}项 → {to}版第{}项", m.old_number, m.new_number))
        .collect();
    task_events(conn, "edition_changed", &ids, actor_id, &comments).await?;

    let withdrawn: Vec<i64> = plan.withdrawn.iter().map(|(id, _)| *id).collect();
    sqlx::query("UPDATE tasks SET removed_at = now(), updated_at = now() WHERE id = ANY($1)")
        .bind(&withdrawn)
        .execute(&mut *conn)
        .await?;
    let comments: Vec<String> = plan
        .withdrawn
        .iter()
        .map(|(_, number)| format!("{from}版第{number}项在{to}版中不再设置，任务撤销，资料保留"))
        .collect();
    task_events(conn, "removed", &withdrawn, actor_id, &comments).await?;

    let pairs = IndicatorPairs::of(plan);
    // 有关成员单位 picks: a split indicator's pick goes to each part, merged picks are
    // joined; a dropped indicator's pick goes with it.
    pairs
        .copy(
            conn,
            "INSERT INTO indicator_member_choices (campaign_id, indicator_id, confirmed_by, confirmed_at) \
             SELECT c.campaign_id, m.new, c.confirmed_by, c.confirmed_at \
             FROM unnest($2::bigint[], $3::bigint[]) AS m (old, new) \
             JOIN indicator_member_choices c ON c.campaign_id = $1 AND c.indicator_id = m.old \
             ORDER BY m.old ON CONFLICT DO NOTHING",
        )
        .await?;
    pairs
        .copy(
            conn,
            "INSERT INTO indicator_member_picks (campaign_id, indicator_id, organisation_id) \
             SELECT p.campaign_id, m.new, p.organisation_id \
             FROM unnest($2::bigint[], $3::bigint[]) AS m (old, new) \
             JOIN indicator_member_picks p ON p.campaign_id = $1 AND p.indicator_id = m.old \
             ON CONFLICT DO NOTHING",
        )
        .await?;
    pairs
        .clear(
            conn,
            "DELETE FROM indicator_member_choices WHERE campaign_id = $1 AND indicator_id = ANY($2)",
        )
        .await?;
    // Programme links.
    pairs
        .copy(
            conn,
            "INSERT INTO programme_indicators (programme_id, indicator_id) \
             SELECT pi.programme_id, m.new FROM unnest($2::bigint[], $3::bigint[]) AS m (old, new) \
             JOIN programme_indicators pi ON pi.indicator_id = m.old \
             JOIN programmes p ON p.id = pi.programme_id AND p.campaign_id = $1 \
             ON CONFLICT DO NOTHING",
        )
        .await?;
    pairs
        .clear(
            conn,
            "DELETE FROM programme_indicators pi USING programmes p \
             WHERE p.id = pi.programme_id AND p.campaign_id = $1 AND pi.indicator_id = ANY($2)",
        )
        .await?;
    // Problems go to the first new indicator; a dropped indicator's stay as general ones.
    pairs
        .first_only()
        .copy(
            conn,
            "UPDATE problems p SET indicator_id = m.new \
             FROM unnest($2::bigint[], $3::bigint[]) AS m (old, new) \
             WHERE p.campaign_id = $1 AND p.indicator_id = m.old",
        )
        .await?;
    pairs
        .clear(
            conn,
            "UPDATE problems SET indicator_id = NULL WHERE campaign_id = $1 AND indicator_id = ANY($2)",
        )
        .await?;
    renumber_proposed_members(conn, plan).await?;

    sqlx::query("UPDATE campaigns SET edition_id = $2, updated_at = now() WHERE id = $1")
        .bind(plan.preview.campaign_id)
        .bind(plan.preview.to.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One history event per task, each with its own comment.
async fn task_events(
    conn: &mut PgConnection,
    action: &str,
    task_ids: &[i64],
    actor_id: Option<i64>,
    comments: &[String],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO task_events (task_id, actor_id, action, comment) \
         SELECT id, $2, $4, comment FROM unnest($1::bigint[], $3::text[]) AS m (id, comment)",
    )
    .bind(task_ids)
    .bind(actor_id)
    .bind(comments)
    .bind(action)
    .execute(conn)
    .await?;
    Ok(())
}

/// Old indicator → new indicator, one pair per destination, for the campaign-keyed rows
/// that follow the mapping.
struct IndicatorPairs {
    campaign_id: i64,
    old: Vec<i64>,
    new: Vec<i64>,
    /// Every old indicator, for clearing what is left on the old edition.
    all_old: Vec<i64>,
}

impl IndicatorPairs {
    fn of(plan: &Plan) -> IndicatorPairs {
        let (old, new) = plan
            .indicator_map
            .iter()
            .flat_map(|(old, news)| news.iter().map(move |new| (*old, *new)))
            .unzip();
        IndicatorPairs {
            campaign_id: plan.preview.campaign_id,
            old,
            new,
            all_old: plan.indicator_map.iter().map(|(old, _)| *old).collect(),
        }
    }

    /// Only each old indicator's first destination (for rows that can go one place).
    fn first_only(&self) -> IndicatorPairs {
        let mut seen = std::collections::HashSet::new();
        let (old, new) = self
            .old
            .iter()
            .zip(&self.new)
            .filter(|(old, _)| seen.insert(**old))
            .map(|(old, new)| (*old, *new))
            .unzip();
        IndicatorPairs {
            campaign_id: self.campaign_id,
            old,
            new,
            all_old: self.all_old.clone(),
        }
    }

    /// Runs `sql` with $1 the campaign, $2/$3 the old and new indicators of each pair.
    async fn copy(&self, conn: &mut PgConnection, sql: &'static str) -> sqlx::Result<()> {
        sqlx::query(sql)
            .bind(self.campaign_id)
            .bind(&self.old)
            .bind(&self.new)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Runs `sql` with $1 the campaign, $2 every old indicator.
    async fn clear(&self, conn: &mut PgConnection, sql: &'static str) -> sqlx::Result<()> {
        sqlx::query(sql)
            .bind(self.campaign_id)
            .bind(&self.all_old)
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// The plan's proposed 有关成员单位 are kept by indicator number: renumbered as mapped.
async fn renumber_proposed_members(conn: &mut PgConnection, plan: &Plan) -> sqlx::Result<()> {
    let campaign_id = plan.preview.campaign_id;
    let proposed: Vec<(i32, i64)> = sqlx::query_as(
        "DELETE FROM plan_relevant_members WHERE campaign_id = $1 RETURNING indicator_number, organisation_id",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let (numbers, orgs): (Vec<i32>, Vec<i64>) = proposed
        .iter()
        .flat_map(|(number, org)| {
            plan.number_map
                .get(number)
                .into_iter()
                .flatten()
                .map(move |new| (*new, *org))
        })
        .unzip();
    sqlx::query(
        "INSERT INTO plan_relevant_members (campaign_id, indicator_number, organisation_id) \
         SELECT $1, n, o FROM unnest($2::int[], $3::bigint[]) AS m (n, o) ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .bind(&numbers)
    .bind(&orgs)
    .execute(conn)
    .await?;
    Ok(())
}
