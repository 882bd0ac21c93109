//! Typed settings: built-in defaults, then an optional TOML file, then `PASSGATE__SECTION__KEY`
//! environment variables. Loaded and validated once at start-up; invalid values stop the
//! process with one line that names the key.

mod credentials;
mod listeners;
mod mail;
mod validate;
mod values;
mod webhooks;

#[cfg(test)]
mod env_example;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

type Builder = config::ConfigBuilder<config::builder::DefaultState>;

pub use credentials::{
    AdminSettings, ApiKeySettings, HashingSettings, JwtAlgorithm, JwtSettings, LockoutSettings,
    PolicySettings,
};
pub use listeners::{
    ConsoleSettings, CorsSettings, ImportSettings, ManagementSettings, PagesSettings,
    ServerSettings,
};
pub use mail::{MailSettings, MailTransport, ResetSettings};
pub use values::{IpList, OriginList, Sender};
pub use webhooks::WebhookSettings;

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
    pub import: ImportSettings,
    pub api_keys: ApiKeySettings,
    pub cors: CorsSettings,
    pub pages: PagesSettings,
    pub console: ConsoleSettings,
    pub webhooks: WebhookSettings,
    pub i18n: I18nSettings,
    pub log: LogSettings,
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
            import: ImportSettings::default(),
            api_keys: ApiKeySettings::default(),
            cors: CorsSettings::default(),
            pages: PagesSettings::default(),
            console: ConsoleSettings::default(),
            webhooks: WebhookSettings::default(),
            i18n: I18nSettings::default(),
            log: LogSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
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

/// Languages of the hosted pages, mails and problems (see `crate::i18n`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct I18nSettings {
    /// The language served when neither `?lang=`, `Accept-Language` nor a user's `locale`
    /// names one served: a shipped language (`en`, `da`) or one of `directory`.
    pub default_locale: String,
    /// The operator's Fluent files, `<directory>/<lang>/*.ftl`, read at start-up: they
    /// change shipped texts and add languages, per message id.
    pub directory: Option<PathBuf>,
}

impl Default for I18nSettings {
    fn default() -> Self {
        Self {
            default_locale: "en".into(),
            directory: None,
        }
    }
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
        Self::read(Ok)
    }

    /// `load`, with `last` applied after every source (tests set overrides there).
    fn read(
        last: impl FnOnce(Builder) -> Result<Builder, config::ConfigError>,
    ) -> Result<Self, ConfigError> {
        let file = std::env::var("PASSGATE_CONFIG").ok();
        let mut builder = config::Config::builder().add_source(
            config::Config::try_from(&Settings::default())
                .map_err(|e| ConfigError(e.to_string()))?,
        );
        builder = match &file {
            Some(path) => builder.add_source(config::File::with_name(path).required(true)),
            None => builder.add_source(config::File::with_name("passgate.toml").required(false)),
        };
        let settings: Settings = last(
            builder.add_source(
                config::Environment::with_prefix("PASSGATE")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            ),
        )
        .and_then(|b| b.build())
        .and_then(|c| c.try_deserialize())
        .map_err(|e| ConfigError(describe_config_error(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn previous_public_key_files(&self) -> Vec<PathBuf> {
        values::split_list(&self.jwt.previous_public_key_files)
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
    fn production_refuses_insecure_webhook_targets() {
        let mut s = Settings {
            environment: Environment::Production,
            ..Settings::default()
        };
        s.jwt.secret = Some("x".repeat(40));
        s.mail.transport = MailTransport::Smtp;
        s.webhooks.allow_insecure_targets = true;
        let e = s.validate().unwrap_err().to_string();
        assert!(
            e.contains("PASSGATE__WEBHOOKS__ALLOW_INSECURE_TARGETS"),
            "{e}"
        );
        s.environment = Environment::Development;
        s.validate().unwrap();
    }

    #[test]
    fn webhook_retention_covers_the_give_up_window_rounded_up_to_days() {
        let mut s = Settings::default();
        s.webhooks.retention_days = 3;
        s.validate().unwrap();
        s.webhooks.give_up_after_secs = 259_201;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("PASSGATE__WEBHOOKS__RETENTION_DAYS"), "{e}");
        assert!(e.contains("(4)"), "{e}");
        s.webhooks.retention_days = 4;
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
    fn a_bad_list_or_address_stops_loading_with_the_variable_named() {
        for (key, value, variable) in [
            (
                "cors.allowed_origins",
                "*",
                "PASSGATE__CORS__ALLOWED_ORIGINS",
            ),
            (
                "server.trusted_proxies",
                "10.0.0.1,proxy",
                "PASSGATE__SERVER__TRUSTED_PROXIES",
            ),
            ("mail.from", "nobody", "PASSGATE__MAIL__FROM"),
        ] {
            let e = Settings::read(|b| b.set_override(key, value))
                .unwrap_err()
                .to_string();
            assert!(e.contains(variable), "{e}");
        }
        let s =
            Settings::read(|b| b.set_override("server.trusted_proxies", "10.0.0.1, ::1")).unwrap();
        assert_eq!(s.server.trusted_proxies.0.len(), 2);
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

    #[test]
    fn a_failure_floor_over_ten_seconds_is_refused() {
        let mut s = Settings::default();
        s.hashing.failure_floor_ms = 10_000;
        s.validate().unwrap();
        s.hashing.failure_floor_ms = 10_001;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("PASSGATE__HASHING__FAILURE_FLOOR_MS"), "{e}");
    }
}
