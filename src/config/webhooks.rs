//! Outgoing webhooks (contract: "Webhooks (admin)").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Longest one delivery may take, connecting and reading the answer included.
    pub timeout_secs: u64,
    /// A delivery still failing this long after its event is given up.
    pub give_up_after_secs: u64,
    /// First retry delay; doubles per attempt.
    pub retry_base_secs: u64,
    /// Settled deliveries (delivered or given up), their attempts and their events are
    /// removed this many days after they settled; never less than the give-up window, so
    /// nothing still being retried is ever old enough.
    pub retention_days: u64,
    /// Lifts the https-only and public-address rules, for development and tests only
    /// (refused in production).
    pub allow_insecure_targets: bool,
    /// Whether this instance delivers. Events are queued either way; another instance on
    /// the same database may be the one that sends them.
    pub deliver: bool,
    /// How often the worker looks for due deliveries when nothing wakes it.
    pub poll_interval_ms: u64,
    /// Endpoints delivered to at once by this instance (each endpoint one delivery at a
    /// time, in order), so one slow receiver holds only its own queue.
    pub max_concurrent_endpoints: usize,
    /// Key (any string, at least 32 bytes) that encrypts the endpoints' signing secrets at
    /// rest. Unset: derived from `PASSGATE__JWT__SECRET`; without either, a built-in key
    /// (a warning at start-up says so).
    pub secret_key: Option<String>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout_secs: 10,
            give_up_after_secs: 259_200,
            retry_base_secs: 5,
            retention_days: 30,
            allow_insecure_targets: false,
            deliver: true,
            poll_interval_ms: 1000,
            max_concurrent_endpoints: 32,
            secret_key: None,
        }
    }
}
