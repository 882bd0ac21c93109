-- Self-service reset tokens: only the SHA-256 of the token is stored.
CREATE TABLE password_reset_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    voided_at TIMESTAMP
);
CREATE INDEX password_reset_tokens_user_id ON password_reset_tokens (user_id);

-- Mail waiting to be delivered, written in the same transaction as the change that causes
-- it. A reset-link message carries no token: the token is made when it is sent.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    user_id TEXT,
    security_version BIGINT,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (delivered_at, failed_at, next_attempt_at);
CREATE INDEX outbox_user_kind ON outbox (user_id, kind, created_at);
