//! What happens to an organisation's open work when it leaves the campaign: the office
//! decides, when it deactivates it, whether its open tasks move to another owner or are
//! withdrawn. Approved tasks stay where they are, as the record of what it did.

use sqlx::{PgPool, Postgres, Transaction};

/// Where the open tasks of a departing organisation go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// To another organisation that owns tasks.
    MoveTo(i64),
    /// Withdrawn (kept in the history as removed).
    Withdraw,
}

impl HandOver {
    /// Parses the form's choice: "withdraw" or "move:<organisation id>".
    pub fn parse(text: &str) -> Option<HandOver> {
        match text.trim() {
            "withdraw" => Some(HandOver::Withdraw),
            other => other
                .strip_prefix("move:")
                .and_then(|id| id.parse().ok())
                .map(HandOver::MoveTo),
        }
    }
}

/// How many tasks of organisation `organisation_id` are open (not approved, not removed).
pub async fn open_count(db: &PgPool, organisation_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE organisation_id = $1 AND removed_at IS NULL AND status <> 'approved'",
    )
    .bind(organisation_id)
    .fetch_one(db)
    .await
}

/// Moves or withdraws the open tasks of `from` inside the caller's transaction, each
/// change in its task's history. A task the receiver already has for the same rubric
/// task is withdrawn rather than doubled. Returns how many tasks changed.
pub async fn hand_over(
    tx: &mut Transaction<'_, Postgres>,
    from: i64,
    to: HandOver,
    actor_id: i64,
) -> sqlx::Result<u64> {
    let (moved, withdrawn): (i64, i64) = match to {
        HandOver::MoveTo(receiver) => sqlx::query_as(
            "WITH open AS ( \
                 SELECT t.id, EXISTS (SELECT 1 FROM tasks x WHERE x.organisation_id = $2 AND x.campaign_id = t.campaign_id \
                     AND ((t.rubric_task_id IS NOT NULL AND x.rubric_task_id = t.rubric_task_id) \
                       OR (t.programme_id IS NOT NULL AND x.programme_id = t.programme_id AND x.relation = t.relation))) AS doubled \
                 FROM tasks t WHERE t.organisation_id = $1 AND t.removed_at IS NULL AND t.status <> 'approved' FOR UPDATE \
             ), moved AS ( \
                 UPDATE tasks SET organisation_id = $2, assignee_id = NULL, updated_at = now() \
                 WHERE id IN (SELECT id FROM open WHERE NOT doubled) RETURNING id \
             ), gone AS ( \
                 UPDATE tasks SET removed_at = now(), updated_at = now() \
                 WHERE id IN (SELECT id FROM open WHERE doubled) RETURNING id \
             ), logged AS ( \
                 INSERT INTO task_events (task_id, actor_id, action, comment, detail) \
                 SELECT id, $3, 'reassigned', '单位撤并，任务移交', jsonb_build_object('from', $1::bigint, 'to', $2::bigint) FROM moved \
                 UNION ALL \
                 SELECT id, $3, 'removed', '单位撤并，接收单位已有同一任务', jsonb_build_object('from', $1::bigint) FROM gone \
                 RETURNING 1 \
             ) \
             SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM gone)",
        )
        .bind(from)
        .bind(receiver)
        .bind(actor_id)
        .fetch_one(&mut **tx)
        .await?,
        HandOver::Withdraw => sqlx::query_as(
            "WITH gone AS ( \
                 UPDATE tasks SET removed_at = now(), updated_at = now() \
                 WHERE organisation_id = $1 AND removed_at IS NULL AND status <> 'approved' RETURNING id \
             ), logged AS ( \
                 INSERT INTO task_events (task_id, actor_id, action, comment) \
                 SELECT id, $2, 'removed', '单位撤并，任务撤销' FROM gone RETURNING 1 \
             ) \
             SELECT 0::bigint, (SELECT count(*) FROM gone)",
        )
        .bind(from)
        .bind(actor_id)
        .fetch_one(&mut **tx)
        .await?,
    };
    Ok((moved + withdrawn) as u64)
}

#[cfg(test)]
mod tests {
    use super::HandOver;

    #[test]
    fn reads_the_forms_choice() {
        assert_eq!(HandOver::parse("withdraw"), Some(HandOver::Withdraw));
        assert_eq!(HandOver::parse("move:12"), Some(HandOver::MoveTo(12)));
        assert_eq!(HandOver::parse("move:x"), None);
        assert_eq!(HandOver::parse(""), None);
    }
}
