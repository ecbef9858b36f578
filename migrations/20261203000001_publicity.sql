-- 公示: a notice issued for one or more locked rounds, published on a public page for a
-- period, with objections from the public and how the office handled each.

CREATE TABLE publicity_notices (
    id            BIGSERIAL PRIMARY KEY,
    campaign_id   BIGINT NOT NULL REFERENCES campaigns (id),
    title         TEXT NOT NULL CHECK (btrim(title) <> ''),
    body          TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    contact       TEXT NOT NULL,
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL,
    state         TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_by  BIGINT REFERENCES users (id),
    published_at  TIMESTAMPTZ,
    CHECK (ends_on >= starts_on),
    CHECK ((state = 'published') = (published_at IS NOT NULL))
);
CREATE INDEX publicity_notices_published_idx ON publicity_notices (starts_on DESC) WHERE state = 'published';

-- The rounds a notice is about: one city's, or several cities' together.
CREATE TABLE publicity_rounds (
    notice_id  BIGINT NOT NULL REFERENCES publicity_notices (id) ON DELETE CASCADE,
    round_id   BIGINT NOT NULL REFERENCES assessment_rounds (id),
    PRIMARY KEY (notice_id, round_id)
);

-- Objections are never anonymous (the checks below back the handler's refusal). The
-- submitter's code is kept only as its SHA-256: it is a long random string, shown once.
CREATE TABLE publicity_objections (
    id           BIGSERIAL PRIMARY KEY,
    notice_id    BIGINT NOT NULL REFERENCES publicity_notices (id),
    code_sha256  TEXT NOT NULL UNIQUE,
    real_name    TEXT NOT NULL CHECK (btrim(real_name) <> ''),
    contact      TEXT NOT NULL CHECK (btrim(contact) <> ''),
    body         TEXT NOT NULL CHECK (btrim(body) <> ''),
    file_id      BIGINT REFERENCES stored_files (id),
    state        TEXT NOT NULL DEFAULT 'received'
                 CHECK (state IN ('received', 'verifying', 'not_accepted', 'resolved')),
    -- The reason an objection was not accepted, or the outcome of its verification.
    answer       TEXT NOT NULL DEFAULT '',
    client_addr  TEXT,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    handled_by   BIGINT REFERENCES users (id),
    handled_at   TIMESTAMPTZ
);
CREATE INDEX publicity_objections_notice_idx ON publicity_objections (notice_id, id);

-- Every step of an objection's handling, in order.
CREATE TABLE publicity_objection_events (
    id            BIGSERIAL PRIMARY KEY,
    objection_id  BIGINT NOT NULL REFERENCES publicity_objections (id),
    state         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    actor_id      BIGINT REFERENCES users (id),
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX publicity_objection_events_idx ON publicity_objection_events (objection_id, id);

-- Objection attempts per client address in a fixed one-hour window. UNLOGGED like the
-- sign-in throttle: shared by every server process on the database, cheap to write, and
-- losing it in a crash only forgives a few attempts.
CREATE UNLOGGED TABLE publicity_objection_throttle (
    address       TEXT PRIMARY KEY,
    window_start  TIMESTAMPTZ NOT NULL,
    attempts      INTEGER NOT NULL
);
