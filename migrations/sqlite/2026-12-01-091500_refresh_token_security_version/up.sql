-- The security version each refresh token was issued under: a refresh is refused once the
-- user's version has moved on, even if the token escaped the revocation (contract: "Tokens").
-- 0 is never a user's version (they start at 1), so a row written without one is refused.
-- Existing tokens take their user's current version: a session still unrevoked at upgrade
-- keeps working, as it did before.
ALTER TABLE refresh_tokens ADD COLUMN security_version BIGINT NOT NULL DEFAULT 0;
UPDATE refresh_tokens SET security_version =
    (SELECT users.security_version FROM users WHERE users.id = refresh_tokens.user_id);
