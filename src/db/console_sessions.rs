//! Queries on `console_sessions`: the admin console's server-side sessions. The cookie's
//! secret is stored only as its SHA-256 digest (`auth::opaque::digest`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::UserRow;
use super::schema::console_sessions::dsl as cs;
use super::schema::users;
use super::{DbConn, Result};
use crate::domain::UserId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::console_sessions)]
pub struct ConsoleSessionRow {
    pub id: String,
    pub user_id: UserId,
    pub token_hash: String,
    /// The user's security version when the session was made; it ends once that changes.
    pub security_version: i64,
    pub created_at: NaiveDateTime,
    /// The last request seen (to within the flow's touch interval): the idle timeout's start.
    pub last_seen_at: NaiveDateTime,
    /// The absolute end, whatever the activity.
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ConsoleSessionRow) -> Result<()> {
    diesel::insert_into(cs::console_sessions)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A session by its digest, with its user: one indexed point query per console request.
pub fn find_with_user(
    conn: &mut DbConn,
    hash: &str,
) -> Result<Option<(ConsoleSessionRow, UserRow)>> {
    let row = super::on_backend!(conn, |c| cs::console_sessions
        .inner_join(users::table)
        .filter(cs::token_hash.eq(hash))
        .select((ConsoleSessionRow::as_select(), UserRow::as_select()))
        .get_result(c));
    Ok(row.optional()?)
}

/// Moves the idle timeout's start. Only a live row is touched: a session ended meanwhile
/// (sign-out, sweep) stays ended.
pub fn touch(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(cs::console_sessions.find(id))
        .set(cs::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(cs::console_sessions.find(id)).execute(conn)?;
    Ok(())
}

pub fn delete_by_hash(conn: &mut DbConn, hash: &str) -> Result<usize> {
    Ok(diesel::delete(cs::console_sessions.filter(cs::token_hash.eq(hash))).execute(conn)?)
}

/// Removes every session that has ended by time: idle since before `idle_before`, or past
/// its absolute end. Returns how many.
pub fn sweep(conn: &mut DbConn, idle_before: NaiveDateTime, now: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(
        cs::console_sessions.filter(cs::last_seen_at.le(idle_before).or(cs::expires_at.le(now))),
    )
    .execute(conn)?)
}

/// `sweep` for one user's sessions (at each sign-in, so a user's rows never pile up between
/// sweeps).
pub fn sweep_user(
    conn: &mut DbConn,
    user_id: &UserId,
    idle_before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize> {
    Ok(diesel::delete(
        cs::console_sessions
            .filter(cs::user_id.eq(user_id))
            .filter(cs::last_seen_at.le(idle_before).or(cs::expires_at.le(now))),
    )
    .execute(conn)?)
}
