-- What was unfinished when a round was locked with a reason (items not marked as scored,
-- veto items not judged, measured values missing), frozen with the lock so the report
-- and the lock's own page print the list as it stood then.
ALTER TABLE round_locks ADD COLUMN unfinished JSONB NOT NULL DEFAULT '[]'::jsonb;
