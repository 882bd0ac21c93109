-- Admin console sessions (contract: "Admin console (HTML, hosted)"). The cookie's secret is
-- stored only as its SHA-256 digest. A session ends after PASSGATE__CONSOLE__IDLE_TIMEOUT_SECS
-- without a request (last_seen_at), at expires_at (the absolute limit), on sign-out, and as
-- soon as its user's security version is no longer the one it was made under.
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    security_version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_user_id ON console_sessions (user_id);
CREATE INDEX console_sessions_last_seen_at ON console_sessions (last_seen_at);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
