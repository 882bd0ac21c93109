//! What every request can reach: settings, the database, the hashing pool, the JWT keys and
//! the metrics. Built once by `startup`, shared by reference.

use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::i18n::I18n;
use crate::metrics::Metrics;
use crate::password::breach::Breach;
use crate::password::digest::DigestKey;
use crate::password::{Hasher, Policy};
use crate::pauses::Pauses;
use crate::throttle::AddressLimit;
use crate::webhooks::SecretBox;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub hasher: Hasher,
    pub jwt: JwtKeys,
    pub policy: Policy,
    /// Breached-password sources (corpus file, range service), checked by the flows.
    pub breach: Breach,
    pub metrics: Metrics,
    /// A stand-in argon2id hash with the configured parameters, verified against when the
    /// account is unknown or disabled, so such sign-ins cost the same as real ones.
    pub dummy_hash: String,
    pub trusted_proxies: Vec<IpAddr>,
    /// Per-address limit on reset requests (in the database; see `throttle`).
    pub reset_limiter: AddressLimit,
    /// Per-address limit on failed API-key attempts (in the database).
    pub api_key_limiter: AddressLimit,
    /// Keys the digests of recent wrong passwords (see `flows::lockout`).
    pub digest_key: DigestKey,
    /// Wakes the outbox worker after a transaction queued mail.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Wakes the webhook worker after a transaction queued an event.
    pub webhook_wake: Arc<tokio::sync::Notify>,
    /// Seals and opens the webhook endpoints' signing secrets.
    pub webhook_secrets: SecretBox,
    /// Set once SIGTERM/SIGINT starts the shutdown: `/readyz` then answers 503 (see
    /// `startup::shutdown`).
    pub draining: AtomicBool,
    /// Pause points for tests that reproduce races (inert unless a test arms one).
    pub pauses: Arc<Pauses>,
    /// The time business rules read (the system clock; tests advance it).
    pub clock: Clock,
    /// The languages of pages, mails and problems, read once at start-up.
    pub i18n: Arc<I18n>,
}
