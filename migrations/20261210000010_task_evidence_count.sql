-- 材料数: how many live files a task has, kept on the task itself. Every list of tasks
-- (the office's 1,690 at city scale, the review queue, the exports) shows it, and
-- counting evidence_uses joined to evidence for each row was most of those pages' cost.
-- Triggers keep it right whoever writes (the app, the demo, an import), so no code path
-- can forget it.
ALTER TABLE tasks ADD COLUMN evidence_count integer NOT NULL DEFAULT 0;

UPDATE tasks t SET evidence_count = live.n
FROM (SELECT eu.task_id, count(*) AS n
      FROM evidence_uses eu JOIN evidence e ON e.id = eu.evidence_id
      WHERE e.deleted_at IS NULL GROUP BY eu.task_id) live
WHERE live.task_id = t.id;

-- A use added or removed counts only while its file is live.
CREATE FUNCTION evidence_uses_keep_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tasks SET evidence_count = evidence_count + 1
        WHERE id = NEW.task_id
          AND EXISTS (SELECT 1 FROM evidence WHERE id = NEW.evidence_id AND deleted_at IS NULL);
        RETURN NEW;
    END IF;
    -- A use removed by the cascade of its file's deletion finds no file here; that file
    -- was already subtracted by evidence_keep_count before it went.
    UPDATE tasks SET evidence_count = evidence_count - 1
    WHERE id = OLD.task_id
      AND EXISTS (SELECT 1 FROM evidence WHERE id = OLD.evidence_id AND deleted_at IS NULL);
    RETURN OLD;
END $$;

CREATE TRIGGER evidence_uses_count AFTER INSERT OR DELETE ON evidence_uses
    FOR EACH ROW EXECUTE FUNCTION evidence_uses_keep_count();

-- A file deleted (soft, or removed for good) or brought back changes every task using it.
CREATE FUNCTION evidence_keep_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN
            UPDATE tasks SET evidence_count = evidence_count - 1
            WHERE id IN (SELECT task_id FROM evidence_uses WHERE evidence_id = OLD.id);
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
        UPDATE tasks SET evidence_count = evidence_count - 1
        WHERE id IN (SELECT task_id FROM evidence_uses WHERE evidence_id = NEW.id);
    ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
        UPDATE tasks SET evidence_count = evidence_count + 1
        WHERE id IN (SELECT task_id FROM evidence_uses WHERE evidence_id = NEW.id);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER evidence_count_on_delete BEFORE DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION evidence_keep_count();
CREATE TRIGGER evidence_count_on_change AFTER UPDATE OF deleted_at ON evidence
    FOR EACH ROW EXECUTE FUNCTION evidence_keep_count();

-- A check, so a mistake here cannot hide: the constraint holds for every task.
ALTER TABLE tasks ADD CONSTRAINT tasks_evidence_count_not_negative CHECK (evidence_count >= 0);
