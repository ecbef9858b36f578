-- An item's scoring page lists the round's recorded changes that name the item (its
-- deductions, decisions on inspection findings, marks): found by the summary's item key.
CREATE INDEX audit_events_item_idx ON audit_events (object_type, object_id, (summary->>'item'), at DESC)
    WHERE summary ? 'item';
