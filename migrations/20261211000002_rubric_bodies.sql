-- The rubric names bodies (市市场监管局, 市食安办, 各承保公司) — not one city's organisations.
-- A city's organisation plays a body (organisations.body_id), so that several cities'
-- campaigns can each have their own 市市场监管局 answering the same rubric cells, and a
-- renamed organisation still answers for the body it plays.

CREATE TABLE rubric_bodies (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('office', 'department', 'external')),
    sort_order  INTEGER NOT NULL DEFAULT 0
);
-- Spellings under which a rubric file names a body (市市场监督管理局 → 市市场监管局).
CREATE TABLE rubric_body_aliases (
    alias    TEXT PRIMARY KEY,
    body_id  BIGINT NOT NULL REFERENCES rubric_bodies (id) ON DELETE CASCADE
);

ALTER TABLE organisations ADD COLUMN body_id BIGINT REFERENCES rubric_bodies (id);

-- Today's rubric cells point at organisations: each such organisation becomes a body of
-- its name and kind, and plays it.
INSERT INTO rubric_bodies (name, kind, sort_order)
SELECT o.name, CASE WHEN o.kind IN ('office', 'department', 'external') THEN o.kind ELSE 'department' END, o.sort_order
FROM organisations o
WHERE o.id IN (SELECT organisation_id FROM indicator_organisations
               UNION SELECT organisation_id FROM indicator_task_organisations)
ORDER BY o.id;
UPDATE organisations o SET body_id = b.id FROM rubric_bodies b WHERE b.name = o.name;
INSERT INTO rubric_body_aliases (alias, body_id)
SELECT a.alias, o.body_id FROM organisation_aliases a JOIN organisations o ON o.id = a.organisation_id
WHERE o.body_id IS NOT NULL;
-- For now one organisation plays each body (one city per installation).
CREATE UNIQUE INDEX organisations_body_key ON organisations (body_id) WHERE body_id IS NOT NULL;

ALTER TABLE indicator_organisations ADD COLUMN body_id BIGINT REFERENCES rubric_bodies (id);
UPDATE indicator_organisations io SET body_id = o.body_id FROM organisations o WHERE o.id = io.organisation_id;
ALTER TABLE indicator_organisations DROP CONSTRAINT indicator_organisations_pkey;
ALTER TABLE indicator_organisations DROP COLUMN organisation_id;
ALTER TABLE indicator_organisations ALTER COLUMN body_id SET NOT NULL;
ALTER TABLE indicator_organisations ADD PRIMARY KEY (indicator_id, body_id);
CREATE INDEX indicator_organisations_body_idx ON indicator_organisations (body_id);

ALTER TABLE indicator_task_organisations ADD COLUMN body_id BIGINT REFERENCES rubric_bodies (id);
UPDATE indicator_task_organisations t SET body_id = o.body_id FROM organisations o WHERE o.id = t.organisation_id;
ALTER TABLE indicator_task_organisations DROP CONSTRAINT indicator_task_organisations_pkey;
ALTER TABLE indicator_task_organisations DROP COLUMN organisation_id;
ALTER TABLE indicator_task_organisations ALTER COLUMN body_id SET NOT NULL;
ALTER TABLE indicator_task_organisations ADD PRIMARY KEY (task_id, body_id);
CREATE INDEX indicator_task_organisations_body_idx ON indicator_task_organisations (body_id);
