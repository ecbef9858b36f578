//! A WHERE clause written with only the conditions a filter sets, and its arguments.
//!
//! A filter as one fixed clause of `($n IS NULL OR …)` alternatives is planned once, as
//! a prepared statement, for any arguments; PostgreSQL then cannot tell which of them
//! apply, multiplies their selectivities, expects one row where there are thousands and
//! joins them by nested loops (the office's task list took 8 ms instead of 1). Written
//! out, each combination of conditions is its own statement with its own fitting plan.

use sqlx::Postgres;
use sqlx::postgres::PgArguments;

pub struct Conditions {
    clause: String,
    args: PgArguments,
    bound: usize,
}

impl Conditions {
    /// Starts with a condition every query of the filter has (`first` may use `{}`
    /// for the place of `value`, bound as `$1`).
    pub fn new<'q, T>(first: &str, value: T) -> sqlx::Result<Conditions>
    where
        T: sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'q,
    {
        let mut conditions = Conditions {
            clause: String::new(),
            args: PgArguments::default(),
            bound: 0,
        };
        let place = conditions.bind(value)?;
        conditions.clause = first.replace("{}", &place);
        Ok(conditions)
    }

    /// Binds `value` and returns its placeholder (`$n`), for the query's own values
    /// after the filter's.
    pub fn bind<'q, T>(&mut self, value: T) -> sqlx::Result<String>
    where
        T: sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'q,
    {
        use sqlx::Arguments;
        self.args.add(value).map_err(sqlx::Error::Encode)?;
        self.bound += 1;
        Ok(format!("${}", self.bound))
    }

    /// Adds a condition without a value.
    pub fn and(&mut self, condition: &str) {
        self.clause.push_str(" AND ");
        self.clause.push_str(condition);
    }

    /// Adds `condition` with `value` in the place of `{}`, when there is a value.
    pub fn and_if<'q, T>(&mut self, condition: &str, value: Option<T>) -> sqlx::Result<()>
    where
        T: sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'q,
    {
        if let Some(value) = value {
            let place = self.bind(value)?;
            self.and(&condition.replace("{}", &place));
        }
        Ok(())
    }

    pub fn clause(&self) -> &str {
        &self.clause
    }

    /// The arguments, for `query_with` and its kin.
    pub fn into_arguments(self) -> PgArguments {
        self.args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_set_conditions_are_written_numbered_in_order() {
        let mut c = Conditions::new("t.campaign_id = {} AND t.removed_at IS NULL", 7_i64).unwrap();
        c.and_if("t.organisation_id = {}", None::<i64>).unwrap();
        c.and_if("t.status = {}", Some("returned")).unwrap();
        c.and("t.programme_id IS NOT NULL");
        assert_eq!(
            c.clause(),
            "t.campaign_id = $1 AND t.removed_at IS NULL AND t.status = $2 AND t.programme_id IS NOT NULL"
        );
        assert_eq!(
            c.bind(100_i64).unwrap(),
            "$3",
            "a query's own values follow"
        );
    }
}
