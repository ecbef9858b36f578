-- 督查督办 (issue 16 §4): the office's numbered 督办单 for an overdue or returned task, an
-- unanswered problem or a late monthly report, through 下发 → 签收 → 办理 → 反馈 →
-- 复核 → 办结, every step timed and kept; and escalation by rule of overdue tasks.

-- A unit's head (负责人): told when its tasks stay overdue, named on 督办单.
ALTER TABLE users ADD COLUMN unit_head BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE supervision_orders (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    -- 督办〔year〕第seq号, given when the order is issued (a draft has none yet).
    year             INT,
    seq              INT,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    -- The unit head it is also addressed to, if any.
    head_user_id     BIGINT REFERENCES users (id),
    subject          TEXT NOT NULL CHECK (subject IN ('task', 'problem', 'report', 'other')),
    task_id          BIGINT REFERENCES tasks (id),
    problem_id       BIGINT REFERENCES problems (id),
    report_period    DATE,
    matter           TEXT NOT NULL CHECK (btrim(matter) <> ''),
    demand           TEXT NOT NULL CHECK (btrim(demand) <> ''),
    deadline         DATE NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('draft', 'issued', 'acknowledged', 'in_progress',
                                                    'answered', 'reviewed', 'closed')),
    answer           TEXT NOT NULL DEFAULT '',
    -- A draft made by the escalation rule, waiting for the office to confirm.
    escalated        BOOLEAN NOT NULL DEFAULT false,
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, year, seq),
    CHECK ((state = 'draft') = (seq IS NULL)),
    CHECK (subject <> 'task' OR task_id IS NOT NULL),
    CHECK (subject <> 'problem' OR problem_id IS NOT NULL),
    CHECK (subject <> 'report' OR report_period IS NOT NULL)
);
CREATE INDEX supervision_orders_open_idx ON supervision_orders (campaign_id, organisation_id)
    WHERE state <> 'closed';
CREATE INDEX supervision_orders_task_idx ON supervision_orders (task_id) WHERE task_id IS NOT NULL;
-- One draft per task at a time: the escalation job runs hourly and must not pile them up.
CREATE UNIQUE INDEX supervision_orders_one_draft ON supervision_orders (task_id)
    WHERE state = 'draft';

CREATE TABLE supervision_steps (
    id        BIGSERIAL PRIMARY KEY,
    order_id  BIGINT NOT NULL REFERENCES supervision_orders (id) ON DELETE CASCADE,
    step      TEXT NOT NULL CHECK (step IN ('drafted', 'issued', 'acknowledged', 'handling', 'answered',
                                            'reviewed', 'sent_back', 'closed')),
    at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id  BIGINT REFERENCES users (id),
    comment   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervision_steps_order_idx ON supervision_steps (order_id, id);

-- The escalation rule of a campaign (from its plan file; defaults otherwise): after so
-- many days overdue, remind the clerk, then the unit head, then draft a 督办单.
CREATE TABLE escalation_rules (
    campaign_id         BIGINT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    remind_clerk_days   INT NOT NULL CHECK (remind_clerk_days >= 0),
    remind_head_days    INT NOT NULL CHECK (remind_head_days >= remind_clerk_days),
    draft_order_days    INT NOT NULL CHECK (draft_order_days >= remind_head_days)
);
