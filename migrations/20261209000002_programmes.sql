-- The campaign plan (issue 16 §3): a city's own data file beside the rubric, with the
-- programmes of its 四、主要任务 (12 治理提升工程, 12 专项整治行动) and the office's own.
-- A programme runs for years under a 牵头单位 with 责任单位, may serve several
-- indicators or none, and generates tasks that follow the same review loop as
-- indicator tasks.
CREATE TABLE campaign_plans (
    campaign_id     BIGINT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    city            TEXT NOT NULL,
    title           TEXT NOT NULL,
    issuing_body    TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    source          TEXT NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE programmes (
    id                BIGSERIAL PRIMARY KEY,
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('project', 'campaign', 'office')),
    number            INT NOT NULL,
    title             TEXT NOT NULL,
    text              TEXT NOT NULL,
    lead_text         TEXT NOT NULL DEFAULT '',     -- the 牵头单位 line verbatim
    responsible_text  TEXT NOT NULL DEFAULT '',     -- the 责任单位 line verbatim
    counties          BOOLEAN NOT NULL DEFAULT false,  -- 各县（区） among the 责任单位
    starts_on         DATE,
    ends_on           DATE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, kind, number)
);
CREATE TABLE programme_organisations (
    programme_id     BIGINT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    role             TEXT NOT NULL CHECK (role IN ('lead', 'responsible')),
    position         INT NOT NULL,
    PRIMARY KEY (programme_id, organisation_id)
);
CREATE TABLE programme_indicators (
    programme_id  BIGINT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id),
    PRIMARY KEY (programme_id, indicator_id)
);
CREATE TABLE programme_milestones (
    id            BIGSERIAL PRIMARY KEY,
    programme_id  BIGINT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    due_on        DATE,
    done_on       DATE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The plan's proposal for an indicator's 有关成员单位, shown to the office as the default.
CREATE TABLE plan_relevant_members (
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    indicator_number  INT NOT NULL,
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (campaign_id, indicator_number, organisation_id)
);

-- A task hangs on an indicator or on a programme, never both and never neither.
ALTER TABLE tasks ALTER COLUMN indicator_id DROP NOT NULL;
ALTER TABLE tasks ADD COLUMN programme_id BIGINT REFERENCES programmes (id);
ALTER TABLE tasks ADD CONSTRAINT tasks_hangs_on_one
    CHECK ((indicator_id IS NULL) <> (programme_id IS NULL));
CREATE UNIQUE INDEX tasks_programme_key ON tasks (programme_id, organisation_id)
    WHERE programme_id IS NOT NULL;
