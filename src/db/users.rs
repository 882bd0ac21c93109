//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{AuthState, NewUser, UserRow};
use super::schema::users::dsl as u;
use super::{like_pattern, DbConn, Result};
use crate::domain::UserId;

/// [`super::Error::Unique`] when the email is taken.
pub fn insert(conn: &mut DbConn, user: &NewUser) -> Result<()> {
    diesel::insert_into(u::users).values(user).execute(conn)?;
    Ok(())
}

/// A user by id.
pub fn find(conn: &mut DbConn, id: &UserId) -> Result<Option<UserRow>> {
    let row = super::on_backend!(conn, |c| u::users
        .find(id)
        .select(UserRow::as_select())
        .get_result(c));
    Ok(row.optional()?)
}

/// Users by id, in one query; ids naming no user are left out.
pub fn find_many(conn: &mut DbConn, ids: &[UserId]) -> Result<Vec<UserRow>> {
    Ok(u::users
        .select(UserRow::as_select())
        .filter(u::id.eq_any(ids))
        .load(conn)?)
}

/// A user read inside the transaction that acts on it, for decisions that depend on the
/// row (who may reset whom, the last-admin rule). On PostgreSQL the row stays locked until
/// commit: a concurrent role change or disable either waits for this transaction or has
/// committed before the read and is seen by it. SQLite's write transactions are serialised
/// already (`write_tx` takes the write lock first).
pub fn find_for_update(conn: &mut DbConn, id: &UserId) -> Result<Option<UserRow>> {
    let row = match conn {
        DbConn::Pg(c) => u::users
            .find(id)
            .select(UserRow::as_select())
            .for_update()
            .get_result(c),
        DbConn::Sqlite(c) => u::users.find(id).select(UserRow::as_select()).get_result(c),
    };
    Ok(row.optional()?)
}

/// Serialises, on PostgreSQL, every transaction whose decision depends on who holds which
/// authority: writes made by a caller (see `auth::still_authorized`, which takes it first)
/// and every change that can take the admin role or an enabled state away from someone. Each
/// then reads what the one before it committed, so two admins demoting each other, or a
/// demotion racing a write of the demoted caller, are ordered instead of both passing their
/// checks. A transaction-scoped advisory lock, released at commit or rollback; taking it
/// again in the same transaction is a no-op. Take it before any row lock (waiting for it
/// while holding a row another holder wants would deadlock). SQLite needs none: `write_tx`
/// holds the database's write lock already.
pub fn lock_authority(conn: &mut DbConn) -> Result<()> {
    if let DbConn::Pg(c) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            c,
            &format!("SELECT pg_advisory_xact_lock({AUTHORITY_LOCK_KEY})"),
        )?;
    }
    Ok(())
}

/// Any value distinct from the migration lock's, the same on every instance.
const AUTHORITY_LOCK_KEY: i64 = 0x7067_6175_7468_6f72; // "pgauthor"

/// Enabled users holding `admin`, for the last-admin rule.
pub fn count_enabled_admins(conn: &mut DbConn) -> Result<i64> {
    let role = "admin";
    Ok(u::users
        .filter(u::disabled.eq(false))
        .filter(
            u::roles
                .eq(role)
                .or(u::roles.like(format!("{role},%")))
                .or(u::roles.like(format!("%,{role}")))
                .or(u::roles.like(format!("%,{role},%"))),
        )
        .count()
        .get_result(conn)?)
}

/// `find_by_email` for a write that depends on the row (an import's upsert): on
/// PostgreSQL the row stays locked until the transaction ends.
pub fn find_by_email_for_update(conn: &mut DbConn, normalized: &str) -> Result<Option<UserRow>> {
    let row = match conn {
        DbConn::Pg(c) => u::users
            .filter(u::email_normalized.eq(normalized))
            .select(UserRow::as_select())
            .for_update()
            .get_result(c),
        DbConn::Sqlite(c) => u::users
            .filter(u::email_normalized.eq(normalized))
            .select(UserRow::as_select())
            .get_result(c),
    };
    Ok(row.optional()?)
}

