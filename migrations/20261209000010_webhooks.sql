-- Notices in the work groups (issue 16 §7). An organisation registers group robots of
-- 企业微信, 钉钉 or 飞书; the notifications its users receive are gathered into one digest
-- per robot at most every few minutes and posted there by a background job.
--
-- The URL (it carries the robot's key) and the signing secret are stored as given: the
-- database is the trust boundary, and the pages never show either in full.
CREATE TABLE webhooks (
    id               BIGSERIAL PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    vendor           TEXT NOT NULL CHECK (vendor IN ('wecom', 'dingtalk', 'feishu')),
    label            TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL,
    secret           TEXT,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    -- when the last digest was made: the next waits out the digest interval
    last_digest_at   TIMESTAMPTZ,
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_organisation_idx ON webhooks (organisation_id);

-- Notifications waiting for a robot's next digest, one row per robot and notification.
-- Filled by the trigger below in the transaction that inserts the notification, and
-- taken (deleted) by the digest: a queue rather than a cursor on notification ids,
-- because ids are handed out before commit, so a cursor moved past an id whose
-- transaction commits later would skip that notification for good.
CREATE TABLE webhook_pending (
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    notification_id  BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    PRIMARY KEY (webhook_id, notification_id)
);
CREATE INDEX webhook_pending_notification_idx ON webhook_pending (notification_id);

-- The outbox: one row per message to post (a digest, or the admin's test message). The
-- payload is the vendor's JSON body; 钉钉's and 飞书's signatures are added when it is
-- sent, since they are only valid for a while after their timestamp.
CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    payload          JSONB NOT NULL,
    -- notices in the digest; 0 for a test message
    items            INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- due time while pending; a claimed row is pushed ahead by a lease, so a sender that
    -- died mid-request leaves it to be claimed again
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at          TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);

-- One statement-level trigger: notify_organisation inserts a row per user in one
-- statement, and the demo inserts thousands at once.
CREATE FUNCTION webhook_queue_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_pending (webhook_id, notification_id)
    SELECT w.id, n.id
    FROM new_notifications n
    JOIN users u ON u.id = n.user_id
    JOIN webhooks w ON w.organisation_id = u.organisation_id AND w.enabled;
    RETURN NULL;
END
$$;

CREATE TRIGGER notifications_to_webhooks
    AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_notifications
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_queue_notifications();
