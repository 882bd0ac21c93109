//! Account lockout (contract: "Throttling"): after `max_failures` consecutive failed
//! password checks — sign-in or a wrong current password — the account is locked for
//! `base_secs`, doubling per further lockout up to `max_secs`; a success resets both
//! counts. The state lives in the users table, so every instance enforces it.

use chrono::{Duration, NaiveDateTime};

use crate::config::LockoutSettings;
use crate::db::{self, audit::NewEvent, DbConn};
use crate::error::ApiError;

use super::Origin;

/// Reserves an attempt for `user_id`, or answers `account_locked` with the time left.
pub fn reserve(
    conn: &mut DbConn,
    user_id: &str,
    settings: &LockoutSettings,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if db::users::reserve_attempt(conn, user_id, now, settings.max_failures as i32)? {
        return Ok(());
    }
    let retry_after = db::users::locked_until(conn, user_id)?
        .map(|until| (until - now).num_seconds() + 1)
        .filter(|secs| *secs > 0)
        .unwrap_or(1);
    Err(ApiError::AccountLocked {
        retry_after: retry_after as u64,
    })
}

/// After a failed check: locks the account when this was the last allowed attempt.
/// Runs inside the caller's transaction, beside its audit event.
pub fn after_failure(
    conn: &mut DbConn,
    user_id: &str,
    settings: &LockoutSettings,
    now: NaiveDateTime,
    origin: &Origin,
) -> Result<(), ApiError> {
    let previous = db::users::lockout_count(conn, user_id)?;
    let until = now + lock_duration(settings, previous);
    if db::users::lock_if_exhausted(conn, user_id, settings.max_failures as i32, until)? {
        db::audit::record(
            conn,
            now,
            NewEvent::new("auth.locked")
                .target(user_id)
                .client_ip(origin.client_ip.clone())
                .details(serde_json::json!({ "locked_until": until.and_utc().to_rfc3339(), "lockout": previous + 1 })),
        )?;
    }
    Ok(())
}

/// `base · 2^previous`, capped at `max`.
pub fn lock_duration(settings: &LockoutSettings, previous_lockouts: i32) -> Duration {
    let factor = 1u64
        .checked_shl(previous_lockouts.clamp(0, 30) as u32)
        .unwrap_or(u64::MAX);
    let secs = settings
        .base_secs
        .saturating_mul(factor)
        .min(settings.max_secs);
    Duration::seconds(secs as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_doubles_up_to_the_cap() {
        let s = LockoutSettings::default();
        let secs: Vec<i64> = (0..9).map(|n| lock_duration(&s, n).num_seconds()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(lock_duration(&s, 1000).num_seconds(), 3600);
    }
}
