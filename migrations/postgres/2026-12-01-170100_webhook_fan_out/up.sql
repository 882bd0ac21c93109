-- The worker fans an event out to the subscribed endpoints, not the transaction that
-- queues it: queuing is one insert whatever the number of endpoints. A test event names
-- its one endpoint; a stand-in (decoy) row is queued where an event exists only for real
-- accounts, so both cases write the same, and is dropped unsent.
ALTER TABLE webhook_events ADD COLUMN fanned_out_at TIMESTAMP;
ALTER TABLE webhook_events ADD COLUMN target_webhook_id TEXT;
ALTER TABLE webhook_events ADD COLUMN decoy BOOLEAN NOT NULL DEFAULT FALSE;
-- Rows queued before this migration already have their deliveries.
UPDATE webhook_events SET fanned_out_at = created_at;
CREATE INDEX webhook_events_to_fan_out ON webhook_events (id) WHERE fanned_out_at IS NULL;
