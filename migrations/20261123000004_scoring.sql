-- Online scoring: assessment rounds, which assessor group scores which item, what
-- assessors recorded (deductions, measured values, awards, vetoes, evidence marks), the
-- city's choices, quantitative targets, and the evaluation report's narrative.

-- The rubric's own text, so the scoring rules it declares are read from the data file
-- the edition was imported from (not from code per item).
ALTER TABLE rubric_editions ADD COLUMN source TEXT;

-- The city's choices: 自选项 it applies with, the items chosen under points with
-- `choose` (机制创新 任选2项), and the campaign's pass rule (NULL: the edition's default).
ALTER TABLE campaigns
    ADD COLUMN optional_points INTEGER[] NOT NULL DEFAULT '{}',
    ADD COLUMN chosen_items    INTEGER[] NOT NULL DEFAULT '{}',
    ADD COLUMN verdict_rule    JSONB;

CREATE TABLE assessment_rounds (
    id                BIGSERIAL PRIMARY KEY,
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('self', 'city', 'provincial', 'national_mock')),
    name              TEXT NOT NULL CHECK (length(btrim(name)) > 0),
    starts_on         DATE,
    ends_on           DATE,
    state             TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'locked')),
    lead_assessor_id  BIGINT REFERENCES users (id),
    -- The computed outcome at the moment of locking: a locked round's totals never move,
    -- even if the rubric, the choices or the pass rule change later.
    frozen_outcome    JSONB,
    locked_at         TIMESTAMPTZ,
    -- The evaluation report's narrative sections, written by the lead assessor.
    report_organisation  TEXT NOT NULL DEFAULT '',
    report_achievements  TEXT NOT NULL DEFAULT '',
    report_highlights    TEXT NOT NULL DEFAULT '',
    report_shortcomings  TEXT NOT NULL DEFAULT '',
    report_opinion       TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on),
    CHECK ((state = 'locked') = (frozen_outcome IS NOT NULL))
);
CREATE INDEX assessment_rounds_campaign_idx ON assessment_rounds (campaign_id, id);

-- Which assessor group (an organisation of kind assessor_group) scores which item of a
-- round: an evaluation point, or an indicator that has no point (否决项).
CREATE TABLE round_assignments (
    round_id      BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    point_id      BIGINT REFERENCES rubric_points (id),
    indicator_id  BIGINT REFERENCES indicators (id),
    group_id      BIGINT NOT NULL REFERENCES organisations (id),
    CHECK ((point_id IS NULL) <> (indicator_id IS NULL))
);
CREATE UNIQUE INDEX round_assignments_point_key ON round_assignments (round_id, point_id) WHERE point_id IS NOT NULL;
CREATE UNIQUE INDEX round_assignments_indicator_key ON round_assignments (round_id, indicator_id) WHERE indicator_id IS NOT NULL;
CREATE INDEX round_assignments_group_idx ON round_assignments (round_id, group_id);

-- Deductions (parts 一–三), each tied to an indicator. Withdrawn ones stay for history.
CREATE TABLE score_deductions (
    id            BIGSERIAL PRIMARY KEY,
    round_id      BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id),
    points        NUMERIC(6, 2) NOT NULL CHECK (points > 0),
    reason        TEXT NOT NULL CHECK (length(btrim(reason)) > 0),
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    withdrawn_at  TIMESTAMPTZ,
    withdrawn_by  BIGINT REFERENCES users (id)
);
CREATE INDEX score_deductions_round_idx ON score_deductions (round_id, indicator_id) WHERE withdrawn_at IS NULL;

-- Measured values (part 四): value in the measure's unit, and where it comes from.
CREATE TABLE score_measurements (
    round_id      BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id),
    value         NUMERIC(7, 2) NOT NULL CHECK (value >= 0 AND value <= 100),
    unit          TEXT NOT NULL CHECK (unit IN ('points', 'percent')),
    source        TEXT NOT NULL CHECK (length(btrim(source)) > 0),
    source_date   DATE,
    entered_by    BIGINT REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, indicator_id)
);

-- Awarded points (part 五).
CREATE TABLE score_awards (
    round_id    BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    point_id    BIGINT NOT NULL REFERENCES rubric_points (id),
    points      NUMERIC(6, 2) NOT NULL CHECK (points >= 0),
    remark      TEXT NOT NULL DEFAULT '',
    entered_by  BIGINT REFERENCES users (id),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, point_id)
);

-- Veto items (part 六): triggered or not, with a note. No row: not yet judged.
CREATE TABLE score_vetoes (
    round_id      BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id),
    triggered     BOOLEAN NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    entered_by    BIGINT REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, indicator_id)
);

-- An assessor's remark on an item and whether its scoring is finished (scored/unscored
-- counts; a deduction point with no deduction is scored only once someone says so).
CREATE TABLE score_item_reviews (
    round_id      BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    point_id      BIGINT REFERENCES rubric_points (id),
    indicator_id  BIGINT REFERENCES indicators (id),
    remark        TEXT NOT NULL DEFAULT '',
    done          BOOLEAN NOT NULL DEFAULT FALSE,
    updated_by    BIGINT REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((point_id IS NULL) <> (indicator_id IS NULL))
);
CREATE UNIQUE INDEX score_item_reviews_point_key ON score_item_reviews (round_id, point_id) WHERE point_id IS NOT NULL;
CREATE UNIQUE INDEX score_item_reviews_indicator_key ON score_item_reviews (round_id, indicator_id) WHERE indicator_id IS NOT NULL;

-- 资料审查: an assessor's mark on one evidence item in a round.
CREATE TABLE evidence_marks (
    round_id     BIGINT NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    evidence_id  BIGINT NOT NULL REFERENCES evidence (id),
    sufficient   BOOLEAN NOT NULL,
    remark       TEXT NOT NULL DEFAULT '',
    marked_by    BIGINT REFERENCES users (id),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, evidence_id)
);

-- Quantitative targets declared in the rubric data (e.g. 46: 4 批次/千人): the raw counts an
-- organisation reports per year; rates are computed from them, never typed.
CREATE TABLE target_values (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_code      TEXT NOT NULL,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    year             INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    numerator        NUMERIC(14, 2) NOT NULL CHECK (numerator >= 0),
    denominator      NUMERIC(14, 2) NOT NULL CHECK (denominator > 0),
    note             TEXT NOT NULL DEFAULT '',
    entered_by       BIGINT REFERENCES users (id),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, target_code, organisation_id, year)
);
