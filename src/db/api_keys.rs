//! Queries on `api_keys`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_keys::dsl as k;
use super::schema::users::dsl as u;
use super::{DbConn, Result};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub public_id: String,
    pub name: String,
    pub roles: String,
    pub secret_hash: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ApiKeyRow) -> Result<()> {
    diesel::insert_into(k::api_keys).values(row).execute(conn)?;
    Ok(())
}

/// A key and, when `created_by` names a user, that user's roles and `disabled` flag: what
/// the key's authority rests on (contract: "a key never has more authority than its
/// creator has now"), read in the same query so the check costs no extra round trip.
#[derive(Debug, Clone)]
pub struct KeyWithCreator {
    pub key: ApiKeyRow,
    /// `(roles, disabled)` of the creating user; none when the creator is a key, the
    /// command line (`created_by` null), or a user that no longer exists.
    pub creator_user: Option<(String, bool)>,
}

/// One indexed point query per authenticated request, the creator joined in.
pub fn find_by_public_id(conn: &mut DbConn, public_id: &str) -> Result<Option<KeyWithCreator>> {
    let row = super::on_backend!(conn, |c| k::api_keys
        .left_join(u::users.on(u::id.nullable().eq(k::created_by)))
        .filter(k::public_id.eq(public_id))
        .select((ApiKeyRow::as_select(), (u::roles, u::disabled).nullable()))
        .get_result::<(ApiKeyRow, Option<(String, bool)>)>(c));
    Ok(row
        .optional()?
        .map(|(key, creator_user)| KeyWithCreator { key, creator_user }))
}

/// Like `find_by_public_id`, by key id: a link in a chain of keys made by keys.
pub fn find_with_creator(conn: &mut DbConn, id: &str) -> Result<Option<KeyWithCreator>> {
    let row = super::on_backend!(conn, |c| k::api_keys
        .left_join(u::users.on(u::id.nullable().eq(k::created_by)))
        .filter(k::id.eq(id))
        .select((ApiKeyRow::as_select(), (u::roles, u::disabled).nullable()))
        .get_result::<(ApiKeyRow, Option<(String, bool)>)>(c));
    Ok(row
        .optional()?
        .map(|(key, creator_user)| KeyWithCreator { key, creator_user }))
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ApiKeyRow>> {
    let row = super::on_backend!(conn, |c| k::api_keys
        .find(id)
        .select(ApiKeyRow::as_select())
        .get_result(c));
    Ok(row.optional()?)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<ApiKeyRow>> {
    Ok(k::api_keys
        .order(k::id.asc())
        .limit(10_000)
        .select(ApiKeyRow::as_select())
        .load(conn)?)
}

/// Returns whether a live key was revoked now.
pub fn revoke(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(k::api_keys.find(id).filter(k::revoked_at.is_null()))
        .set(k::revoked_at.eq(Some(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Records use, at most once per `every` (the caller checked the stored value already;
/// the condition keeps concurrent requests from all writing).
pub fn touch(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    every: chrono::Duration,
) -> Result<()> {
    diesel::update(
        k::api_keys.find(id).filter(
            k::last_used_at
                .is_null()
                .or(k::last_used_at.lt(now - every)),
        ),
    )
    .set(k::last_used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}
