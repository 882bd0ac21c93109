//! Queries on `password_reset_tokens`. Only SHA-256 digests are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_reset_tokens::dsl as rt;
use super::{DbConn, Result};
use crate::domain::UserId;

#[derive(Debug, Clone, Queryable)]
pub struct LiveToken {
    pub id: String,
    pub user_id: UserId,
    pub expires_at: NaiveDateTime,
}

/// A token that can still be used: not used, not voided, not expired.
pub fn find_live(conn: &mut DbConn, digest: &str, now: NaiveDateTime) -> Result<Option<LiveToken>> {
    let row = super::on_backend!(conn, |c| rt::password_reset_tokens
        .filter(rt::token_hash.eq(digest))
        .filter(rt::used_at.is_null())
        .filter(rt::voided_at.is_null())
        .filter(rt::expires_at.gt(now))
        .select((rt::id, rt::user_id, rt::expires_at))
        .get_result(c));
    Ok(row.optional()?)
}

/// Creates a token for `user_id`, voiding every earlier one (one live token per user).
pub fn replace(
    conn: &mut DbConn,
    user_id: &UserId,
    digest: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<()> {
    void_all(conn, user_id, now)?;
    diesel::insert_into(rt::password_reset_tokens)
        .values((
            rt::id.eq(uuid::Uuid::now_v7().to_string()),
            rt::user_id.eq(user_id),
            rt::token_hash.eq(digest),
            rt::created_at.eq(now),
            rt::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Consumes a token. One conditional UPDATE checked by its row count, so of many
/// concurrent confirms with one token exactly one gets `true` (no read-then-write window).
pub fn consume(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(
        rt::password_reset_tokens
            .find(id)
            .filter(rt::used_at.is_null())
            .filter(rt::voided_at.is_null())
            .filter(rt::expires_at.gt(now)),
    )
    .set(rt::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn void_all(conn: &mut DbConn, user_id: &UserId, now: NaiveDateTime) -> Result<()> {
    diesel::update(
        rt::password_reset_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::used_at.is_null())
            .filter(rt::voided_at.is_null()),
    )
    .set(rt::voided_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}
