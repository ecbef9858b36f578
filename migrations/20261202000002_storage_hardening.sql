-- A stored key is marked pending just before its file is moved into place; the row in
-- stored_files that records it removes the mark in the same transaction (the trigger
-- below). A crash between the two leaves a mark, so the sweep can tell a file nobody
-- recorded from one that is still being uploaded.
CREATE TABLE pending_files (
    storage_key  TEXT PRIMARY KEY,
    marked_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pending_files_marked_idx ON pending_files (marked_at);

CREATE FUNCTION clear_pending_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pending_files WHERE storage_key = NEW.storage_key;
    RETURN NEW;
END;
$$;

CREATE TRIGGER stored_files_clear_pending
    AFTER INSERT ON stored_files
    FOR EACH ROW EXECUTE FUNCTION clear_pending_file();
