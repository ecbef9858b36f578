-- Sign-in hardening: throttling shared by every server process, ending a user's
-- sessions, and two-factor sign-in (TOTP).

-- Throttle state. UNLOGGED: written on every sign-in attempt, never worth a WAL record;
-- after a crash PostgreSQL empties it, which only forgets recent failures.
--   scope 'pair'    key = '<kind>:<lower(username) or user id> <address>'
--   scope 'address' key = client address (failures in the current minute)
--   scope 'global'  key = '' (failures in the current minute)
CREATE UNLOGGED TABLE sign_in_throttle (
    scope             TEXT NOT NULL CHECK (scope IN ('pair', 'address', 'global')),
    key               TEXT NOT NULL,
    -- attempts counted before their hash was checked and not cleared by a success
    failures          INTEGER NOT NULL DEFAULT 0,
    window_started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_attempt_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- pair only: this user has signed in successfully from this address
    known_since       TIMESTAMPTZ,
    PRIMARY KEY (scope, key)
);

-- Reserves one attempt before the slow check, or says why not and for how long.
-- One call = one statement = one transaction; the row locks (taken in the order pair,
-- address, global) make concurrent attempts of one pair queue up, so a burst can
-- never check more hashes than the limit allows.
CREATE FUNCTION sign_in_reserve(
    p_pair TEXT,
    p_address TEXT,
    free_failures INTEGER,
    first_delay_secs DOUBLE PRECISION,
    max_delay_secs DOUBLE PRECISION,
    address_limit INTEGER,
    global_limit INTEGER
) RETURNS TABLE (allowed BOOLEAN, reason TEXT, wait_secs DOUBLE PRECISION)
LANGUAGE plpgsql AS $$
DECLARE
    pair sign_in_throttle;
    addr sign_in_throttle;
    glob sign_in_throttle;
    delay DOUBLE PRECISION;
    ready_at TIMESTAMPTZ;
BEGIN
    INSERT INTO sign_in_throttle AS t (scope, key) VALUES ('pair', p_pair)
        ON CONFLICT (scope, key) DO UPDATE SET failures = t.failures
        RETURNING * INTO pair;
    -- A day without attempts forgets a pair's failures.
    IF pair.failures > 0 AND pair.last_attempt_at < now() - interval '1 day' THEN
        pair.failures := 0;
    END IF;
    IF pair.failures >= free_failures THEN
        delay := least(first_delay_secs * power(2, pair.failures - free_failures), max_delay_secs);
        ready_at := pair.last_attempt_at + make_interval(secs => delay);
        IF now() < ready_at THEN
            RETURN QUERY SELECT false, 'pair'::text, extract(epoch FROM ready_at - now())::float8;
            RETURN;
        END IF;
    END IF;

    INSERT INTO sign_in_throttle AS t (scope, key) VALUES ('address', p_address)
        ON CONFLICT (scope, key) DO UPDATE SET failures = t.failures
        RETURNING * INTO addr;
    IF addr.window_started_at < now() - interval '1 minute' THEN
        addr.failures := 0;
        addr.window_started_at := now();
    END IF;
    INSERT INTO sign_in_throttle AS t (scope, key) VALUES ('global', '')
        ON CONFLICT (scope, key) DO UPDATE SET failures = t.failures
        RETURNING * INTO glob;
    IF glob.window_started_at < now() - interval '1 minute' THEN
        glob.failures := 0;
        glob.window_started_at := now();
    END IF;

    -- The ceilings never hold back a user who has signed in from this address before:
    -- failures of others (behind the same NAT, or anywhere) must not lock them out.
    IF pair.known_since IS NULL THEN
        IF addr.failures >= address_limit THEN
            RETURN QUERY SELECT false, 'address'::text,
                extract(epoch FROM addr.window_started_at + interval '1 minute' - now())::float8;
            RETURN;
        END IF;
        -- The global ceiling holds back only addresses that are failing themselves, so
        -- a spray from elsewhere never stops a clean address.
        IF glob.failures >= global_limit AND addr.failures > 0 THEN
            RETURN QUERY SELECT false, 'global'::text,
                extract(epoch FROM glob.window_started_at + interval '1 minute' - now())::float8;
            RETURN;
        END IF;
    END IF;

    UPDATE sign_in_throttle SET failures = pair.failures + 1, last_attempt_at = now()
        WHERE scope = 'pair' AND key = p_pair;
    UPDATE sign_in_throttle
        SET failures = addr.failures + 1, window_started_at = addr.window_started_at, last_attempt_at = now()
        WHERE scope = 'address' AND key = p_address;
    UPDATE sign_in_throttle
        SET failures = glob.failures + 1, window_started_at = glob.window_started_at, last_attempt_at = now()
        WHERE scope = 'global' AND key = '';
    RETURN QUERY SELECT true, NULL::text, 0::float8;
END;
$$;

-- A correct answer gives its reservation back and marks the pair as known.
CREATE FUNCTION sign_in_release(p_pair TEXT, p_address TEXT) RETURNS VOID
LANGUAGE sql AS $$
    UPDATE sign_in_throttle
        SET failures = 0, known_since = coalesce(known_since, now()), last_attempt_at = now()
        WHERE scope = 'pair' AND key = p_pair;
    UPDATE sign_in_throttle SET failures = greatest(failures - 1, 0)
        WHERE (scope = 'address' AND key = p_address) OR (scope = 'global' AND key = '');
$$;

-- Sessions that began before this moment are over (password changed or reset, second
-- factor reset). NULL: every session stands.
ALTER TABLE users ADD COLUMN sessions_valid_from TIMESTAMPTZ;

-- Two-factor sign-in. The secret is stored only once confirmed; last step stops a code
-- from being used twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Single-use recovery codes, stored as SHA-256 of a long random code.
CREATE TABLE two_factor_recovery_codes (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX two_factor_recovery_codes_user_idx ON two_factor_recovery_codes (user_id);

-- Browsers that may skip the second step until expires_at (the cookie holds the token,
-- this table its SHA-256).
CREATE TABLE two_factor_devices (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX two_factor_devices_user_idx ON two_factor_devices (user_id);
