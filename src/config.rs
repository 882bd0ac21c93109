//! Typed settings: built-in defaults, then an optional TOML file, then `PASSGATE__SECTION__KEY`
//! environment variables. Loaded and validated once at start-up; invalid values stop the
//! process with one line that names the key.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    pub management: ManagementSettings,
    pub database: DatabaseSettings,
    pub jwt: JwtSettings,
    pub hashing: HashingSettings,
    pub policy: PolicySettings,
    pub lockout: LockoutSettings,
    pub mail: MailSettings,
    pub reset: ResetSettings,
    pub admin: AdminSettings,
    pub api_keys: ApiKeySettings,
    pub cors: CorsSettings,
    pub pages: PagesSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Number of HTTP worker threads; 0 means one per CPU.
    pub workers: usize,
    pub max_body_bytes: usize,
    pub public_url: String,
    /// Peers whose `X-Forwarded-For` header is believed (comma-separated IP addresses).
    pub trusted_proxies: String,
    /// On SIGTERM/SIGINT, how long in-flight requests may take to finish.
    pub shutdown_timeout_secs: u64,
    /// Longest a request body may take to arrive, from the end of its headers; a body still
    /// incomplete then gets 408 and the connection is closed.
    pub body_timeout_secs: u64,
}

/// The management listener: `/metrics`, `/healthz` and `/readyz`, for the operator's
/// network only. Metrics never go on the public port: the outbox counters would tell an
/// outsider which reset requests reached a real account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagementSettings {
    pub host: String,
    pub port: u16,
}

impl Default for ManagementSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 9090,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    HS256,
    EdDSA,
    RS256,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    pub secret: Option<String>,
    pub issuer: String,
    pub audience: String,
    pub algorithm: JwtAlgorithm,
    pub private_key_file: Option<PathBuf>,
    /// Comma-separated PEM public key files still accepted and published (key rotation).
    pub previous_public_key_files: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    /// Access tokens whose signature this process has checked, kept by digest so the next
    /// request with the same token skips the signature check; 0 turns it off.
    pub verified_cache_size: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashingSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashing threads; 0 means one per CPU.
    pub max_concurrent: usize,
    /// Jobs allowed to wait for a hashing thread; 0 means 64 per hashing thread.
    pub queue: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    pub min_length: usize,
    pub max_length: usize,
    /// zxcvbn score (0-4) a new password must reach; 0 turns the check off.
    pub min_strength: u8,
    /// How many earlier passwords (besides the current one) a new password may not repeat.
    pub history: usize,
    /// A corpus built by `passgate breach-corpus build`; empty or unset for none.
    pub breach_corpus_file: Option<PathBuf>,
    /// A k-anonymity range service (Pwned Passwords API format), e.g.
    /// `https://mirror.example/range/`; empty or unset for none.
    pub breach_range_url: Option<String>,
    pub breach_range_timeout_ms: u64,
    /// When the range service fails: true accepts the password, false refuses with 503.
    pub breach_range_fail_open: bool,
    /// Breach entries seen fewer times than this are ignored (where counts are known).
    pub breach_min_count: u64,
    /// A correct password that a breach source knows gives a restricted token at sign-in.
    pub check_breached_at_sign_in: bool,
}

