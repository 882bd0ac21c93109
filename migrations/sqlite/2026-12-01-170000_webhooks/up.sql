-- Outgoing webhooks (Standard Webhooks). An endpoint's signing secrets are stored
-- encrypted (they must be usable for signing, so they cannot be hashed); see SECURITY.md.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    -- JSON list of event types, or ["*"].
    events TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per event, written in the transaction of the change it reports; payload is the
-- exact body sent on every attempt.
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The outbox proper: one row per event and subscribed endpoint, claimed with a lease.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;

-- Every attempt, for GET /v1/admin/webhooks/{id}/deliveries.
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    next_attempt_at TIMESTAMP
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, id);
