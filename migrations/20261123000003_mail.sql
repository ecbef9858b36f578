-- Optional e-mail for notifications: an address per user, and an outbox marker.
ALTER TABLE users ADD COLUMN email TEXT CHECK (email IS NULL OR email ~ '^[^@[:space:]]+@[^@[:space:]]+$');
ALTER TABLE notifications ADD COLUMN emailed_at TIMESTAMPTZ;
CREATE INDEX notifications_outbox_idx ON notifications (id) WHERE emailed_at IS NULL;