impl PolicySettings {
    pub fn corpus_file(&self) -> Option<&std::path::Path> {
        self.breach_corpus_file
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty())
    }

    pub fn range_url(&self) -> Option<&str> {
        self.breach_range_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutSettings {
    pub max_failures: u32,
    pub base_secs: u64,
    pub max_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Log,
    Smtp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465` (TLS).
    pub smtp_url: String,
    pub from: String,
    /// Product name used in subjects and texts.
    pub product_name: String,
    /// Subject of reset-link messages; `{product}` is replaced.
    pub reset_subject: String,
    /// Subject of password-change notices; `{product}` and `{how}` ("changed", "reset by an
    /// administrator", …) are replaced.
    pub notice_subject: String,
    /// Email users a notice whenever their password changes.
    pub notify_password_changes: bool,
    /// First retry delay after a failed delivery; doubles per attempt up to `retry_max_secs`.
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// A message still undelivered this long after it was queued is given up (and counted).
    pub give_up_after_secs: u64,
    /// How often the outbox worker looks for due mail when nothing wakes it.
    pub poll_interval_ms: u64,
    /// Longest one SMTP delivery may take.
    pub send_timeout_secs: u64,
    /// How long a worker keeps a claimed message to itself; a message claimed by a process
    /// that died is retried by another after this. Must exceed the send timeout.
    pub claim_lease_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResetSettings {
    pub link_template: String,
    pub token_ttl_secs: u64,
    /// Reset emails per account per `account_window_secs`; further requests send nothing.
    pub account_max_emails: u32,
    pub account_window_secs: u64,
    /// Reset requests per client address per `address_window_secs`; further ones get 429.
    pub address_max_requests: u32,
    pub address_window_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    pub max_bulk: usize,
    pub temporary_password_ttl_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiKeySettings {
    /// Failed API-key attempts per client address per window before 429 `rate_limited`.
    pub max_failures_per_address: u32,
    pub failure_window_secs: u64,
}

impl Default for ApiKeySettings {
    fn default() -> Self {
        Self {
            max_failures_per_address: 20,
            failure_window_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsSettings {
    /// Comma-separated origins, e.g. `https://app.example.com,http://localhost:5173`.
    pub allowed_origins: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagesSettings {
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter directive, e.g. `info` or `passgate=debug,info`.
    pub level: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            environment: Environment::Development,
            server: ServerSettings::default(),
            management: ManagementSettings::default(),
            database: DatabaseSettings::default(),
            jwt: JwtSettings::default(),
            hashing: HashingSettings::default(),
            policy: PolicySettings::default(),
            lockout: LockoutSettings::default(),
            mail: MailSettings::default(),
            reset: ResetSettings::default(),
            admin: AdminSettings::default(),
            api_keys: ApiKeySettings::default(),
            cors: CorsSettings::default(),
            pages: PagesSettings::default(),
            log: LogSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            max_body_bytes: 1_048_576,
            public_url: "http://localhost:8080".into(),
            trusted_proxies: String::new(),
            shutdown_timeout_secs: 30,
            body_timeout_secs: 10,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://passgate.db".into(),
            max_connections: 10,
            connect_timeout_secs: 5,
        }
    }
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            secret: None,
            issuer: "passgate".into(),
            audience: "passgate".into(),
            algorithm: JwtAlgorithm::HS256,
            private_key_file: None,
            previous_public_key_files: String::new(),
            access_ttl_secs: 900,
            refresh_ttl_secs: 1_209_600,
            verified_cache_size: 10_000,
        }
    }
}

impl Default for HashingSettings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 0,
            queue: 0,
        }
    }
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            min_length: 15,
            max_length: 256,
            min_strength: 3,
            history: 1,
            breach_corpus_file: None,
            breach_range_url: None,
            breach_range_timeout_ms: 1500,
            breach_range_fail_open: true,
            breach_min_count: 1,
            check_breached_at_sign_in: false,
        }
    }
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_failures: 10,
            base_secs: 60,
            max_secs: 3600,
        }
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransport::Log,
            smtp_url: "smtp://127.0.0.1:25".into(),
            from: "passgate@localhost".into(),
            product_name: "passgate".into(),
            reset_subject: "Reset your {product} password".into(),
            notice_subject: "Your {product} password was {how}".into(),
            notify_password_changes: true,
            retry_base_secs: 5,
            retry_max_secs: 600,
            give_up_after_secs: 86_400,
            poll_interval_ms: 1000,
            send_timeout_secs: 15,
            claim_lease_secs: 120,
        }
    }
}

impl Default for ResetSettings {
    fn default() -> Self {
        Self {
            link_template: "{public_url}/reset-password?token={token}".into(),
            token_ttl_secs: 1800,
            account_max_emails: 3,
            account_window_secs: 900,
            address_max_requests: 20,
            address_window_secs: 60,
        }
    }
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            max_bulk: 1000,
            temporary_password_ttl_secs: 7 * 24 * 3600,
        }
    }
}

impl Default for PagesSettings {
    fn default() -> Self {
        Self { enabled: true }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Human,
            level: "info".into(),
        }
    }
}

