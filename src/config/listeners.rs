//! The public listener and what reaches it: address, limits, proxies, CORS, hosted pages;
//! and the management listener.

use serde::{Deserialize, Serialize};

use super::values::{IpList, OriginList};

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
    pub trusted_proxies: IpList,
    /// On SIGTERM/SIGINT, how long the public listener still accepts, with `/readyz`
    /// answering 503, so a load balancer takes the instance out before connections fail.
    pub shutdown_delay_secs: u64,
    /// After that delay, how long in-flight requests may take to finish.
    pub shutdown_timeout_secs: u64,
    /// Longest a request body may take to arrive, from the end of its headers; a body still
    /// incomplete then gets 408 and the connection is closed.
    pub body_timeout_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            max_body_bytes: 1_048_576,
            public_url: "http://localhost:8080".into(),
            trusted_proxies: IpList::default(),
            shutdown_delay_secs: 0,
            shutdown_timeout_secs: 30,
            body_timeout_secs: 10,
        }
    }
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsSettings {
    /// Comma-separated origins, e.g. `https://app.example.com,http://localhost:5173`.
    pub allowed_origins: OriginList,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagesSettings {
    pub enabled: bool,
    /// The admin console under `/admin`; off (or `enabled` off) means every `/admin` path
    /// answers 404.
    pub admin_console: bool,
}

impl Default for PagesSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            admin_console: true,
        }
    }
}

impl PagesSettings {
    /// Whether `/admin` is served: the console is one of the hosted pages.
    pub fn console_served(&self) -> bool {
        self.enabled && self.admin_console
    }
}

/// The admin console's sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// A session ends after this many seconds without a request.
    pub idle_timeout_secs: u64,
    /// A session ends this many seconds after its sign-in, however active.
    pub absolute_timeout_secs: u64,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 15 * 60,
            absolute_timeout_secs: 8 * 60 * 60,
        }
    }
}

/// `POST /v1/admin/user-imports`: its own body limit (an export of a large directory is far
/// over `SERVER__MAX_BODY_BYTES`); the body is streamed, so the limit bounds time and
/// storage, not memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    pub max_body_bytes: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 30,
        }
    }
}
