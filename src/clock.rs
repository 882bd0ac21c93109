//! The time business rules read: token and reset-link lifetimes, lockout and throttle
//! windows, mail retries, audit timestamps. In production it is the system clock; a test
//! moves it forward (`advance`) instead of sleeping through a window. Durations measured
//! for metrics and timeouts use `Instant` directly and are not affected.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};

/// Cheap to clone: clones share the offset, so advancing one advances all (the state, the
/// limiters, the JWT keys and the mail worker read the same clock).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Microseconds added to the system time; only ever grows (see `advance`).
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock, not advanced.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, truncated to the microsecond: what both backends store, so a value read back
    /// compares equal.
    pub fn now(&self) -> NaiveDateTime {
        let now = self.now_utc();
        DateTime::from_timestamp_micros(now.timestamp_micros())
            .unwrap_or(now)
            .naive_utc()
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::microseconds(self.offset())
    }

    /// Seconds since the epoch, as JWT claims count them.
    pub fn timestamp(&self) -> i64 {
        self.now_utc().timestamp()
    }

    /// A monotonic instant moved by the same offset, for in-memory windows that must not
    /// follow system-time jumps.
    pub fn instant(&self) -> Instant {
        // The offset is never negative, so the addition only fails past the end of time.
        let offset = Duration::from_micros(self.offset().unsigned_abs());
        let now = Instant::now();
        now.checked_add(offset).unwrap_or(now)
    }

    /// Moves this clock (and every clone of it) forward. Forward only: a window that has
    /// passed stays passed, and `instant` stays monotonic.
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        let _ = self
            .offset_micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(micros))
            });
    }

    fn offset(&self) -> i64 {
        self.offset_micros.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_advance_together_and_only_forward() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = clock.now();
        let instant = clock.instant();
        other.advance(Duration::from_secs(3600));
        assert!(clock.now() - before >= chrono::Duration::seconds(3600));
        assert!(clock.instant() - instant >= Duration::from_secs(3600));
        assert_eq!(clock.now().and_utc().timestamp_subsec_nanos() % 1000, 0);
    }
}
