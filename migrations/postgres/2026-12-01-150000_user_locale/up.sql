-- The user's language (a BCP 47 tag), for mail; none: the configured default.
ALTER TABLE users ADD COLUMN locale TEXT;
