-- Smart lockout (contract: "Throttling"). Keyed by the normalised email, never by user id,
-- so unknown and disabled addresses keep the same state as real ones.

-- One row per account and source (client address, or /64 for IPv6). `failures` counts the
-- counted failures plus the attempts reserved and not yet settled.
CREATE TABLE lockout_sources (
    account_key TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    lockouts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    last_failure_at TIMESTAMP,
    last_success_at TIMESTAMP,
    PRIMARY KEY (account_key, source)
);

-- Per account: the keyed digests (HMAC-SHA256, hex, space-separated, newest last) of the
-- last wrong passwords, so a repeated one counts once, and the row writers lock to
-- serialise the account's shared ceiling.
CREATE TABLE lockout_accounts (
    account_key TEXT PRIMARY KEY NOT NULL,
    digests TEXT NOT NULL DEFAULT '',
    digests_seen_at TIMESTAMP
);

-- Failures (and reservations) from unfamiliar sources: the sliding hour of the ceiling.
CREATE TABLE lockout_unfamiliar (
    id TEXT PRIMARY KEY NOT NULL,
    account_key TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX lockout_unfamiliar_account ON lockout_unfamiliar (account_key, occurred_at);

-- Per-address request limits shared by every instance (reset requests, failed API keys):
-- a fixed window per scope and address.
CREATE TABLE address_limits (
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (scope, address)
);
