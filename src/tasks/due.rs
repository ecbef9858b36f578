//! Setting the due date of many tasks at once. Clearing them is a different act from
//! setting them, so it has to be asked for by name and the number of tasks it touches
//! confirmed: an empty date alone never clears anything (it once cleared every task the
//! filter showed while the dialog said "设置截止日期").

use chrono::NaiveDate;
use sqlx::PgPool;

use sqlx::{Postgres, QueryBuilder};

use super::{TaskFilter, push_filter};

/// What the office typed into the bulk form.
#[derive(Debug, Clone, Copy)]
pub struct BulkDueInput<'a> {
    pub due_on: &'a str,
    /// "清除截止日期" was chosen.
    pub clear: bool,
    /// The number of tasks the office typed to confirm a clearing.
    pub confirmed_count: &'a str,
}

/// A checked bulk change: only obtainable through [`BulkDue::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkDue {
    Set(NaiveDate),
    Clear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkDueRefusal {
    /// No date, and clearing was not chosen.
    NoDate,
    BadDate,
    /// Clearing chosen, but the count typed is not the number of tasks it would clear.
    ClearNotConfirmed {
        count: i64,
    },
}

impl BulkDueRefusal {
    /// The message key, for the handler's wording.
    pub fn message_key(self) -> &'static str {
        match self {
            BulkDueRefusal::NoDate => "task-due-bulk-no-date",
            BulkDueRefusal::BadDate => "task-error-date",
            BulkDueRefusal::ClearNotConfirmed { .. } => "task-due-bulk-clear-confirm",
        }
    }
}

impl BulkDue {
    /// Checks the form against the number of tasks the filter shows now.
    pub fn check(input: BulkDueInput<'_>, count_now: i64) -> Result<BulkDue, BulkDueRefusal> {
        if input.clear {
            return match input.confirmed_count.trim().parse::<i64>() {
                Ok(n) if n == count_now => Ok(BulkDue::Clear),
                _ => Err(BulkDueRefusal::ClearNotConfirmed { count: count_now }),
            };
        }
        match input.due_on.trim() {
            "" => Err(BulkDueRefusal::NoDate),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(BulkDue::Set)
                .map_err(|_| BulkDueRefusal::BadDate),
        }
    }

    pub fn date(self) -> Option<NaiveDate> {
        match self {
            BulkDue::Set(date) => Some(date),
            BulkDue::Clear => None,
        }
    }
}

/// Sets or clears the due date of every task matching `filter`, each change recorded in
/// its task's history. Returns how many tasks changed.
pub async fn apply(
    db: &PgPool,
    campaign_id: i64,
    filter: &TaskFilter,
    change: BulkDue,
    actor_id: i64,
) -> sqlx::Result<u64> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "WITH target AS ( \
             SELECT t.id, t.due_on AS before FROM tasks t LEFT JOIN indicators i ON i.id = t.indicator_id",
    );
    push_filter(&mut qb, campaign_id, filter);
    let due = change.date();
    qb.push(" AND t.due_on IS DISTINCT FROM ")
        .push_bind(due)
        .push(
            "::date FOR UPDATE OF t \
         ), changed AS ( \
             UPDATE tasks SET due_on = ",
        )
        .push_bind(due)
        .push(
            "::date, updated_at = now() FROM target WHERE tasks.id = target.id \
             RETURNING tasks.id, target.before \
         ) \
         INSERT INTO task_events (task_id, actor_id, action, detail) \
         SELECT id, ",
        )
        .push_bind(actor_id)
        .push(", 'due_changed', jsonb_build_object('before', before, 'after', ")
        .push_bind(due)
        .push("::date, 'bulk', true) FROM changed");
    Ok(qb.build().execute(db).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(due_on: &'a str, clear: bool, count: &'a str) -> BulkDueInput<'a> {
        BulkDueInput {
            due_on,
            clear,
            confirmed_count: count,
        }
    }

    #[test]
    fn an_empty_date_never_clears() {
        assert_eq!(
            BulkDue::check(input("", false, ""), 1114),
            Err(BulkDueRefusal::NoDate)
        );
        assert_eq!(
            BulkDue::check(input("  ", false, "1114"), 1114),
            Err(BulkDueRefusal::NoDate)
        );
    }

    #[test]
    fn clearing_is_chosen_by_name_and_its_count_confirmed() {
        assert_eq!(
            BulkDue::check(input("", true, "1114"), 1114),
            Ok(BulkDue::Clear)
        );
        assert_eq!(
            BulkDue::check(input("", true, ""), 1114),
            Err(BulkDueRefusal::ClearNotConfirmed { count: 1114 })
        );
        assert_eq!(
            BulkDue::check(input("2026-12-25", true, "57"), 1114),
            Err(BulkDueRefusal::ClearNotConfirmed { count: 1114 }),
            "a count from an older view of the list is not a confirmation"
        );
    }

    #[test]
    fn a_date_sets() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert_eq!(
            BulkDue::check(input("2026-12-25", false, ""), 3),
            Ok(BulkDue::Set(day))
        );
        assert_eq!(
            BulkDue::check(input("25/12/2026", false, ""), 3),
            Err(BulkDueRefusal::BadDate)
        );
    }
}
