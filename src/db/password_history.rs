//! Queries on `password_history`: earlier password hashes, newest first, kept only as deep
//! as the policy's history setting needs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_history::dsl as ph;
use super::{DbConn, Result};
use crate::domain::UserId;

pub fn recent(conn: &mut DbConn, user_id: &UserId, depth: usize) -> Result<Vec<String>> {
    if depth == 0 {
        return Ok(Vec::new());
    }
    Ok(ph::password_history
        .filter(ph::user_id.eq(user_id))
        .order(ph::id.desc())
        .limit(depth as i64)
        .select(ph::password_hash)
        .load(conn)?)
}

/// Records a replaced hash and forgets those beyond `depth`.
pub fn push(
    conn: &mut DbConn,
    user_id: &UserId,
    hash: &str,
    depth: usize,
    now: NaiveDateTime,
) -> Result<()> {
    if depth == 0 {
        diesel::delete(ph::password_history.filter(ph::user_id.eq(user_id))).execute(conn)?;
        return Ok(());
    }
    diesel::insert_into(ph::password_history)
        .values((
            ph::id.eq(uuid::Uuid::now_v7().to_string()),
            ph::user_id.eq(user_id),
            ph::password_hash.eq(hash),
            ph::created_at.eq(now),
        ))
        .execute(conn)?;
    let stale: Vec<String> = ph::password_history
        .filter(ph::user_id.eq(user_id))
        .order(ph::id.desc())
        .offset(depth as i64)
        .limit(1000)
        .select(ph::id)
        .load(conn)?;
    if !stale.is_empty() {
        diesel::delete(ph::password_history.filter(ph::id.eq_any(stale))).execute(conn)?;
    }
    Ok(())
}
