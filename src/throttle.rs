//! Per-client-address request limits (reset requests, failed API keys), kept in the
//! database so that N instances behind a balancer allow what one would (contract:
//! "Throttling"). A fixed window per scope and address.
//!
//! Cheap under a flood: an address already over its limit is refused by a read, without a
//! write transaction, so refused requests do not queue for the database's write lock.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::{self, write_tx, Db, DbConn};
use crate::error::ApiError;

/// How often ended windows and expired lockout state are removed.
pub const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// One limit: at most `max` hits per `window` from an address, in the named scope.
#[derive(Debug, Clone)]
pub struct AddressLimit {
    pub scope: &'static str,
    pub max: u32,
    pub window: Duration,
}

impl AddressLimit {
    pub fn new(scope: &'static str, max: u32, window: Duration) -> Self {
        Self { scope, max, window }
    }

    /// Reset requests per address (`RESET__ADDRESS_MAX_REQUESTS` per `…_WINDOW_SECS`).
    pub fn reset_requests(settings: &Settings) -> Self {
        Self::new(
            "reset_request",
            settings.reset.address_max_requests,
            Duration::from_secs(settings.reset.address_window_secs),
        )
    }

    /// Failed API keys per address (`API_KEYS__MAX_FAILURES_PER_ADDRESS` per window).
    pub fn failed_api_keys(settings: &Settings) -> Self {
        Self::new(
            "api_key_failure",
            settings.api_keys.max_failures_per_address,
            Duration::from_secs(settings.api_keys.failure_window_secs),
        )
    }

    /// Counts one hit from `address`; `rate_limited` with the time until the window ends
    /// when the address is over the limit.
    pub async fn hit(&self, db: &Db, address: &str, now: NaiveDateTime) -> Result<(), ApiError> {
        let (limit, address) = (self.clone(), address.to_owned());
        db.run(move |c| {
            limit.refuse_if_over(c, &address, now)?;
            write_tx(c, |c| {
                let max = i32::try_from(limit.max).unwrap_or(i32::MAX);
                if db::address_limits::hit(
                    c,
                    limit.scope,
                    &address,
                    max,
                    now,
                    limit.started_before(now),
                )? {
                    Ok(())
                } else {
                    limit.refuse_if_over(c, &address, now)?;
                    Err(ApiError::RateLimited { retry_after: 1 })
                }
            })
        })
        .await
    }

    /// Like `hit`, without counting: `rate_limited` when the address is over the limit now.
    pub async fn peek(&self, db: &Db, address: &str, now: NaiveDateTime) -> Result<(), ApiError> {
        let (limit, address) = (self.clone(), address.to_owned());
        db.run(move |c| limit.refuse_if_over(c, &address, now))
            .await
    }

    /// A read: refuses when the address's current window is full.
    fn refuse_if_over(
        &self,
        conn: &mut DbConn,
        address: &str,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        let Some((started, hits)) = db::address_limits::current(conn, self.scope, address)? else {
            return Ok(());
        };
        if started <= self.started_before(now) || i64::from(hits) < i64::from(self.max) {
            return Ok(());
        }
        let ends = started + self.window_delta();
        Err(ApiError::RateLimited {
            retry_after: (ends - now).num_seconds().max(1) as u64,
        })
    }

    /// Windows that began at or before this instant are over.
    fn started_before(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - self.window_delta()
    }

    fn window_delta(&self) -> chrono::Duration {
        // Clamped so that `now - window` cannot overflow whatever the configuration says.
        let longest = chrono::Duration::days(36_500);
        chrono::Duration::from_std(self.window)
            .unwrap_or(longest)
            .min(longest)
    }

    /// Removes the rows of ended windows (run now and then, not on a request's path).
    pub fn sweep(&self, conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, ApiError> {
        Ok(db::address_limits::sweep(
            conn,
            self.scope,
            self.started_before(now),
        )?)
    }
}

/// Forgets what no limit reads any more: ended address windows, and lockout state past its
/// life (unfamiliar failures older than the hour, digests and counts older than
/// `LOCKOUT__MAX_SECS` without a failure, sources neither counting nor familiar).
pub fn sweep(
    conn: &mut DbConn,
    settings: &Settings,
    limits: &[&AddressLimit],
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let lockout = &settings.lockout;
    let stale_before = now - chrono::Duration::seconds(lockout.max_secs as i64);
    let familiar_since = now - chrono::Duration::days(i64::from(lockout.familiar_days));
    write_tx(conn, |c| {
        let mut removed = db::lockout::sweep(
            c,
            now - chrono::Duration::hours(1),
            stale_before,
            familiar_since,
        )?;
        for limit in limits {
            removed += limit.sweep(c, now)?;
        }
        Ok(removed)
    })
}
