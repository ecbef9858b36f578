-- Organisation evaluations: the 自查自评 each department and county makes of itself (with
-- its 自查报告), and the city office's 市级考评 of each of them, with deductions that can
-- be turned into rectification work (the organisation's task returned with a due date).

CREATE TABLE org_evaluations (
    id             BIGSERIAL PRIMARY KEY,
    campaign_id    BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('self', 'city')),
    name           TEXT NOT NULL CHECK (btrim(name) <> ''),
    -- The 自查报告's deadline (a day in the campaign's time zone); 市级考评 have none.
    deadline       DATE,
    state          TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'finalised')),
    -- Grade bands: 优秀 ≥ excellent_min, 良好 ≥ good_min, 合格 ≥ pass_min, else 不合格.
    excellent_min  NUMERIC(5, 2) NOT NULL DEFAULT 90,
    good_min       NUMERIC(5, 2) NOT NULL DEFAULT 80,
    pass_min       NUMERIC(5, 2) NOT NULL DEFAULT 60,
    created_by     BIGINT REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    finalised_by   BIGINT REFERENCES users (id),
    finalised_at   TIMESTAMPTZ,
    CHECK (kind <> 'self' OR deadline IS NOT NULL),
    CHECK (excellent_min <= 100 AND excellent_min > good_min AND good_min > pass_min AND pass_min >= 0),
    CHECK ((state = 'finalised') = (finalised_at IS NOT NULL))
);
CREATE INDEX org_evaluations_campaign_idx ON org_evaluations (campaign_id, id);

-- The organisations an evaluation covers (every active department and county when it was
-- made), with the self-evaluation's report and, once finalised, the frozen completion.
CREATE TABLE org_evaluation_members (
    evaluation_id    BIGINT NOT NULL REFERENCES org_evaluations (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    report           TEXT NOT NULL DEFAULT '',
    -- The figures inserted into the report, frozen when it is submitted.
    figures          JSONB,
    submitted_at     TIMESTAMPTZ,
    submitted_by     BIGINT REFERENCES users (id),
    days_late        INTEGER NOT NULL DEFAULT 0 CHECK (days_late >= 0),
    returned_reason  TEXT NOT NULL DEFAULT '',
    returned_at      TIMESTAMPTZ,
    tasks_total      INTEGER,
    tasks_approved   INTEGER,
    PRIMARY KEY (evaluation_id, organisation_id),
    CHECK ((submitted_at IS NULL) = (submitted_by IS NULL))
);
CREATE INDEX org_evaluation_members_org_idx ON org_evaluation_members (organisation_id, evaluation_id);

-- 自查自评: one self-deduction per indicator of the organisation's own tasks (0 = 无扣分).
CREATE TABLE org_self_entries (
    evaluation_id    BIGINT NOT NULL,
    organisation_id  BIGINT NOT NULL,
    indicator_id     BIGINT NOT NULL REFERENCES indicators (id),
    points           NUMERIC(6, 2) NOT NULL CHECK (points >= 0 AND points <= 100),
    reason           TEXT NOT NULL DEFAULT '',
    entered_by       BIGINT REFERENCES users (id),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (evaluation_id, organisation_id, indicator_id),
    FOREIGN KEY (evaluation_id, organisation_id)
        REFERENCES org_evaluation_members (evaluation_id, organisation_id) ON DELETE CASCADE,
    CHECK (points = 0 OR btrim(reason) <> '')
);

-- 市级考评: deductions the 考评组 records, per indicator or general (indicator NULL).
CREATE TABLE org_evaluation_deductions (
    id               BIGSERIAL PRIMARY KEY,
    evaluation_id    BIGINT NOT NULL,
    organisation_id  BIGINT NOT NULL,
    indicator_id     BIGINT REFERENCES indicators (id),
    points           NUMERIC(6, 2) NOT NULL CHECK (points > 0 AND points <= 100),
    reason           TEXT NOT NULL CHECK (btrim(reason) <> ''),
    -- How it was found: report, records, survey, site, unannounced (听取汇报 … 明察暗访).
    method           TEXT NOT NULL CHECK (method IN ('report', 'records', 'survey', 'site', 'unannounced')),
    entered_by       BIGINT REFERENCES users (id),
    entered_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (evaluation_id, organisation_id)
        REFERENCES org_evaluation_members (evaluation_id, organisation_id) ON DELETE CASCADE
);
CREATE INDEX org_evaluation_deductions_idx ON org_evaluation_deductions (evaluation_id, organisation_id, id);

-- A deduction turned into rectification work: the tasks it returned, with the due date.
CREATE TABLE org_evaluation_rectifications (
    deduction_id  BIGINT NOT NULL REFERENCES org_evaluation_deductions (id) ON DELETE CASCADE,
    task_id       BIGINT NOT NULL REFERENCES tasks (id),
    due_on        DATE NOT NULL,
    returned_by   BIGINT REFERENCES users (id),
    returned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (deduction_id, task_id)
);
