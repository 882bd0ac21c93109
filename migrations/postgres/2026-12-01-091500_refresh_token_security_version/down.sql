ALTER TABLE refresh_tokens DROP COLUMN security_version;
