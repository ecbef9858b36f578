-- Foundation: organisations, accounts, the rubric, settings and the audit trail.
-- Migrations are append-only: never edit this file once it has landed; add a new one.

CREATE TABLE organisations (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(btrim(name)) > 0),
    kind        TEXT NOT NULL CHECK (kind IN ('office', 'department', 'county', 'assessor_group', 'external')),
    sort_order  INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (name);

-- Names under which the rubric (or a CSV import) refers to an organisation. The rubric
-- importer resolves names through this table, so an administrator may rename an
-- organisation without the next import creating the old name again.
CREATE TABLE organisation_aliases (
    alias            TEXT PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE
);
CREATE INDEX organisation_aliases_org_idx ON organisation_aliases (organisation_id);

CREATE TABLE users (
    id                    BIGSERIAL PRIMARY KEY,
    username              TEXT NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{2,64}$'),
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL CHECK (role IN ('admin', 'office', 'department', 'assessor', 'viewer')),
    organisation_id       BIGINT REFERENCES organisations (id),
    password_hash         TEXT NOT NULL,
    must_change_password  BOOLEAN NOT NULL DEFAULT TRUE,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    locale                TEXT CHECK (locale IN ('zh-CN', 'en')),
    last_login_at         TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- a department or county clerk always acts for one organisation
    CONSTRAINT users_department_has_org CHECK (role <> 'department' OR organisation_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_organisation_idx ON users (organisation_id);

CREATE TABLE rubric_editions (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    total_points    INTEGER NOT NULL,
    content_sha256  TEXT NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE rubric_parts (
    id          BIGSERIAL PRIMARY KEY,
    edition_id  BIGINT NOT NULL REFERENCES rubric_editions (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    numeral     TEXT NOT NULL,
    title       TEXT NOT NULL,
    points      INTEGER,            -- NULL for 否决项
    heading     TEXT NOT NULL,
    UNIQUE (edition_id, seq)
);

CREATE TABLE rubric_points (
    id          BIGSERIAL PRIMARY KEY,
    edition_id  BIGINT NOT NULL REFERENCES rubric_editions (id) ON DELETE CASCADE,
    part_id     BIGINT NOT NULL REFERENCES rubric_parts (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    title       TEXT NOT NULL,
    points      INTEGER NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('basic', 'required', 'optional')),
    note        TEXT NOT NULL DEFAULT '',
    heading     TEXT NOT NULL,
    UNIQUE (edition_id, seq)
);
CREATE INDEX rubric_points_part_idx ON rubric_points (part_id);

CREATE TABLE indicators (
    id                   BIGSERIAL PRIMARY KEY,
    edition_id           BIGINT NOT NULL REFERENCES rubric_editions (id) ON DELETE CASCADE,
    part_id              BIGINT NOT NULL REFERENCES rubric_parts (id) ON DELETE CASCADE,
    point_id             BIGINT REFERENCES rubric_points (id) ON DELETE CASCADE,  -- NULL under 否决项
    number               INTEGER NOT NULL,
    content              TEXT NOT NULL,
    methods              TEXT[] NOT NULL,
    methods_text         TEXT NOT NULL,
    responsibility_text  TEXT NOT NULL,
    tasks_text           TEXT NOT NULL,
    counties             BOOLEAN NOT NULL,   -- 各县（区） share the responsibility
    all_members          BOOLEAN NOT NULL,   -- 市食药安委各成员单位 and similar catch-alls
    UNIQUE (edition_id, number)
);
CREATE INDEX indicators_part_idx ON indicators (part_id);
CREATE INDEX indicators_point_idx ON indicators (point_id);

CREATE TABLE indicator_organisations (
    indicator_id     BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    role             TEXT NOT NULL CHECK (role IN ('lead', 'responsible')),
    position         INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, organisation_id)
);
CREATE INDEX indicator_organisations_org_idx ON indicator_organisations (organisation_id);

CREATE TABLE indicator_tasks (
    id               BIGSERIAL PRIMARY KEY,
    indicator_id     BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    text             TEXT NOT NULL,
    counties         BOOLEAN NOT NULL,        -- addressed to 各县（区）
    all_responsible  BOOLEAN NOT NULL,        -- addressed to every responsible body ("各责任部门…")
    UNIQUE (indicator_id, seq)
);

CREATE TABLE indicator_task_organisations (
    task_id          BIGINT NOT NULL REFERENCES indicator_tasks (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    position         INTEGER NOT NULL,
    PRIMARY KEY (task_id, organisation_id)
);
CREATE INDEX indicator_task_organisations_org_idx ON indicator_task_organisations (organisation_id);

-- Small one-off facts about this installation (e.g. that default counties were seeded).
CREATE TABLE app_settings (
    key    TEXT PRIMARY KEY,
    value  JSONB NOT NULL
);

-- Append-only record of who changed what. The application never updates or deletes rows.
CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id     BIGINT REFERENCES users (id),
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT,
    summary      JSONB NOT NULL DEFAULT '{}'::jsonb,
    client_addr  TEXT
);
CREATE INDEX audit_events_at_idx ON audit_events (at DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, at DESC);
