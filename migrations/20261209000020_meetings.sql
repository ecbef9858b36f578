-- 调度 meetings (issue 16 §5). Progress reports count them ("县政府常务会2次调度创建工作…
-- 县市场监管局月调度创建工作7次"), so the register keeps each meeting's kind, date, who
-- convened and chaired it and who attended, and the decisions it took with what each
-- became: a task in the review loop or a milestone of a programme.
CREATE TABLE meetings (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL
                 CHECK (kind IN ('monthly', 'quarterly', 'executive', 'leading_group', 'special', 'other')),
    held_on      DATE NOT NULL,
    title        TEXT NOT NULL CHECK (title <> ''),
    chair        TEXT NOT NULL DEFAULT '',          -- as written, e.g. 副市长 张某
    convener_id  BIGINT NOT NULL REFERENCES organisations (id),
    summary      TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The register and the counts read a campaign's meetings by date.
CREATE INDEX meetings_campaign_date_idx ON meetings (campaign_id, held_on, id);
CREATE INDEX meetings_convener_idx ON meetings (convener_id, held_on);

CREATE TABLE meeting_attendees (
    meeting_id       BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (meeting_id, organisation_id)
);
CREATE INDEX meeting_attendees_org_idx ON meeting_attendees (organisation_id);

-- A decision becomes at most one thing; which one, and when, is kept on it.
CREATE TABLE meeting_decisions (
    id            BIGSERIAL PRIMARY KEY,
    meeting_id    BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    seq           INT NOT NULL,
    text          TEXT NOT NULL CHECK (text <> ''),
    owner_id      BIGINT REFERENCES organisations (id),
    deadline      DATE,
    task_id       BIGINT REFERENCES tasks (id) ON DELETE SET NULL,
    milestone_id  BIGINT REFERENCES programme_milestones (id) ON DELETE SET NULL,
    became_at     TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (meeting_id, seq),
    CHECK (task_id IS NULL OR milestone_id IS NULL)
);
CREATE INDEX meeting_decisions_task_idx ON meeting_decisions (task_id) WHERE task_id IS NOT NULL;

-- A decision can give an organisation a further task on a programme it already has its
-- generated task for ("卡若区 to finish the 工程3 ledgers by the 30th"). Only the generated
-- programme tasks (lead, responsible, county) stay one per programme and organisation, which
-- is what makes their generation safe to run again.
DROP INDEX tasks_programme_key;
CREATE UNIQUE INDEX tasks_programme_key ON tasks (programme_id, organisation_id)
    WHERE programme_id IS NOT NULL AND relation <> 'task';
