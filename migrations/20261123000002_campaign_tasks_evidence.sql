-- The campaign and its daily work: tasks assigned to organisations, evidence files with
-- versions, the review loop, monthly reports and notifications. Every campaign-owned row
-- carries its campaign id so one installation can hold several campaigns.

CREATE TABLE campaigns (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL,
    city_name        TEXT NOT NULL,
    edition_id       BIGINT NOT NULL REFERENCES rubric_editions (id),
    population       BIGINT CHECK (population IS NULL OR population > 0),  -- for per-thousand figures
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL CHECK (ends_on >= starts_on),
    time_zone        TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    report_due_day   INTEGER NOT NULL DEFAULT 25 CHECK (report_due_day BETWEEN 1 AND 28),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- 筹备, 动员, 组织实施, 自查自评, 初评申请, 省级初评, 国家验收
CREATE TABLE campaign_stages (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    code         TEXT NOT NULL,
    starts_on    DATE,
    ends_on      DATE,
    PRIMARY KEY (campaign_id, seq),
    UNIQUE (campaign_id, code),
    CHECK (starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on)
);

CREATE TABLE tasks (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    indicator_id     BIGINT NOT NULL REFERENCES indicators (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    rubric_task_id   BIGINT REFERENCES indicator_tasks (id),   -- NULL for the office's own tasks
    relation         TEXT NOT NULL CHECK (relation IN ('lead', 'responsible', 'county', 'task')),
    text             TEXT NOT NULL,
    due_on           DATE,
    status           TEXT NOT NULL DEFAULT 'not_started'
                     CHECK (status IN ('not_started', 'in_progress', 'submitted', 'returned', 'approved')),
    removed_at       TIMESTAMPTZ,                               -- withdrawn by the office; kept for history
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One generated task per rubric task and organisation, so generation can be re-run safely.
CREATE UNIQUE INDEX tasks_generated_key ON tasks (campaign_id, rubric_task_id, organisation_id)
    WHERE rubric_task_id IS NOT NULL;
CREATE INDEX tasks_org_idx ON tasks (campaign_id, organisation_id, status) WHERE removed_at IS NULL;
CREATE INDEX tasks_indicator_idx ON tasks (campaign_id, indicator_id) WHERE removed_at IS NULL;
CREATE INDEX tasks_status_idx ON tasks (campaign_id, status) WHERE removed_at IS NULL;

-- Everything that happened to a task, in order (the 闭环 history).
CREATE TABLE task_events (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id    BIGINT REFERENCES users (id),
    action      TEXT NOT NULL,   -- assigned, reassigned, due_changed, uploaded, replaced, deleted, submitted, resubmitted, returned, approved, removed
    comment     TEXT NOT NULL DEFAULT '',
    detail      JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX task_events_task_idx ON task_events (task_id, id);

-- Files kept by the storage module; a row exists only once the bytes are safely stored.
CREATE TABLE stored_files (
    id             BIGSERIAL PRIMARY KEY,
    storage_key    TEXT NOT NULL UNIQUE,
    original_name  TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256         TEXT NOT NULL,
    uploaded_by    BIGINT REFERENCES users (id),
    uploaded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE evidence (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    task_id          BIGINT NOT NULL REFERENCES tasks (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    year             INTEGER CHECK (year IS NULL OR year BETWEEN 2000 AND 2100),   -- 分年度提供
    kind             TEXT NOT NULL CHECK (kind IN ('document', 'ledger', 'minutes', 'photo', 'news', 'other')),
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at       TIMESTAMPTZ,
    deleted_by       BIGINT REFERENCES users (id)
);
CREATE INDEX evidence_task_idx ON evidence (task_id) WHERE deleted_at IS NULL;
CREATE INDEX evidence_campaign_org_idx ON evidence (campaign_id, organisation_id);

-- Replacing a file adds a version; old versions stay downloadable.
CREATE TABLE evidence_versions (
    id           BIGSERIAL PRIMARY KEY,
    evidence_id  BIGINT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    file_id      BIGINT NOT NULL REFERENCES stored_files (id),
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (evidence_id, version)
);

CREATE TABLE monthly_reports (
    id                 BIGSERIAL PRIMARY KEY,
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    organisation_id    BIGINT NOT NULL REFERENCES organisations (id),
    period             DATE NOT NULL CHECK (extract(day FROM period) = 1),   -- first day of the month
    body               TEXT NOT NULL,
    due_at             TIMESTAMPTZ NOT NULL,
    first_submitted_at TIMESTAMPTZ NOT NULL DEFAULT now(),   -- never overwritten: lateness counts from here
    late_days          INTEGER NOT NULL DEFAULT 0 CHECK (late_days >= 0),
    submitted_by       BIGINT REFERENCES users (id),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, organisation_id, period)
);

CREATE TABLE monthly_report_files (
    report_id  BIGINT NOT NULL REFERENCES monthly_reports (id) ON DELETE CASCADE,
    file_id    BIGINT NOT NULL REFERENCES stored_files (id),
    PRIMARY KEY (report_id, file_id)
);

CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,   -- assigned, returned, approved, report_due, overdue
    params      JSONB NOT NULL DEFAULT '{}'::jsonb,
    link        TEXT NOT NULL DEFAULT '/',
    dedupe_key  TEXT,            -- reminders are sent once per key
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at     TIMESTAMPTZ
);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

CREATE INDEX audit_events_object_idx ON audit_events (object_type, object_id);
CREATE INDEX audit_events_action_idx ON audit_events (action, at DESC);
