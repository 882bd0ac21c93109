//! Queries on the lockout tables (`lockout_sources`, `lockout_accounts`,
//! `lockout_unfamiliar`). The rules that use them are in `flows::lockout`; every write here
//! is a conditional statement, so concurrent attempts on any instance cannot overshoot.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::lockout_accounts::dsl as la;
use super::schema::lockout_sources::dsl as ls;
use super::schema::lockout_unfamiliar::dsl as lu;
use super::{DbConn, Result};

/// One account's counters for one source.
#[derive(Debug, Clone, Queryable)]
pub struct SourceRow {
    pub failures: i32,
    pub lockouts: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub last_failure_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
}

pub fn source(conn: &mut DbConn, key: &str, source: &str) -> Result<Option<SourceRow>> {
    let row = super::on_backend!(conn, |c| ls::lockout_sources
        .find((key, source))
        .select((
            ls::failures,
            ls::lockouts,
            ls::locked_until,
            ls::last_failure_at,
            ls::last_success_at,
        ))
        .get_result(c));
    Ok(row.optional()?)
}

/// Creates the source's row when it has none (no lock taken, nothing changed otherwise).
pub fn ensure_source(conn: &mut DbConn, key: &str, source: &str) -> Result<()> {
    let values = (ls::account_key.eq(key), ls::source.eq(source));
    super::on_backend!(conn, |c| diesel::insert_into(ls::lockout_sources)
        .values(values)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Forgets a count (and its doubling) after `stale_before` passed without a failure.
pub fn expire_source(
    conn: &mut DbConn,
    key: &str,
    source: &str,
    stale_before: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        ls::lockout_sources
            .find((key, source))
            .filter(ls::last_failure_at.le(stale_before))
            .filter(ls::failures.gt(0).or(ls::lockouts.gt(0))),
    )
    .set((
        ls::failures.eq(0),
        ls::lockouts.eq(0),
        ls::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Reserves one attempt: a single conditional UPDATE, so concurrent attempts are serialised
/// by the row and at most `max` are ever in the count. `false` when the source is locked or
/// its attempts are used up (by counted failures or by attempts still being checked).
pub fn reserve(
    conn: &mut DbConn,
    key: &str,
    source: &str,
    max: i32,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        ls::lockout_sources
            .find((key, source))
            .filter(ls::locked_until.is_null().or(ls::locked_until.le(now)))
            .filter(ls::failures.lt(max)),
    )
    .set((
        ls::failures.eq(ls::failures + 1),
        ls::last_failure_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives back a reserved attempt that does not count (never checked, or a repeat).
pub fn release(conn: &mut DbConn, key: &str, source: &str) -> Result<()> {
    diesel::update(
        ls::lockout_sources
            .find((key, source))
            .filter(ls::failures.gt(0)),
    )
    .set(ls::failures.eq(ls::failures - 1))
    .execute(conn)?;
    Ok(())
}

/// Locks the source when its failures reached `max`; `lockouts` is the value read before,
/// so of several failures finishing at once exactly one locks. Returns whether it did.
pub fn lock_if_exhausted(
    conn: &mut DbConn,
    key: &str,
    source: &str,
    max: i32,
    lockouts: i32,
    until: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        ls::lockout_sources
            .find((key, source))
            .filter(ls::failures.ge(max))
            .filter(ls::lockouts.eq(lockouts)),
    )
    .set((
        ls::locked_until.eq(Some(until)),
        ls::failures.eq(0),
        ls::lockouts.eq(ls::lockouts + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A success from the source: its count and doubling end, and it becomes familiar.
pub fn succeed(conn: &mut DbConn, key: &str, source: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(ls::lockout_sources.find((key, source)))
        .set((
            ls::failures.eq(0),
            ls::lockouts.eq(0),
            ls::locked_until.eq(None::<NaiveDateTime>),
            ls::last_success_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends every count of the account (reset, unlock); familiar sources stay familiar. The
/// account's row is locked before its sources', the order of every other writer.
pub fn clear_account(conn: &mut DbConn, key: &str) -> Result<()> {
    lock_account(conn, key)?;
    diesel::update(ls::lockout_sources.filter(ls::account_key.eq(key)))
        .set((
            ls::failures.eq(0),
            ls::lockouts.eq(0),
            ls::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::delete(lu::lockout_unfamiliar.filter(lu::account_key.eq(key))).execute(conn)?;
    diesel::delete(la::lockout_accounts.find(key)).execute(conn)?;
    Ok(())
}

/// Takes the account's row lock (creating the row), which serialises the writers of its
/// shared ceiling and digests on PostgreSQL (SQLite's write transaction is serialised
/// already). Always taken before any source row, so two writers cannot deadlock.
pub fn lock_account(conn: &mut DbConn, key: &str) -> Result<()> {
    super::on_backend!(conn, |c| diesel::insert_into(la::lockout_accounts)
        .values(la::account_key.eq(key))
        .on_conflict_do_nothing()
        .execute(c))?;
    diesel::update(la::lockout_accounts.find(key))
        .set(la::account_key.eq(la::account_key))
        .execute(conn)?;
    Ok(())
}

/// The stored digests and when the last was added (the account's row must exist).
pub fn digests(conn: &mut DbConn, key: &str) -> Result<Option<(String, Option<NaiveDateTime>)>> {
    let row = super::on_backend!(conn, |c| la::lockout_accounts
        .find(key)
        .select((la::digests, la::digests_seen_at))
        .get_result(c));
    Ok(row.optional()?)
}

pub fn set_digests(conn: &mut DbConn, key: &str, digests: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(la::lockout_accounts.find(key))
        .set((la::digests.eq(digests), la::digests_seen_at.eq(Some(now))))
        .execute(conn)?;
    Ok(())
}

/// How many sources are locked out of the account at `now`, and when the last of them
/// may try again.
pub fn locked_sources(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    let row = super::on_backend!(conn, |c| ls::lockout_sources
        .filter(ls::account_key.eq(key))
        .filter(ls::locked_until.gt(now))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(ls::locked_until)
        ))
        .get_result(c));
    Ok(row?)
}

/// Unfamiliar failures in the window since `since`, and the oldest of them.
pub fn unfamiliar_in_window(
    conn: &mut DbConn,
    key: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    let row = super::on_backend!(conn, |c| lu::lockout_unfamiliar
        .filter(lu::account_key.eq(key))
        .filter(lu::occurred_at.gt(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(lu::occurred_at)))
        .get_result(c));
    Ok(row?)
}

pub fn add_unfamiliar(conn: &mut DbConn, id: &str, key: &str, now: NaiveDateTime) -> Result<()> {
    diesel::insert_into(lu::lockout_unfamiliar)
        .values((
            lu::id.eq(id),
            lu::account_key.eq(key),
            lu::occurred_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn remove_unfamiliar(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(lu::lockout_unfamiliar.find(id)).execute(conn)?;
    Ok(())
}

/// Forgets what no rule reads any more: unfamiliar failures older than the window, digests
/// and counts past their life, sources neither counting nor familiar. Returns rows removed.
pub fn sweep(
    conn: &mut DbConn,
    window_start: NaiveDateTime,
    stale_before: NaiveDateTime,
    familiar_since: NaiveDateTime,
) -> Result<usize> {
    let mut removed =
        diesel::delete(lu::lockout_unfamiliar.filter(lu::occurred_at.le(window_start)))
            .execute(conn)?;
    removed += diesel::delete(
        la::lockout_accounts.filter(
            la::digests_seen_at
                .is_null()
                .or(la::digests_seen_at.le(stale_before)),
        ),
    )
    .execute(conn)?;
    removed += diesel::delete(
        ls::lockout_sources
            .filter(
                ls::last_failure_at
                    .is_null()
                    .or(ls::last_failure_at.le(stale_before)),
            )
            .filter(
                ls::last_success_at
                    .is_null()
                    .or(ls::last_success_at.le(familiar_since)),
            ),
    )
    .execute(conn)?;
    Ok(removed)
}
