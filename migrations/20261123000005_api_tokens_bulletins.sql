-- Personal API tokens for the read-only JSON API (only a hash is kept), and the office's
-- numbered progress bulletins (通报/简报), each a frozen snapshot of its figures.

CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(btrim(name)) > 0),
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE bulletins (
    id            BIGSERIAL PRIMARY KEY,
    campaign_id   BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL CHECK (number > 0),      -- 第N期
    title         TEXT NOT NULL CHECK (length(btrim(title)) > 0),
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL CHECK (period_end >= period_start),
    remarks       TEXT NOT NULL DEFAULT '',
    figures       JSONB NOT NULL,
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, number)
);
