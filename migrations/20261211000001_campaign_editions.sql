-- A campaign runs on one rubric edition until it is migrated to another. What was scored
-- on an edition stays on it: a round and an organisation evaluation record the edition
-- they were made on, so a locked 2021 round still reads as it did after the campaign
-- moves to a later edition.

ALTER TABLE assessment_rounds ADD COLUMN edition_id BIGINT REFERENCES rubric_editions (id);
UPDATE assessment_rounds r SET edition_id = c.edition_id FROM campaigns c WHERE c.id = r.campaign_id;
ALTER TABLE assessment_rounds ALTER COLUMN edition_id SET NOT NULL;

ALTER TABLE org_evaluations ADD COLUMN edition_id BIGINT REFERENCES rubric_editions (id);
UPDATE org_evaluations e SET edition_id = c.edition_id FROM campaigns c WHERE c.id = e.campaign_id;
ALTER TABLE org_evaluations ALTER COLUMN edition_id SET NOT NULL;

-- A new round or evaluation is made on its campaign's edition of the moment, whoever
-- inserts it (the application, the demo's set-based SQL, a restore).
CREATE FUNCTION edition_of_campaign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.edition_id IS NULL THEN
        SELECT edition_id INTO NEW.edition_id FROM campaigns WHERE id = NEW.campaign_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assessment_rounds_edition BEFORE INSERT ON assessment_rounds
    FOR EACH ROW EXECUTE FUNCTION edition_of_campaign();
CREATE TRIGGER org_evaluations_edition BEFORE INSERT ON org_evaluations
    FOR EACH ROW EXECUTE FUNCTION edition_of_campaign();

-- The campaign's history of editions: when it moved, by whom, with which mapping, and
-- what moved (the preview's figures, as run).
CREATE TABLE campaign_edition_changes (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    from_edition_id  BIGINT NOT NULL REFERENCES rubric_editions (id),
    to_edition_id    BIGINT NOT NULL REFERENCES rubric_editions (id),
    mapping_sha256   TEXT NOT NULL,
    mapping_text     TEXT NOT NULL,
    summary          JSONB NOT NULL,
    changed_by       BIGINT REFERENCES users (id),
    changed_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (from_edition_id <> to_edition_id)
);
CREATE INDEX campaign_edition_changes_campaign_idx ON campaign_edition_changes (campaign_id, id);
