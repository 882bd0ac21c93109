//! argon2id on a dedicated pool of threads with a bounded queue.
//!
//! Hashing is the service's dominant cost by design (≈ m_cost of memory and tens of
//! milliseconds of CPU each). Running it on actix workers would stall every request, and on
//! an unbounded blocking pool a flood would grow memory without limit. So: `threads`
//! workers (one per CPU by default) take jobs from a queue of `queue` slots; when the queue
//! is full the caller gets `HashError::Overloaded` at once (503 `overloaded`), never a wait.
//!
//! Each hashing thread owns one argon2 memory buffer of `m_cost` KiB, allocated once and
//! reused for every job, so hashing memory is exactly `threads × m_cost` however long the
//! service runs (per-call allocations of tens of MiB otherwise pile up in the allocator's
//! per-thread arenas).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use crossbeam_channel::{bounded, Sender, TrySendError};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

use super::legacy;
use super::own::{needs_rehash, own_hash};
use crate::metrics::Metrics;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing queue is full")]
    Overloaded,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy)]
pub struct Verification {
    pub matches: bool,
    /// The stored hash was made with other parameters than those configured now.
    pub needs_rehash: bool,
    /// The scheme of a stored hash that is not passgate's current argon2id (imported from
    /// another system, or argon2id with other parameters), which the flows replace at the
    /// first success and audit as `password.rehashed`; `None` when nothing is to replace.
    pub legacy_scheme: Option<&'static str>,
}

/// A job runs on a hashing thread with that thread's reusable argon2 memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send + 'static>;

#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Sender<(Instant, Job)>,
    params: Params,
    threads: usize,
    metrics: Metrics,
    /// Nanoseconds of the latest verification at the configured parameters: the floor of
    /// every other verification (see `verify_presented`).
    floor: Arc<AtomicU64>,
}

impl Hasher {
    pub fn new(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
        threads: usize,
        queue: usize,
        metrics: Metrics,
    ) -> Result<Self, HashError> {
        let params = Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| HashError::Failed(e.to_string()))?;
        let (jobs, receiver) = bounded::<(Instant, Job)>(queue.max(1));
        for i in 0..threads.max(1) {
            let receiver = receiver.clone();
            let metrics = metrics.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    // Allocated by the first job and kept: an idle service holds none of it.
                    let mut memory: Vec<Block> = Vec::new();
                    // Ends when every `Hasher` clone (and so the sender) is dropped.
                    while let Ok((queued_at, job)) = receiver.recv() {
                        metrics.hash_queue_depth.set(receiver.len() as i64);
                        metrics
                            .hash_wait_seconds
                            .observe(queued_at.elapsed().as_secs_f64());
                        job(&mut memory);
                    }
                })
                .map_err(|e| HashError::Failed(e.to_string()))?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                jobs,
                params,
                threads: threads.max(1),
                metrics,
                floor: Arc::new(AtomicU64::new(0)),
            }),
        })
    }

    pub fn threads(&self) -> usize {
        self.inner.threads
    }

    /// Refuses at once, as `Overloaded`, while the queue is full: a flow that would reserve
    /// a lockout attempt in the database before hashing calls this first, so a flood is shed
    /// before it costs two write transactions per refused request. A job can still be
    /// refused when it is queued (the queue may fill in between); this is the cheap path.
    pub fn admit(&self) -> Result<(), HashError> {
        if self.inner.jobs.is_full() {
            self.inner.metrics.hash_rejected_total.inc();
            return Err(HashError::Overloaded);
        }
        Ok(())
    }

    /// See [`unmatchable_phc`]: a stand-in hash with the configured parameters.
    pub fn unmatchable_phc(&self) -> Result<String, HashError> {
        unmatchable_phc(&self.inner.params)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = tx.send(work(memory));
        });
        match self.inner.jobs.try_send((Instant::now(), job)) {
            Ok(()) => {
                self.inner
                    .metrics
                    .hash_queue_depth
                    .set(self.inner.jobs.len() as i64);
            }
            Err(TrySendError::Full(_)) => {
                self.inner.metrics.hash_rejected_total.inc();
                return Err(HashError::Overloaded);
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(HashError::Failed("hashing pool stopped".into()))
            }
        }
        rx.await
            .map_err(|_| HashError::Failed("hashing job was dropped".into()))
    }

    /// Hashes a (normalised) password into a PHC string with the configured parameters.
    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        let params = self.inner.params.clone();
        self.run(move |memory| {
            let mut salt = [0u8; 16];
            OsRng.fill_bytes(&mut salt);
            let output = compute(&params, password.expose_secret().as_bytes(), &salt, memory)?;
            let failed = |e: argon2::password_hash::Error| HashError::Failed(e.to_string());
            let salt = SaltString::encode_b64(&salt).map_err(failed)?;
            let phc = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).map_err(failed)?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            };
            Ok(phc.to_string())
        })
        .await?
    }

    /// Checks a password against a stored hash. An unreadable hash never matches.
    pub async fn verify(
        &self,
        password: SecretString,
        phc: String,
    ) -> Result<Verification, HashError> {
        self.verify_presented(password.clone(), password, phc).await
    }

    /// Checks a password against a stored hash of any accepted scheme (`password::legacy`),
    /// on this same bounded pool: a legacy verification waits in the same queue, and a
    /// full queue refuses it like any other (503 `overloaded`). passgate's own argon2id
    /// hashes are checked against `normalized` (NFKC, as they were made); hashes imported
    /// from other systems against `as_typed`, the bytes those systems hashed.
    ///
    /// A hash of another scheme or other parameters that costs less than one verification
    /// at the configured parameters holds its thread until it has cost that much: its
    /// sign-ins take as long as an unknown account's (which is checked against a stand-in
    /// at the configured parameters). See SECURITY.md on the costlier ones.
    pub async fn verify_presented(
        &self,
        normalized: SecretString,
        as_typed: SecretString,
        stored: String,
    ) -> Result<Verification, HashError> {
        let params = self.inner.params.clone();
        let floor = self.inner.floor.clone();
        self.run(move |memory| {
            let started = Instant::now();
            let verification = check(&stored, &normalized, &as_typed, &params, memory);
            let spent = started.elapsed();
            if verification.legacy_scheme.is_none() && verification.needs_rehash {
                return verification; // unreadable: nothing was computed, nothing to hide
            }
            if verification.legacy_scheme.is_none() {
                floor.store(spent.as_nanos() as u64, Ordering::Relaxed);
                return verification;
            }
            let mut target = Duration::from_nanos(floor.load(Ordering::Relaxed));
            if target.is_zero() {
                // No verification at the configured parameters yet: run one to learn it.
                let calibration = Instant::now();
                if let Ok(phc) = unmatchable_phc(&params) {
                    if let Ok(parsed) = PasswordHash::new(&phc) {
                        verify_phc(&parsed, b"", &params, memory);
                    }
                }
                target = calibration.elapsed();
                floor.store(target.as_nanos() as u64, Ordering::Relaxed);
                target += spent;
            }
            if let Some(rest) = target.checked_sub(started.elapsed()) {
                std::thread::sleep(rest);
            }
            verification
        })
        .await
    }
}

