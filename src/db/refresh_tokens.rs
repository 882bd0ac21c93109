//! Queries on `refresh_tokens`. Tokens are stored only as SHA-256 hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::RefreshTokenRow;
use super::schema::refresh_tokens::dsl as rt;
use super::{DbConn, Result};
use crate::domain::UserId;

pub fn insert(conn: &mut DbConn, row: &RefreshTokenRow) -> Result<()> {
    diesel::insert_into(rt::refresh_tokens)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> Result<Option<RefreshTokenRow>> {
    let row = super::on_backend!(conn, |c| rt::refresh_tokens
        .filter(rt::token_hash.eq(hash))
        .select(RefreshTokenRow::as_select())
        .get_result(c));
    Ok(row.optional()?)
}

/// Marks a token used. Conditional, so of two concurrent refreshes with one token exactly
/// one sees `true`; the other is treated as reuse.
pub fn mark_rotated(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(
        rt::refresh_tokens
            .find(id)
            .filter(rt::rotated_at.is_null())
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::rotated_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn revoke_family(conn: &mut DbConn, family: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::family_id.eq(family))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

pub fn revoke_all_for_user(conn: &mut DbConn, user_id: &UserId, now: NaiveDateTime) -> Result<()> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}
