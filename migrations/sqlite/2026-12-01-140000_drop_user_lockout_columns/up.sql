-- The lockout moved to lockout_sources (per account and source, keyed by the normalised
-- email); these per-user counts are read by nothing any more.
ALTER TABLE users DROP COLUMN failed_attempts;
ALTER TABLE users DROP COLUMN lockout_count;
ALTER TABLE users DROP COLUMN locked_until;
