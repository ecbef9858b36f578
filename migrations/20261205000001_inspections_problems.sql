-- On-site inspections (明查暗访), leader interviews (领导访谈) and the problem list that ends
-- in rectification (问题整改 → 销号). The checklists an inspector works through are rubric
-- data (`[[establishment_kinds]]` in the edition's file); records refer to their codes.

-- The inspection plan of a round: one row per point (点位).
CREATE TABLE inspection_points (
    id           BIGSERIAL PRIMARY KEY,
    round_id     BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    -- 序号 within the round, as planned.
    seq          INTEGER NOT NULL CHECK (seq > 0),
    -- The county/district organisation when the typed name matched one; the name as typed
    -- is kept either way (plans are pasted from lists the office prepared).
    county_id    BIGINT REFERENCES organisations (id),
    county_name  TEXT NOT NULL CHECK (btrim(county_name) <> ''),
    town         TEXT NOT NULL DEFAULT '',
    unit_name    TEXT NOT NULL CHECK (btrim(unit_name) <> ''),
    address      TEXT NOT NULL DEFAULT '',
    -- The establishment kind's code in the rubric data (e.g. "school-canteen").
    kind_code    TEXT NOT NULL CHECK (btrim(kind_code) <> ''),
    -- 明查 (announced) or 暗访 (unannounced: hidden from the city until results are published).
    mode         TEXT NOT NULL CHECK (mode IN ('open', 'unannounced')),
    group_id     BIGINT REFERENCES organisations (id),
    planned_on   DATE,
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (round_id, seq)
);
CREATE INDEX inspection_points_round_idx ON inspection_points (round_id, mode, seq);

-- The assessors sent to a point.
CREATE TABLE inspection_point_assessors (
    point_id  BIGINT NOT NULL REFERENCES inspection_points (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (point_id, user_id)
);

-- The record made at the point: a draft saved as the inspector types, then submitted.
CREATE TABLE inspection_records (
    point_id       BIGINT PRIMARY KEY REFERENCES inspection_points (id) ON DELETE CASCADE,
    state          TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted')),
    -- Checklist answers by check code: "pass" (合格), "fail" (不合格), "na" (不适用).
    answers        JSONB NOT NULL DEFAULT '{}',
    notes          TEXT NOT NULL DEFAULT '',
    started_at     TIMESTAMPTZ,
    minutes_taken  INTEGER CHECK (minutes_taken IS NULL OR minutes_taken >= 0),
    -- Where the browser said the inspector was, when it said so.
    latitude       DOUBLE PRECISION CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
    longitude      DOUBLE PRECISION CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
    accuracy_m     DOUBLE PRECISION,
    -- Bumped by every draft save, so a stale tab cannot overwrite a newer draft.
    version        INTEGER NOT NULL DEFAULT 1,
    updated_by     BIGINT REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_by   BIGINT REFERENCES users (id),
    submitted_at   TIMESTAMPTZ,
    CHECK ((state = 'submitted') = (submitted_at IS NOT NULL))
);

-- What the inspector found at a point, tied to the indicator it bears on. A proposed
-- deduction is decided on the item's scoring page: accepted (it becomes a deduction that
-- cites the finding) or set aside with a reason.
CREATE TABLE inspection_findings (
    id               BIGSERIAL PRIMARY KEY,
    point_id         BIGINT NOT NULL REFERENCES inspection_points (id) ON DELETE CASCADE,
    -- Denormalised from the point: the item page lists a round's findings by indicator.
    round_id         BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    indicator_id     BIGINT NOT NULL REFERENCES indicators (id),
    check_code       TEXT,
    description      TEXT NOT NULL CHECK (btrim(description) <> ''),
    -- 一般 / 较重 / 严重
    seriousness      TEXT NOT NULL DEFAULT 'general' CHECK (seriousness IN ('general', 'major', 'serious')),
    proposed_points  NUMERIC(6, 2) CHECK (proposed_points IS NULL OR proposed_points > 0),
    decision         TEXT NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'accepted', 'set_aside')),
    deduction_id     BIGINT UNIQUE REFERENCES score_deductions (id),
    decision_reason  TEXT NOT NULL DEFAULT '',
    decided_by       BIGINT REFERENCES users (id),
    decided_at       TIMESTAMPTZ,
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((decision = 'accepted') = (deduction_id IS NOT NULL)),
    CHECK (decision <> 'set_aside' OR btrim(decision_reason) <> ''),
    CHECK (decision = 'pending' OR proposed_points IS NOT NULL)
);
CREATE INDEX inspection_findings_point_idx ON inspection_findings (point_id, id);
CREATE INDEX inspection_findings_item_idx ON inspection_findings (round_id, indicator_id, id);

