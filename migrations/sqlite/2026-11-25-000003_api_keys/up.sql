-- API keys for scripts and services. The key is `pgk_<public_id>_<secret>`; only the
-- SHA-256 of the secret is stored, and look-ups go by the public id.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    public_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
