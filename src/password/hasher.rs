//! argon2id on a dedicated pool of threads with a bounded queue.
//!
//! Hashing is the service's dominant cost by design (≈ m_cost of memory and tens of
//! milliseconds of CPU each). Running it on actix workers would stall every request, and on
//! an unbounded blocking pool a flood would grow memory without limit. So: `threads`
//! workers (one per CPU by default) take jobs from a queue of `queue` slots; when the queue
//! is full the caller gets `HashError::Overloaded` at once (503 `overloaded`), never a wait.

use std::sync::Arc;
use std::time::Instant;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use crossbeam_channel::{bounded, Sender, TrySendError};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

use crate::metrics::Metrics;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing queue is full")]
    Overloaded,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Outcome of checking a password against a stored PHC string.
#[derive(Debug, Clone, Copy)]
pub struct Verification {
    pub matches: bool,
    /// The stored hash was made with other parameters than those configured now.
    pub needs_rehash: bool,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Sender<(Instant, Job)>,
    params: Params,
    threads: usize,
    metrics: Metrics,
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
                    // Ends when every `Hasher` clone (and so the sender) is dropped.
                    while let Ok((queued_at, job)) = receiver.recv() {
                        metrics.hash_queue_depth.set(receiver.len() as i64);
                        metrics
                            .hash_wait_seconds
                            .observe(queued_at.elapsed().as_secs_f64());
                        job();
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
            }),
        })
    }

    pub fn threads(&self) -> usize {
        self.inner.threads
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
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
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Self::argon2(params)
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await?
    }

    /// Checks a password against a stored PHC string. An unreadable PHC string never matches.
    pub async fn verify(
        &self,
        password: SecretString,
        phc: String,
    ) -> Result<Verification, HashError> {
        let params = self.inner.params.clone();
        self.run(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Verification {
                    matches: false,
                    needs_rehash: true,
                };
            };
            // The PHC string carries its own algorithm and parameters; argon2 verifies with those.
            let matches = Argon2::default()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            Verification {
                matches,
                needs_rehash: needs_rehash(&parsed, &params),
            }
        })
        .await
    }
}

fn needs_rehash(hash: &PasswordHash<'_>, params: &Params) -> bool {
    if hash.algorithm.as_str() != "argon2id" || hash.version != Some(Version::V0x13 as u32) {
        return true;
    }
    match Params::try_from(hash) {
        Ok(p) => {
            p.m_cost() != params.m_cost()
                || p.t_cost() != params.t_cost()
                || p.p_cost() != params.p_cost()
        }
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(threads: usize, queue: usize) -> Hasher {
        Hasher::new(64, 1, 1, threads, queue, Metrics::new()).unwrap()
    }

    #[tokio::test]
    async fn hashes_and_verifies() {
        let h = hasher(1, 4);
        let phc = h.hash(SecretString::from("correct horse")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let ok = h
            .verify(SecretString::from("correct horse"), phc.clone())
            .await
            .unwrap();
        assert!(ok.matches && !ok.needs_rehash);
        let bad = h
            .verify(SecretString::from("wrong"), phc.clone())
            .await
            .unwrap();
        assert!(!bad.matches);
        let other = Hasher::new(128, 1, 1, 1, 1, Metrics::new()).unwrap();
        assert!(
            other
                .verify(SecretString::from("correct horse"), phc)
                .await
                .unwrap()
                .needs_rehash
        );
    }

    #[tokio::test]
    async fn garbage_phc_never_matches() {
        let v = hasher(1, 1)
            .verify(SecretString::from("x"), "not a hash".into())
            .await
            .unwrap();
        assert!(!v.matches);
    }

    #[tokio::test]
    async fn full_queue_is_rejected_not_awaited() {
        let h = Hasher::new(64 * 1024, 3, 1, 1, 1, Metrics::new()).unwrap();
        let results =
            futures_util::future::join_all((0..8).map(|_| h.hash(SecretString::from("pw")))).await;
        assert!(results
            .iter()
            .any(|r| matches!(r, Err(HashError::Overloaded))));
        assert!(results.iter().any(|r| r.is_ok()));
    }
}
