DROP INDEX webhook_events_to_fan_out;
ALTER TABLE webhook_events DROP COLUMN decoy;
ALTER TABLE webhook_events DROP COLUMN target_webhook_id;
ALTER TABLE webhook_events DROP COLUMN fanned_out_at;
