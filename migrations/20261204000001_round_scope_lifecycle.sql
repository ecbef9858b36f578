-- Rounds as the campaign runs them: the part of the edition a round scores, the framing
-- its report prints, a lock that may carry a reason, and the history of locks and
-- reopenings (an earlier locked result stays readable after a reopening).

-- The edition's parts the round scores (by sequence number). Empty: the whole edition,
-- which is what every round created before this migration scored.
ALTER TABLE assessment_rounds
    ADD COLUMN scope_parts        INTEGER[] NOT NULL DEFAULT '{}',
    -- Why the round was locked with items unfinished (NULL: it was complete).
    ADD COLUMN lock_reason        TEXT,
    -- The report's framing: 依据 (one document per line), 实施单位, 配合部门, report date.
    ADD COLUMN basis_documents    TEXT NOT NULL DEFAULT '',
    ADD COLUMN implementing_body  TEXT NOT NULL DEFAULT '',
    ADD COLUMN cooperating_bodies TEXT NOT NULL DEFAULT '',
    ADD COLUMN report_date        DATE;

-- Every lock of a round, with the result frozen then; a reopening closes the entry with
-- who reopened it and why. The round's row keeps only the current lock.
CREATE TABLE round_locks (
    id              BIGSERIAL PRIMARY KEY,
    round_id        BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    locked_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    locked_by       BIGINT REFERENCES users (id),
    lock_reason     TEXT,
    frozen_outcome  JSONB NOT NULL,
    reopened_at     TIMESTAMPTZ,
    reopened_by     BIGINT REFERENCES users (id),
    reopen_reason   TEXT,
    CHECK ((reopened_at IS NULL) = (reopen_reason IS NULL))
);
CREATE INDEX round_locks_round_idx ON round_locks (round_id, id);

-- A round's history page reads its audit events (object_type 'round') in order.
CREATE INDEX audit_events_object_at_id_idx ON audit_events (object_type, object_id, at, id);
