//! Removing webhook rows nobody needs any more (see `webhooks::retention`). Each function
//! removes at most [`BATCH`] rows in two short statements — the ids, oldest first, then a
//! delete by id — and returns how many, so a sweep loops until a batch comes back short and
//! no statement holds the write lock for long. The ids are UUIDv7, so oldest first walks
//! the primary key from its start and stops at the batch's end instead of reading the
//! table. A selected row cannot change before its delete: what qualifies is settled, and a
//! settled row is never written again.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::webhook_attempts::dsl as wa;
use super::schema::webhook_deliveries::dsl as wd;
use super::schema::webhook_events::dsl as we;
use super::schema::webhooks::dsl as w;
use super::{DbConn, Result};

/// Rows removed by one statement at most.
pub const BATCH: i64 = 1000;

/// Attempts of the deliveries delivered or given up before `before` (so a delivery's log
/// goes whole, with it); an attempt of a delivery still owed stays, however old.
pub fn old_attempts(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let settled = wd::webhook_deliveries
        .filter(wd::delivered_at.lt(before).or(wd::failed_at.lt(before)))
        .select(wd::id);
    let ids: Vec<String> = wa::webhook_attempts
        // Implied (an attempt comes before its delivery settles); a cheap check first.
        .filter(wa::attempted_at.lt(before))
        .filter(wa::delivery_id.eq_any(settled))
        .order(wa::id.asc())
        .limit(BATCH)
        .select(wa::id)
        .load(conn)?;
    delete_attempts(conn, ids)
}

/// Attempts of an endpoint that no longer exists: one recorded by a delivery that was
/// under way while its endpoint was deleted (which removes the endpoint's attempts).
pub fn orphan_attempts(conn: &mut DbConn) -> Result<usize> {
    let ids: Vec<String> = wa::webhook_attempts
        .filter(wa::webhook_id.ne_all(w::webhooks.select(w::id)))
        .order(wa::id.asc())
        .limit(BATCH)
        .select(wa::id)
        .load(conn)?;
    delete_attempts(conn, ids)
}

fn delete_attempts(conn: &mut DbConn, ids: Vec<String>) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(wa::webhook_attempts.filter(wa::id.eq_any(ids))).execute(conn)?)
}

/// Deliveries delivered or given up before `before`.
pub fn settled_deliveries(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let ids: Vec<String> = wd::webhook_deliveries
        .filter(wd::delivered_at.lt(before).or(wd::failed_at.lt(before)))
        .order(wd::id.asc())
        .limit(BATCH)
        .select(wd::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(wd::webhook_deliveries.filter(wd::id.eq_any(ids))).execute(conn)?)
}

/// Events fanned out before `before` with no delivery left (each was removed as settled,
/// or with its endpoint). An event not yet fanned out is still owed and stays.
pub fn finished_events(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let ids: Vec<String> = we::webhook_events
        .filter(we::fanned_out_at.lt(before))
        .filter(we::id.ne_all(wd::webhook_deliveries.select(wd::event_id)))
        .order(we::id.asc())
        .limit(BATCH)
        .select(we::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(we::webhook_events.filter(we::id.eq_any(ids))).execute(conn)?)
}