/// Inserts unless the email is taken; returns whether the row was inserted. Never fails on
/// the unique email, so a PostgreSQL transaction carrying other rows is not aborted.
pub fn insert_if_absent(conn: &mut DbConn, user: &NewUser) -> Result<bool> {
    let inserted = super::on_backend!(conn, |c| diesel::insert_into(u::users)
        .values(user)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Sets or clears the required password change without changing the password.
pub fn set_change_required(
    conn: &mut DbConn,
    id: &UserId,
    required: bool,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(u::users.find(id))
        .set((
            u::password_change_required.eq(required),
            u::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_email(conn: &mut DbConn, normalized: &str) -> Result<Option<UserRow>> {
    let row = super::on_backend!(conn, |c| u::users
        .filter(u::email_normalized.eq(normalized))
        .select(UserRow::as_select())
        .get_result(c));
    Ok(row.optional()?)
}

/// The point lookup every authenticated request makes (see `http::bearer`).
pub fn auth_state(conn: &mut DbConn, id: &UserId) -> Result<Option<AuthState>> {
    let row = super::on_backend!(conn, |c| u::users
        .find(id)
        .select((u::security_version, u::disabled))
        .get_result::<AuthState>(c));
    Ok(row.optional()?)
}

/// `auth_state` for a write transaction that depends on it. On PostgreSQL the row stays
/// locked until the transaction ends, so a password, role or disabled change cannot commit
/// between this read and the transaction's writes; on SQLite `write_tx` already holds the
/// database's write lock.
pub fn lock_auth_state(conn: &mut DbConn, id: &UserId) -> Result<Option<AuthState>> {
    let query = u::users.find(id).select((u::security_version, u::disabled));
    let row = match conn {
        DbConn::Sqlite(c) => query.get_result::<AuthState>(c),
        DbConn::Pg(c) => query.for_update().get_result::<AuthState>(c),
    };
    Ok(row.optional()?)
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub q: Option<String>,
    pub role: Option<&'static str>,
    pub after_id: Option<String>,
    pub limit: i64,
}

/// Users in id (creation) order after the cursor; `limit + 1` rows so the caller can tell
/// whether another page exists.
pub fn list(conn: &mut DbConn, filter: &ListFilter) -> Result<Vec<UserRow>> {
    let mut query = u::users.select(UserRow::as_select()).into_boxed();
    if let Some(q) = &filter.q {
        let pattern = like_pattern(&q.to_lowercase());
        query = query.filter(
            u::email_normalized
                .like(pattern.clone())
                .escape('\\')
                .or(lower(u::display_name).like(pattern).escape('\\')),
        );
    }
    if let Some(role) = filter.role {
        query = query.filter(
            u::roles
                .eq(role)
                .or(u::roles.like(format!("{role},%")))
                .or(u::roles.like(format!("%,{role}")))
                .or(u::roles.like(format!("%,{role},%"))),
        );
    }
    if let Some(after) = &filter.after_id {
        query = query.filter(u::id.gt(after.clone()));
    }
    Ok(query
        .order(u::id.asc())
        .limit(filter.limit + 1)
        .load(conn)?)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = super::schema::users)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub roles: Option<String>,
    pub disabled: Option<bool>,
    /// `Some(None)` clears the language.
    pub locale: Option<Option<String>>,
}

pub fn update_profile(
    conn: &mut DbConn,
    id: &UserId,
    change: &ProfileChange,
    bump_security_version: bool,
    now: NaiveDateTime,
) -> Result<()> {
    let target = u::users.find(id);
    if change.display_name.is_some()
        || change.roles.is_some()
        || change.disabled.is_some()
        || change.locale.is_some()
    {
        diesel::update(target).set(change).execute(conn)?;
    }
    if bump_security_version {
        diesel::update(target)
            .set(u::security_version.eq(u::security_version + 1))
            .execute(conn)?;
    }
    diesel::update(target)
        .set(u::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Records the time of a successful sign-in.
pub fn record_sign_in(conn: &mut DbConn, id: &UserId, now: NaiveDateTime) -> Result<()> {
    diesel::update(u::users.find(id))
        .set(u::last_sign_in_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Stores a re-hash of the same password (new parameters, or argon2id in place of an
/// imported scheme); nothing else changes. Returns whether the row still had `old_hash`.
pub fn replace_hash_if_unchanged(
    conn: &mut DbConn,
    id: &UserId,
    old_hash: &str,
    new_hash: &str,
) -> Result<bool> {
    let changed = diesel::update(u::users.find(id).filter(u::password_hash.eq(old_hash)))
        .set(u::password_hash.eq(new_hash))
        .execute(conn)?;
    Ok(changed == 1)
}

/// What a password change writes on the user row.
pub struct PasswordChange<'a> {
    pub new_hash: Option<&'a str>,
    pub change_required: bool,
    pub expires_at: Option<NaiveDateTime>,
    pub now: NaiveDateTime,
}

/// Stores a new password (or none), bumps the security version so every earlier token
/// dies. With `expected_hash`, only if the stored hash is still that
/// one, so two concurrent changes cannot both succeed; returns whether the row changed.
pub fn set_password(
    conn: &mut DbConn,
    id: &UserId,
    expected_hash: Option<&str>,
    change: &PasswordChange<'_>,
) -> Result<bool> {
    let values = (
        u::password_hash.eq(change.new_hash),
        u::password_changed_at.eq(Some(change.now)),
        u::password_change_required.eq(change.change_required),
        u::password_expires_at.eq(change.expires_at),
        u::security_version.eq(u::security_version + 1),
        u::updated_at.eq(change.now),
    );
    let changed = match expected_hash {
        Some(old) => diesel::update(u::users.find(id).filter(u::password_hash.eq(old)))
            .set(values)
            .execute(conn)?,
        None => diesel::update(u::users.find(id))
            .set(values)
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Requires a password change at the next use of the account (a breach source now knows its
/// password); returns whether the flag was newly set.
pub fn require_password_change(
    conn: &mut DbConn,
    id: &UserId,
    security_version: i64,
    now: NaiveDateTime,
) -> Result<bool> {
    // Only on the password that was checked: a change or reset since then (a new security
    // version) replaced it, and the new one must not be marked.
    let changed = diesel::update(
        u::users
            .find(id)
            .filter(u::security_version.eq(security_version))
            .filter(u::password_change_required.eq(false)),
    )
    .set((u::password_change_required.eq(true), u::updated_at.eq(now)))
    .execute(conn)?;
    Ok(changed == 1)
}
