-- The programme list counts each programme's tasks; the unique index on programme tasks
-- is partial (generated tasks only), so the counts need an index of their own.
CREATE INDEX tasks_programme_idx ON tasks (programme_id) WHERE programme_id IS NOT NULL;
