-- People inside an organisation (issue 16 §8): a task's 经办人 (the colleague who handles
-- it), and 单位审核 — an organisation may have its head approve its submissions before
-- they reach the office (待单位审核), with the same history and return loop.
ALTER TABLE tasks ADD COLUMN assignee_id BIGINT REFERENCES users (id);
CREATE INDEX tasks_assignee_idx ON tasks (assignee_id) WHERE assignee_id IS NOT NULL;
ALTER TABLE organisations ADD COLUMN unit_review BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check
    CHECK (status IN ('not_started', 'in_progress', 'unit_review', 'submitted', 'returned', 'approved'));
