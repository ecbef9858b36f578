//! The task list's query (filters and page), shared by the task pages and the JSON API.

use serde::Deserialize;

use crate::accounts::{Role, User};
use crate::tasks::{Status, TaskFilter};

#[derive(Debug, Default, Deserialize, Clone)]
pub struct TasksQuery {
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub overdue: String,
    /// A programme's id, or "all" for every programme's work.
    #[serde(default)]
    pub programme: String,
    /// "me": the tasks the signed-in clerk handles (经办人); or a colleague's user id.
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub page: String,
}

impl TasksQuery {
    /// The filter this query asks for; a clerk sees its own organisation's tasks only,
    /// whatever the query says.
    pub fn filter(&self, user: &User, today: chrono::NaiveDate) -> TaskFilter {
        let own_org = (user.role == Role::Department)
            .then_some(user.organisation_id)
            .flatten();
        TaskFilter {
            organisation_id: own_org.or(self.org.trim().parse().ok()),
            status: Status::parse(&self.status),
            indicator_number: self.indicator.trim().parse().ok(),
            overdue_on: (!self.overdue.is_empty()).then_some(today),
            programme_id: match self.programme.trim() {
                "all" => Some(0),
                id => id.parse().ok().filter(|id| *id > 0),
            },
            assignee_id: match self.assignee.trim() {
                "me" => Some(user.id),
                id => id.parse().ok(),
            },
        }
    }
}

/// Rows per page of a task list.
pub const PAGE_SIZE: i64 = 100;
