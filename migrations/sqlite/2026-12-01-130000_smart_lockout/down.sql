DROP TABLE address_limits;
DROP TABLE lockout_unfamiliar;
DROP TABLE lockout_accounts;
DROP TABLE lockout_sources;
