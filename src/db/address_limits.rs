//! Queries on `address_limits`: a fixed window of hits per scope and client address, shared
//! by every instance. The rule is in `crate::throttle`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::address_limits::dsl as al;
use super::{DbConn, Result};

/// The window's start and hits for `address`, if it has a row.
pub fn current(
    conn: &mut DbConn,
    scope: &str,
    address: &str,
) -> Result<Option<(NaiveDateTime, i32)>> {
    let row = super::on_backend!(conn, |c| al::address_limits
        .find((scope, address))
        .select((al::window_start, al::hits))
        .get_result(c));
    Ok(row.optional()?)
}

/// Counts one hit when the window has room: a row is created for a new address, a window
/// that began at or before `expired_before` starts again at `now`, and the increment is one
/// conditional UPDATE, so concurrent hits on any instance never pass `max`.
pub fn hit(
    conn: &mut DbConn,
    scope: &str,
    address: &str,
    max: i32,
    now: NaiveDateTime,
    expired_before: NaiveDateTime,
) -> Result<bool> {
    let values = (
        al::scope.eq(scope),
        al::address.eq(address),
        al::window_start.eq(now),
        al::hits.eq(0),
    );
    super::on_backend!(conn, |c| diesel::insert_into(al::address_limits)
        .values(values)
        .on_conflict_do_nothing()
        .execute(c))?;
    diesel::update(
        al::address_limits
            .find((scope, address))
            .filter(al::window_start.le(expired_before)),
    )
    .set((al::window_start.eq(now), al::hits.eq(0)))
    .execute(conn)?;
    let changed = diesel::update(
        al::address_limits
            .find((scope, address))
            .filter(al::hits.lt(max)),
    )
    .set(al::hits.eq(al::hits + 1))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Forgets the scope's windows that began at or before `expired_before` (ended ones).
pub fn sweep(conn: &mut DbConn, scope: &str, expired_before: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(
        al::address_limits
            .filter(al::scope.eq(scope))
            .filter(al::window_start.le(expired_before)),
    )
    .execute(conn)?)
}