/// A configuration problem, worded for the one line printed before the process exits.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Defaults → `passgate.toml` (or the file named by `PASSGATE_CONFIG`) → environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("PASSGATE_CONFIG").ok();
        let mut builder = config::Config::builder().add_source(
            config::Config::try_from(&Settings::default())
                .map_err(|e| ConfigError(e.to_string()))?,
        );
        builder = match &file {
            Some(path) => builder.add_source(config::File::with_name(path).required(true)),
            None => builder.add_source(config::File::with_name("passgate.toml").required(false)),
        };
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("PASSGATE")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError(describe_config_error(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Rules the types alone cannot express. Each message names the variable to fix.
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
        if self.lockout.max_failures == 0 {
            return fail("LOCKOUT__MAX_FAILURES", "must be at least 1");
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return fail(
                "MAIL__FROM",
                "is not an email address (e.g. passgate@example.com or \"Acme\" <id@acme.test>)",
            );
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
        for origin in self.cors_origins() {
            if origin == "*" || !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return fail(
                    "CORS__ALLOWED_ORIGINS",
                    &format!("`{origin}` is not an origin like https://app.example.com (`*` is never allowed)"),
                );
            }
        }
        for proxy in self.trusted_proxy_list() {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                return fail(
                    "SERVER__TRUSTED_PROXIES",
                    &format!("`{proxy}` is not an IP address"),
                );
            }
        }
        Ok(())
    }

    pub fn cors_origins(&self) -> Vec<String> {
        split_list(&self.cors.allowed_origins)
    }

    pub fn trusted_proxy_list(&self) -> Vec<String> {
        split_list(&self.server.trusted_proxies)
    }

    pub fn previous_public_key_files(&self) -> Vec<PathBuf> {
        split_list(&self.jwt.previous_public_key_files)
            .into_iter()
            .map(PathBuf::from)
            .collect()
    }

    pub fn hashing_threads(&self) -> usize {
        match self.hashing.max_concurrent {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    pub fn hashing_queue(&self) -> usize {
        match self.hashing.queue {
            0 => 64 * self.hashing_threads(),
            n => n,
        }
    }

    pub fn http_workers(&self) -> usize {
        match self.server.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The reset link for a token, built only from configuration, never from request headers.
    pub fn reset_link(&self, token: &str) -> String {
        self.reset
            .link_template
            .replace("{public_url}", self.server.public_url.trim_end_matches('/'))
            .replace("{token}", token)
    }
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `config` names the key as `section.key`; users set `PASSGATE__SECTION__KEY`, so say both.
fn describe_config_error(e: config::ConfigError) -> String {
    let text = e.to_string();
    match text.rfind(" for key `") {
        Some(at) => {
            let key = text[at + 10..].trim_end_matches('`').to_owned();
            let var = format!("PASSGATE__{}", key.replace('.', "__").to_uppercase());
            format!("{var}: {}", &text[..at])
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn production_refuses_missing_secret_and_log_mail() {
        let mut s = Settings {
            environment: Environment::Production,
            ..Settings::default()
        };
        assert!(s.validate().unwrap_err().0.contains("JWT__SECRET"));
        s.jwt.secret = Some("short".into());
        assert!(s.validate().unwrap_err().0.contains("JWT__SECRET"));
        s.jwt.secret = Some("x".repeat(40));
        assert!(s.validate().unwrap_err().0.contains("MAIL__TRANSPORT"));
        s.mail.transport = MailTransport::Smtp;
        s.validate().unwrap();
    }

    #[test]
    fn reset_link_uses_public_url() {
        let s = Settings::default();
        assert_eq!(
            s.reset_link("abc"),
            "http://localhost:8080/reset-password?token=abc"
        );
    }

    #[test]
    fn wildcard_origin_is_refused() {
        let mut s = Settings::default();
        s.cors.allowed_origins = "*".into();
        assert!(s.validate().is_err());
    }

    #[test]
    fn metrics_never_share_the_public_port_and_bodies_have_a_deadline() {
        let mut s = Settings::default();
        s.management.port = s.server.port;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("PASSGATE__MANAGEMENT__PORT"), "{e}");
        s.management.port = 0;
        s.server.port = 0;
        assert!(s.validate().is_ok(), "0 means any free port for each");
        s.server.body_timeout_secs = 0;
        assert!(s.validate().is_err());
    }
}

#[cfg(test)]
mod env_example {
    use super::Settings;

    fn keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    let next = if prefix.is_empty() {
                        k.to_uppercase()
                    } else {
                        format!("{prefix}__{}", k.to_uppercase())
                    };
                    if v.is_object() {
                        keys(v, &next, out);
                    } else {
                        out.push(format!("PASSGATE__{next}"));
                    }
                }
            }
            None => out.push(prefix.to_owned()),
        }
    }

    #[test]
    fn env_example_documents_every_setting() {
        let mut all = Vec::new();
        keys(
            &serde_json::to_value(Settings::default()).unwrap(),
            "",
            &mut all,
        );
        let example =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
        let documented: Vec<&str> = example
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
            .collect();
        for key in &all {
            assert!(
                documented.contains(&key.as_str()),
                "{key} is missing from .env.example"
            );
        }
        for key in &documented {
            assert!(
                all.iter().any(|k| k == key),
                "{key} in .env.example is not a setting"
            );
        }
    }
}
