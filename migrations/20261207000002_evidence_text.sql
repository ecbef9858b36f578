-- Full-text search inside evidence files (issue 15 §5).
--
-- evidence_text is the extraction queue and its results, one row per stored file: a
-- trigger enqueues the file of every new evidence version (uploads, replacements, the
-- demo's bulk SQL alike), and the worker (src/search/worker.rs) claims one queued row at
-- a time with FOR UPDATE SKIP LOCKED, so several Shian processes on one database share
-- the queue. A claim is its `claimed_at`; one older than the lease (a process died
-- mid-file) is claimed again; after 3 attempts a row stays failed.
CREATE TABLE evidence_text (
    file_id      BIGINT PRIMARY KEY REFERENCES stored_files (id) ON DELETE CASCADE,
    state        TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'done', 'no_text', 'failed', 'not_text')),
    body         TEXT,            -- the extracted text (at most 2 MB), for passages
    terms        TSVECTOR,        -- its words (jieba + Han bigrams), weight D
    text_bytes   INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    queued_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_at   TIMESTAMPTZ,     -- set while a worker extracts it
    finished_at  TIMESTAMPTZ,
    took_ms      INTEGER,
    error        TEXT
);
CREATE INDEX evidence_text_queue_idx ON evidence_text (queued_at, file_id) WHERE state = 'queued';

-- What search matches: one row per evidence record, its title (A), description,
-- organisation and file name (B) and its latest version's file text (D) in one vector,
-- so every word of a query may be in any of them. Rebuilt by the worker whenever it is
-- `stale`: a new version, edited metadata, a renamed organisation, a file's text done.
CREATE TABLE evidence_search (
    evidence_id  BIGINT PRIMARY KEY REFERENCES evidence (id) ON DELETE CASCADE,
    campaign_id  BIGINT NOT NULL,
    file_id      BIGINT,          -- the latest version's file when built
    vector       TSVECTOR,
    meta         TSVECTOR,        -- the record's own words only (small: ranks common words)
    stale        BOOLEAN NOT NULL DEFAULT TRUE,
    built_at     TIMESTAMPTZ
);
CREATE INDEX evidence_search_vector_idx ON evidence_search USING gin (vector);
CREATE INDEX evidence_search_stale_idx ON evidence_search (evidence_id) WHERE stale;
CREATE INDEX evidence_search_file_idx ON evidence_search (file_id);

CREATE FUNCTION evidence_text_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO evidence_text (file_id) VALUES (NEW.file_id) ON CONFLICT (file_id) DO NOTHING;
    INSERT INTO evidence_search (evidence_id, campaign_id)
        SELECT e.id, e.campaign_id FROM evidence e WHERE e.id = NEW.evidence_id
        ON CONFLICT (evidence_id) DO UPDATE SET stale = TRUE;
    RETURN NULL;
END $$;
CREATE TRIGGER evidence_versions_enqueue_text
    AFTER INSERT ON evidence_versions
    FOR EACH ROW EXECUTE FUNCTION evidence_text_enqueue();

CREATE FUNCTION evidence_search_meta_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE evidence_search SET stale = TRUE WHERE evidence_id = NEW.id AND NOT stale;
    RETURN NULL;
END $$;
CREATE TRIGGER evidence_search_meta
    AFTER UPDATE OF title, description, organisation_id ON evidence
    FOR EACH ROW EXECUTE FUNCTION evidence_search_meta_changed();

CREATE FUNCTION evidence_search_org_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        UPDATE evidence_search s SET stale = TRUE FROM evidence e
         WHERE e.id = s.evidence_id AND e.organisation_id = NEW.id AND NOT s.stale;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER evidence_search_org_name
    AFTER UPDATE OF name ON organisations
    FOR EACH ROW EXECUTE FUNCTION evidence_search_org_renamed();

-- Evidence stored before this migration: each record's latest version's file.
INSERT INTO evidence_text (file_id)
    SELECT DISTINCT latest.file_id FROM (
        SELECT DISTINCT ON (v.evidence_id) v.file_id FROM evidence_versions v
         ORDER BY v.evidence_id, v.version DESC) latest
    ON CONFLICT DO NOTHING;
INSERT INTO evidence_search (evidence_id, campaign_id)
    SELECT e.id, e.campaign_id FROM evidence e ON CONFLICT DO NOTHING;
