//! Smart lockout (contract: "Throttling"). Failures are counted per account and per source
//! (the client address; a whole /64 for IPv6): a source that reaches `max_failures` for an
//! account is locked out of it for `base_secs`, doubling per further lockout up to
//! `max_secs`, while the owner signing in from elsewhere gets in. Sources without a success
//! in the last `familiar_days` share a ceiling of `unfamiliar_max_failures_per_hour` per
//! sliding hour. A wrong password repeated counts once (keyed digests, `password::digest`).
//!
//! Everything is keyed by the normalised email, never by whether the account exists, and
//! lives in the database, so every instance enforces the same limits. An attempt is
//! reserved (counted) before the password is checked, so parallel attempts never exceed a
//! limit; it is released when it turns out not to count. A source already refused is
//! refused by reads alone, so a flood of locked attempts writes nothing.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use crate::config::LockoutSettings;
use crate::db::{self, audit::NewEvent, write_tx, DbConn};
use crate::domain::UserId;
use crate::error::ApiError;
use crate::password::digest;
use crate::webhooks::{self, events, Event};

/// How many wrong-password digests an account keeps.
const DIGESTS_KEPT: usize = 3;

/// The sliding window of the unfamiliar ceiling.
const HOUR: i64 = 3600;

/// An attempt counted before its password is checked; settled by `succeed`, `release` or
/// `record_failure`.
#[derive(Debug, Clone)]
pub struct Reservation {
    pub key: String,
    pub source: String,
    /// The attempt's entry in the unfamiliar ceiling, when the source is unfamiliar.
    unfamiliar: Option<String>,
}

/// What a failure did to the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Counted,
    /// The same wrong password as one of the last few: not counted again.
    Repeated,
    /// This failure locked the source out of the account.
    Locked,
}

/// The source an address belongs to: IPv4 addresses (also IPv4-mapped IPv6) alone, IPv6
/// by their /64, which one host can usually choose freely within.
pub fn source_of(client_ip: Option<&str>) -> String {
    match client_ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        None => "unknown".into(),
    }
}

/// Reserves an attempt of `source` on the account `key`, or answers `account_locked` with
/// the time until the source may try again.
pub fn reserve(
    conn: &mut DbConn,
    key: &str,
    source: &str,
    settings: &LockoutSettings,
    now: NaiveDateTime,
) -> Result<Reservation, ApiError> {
    // Reads first: a source that is refused anyway is refused without a write transaction.
    let row = db::lockout::source(conn, key, source)?;
    let familiar = row
        .as_ref()
        .and_then(|r| r.last_success_at)
        .is_some_and(|t| t > now - Duration::days(i64::from(settings.familiar_days)));
    if let Some(until) = row
        .as_ref()
        .filter(|r| {
            r.last_failure_at
                .is_some_and(|t| t > stale_before(settings, now))
        })
        .and_then(|r| r.locked_until)
        .filter(|until| *until > now)
    {
        return Err(locked(until, now));
    }
    if !familiar {
        refuse_over_ceiling(conn, key, settings, now)?;
    }
    write_tx(conn, |c| {
        let mut unfamiliar = None;
        if !familiar {
            db::lockout::lock_account(c, key)?;
            refuse_over_ceiling(c, key, settings, now)?;
            let id = uuid::Uuid::now_v7().to_string();
            db::lockout::add_unfamiliar(c, &id, key, now)?;
            unfamiliar = Some(id);
        }
        db::lockout::ensure_source(c, key, source)?;
        db::lockout::expire_source(c, key, source, stale_before(settings, now))?;
        let max = i32::try_from(settings.max_failures).unwrap_or(i32::MAX);
        if !db::lockout::reserve(c, key, source, max, now)? {
            // Locked, or the last attempts are being checked right now. Returning the error
            // rolls back the ceiling entry above.
            let until = db::lockout::source(c, key, source)?
                .and_then(|r| r.locked_until)
                .filter(|until| *until > now);
            return Err(
                until.map_or(ApiError::AccountLocked { retry_after: 1 }, |until| {
                    locked(until, now)
                }),
            );
        }
        Ok(Reservation {
            key: key.to_owned(),
            source: source.to_owned(),
            unfamiliar,
        })
    })
}

/// Gives back an attempt that does not count (the password was never checked, or it was
/// right against a state that has since changed). Inside the caller's transaction.
pub fn release(conn: &mut DbConn, attempt: &Reservation) -> Result<(), ApiError> {
    db::lockout::release(conn, &attempt.key, &attempt.source)?;
    if let Some(id) = &attempt.unfamiliar {
        db::lockout::remove_unfamiliar(conn, id)?;
    }
    Ok(())
}

/// The right password from the source: its count and doubling end and it becomes familiar.
pub fn succeed(
    conn: &mut DbConn,
    attempt: &Reservation,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    db::lockout::succeed(conn, &attempt.key, &attempt.source, now)?;
    if let Some(id) = &attempt.unfamiliar {
        db::lockout::remove_unfamiliar(conn, id)?;
    }
    Ok(())
}