/// One verification of `stored` (see [`Hasher::verify_presented`]).
fn check(
    stored: &str,
    normalized: &SecretString,
    as_typed: &SecretString,
    params: &Params,
    memory: &mut Vec<Block>,
) -> Verification {
    // passgate's own argon2id, whatever its parameters (the configured ones, or those it
    // wrote with before a setting changed), is verified as it is: the import bounds of
    // `legacy` are for hashes of other systems, and holding the service's own settings to
    // them would lock every account out when a setting is above a bound.
    if let Some(parsed) = own_hash(stored) {
        let needs_rehash = needs_rehash(&parsed, params);
        return Verification {
            matches: verify_phc(
                &parsed,
                normalized.expose_secret().as_bytes(),
                params,
                memory,
            ),
            needs_rehash,
            legacy_scheme: needs_rehash.then_some("argon2id"),
        };
    }
    match legacy::parse(stored) {
        Ok(legacy) if !legacy.is_own_format() => Verification {
            matches: legacy.verify(as_typed.expose_secret().as_bytes()),
            needs_rehash: true,
            legacy_scheme: Some(legacy.scheme),
        },
        _ => Verification {
            matches: false,
            needs_rehash: true,
            legacy_scheme: None,
        },
    }
}

/// Runs argon2id into `memory` (grown only if a stored hash asks for more than configured).
fn compute(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    memory: &mut Vec<Block>,
) -> Result<Output, HashError> {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(len, |out| {
        argon
            .hash_password_into_with_memory(
                password,
                salt,
                out,
                &mut memory[..params.block_count()],
            )
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| HashError::Failed(e.to_string()))
}

/// Recomputes a stored argon2id hash with its own parameters and salt; the comparison of
/// the outputs is constant-time (`Output`'s equality). Other algorithms never match.
fn verify_phc(
    stored: &PasswordHash<'_>,
    password: &[u8],
    configured: &Params,
    memory: &mut Vec<Block>,
) -> bool {
    if stored.algorithm != Algorithm::Argon2id.ident()
        || stored.version.is_some_and(|v| v != Version::V0x13 as u32)
    {
        return false;
    }
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    // An imported argon2id was held to the bounds at import (`legacy::bounds`), unless it
    // had the configured parameters; passgate's own have the parameters it was set to.
    let Ok(params) = Params::new(
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        Some(expected.len()),
    ) else {
        return false;
    };
    // A stored hash that needs more memory than configured (imported, or made before the
    // setting was lowered) gets a buffer of its own for this verification only: the
    // thread's kept buffer stays at the configured size.
    let mut temporary = Vec::new();
    let memory = if params.block_count() > configured.block_count() {
        &mut temporary
    } else {
        memory
    };
    compute(&params, password, salt, memory).is_ok_and(|computed| computed == expected)
}

/// A well-formed argon2id PHC string with the given parameters whose output is random, so
/// no password matches it. Verifying against it costs exactly what a real verification
/// costs — which is the point: unknown accounts must take as long as known ones — and making
/// it costs nothing at start-up.
pub fn unmatchable_phc(params: &Params) -> Result<String, HashError> {
    let failed = |e: argon2::password_hash::Error| HashError::Failed(e.to_string());
    let mut salt = [0u8; 16];
    let mut output = [0u8; 32];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut output);
    let salt = SaltString::encode_b64(&salt).map_err(failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(failed)?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
#[path = "hasher_tests.rs"]
mod tests;
