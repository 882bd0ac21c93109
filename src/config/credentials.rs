//! Credentials: tokens, password hashing, the password policy, lockout, API keys and
//! admin-issued temporary passwords.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
    /// A failed credential check is answered no sooner than this many milliseconds after it
    /// began (0: off), so that an imported hash costlier than one argon2id verification does
    /// not tell, by its slower failures, that its address exists (SECURITY.md).
    pub failure_floor_ms: u64,
}

/// The highest `failure_floor_ms` start-up accepts: ten seconds is past the costliest
/// scheme the import bounds let in, so a larger value can only be a mistake.
pub const MAX_FAILURE_FLOOR_MS: u64 = 10_000;

impl Default for HashingSettings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 0,
            queue: 0,
            failure_floor_ms: 0,
        }
    }
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutSettings {
    /// Failures from one source (client address, /64 for IPv6) before it is locked out of
    /// the account.
    pub max_failures: u32,
    /// First lock of a source; doubles per further lockout up to `max_secs`, which is also
    /// how long a count lives without a failure.
    pub base_secs: u64,
    pub max_secs: u64,
    /// Failures checked per sliding hour across all unfamiliar sources of an account.
    pub unfamiliar_max_failures_per_hour: u32,
    /// A source is familiar for this long after a successful sign-in from it.
    pub familiar_days: u32,
    /// Key for the digests of recent wrong passwords (HMAC-SHA256). Empty: derived from
    /// `jwt.secret`, or random per process when that is unset too.
    pub digest_key: Option<String>,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_failures: 10,
            base_secs: 60,
            max_secs: 3600,
            unfamiliar_max_failures_per_hour: 100,
            familiar_days: 30,
            digest_key: None,
        }
    }
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    pub max_bulk: usize,
    pub temporary_password_ttl_secs: u64,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            max_bulk: 1000,
            temporary_password_ttl_secs: 7 * 24 * 3600,
        }
    }
}