/// A wrong password (`digest` is its keyed digest): counted unless it repeats one of the
/// last few; the source is locked when this was its last allowed attempt, and `auth.locked`
/// audited (with the source). Inside the caller's transaction, beside its audit event.
pub fn record_failure(
    conn: &mut DbConn,
    attempt: &Reservation,
    digest: &str,
    target: Option<&UserId>,
    settings: &LockoutSettings,
    now: NaiveDateTime,
    client_ip: Option<&str>,
) -> Result<Failure, ApiError> {
    // The account's row before the source's, as in `reserve` (lock order).
    db::lockout::lock_account(conn, &attempt.key)?;
    let (stored, seen) = db::lockout::digests(conn, &attempt.key)?.unwrap_or_default();
    let live = seen.is_some_and(|t| t > stale_before(settings, now));
    let stored = if live { stored } else { String::new() };
    if digest::contains(&stored, digest) {
        release(conn, attempt)?;
        return Ok(Failure::Repeated);
    }
    db::lockout::set_digests(
        conn,
        &attempt.key,
        &digest::push(&stored, digest, DIGESTS_KEPT),
        now,
    )?;
    let lockouts =
        db::lockout::source(conn, &attempt.key, &attempt.source)?.map_or(0, |r| r.lockouts);
    let until = now + lock_duration(settings, lockouts);
    let max = i32::try_from(settings.max_failures).unwrap_or(i32::MAX);
    if !db::lockout::lock_if_exhausted(conn, &attempt.key, &attempt.source, max, lockouts, until)? {
        return Ok(Failure::Counted);
    }
    // Only for a real account; a stand-in of the same size for an address that names none.
    let locked = |id: &UserId| {
        Event::of(&events::UserLocked {
            user_id: id.to_string(),
            until: until.and_utc(),
            source: attempt.source.clone(),
            lockout: lockouts + 1,
        })
    };
    let real = target.map(locked);
    webhooks::enqueue_or_stand_in(conn, real.as_ref(), &locked(&UserId::NIL), now)?;
    let mut event = NewEvent::new("auth.locked")
        .client_ip(client_ip.map(str::to_owned))
        .details(serde_json::json!({
            "source": attempt.source,
            "locked_until": until.and_utc().to_rfc3339(),
            "lockout": lockouts + 1,
        }));
    if let Some(id) = target {
        event = event.target(*id);
    }
    db::audit::record(conn, now, event)?;
    Ok(Failure::Locked)
}

/// Ends every count of the account (a completed reset, an admin unlock, the break-glass
/// command). Familiar sources stay familiar.
pub fn clear_account(conn: &mut DbConn, key: &str) -> Result<(), ApiError> {
    Ok(db::lockout::clear_account(conn, key)?)
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

/// A count whose last failure is at or before this is over (with its doubling).
fn stale_before(settings: &LockoutSettings, now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::seconds(settings.max_secs as i64)
}

/// `account_locked` while the account's unfamiliar failures of the last hour are at the
/// ceiling, until the oldest of them is an hour old.
/// An account's lockout as an admin sees it (the console's user page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountLockout {
    /// Sources locked out of the account now.
    pub locked_sources: i64,
    /// When the last locked source may try again.
    pub until: Option<NaiveDateTime>,
    /// The shared ceiling of unfamiliar sources is reached: new places are refused until
    /// this time.
    pub unfamiliar_refused_until: Option<NaiveDateTime>,
}

impl AccountLockout {
    pub fn is_locked(&self) -> bool {
        self.locked_sources > 0 || self.unfamiliar_refused_until.is_some()
    }
}

/// Reads the account's lockout at `now` (two reads, nothing written).
pub fn account_lockout(
    conn: &mut DbConn,
    key: &str,
    settings: &LockoutSettings,
    now: NaiveDateTime,
) -> Result<AccountLockout, ApiError> {
    let (locked_sources, until) = db::lockout::locked_sources(conn, key, now)?;
    let since = now - Duration::seconds(HOUR);
    let (count, oldest) = db::lockout::unfamiliar_in_window(conn, key, since)?;
    let unfamiliar_refused_until = (count >= i64::from(settings.unfamiliar_max_failures_per_hour))
        .then(|| oldest.map_or(now, |t| t + Duration::seconds(HOUR)));
    Ok(AccountLockout {
        locked_sources,
        until,
        unfamiliar_refused_until,
    })
}

fn refuse_over_ceiling(
    conn: &mut DbConn,
    key: &str,
    settings: &LockoutSettings,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let since = now - Duration::seconds(HOUR);
    let (count, oldest) = db::lockout::unfamiliar_in_window(conn, key, since)?;
    if count < i64::from(settings.unfamiliar_max_failures_per_hour) {
        return Ok(());
    }
    let frees_at = oldest.map_or(now, |t| t + Duration::seconds(HOUR));
    Err(locked(frees_at, now))
}

fn locked(until: NaiveDateTime, now: NaiveDateTime) -> ApiError {
    // Rounded up: a client that waits exactly this long is let in.
    let millis = (until - now).num_milliseconds().max(0);
    ApiError::AccountLocked {
        retry_after: ((millis + 999) / 1000).max(1) as u64,
    }
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

    #[test]
    fn sources_are_addresses_or_ipv6_networks() {
        assert_eq!(source_of(Some("203.0.113.9")), "203.0.113.9");
        assert_eq!(
            source_of(Some("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            source_of(Some("2001:db8:1:2::1")),
            source_of(Some("2001:db8:1:2:ffff::9"))
        );
        assert_eq!(source_of(Some("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(source_of(None), "unknown");
    }
}
