//! Breached-password screening (NIST SP 800-63B-4): is this password known from a breach?
//! Two sources, either or both: a local corpus file (memory-mapped filters, see `corpus`) and
//! a k-anonymity range service (see `range`). The policy proper stays pure; the flows call
//! [`Breach::is_breached`] as a separate async step, outside any database closure, since the
//! range service is network I/O.

pub mod build;
pub mod corpus;
pub mod range;

use std::time::Duration;

use prometheus::IntCounterVec;
use sha1::{Digest, Sha1};

use crate::config::PolicySettings;
pub use corpus::{Corpus, CorpusError};
pub use range::RangeClient;

/// The configured sources, checked in order: the corpus is local and answers in
/// microseconds, so the service is asked only about passwords the corpus does not know.
pub struct Breach {
    corpus: Option<Corpus>,
    range: Option<RangeClient>,
    fail_open: bool,
    checks: IntCounterVec,
}

/// The range service failed and `BREACH_RANGE_FAIL_OPEN` is false.
#[derive(Debug)]
pub struct RangeUnavailable;

impl Breach {
    /// Opens (and fully checks) the corpus file and prepares the range client. An unusable
    /// corpus is an error naming the file: start-up stops rather than run without it.
    pub fn from_settings(s: &PolicySettings, checks: IntCounterVec) -> anyhow::Result<Self> {
        let corpus = match s.corpus_file() {
            Some(path) => Some(Corpus::open(path)?),
            None => None,
        };
        let range = match s.range_url() {
            Some(url) => Some(
                RangeClient::new(
                    url,
                    Duration::from_millis(s.breach_range_timeout_ms),
                    s.breach_min_count,
                )
                .map_err(|e| anyhow::anyhow!("PASSGATE__POLICY__BREACH_RANGE_URL: {e}"))?,
            ),
            None => None,
        };
        Ok(Self {
            corpus,
            range,
            fail_open: s.breach_range_fail_open,
            checks,
        })
    }

    pub fn is_on(&self) -> bool {
        self.corpus.is_some() || self.range.is_some()
    }

    /// Whether a source knows the (NFKC-normalised) password. When the range service fails,
    /// fail-open answers false (counted as an error), fail-closed answers `RangeUnavailable`.
    pub async fn is_breached(&self, normalized: &str) -> Result<bool, RangeUnavailable> {
        if !self.is_on() {
            return Ok(false);
        }
        let sha1: [u8; 20] = Sha1::digest(normalized.as_bytes()).into();
        if let Some(corpus) = &self.corpus {
            let found = corpus.contains(&sha1);
            self.count("corpus", if found { "found" } else { "not_found" });
            if found {
                return Ok(true);
            }
        }
        let Some(range) = &self.range else {
            return Ok(false);
        };
        let hex: String = sha1.iter().map(|b| format!("{b:02X}")).collect();
        match range.contains(&hex).await {
            Ok(found) => {
                self.count("range", if found { "found" } else { "not_found" });
                Ok(found)
            }
            Err(e) => {
                self.count("range", "error");
                tracing::warn!(error = %e, fail_open = self.fail_open, "breach range service failed");
                if self.fail_open {
                    Ok(false)
                } else {
                    Err(RangeUnavailable)
                }
            }
        }
    }

    fn count(&self, source: &str, outcome: &str) {
        self.checks.with_label_values(&[source, outcome]).inc();
    }
}

/// The sources a configuration turns on, as `GET /v1/password-policy` reports them.
pub fn sources(s: &PolicySettings) -> Vec<&'static str> {
    let mut out = Vec::new();
    if s.corpus_file().is_some() {
        out.push("corpus");
    }
    if s.range_url().is_some() {
        out.push("range");
    }
    out
}

#[cfg(test)]
mod tests;
