-- 简报 and 通报 as two numbered series (issue 16 §6): a 简报 (work briefing) and a 通报
-- (an official notice of progress, praise or criticism) each count 第N期 on their own,
-- and carry what an official document prints: the issuing body (not a staff account),
-- a 文号, and the 抄送 line. Bulletins issued before were briefings.
ALTER TABLE bulletins ADD COLUMN series TEXT NOT NULL DEFAULT 'briefing'
    CHECK (series IN ('briefing', 'notice'));
ALTER TABLE bulletins ADD COLUMN notice_kind TEXT
    CHECK (notice_kind IN ('progress', 'praise', 'criticism'));
ALTER TABLE bulletins ADD COLUMN issuing_body TEXT NOT NULL DEFAULT '';
ALTER TABLE bulletins ADD COLUMN doc_number TEXT NOT NULL DEFAULT '';
ALTER TABLE bulletins ADD COLUMN copy_to TEXT NOT NULL DEFAULT '';
ALTER TABLE bulletins DROP CONSTRAINT bulletins_campaign_id_number_key;
ALTER TABLE bulletins ADD CONSTRAINT bulletins_series_number_key UNIQUE (campaign_id, series, number);
