-- Membership of the 食药安委 (issue 16 §1). The rubric's cells name the committee's
-- members as a class — 市食药安委各成员单位 (every member), 有关成员单位 (the members
-- the office picks for that indicator) and 其他（有关）成员单位 (the members other than
-- those the same cell names) — so task generation needs to know who the members are.
ALTER TABLE organisations ADD COLUMN member BOOLEAN NOT NULL DEFAULT false;

-- A task made for a member because a cell names the members as a class says which clause
-- it came from ('all_members', 'relevant_members', 'other_members'); NULL for tasks made
-- for a named organisation, for the counties, or by the office by hand.
ALTER TABLE tasks ADD COLUMN expansion TEXT
    CHECK (expansion IN ('all_members', 'relevant_members', 'other_members'));
ALTER TABLE tasks DROP CONSTRAINT tasks_relation_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_relation_check
    CHECK (relation IN ('lead', 'responsible', 'county', 'task', 'member'));

-- 有关成员单位: the office's pick per campaign and indicator, asked once. A row in
-- indicator_member_choices means the office has confirmed the pick (possibly empty).
CREATE TABLE indicator_member_choices (
    campaign_id   BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id),
    confirmed_by  BIGINT REFERENCES users (id),
    confirmed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, indicator_id)
);
CREATE TABLE indicator_member_picks (
    campaign_id      BIGINT NOT NULL,
    indicator_id     BIGINT NOT NULL,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (campaign_id, indicator_id, organisation_id),
    FOREIGN KEY (campaign_id, indicator_id)
        REFERENCES indicator_member_choices (campaign_id, indicator_id) ON DELETE CASCADE
);
