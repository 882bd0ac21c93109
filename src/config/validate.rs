//! The rules the types alone cannot express, checked once at start-up. Each message names
//! the variable to fix.

use super::{ConfigError, Environment, JwtAlgorithm, MailTransport, Settings};

/// A hundred years: keeps the retention cut-off a representable date.
const MAX_RETENTION_DAYS: u64 = 36_500;

impl Settings {
    /// Each message names the variable to fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("PASSGATE__{key}: {why}")));
        if self.server.max_body_bytes < 1024 {
            return fail("SERVER__MAX_BODY_BYTES", "must be at least 1024");
        }
        if self.server.body_timeout_secs == 0 {
            return fail("SERVER__BODY_TIMEOUT_SECS", "must be at least 1");
        }
        if self.management.port != 0
            && self.management.port == self.server.port
            && self.management.host == self.server.host
        {
            return fail(
                "MANAGEMENT__PORT",
                "must differ from PASSGATE__SERVER__PORT: metrics never go on the public port",
            );
        }
        if !(self.database.url.starts_with("sqlite://")
            || self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://"))
        {
            return fail(
                "DATABASE__URL",
                "must start with sqlite:// or postgres:// (or postgresql://)",
            );
        }
        if self.console.idle_timeout_secs == 0 || self.console.absolute_timeout_secs == 0 {
            return fail(
                "CONSOLE__IDLE_TIMEOUT_SECS / PASSGATE__CONSOLE__ABSOLUTE_TIMEOUT_SECS",
                "must be positive",
            );
        }
        if self.database.max_connections == 0 {
            return fail("DATABASE__MAX_CONNECTIONS", "must be at least 1");
        }
        if self.database.connect_timeout_secs == 0 {
            return fail("DATABASE__CONNECT_TIMEOUT_SECS", "must be at least 1");
        }
        if self.jwt.access_ttl_secs == 0 || self.jwt.refresh_ttl_secs == 0 {
            return fail(
                "JWT__ACCESS_TTL_SECS / PASSGATE__JWT__REFRESH_TTL_SECS",
                "must be positive",
            );
        }
        if self.jwt.algorithm != JwtAlgorithm::HS256 && self.jwt.private_key_file.is_none() {
            return fail(
                "JWT__PRIVATE_KEY_FILE",
                "is required when PASSGATE__JWT__ALGORITHM is EdDSA or RS256",
            );
        }
        if self.environment == Environment::Production && self.jwt.algorithm == JwtAlgorithm::HS256
        {
            match &self.jwt.secret {
                None => return fail("JWT__SECRET", "must be set in production"),
                Some(s) if s.len() < 32 => {
                    return fail("JWT__SECRET", "must be at least 32 bytes in production")
                }
                _ => {}
            }
        }
        if self.environment == Environment::Production && self.mail.transport == MailTransport::Log
        {
            return fail(
                "MAIL__TRANSPORT",
                "`log` prints messages (with reset links) and is refused in production; use smtp",
            );
        }
        if self.environment == Environment::Production && self.webhooks.allow_insecure_targets {
            return fail(
                "WEBHOOKS__ALLOW_INSECURE_TARGETS",
                "lets webhooks reach loopback and private addresses and is refused in production",
            );
        }
        if self.webhooks.timeout_secs == 0 || self.webhooks.retry_base_secs == 0 {
            return fail(
                "WEBHOOKS__TIMEOUT_SECS / PASSGATE__WEBHOOKS__RETRY_BASE_SECS",
                "must be at least 1",
            );
        }
        let give_up_days = self.webhooks.give_up_after_secs.div_ceil(86_400);
        if !(1..=MAX_RETENTION_DAYS).contains(&self.webhooks.retention_days)
            || self.webhooks.retention_days < give_up_days
        {
            return fail(
                "WEBHOOKS__RETENTION_DAYS",
                &format!(
                    "must be between 1 and {MAX_RETENTION_DAYS} and at least \
                     PASSGATE__WEBHOOKS__GIVE_UP_AFTER_SECS in days, rounded up \
                     ({give_up_days}), so a delivery is never removed while it is retried"
                ),
            );
        }
        if self.webhooks.max_concurrent_endpoints == 0 {
            return fail("WEBHOOKS__MAX_CONCURRENT_ENDPOINTS", "must be at least 1");
        }
        if self
            .webhooks
            .secret_key
            .as_ref()
            .is_some_and(|k| !k.is_empty() && k.len() < 32)
        {
            return fail("WEBHOOKS__SECRET_KEY", "must be at least 32 bytes");
        }
        if let Err(e) = argon2::Params::new(
            self.hashing.memory_kib,
            self.hashing.iterations,
            self.hashing.parallelism,
            None,
        ) {
            return fail(
                "HASHING__MEMORY_KIB / ITERATIONS / PARALLELISM",
                &format!("not valid argon2id parameters ({e})"),
            );
        }
        if self.hashing.failure_floor_ms > super::credentials::MAX_FAILURE_FLOOR_MS {
            return fail(
                "HASHING__FAILURE_FLOOR_MS",
                &format!(
                    "must be at most {} (milliseconds)",
                    super::credentials::MAX_FAILURE_FLOOR_MS
                ),
            );
        }
        if self.policy.min_length == 0 || self.policy.max_length < self.policy.min_length {
            return fail(
                "POLICY__MIN_LENGTH / PASSGATE__POLICY__MAX_LENGTH",
                "need 1 <= min_length <= max_length",
            );
        }
        if self.policy.min_strength > 4 {
            return fail("POLICY__MIN_STRENGTH", "must be between 0 and 4");
        }
        if let Some(url) = self.policy.range_url() {
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || reqwest::Url::parse(url).is_err()
            {
                return fail(
                    "POLICY__BREACH_RANGE_URL",
                    "must be an http:// or https:// URL (the five hex digits are appended)",
                );
            }
        }
        if self.policy.breach_range_timeout_ms == 0 {
            return fail("POLICY__BREACH_RANGE_TIMEOUT_MS", "must be at least 1");
        }
        if self.policy.breach_min_count == 0 {
            return fail("POLICY__BREACH_MIN_COUNT", "must be at least 1");
        }
        if self.lockout.max_failures == 0 || self.lockout.max_failures > 1_000_000 {
            return fail("LOCKOUT__MAX_FAILURES", "must be between 1 and 1000000");
        }
        if self.lockout.base_secs == 0 || self.lockout.base_secs > self.lockout.max_secs {
            return fail(
                "LOCKOUT__BASE_SECS",
                "must be at least 1 and at most MAX_SECS",
            );
        }
        if self.lockout.max_secs > 31_536_000 {
            return fail("LOCKOUT__MAX_SECS", "must be at most a year (31536000)");
        }
        if !(1..=1_000_000).contains(&self.lockout.unfamiliar_max_failures_per_hour) {
            let key = "LOCKOUT__UNFAMILIAR_MAX_FAILURES_PER_HOUR";
            return fail(key, "must be between 1 and 1000000");
        }
        if self.lockout.familiar_days > 3650 {
            return fail("LOCKOUT__FAMILIAR_DAYS", "must be at most 3650");
        }
        let digest_key = self.lockout.digest_key.as_deref().unwrap_or("");
        if !digest_key.is_empty() && digest_key.len() < 32 {
            return fail("LOCKOUT__DIGEST_KEY", "must be at least 32 characters");
        }
        if self.mail.transport == MailTransport::Smtp
            && lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&self.mail.smtp_url)
                .is_err()
        {
            return fail("MAIL__SMTP_URL", "is not an smtp:// or smtps:// URL");
        }
        if self.mail.claim_lease_secs <= self.mail.send_timeout_secs {
            return fail(
                "MAIL__CLAIM_LEASE_SECS",
                "must be longer than PASSGATE__MAIL__SEND_TIMEOUT_SECS",
            );
        }
        if self.mail.poll_interval_ms == 0
            || self.mail.send_timeout_secs == 0
            || self.mail.retry_base_secs == 0
        {
            return fail(
                "MAIL__POLL_INTERVAL_MS / SEND_TIMEOUT_SECS / RETRY_BASE_SECS",
                "must be positive",
            );
        }
        if self.reset.token_ttl_secs == 0
            || self.reset.account_window_secs == 0
            || self.reset.address_window_secs == 0
        {
            return fail(
                "RESET__TOKEN_TTL_SECS / ACCOUNT_WINDOW_SECS / ADDRESS_WINDOW_SECS",
                "must be positive",
            );
        }
        if !self.reset.link_template.contains("{token}") {
            return fail("RESET__LINK_TEMPLATE", "must contain {token}");
        }
        if self.admin.max_bulk == 0 {
            return fail("ADMIN__MAX_BULK", "must be at least 1");
        }
        Ok(())
    }
}
