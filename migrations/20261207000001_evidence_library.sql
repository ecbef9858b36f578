-- Evidence as a library (issue 15): one evidence record serves several tasks, each use
-- reviewed on its own; evidence carries the period it is valid for or documents.

-- 使用: the tasks an evidence record is attached to. `evidence.task_id` stays as the
-- task it was first uploaded for (its home: versions and deletion are decided there);
-- every use, the home one included, is a row here.
CREATE TABLE evidence_uses (
    evidence_id  BIGINT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    task_id      BIGINT NOT NULL REFERENCES tasks (id),
    linked_by    BIGINT REFERENCES users (id),
    linked_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (evidence_id, task_id)
);
CREATE INDEX evidence_uses_task_idx ON evidence_uses (task_id);
INSERT INTO evidence_uses (evidence_id, task_id, linked_by, linked_at)
    SELECT id, task_id, created_by, created_at FROM evidence;

-- 有效期: a licence's or a yearly plan's period, distinct from the upload date and from
-- 年度 (which stays the year the material documents).
ALTER TABLE evidence
    ADD COLUMN valid_from  DATE,
    ADD COLUMN valid_until DATE,
    ADD CONSTRAINT evidence_validity_order CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from);
CREATE INDEX evidence_valid_until_idx ON evidence (campaign_id, valid_until) WHERE valid_until IS NOT NULL AND deleted_at IS NULL;

-- The same file approved for indicator 1 need not be approved for 7: an assessor's mark
-- belongs to the evidence as used for one indicator.
ALTER TABLE evidence_marks ADD COLUMN indicator_id BIGINT REFERENCES indicators (id);
UPDATE evidence_marks m SET indicator_id = t.indicator_id
    FROM evidence e JOIN tasks t ON t.id = e.task_id WHERE e.id = m.evidence_id;
ALTER TABLE evidence_marks ALTER COLUMN indicator_id SET NOT NULL;
ALTER TABLE evidence_marks DROP CONSTRAINT evidence_marks_pkey;
ALTER TABLE evidence_marks ADD PRIMARY KEY (round_id, indicator_id, evidence_id);
CREATE INDEX evidence_marks_marker_idx ON evidence_marks (round_id, marked_by);

-- Finding an already stored file by its hash when the same bytes are uploaded again.
CREATE INDEX stored_files_sha256_idx ON stored_files (sha256);