-- Photos taken at a point, each uploaded on its own (weak connections retry one photo,
-- not the record). A photo belongs to the point and, once attached, to a finding.
CREATE TABLE inspection_photos (
    id          BIGSERIAL PRIMARY KEY,
    point_id    BIGINT NOT NULL REFERENCES inspection_points (id) ON DELETE CASCADE,
    finding_id  BIGINT REFERENCES inspection_findings (id) ON DELETE SET NULL,
    file_id     BIGINT NOT NULL REFERENCES stored_files (id),
    -- A JPEG the browser can show, when the original is not one (HEIC); NULL otherwise.
    preview_file_id BIGINT REFERENCES stored_files (id),
    taken_at    TIMESTAMPTZ,
    added_by    BIGINT REFERENCES users (id),
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX inspection_photos_point_idx ON inspection_photos (point_id, id);
CREATE INDEX inspection_photos_finding_idx ON inspection_photos (finding_id) WHERE finding_id IS NOT NULL;

-- 领导访谈: an interview held by a round's interview group.
CREATE TABLE round_interviews (
    id          BIGSERIAL PRIMARY KEY,
    round_id    BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    group_id    BIGINT REFERENCES organisations (id),
    -- 访谈组 as the round names it (e.g. "第一访谈组"), when no assessor group is set.
    group_label TEXT NOT NULL DEFAULT '',
    held_on     DATE NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    questions   TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX round_interviews_round_idx ON round_interviews (round_id, held_on, id);

-- The people interviewed: level 市/县/乡 and post (the name is optional: reports cite posts).
CREATE TABLE round_interviewees (
    id            BIGSERIAL PRIMARY KEY,
    interview_id  BIGINT NOT NULL REFERENCES round_interviews (id) ON DELETE CASCADE,
    level         TEXT NOT NULL CHECK (level IN ('city', 'county', 'township')),
    post          TEXT NOT NULL CHECK (btrim(post) <> ''),
    name          TEXT NOT NULL DEFAULT '',
    organisation  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX round_interviewees_idx ON round_interviewees (interview_id, id);

-- The indicators an interview bears on (those whose method includes 党政领导访谈).
CREATE TABLE round_interview_indicators (
    interview_id  BIGINT NOT NULL REFERENCES round_interviews (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id),
    PRIMARY KEY (interview_id, indicator_id)
);
CREATE INDEX round_interview_indicators_idx ON round_interview_indicators (indicator_id);

-- 问题: a problem the organisation responsible must rectify, from a round's deduction, an
-- inspection finding, a 市级考评 deduction, or raised by the office itself.
CREATE TABLE problems (
    id                 BIGSERIAL PRIMARY KEY,
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    source             TEXT NOT NULL CHECK (source IN ('round', 'inspection', 'evaluation', 'office')),
    round_id           BIGINT REFERENCES assessment_rounds (id),
    deduction_id       BIGINT UNIQUE REFERENCES score_deductions (id),
    finding_id         BIGINT UNIQUE REFERENCES inspection_findings (id),
    evaluation_deduction_id BIGINT UNIQUE REFERENCES org_evaluation_deductions (id),
    -- 问题来源 as printed in the ledger ("2026年省级初评 现场检查", "市级考评", "市委督查").
    source_label       TEXT NOT NULL CHECK (btrim(source_label) <> ''),
    indicator_id       BIGINT REFERENCES indicators (id),
    description        TEXT NOT NULL CHECK (btrim(description) <> ''),
    organisation_id    BIGINT NOT NULL REFERENCES organisations (id),
    deadline           DATE NOT NULL,
    state              TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'submitted', 'returned', 'closed')),
    -- 整改措施, written by the organisation responsible.
    measures           TEXT NOT NULL DEFAULT '',
    -- Who may verify besides the office: the assessor who raised it.
    raised_by          BIGINT REFERENCES users (id),
    raised_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_by       BIGINT REFERENCES users (id),
    submitted_at       TIMESTAMPTZ,
    closed_by          BIGINT REFERENCES users (id),
    closed_at          TIMESTAMPTZ,
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
    CHECK (state NOT IN ('submitted', 'closed') OR btrim(measures) <> ''),
    CHECK (source <> 'round' OR deduction_id IS NOT NULL),
    CHECK (source <> 'inspection' OR finding_id IS NOT NULL),
    CHECK (source <> 'evaluation' OR evaluation_deduction_id IS NOT NULL)
);
CREATE INDEX problems_org_idx ON problems (organisation_id, state, deadline);
CREATE INDEX problems_campaign_idx ON problems (campaign_id, state, deadline);
CREATE INDEX problems_round_idx ON problems (round_id) WHERE round_id IS NOT NULL;

-- The evidence of rectification, through the same upload path as task evidence.
CREATE TABLE problem_files (
    problem_id  BIGINT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    file_id     BIGINT NOT NULL REFERENCES stored_files (id),
    added_by    BIGINT REFERENCES users (id),
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (problem_id, file_id)
);

-- Everything that happened to a problem, in order.
CREATE TABLE problem_events (
    id          BIGSERIAL PRIMARY KEY,
    problem_id  BIGINT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('raised', 'reassigned', 'deadline', 'submitted', 'returned', 'closed', 'file')),
    actor_id    BIGINT REFERENCES users (id),
    comment     TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX problem_events_idx ON problem_events (problem_id, id);
