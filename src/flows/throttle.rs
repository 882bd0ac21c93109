//! Per-client-address request limits (reset requests). Kept in process memory: cheap and
//! good enough to blunt a flood from one address. With N instances behind a balancer an
//! address can make up to N times the limit; the per-account limits live in the database
//! and hold exactly across instances.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::clock::Clock;

pub struct AddressLimiter {
    clock: Clock,
    max: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Entries kept before expired ones are swept, bounding memory under a spray of addresses.
const SWEEP_AT: usize = 10_000;

impl AddressLimiter {
    pub fn new(clock: Clock, max: u32, window: Duration) -> Self {
        Self {
            clock,
            max,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `address`; `Err(seconds)` when over the limit, with the time
    /// until the window ends.
    pub fn check(&self, address: &str) -> Result<(), u64> {
        let now = self.clock.instant();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= SWEEP_AT {
            let window = self.window;
            windows.retain(|_, (started, _)| now.duration_since(*started) < window);
        }
        let entry = windows.entry(address.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.max {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Like `check`, without counting: whether `address` is over the limit now.
    pub fn peek(&self, address: &str) -> Result<(), u64> {
        let now = self.clock.instant();
        let windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match windows.get(address) {
            Some((started, count))
                if now.duration_since(*started) < self.window && *count >= self.max =>
            {
                Err(self
                    .window
                    .saturating_sub(now.duration_since(*started))
                    .as_secs()
                    .max(1))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_window() {
        let clock = Clock::system();
        let limiter = AddressLimiter::new(clock.clone(), 2, Duration::from_secs(60));
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        assert!(matches!(limiter.check("a"), Err(59 | 60)));
        assert!(limiter.peek("a").is_err());
        assert!(limiter.check("b").is_ok());
        clock.advance(Duration::from_secs(59));
        assert!(limiter.check("a").is_err());
        clock.advance(Duration::from_secs(1));
        assert!(limiter.peek("a").is_ok());
        assert!(limiter.check("a").is_ok());
    }
}
