//! The authenticated caller and what a route requires of it. Routes declare their
//! requirement once, in their signature (`Authenticated<Admin>`); the extractor
//! (`http::bearer`) checks, in order: a valid token or API key (401), the security version
//! and account state (401), then [`authorize`]: the `password_change` scope (403
//! `password_change_required`) and the role (403 `forbidden`). A flow that writes calls
//! [`still_authorized`] inside its transaction, so the caller's authority is taken again at
//! the moment of the write.

use std::marker::PhantomData;

use chrono::NaiveDateTime;

use crate::db::{self, DbConn};
use crate::domain::{Role, RoleSet, UserId};
use crate::error::ApiError;

use super::api_key;

/// Who is calling, once every check has passed.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id, or the API key's id: the actor in audit events.
    pub id: String,
    pub roles: RoleSet,
    /// The token only allows changing the password.
    pub restricted: bool,
    pub kind: CallerKind,
    /// The token's `sv` claim (none for API keys): the security version the caller's
    /// authority was granted under, compared again by [`still_authorized`].
    pub security_version: Option<i64>,
}

impl Caller {
    /// The calling user's id; none for an API key.
    pub fn user_id(&self) -> Option<UserId> {
        match self.kind {
            CallerKind::User(id) => Some(id),
            CallerKind::ApiKey => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// Parsed once, where the token was verified.
    User(UserId),
    ApiKey,
}

/// What a route requires of its caller.
pub trait Requirement {
    /// Whether a `password_change`-scoped token is enough.
    const ALLOWS_RESTRICTED: bool = false;
    /// Whether an API key may call the route (not the `/v1/me` ones: a key is not a person).
    const ALLOWS_API_KEY: bool = true;
    fn permits(roles: &RoleSet) -> bool;
}

/// Any signed-in user with a full token.
pub struct AnyUser;
/// The caller's own account (`/v1/me`): restricted tokens are accepted.
pub struct SelfService;
/// `password_admin` or `admin`.
pub struct PasswordAdmin;
/// `admin` only.
pub struct Admin;

impl Requirement for AnyUser {
    fn permits(_: &RoleSet) -> bool {
        true
    }
}

impl Requirement for SelfService {
    const ALLOWS_RESTRICTED: bool = true;
    const ALLOWS_API_KEY: bool = false;
    fn permits(_: &RoleSet) -> bool {
        true
    }
}

impl Requirement for PasswordAdmin {
    fn permits(roles: &RoleSet) -> bool {
        roles.contains(Role::PasswordAdmin) || roles.contains(Role::Admin)
    }
}

impl Requirement for Admin {
    fn permits(roles: &RoleSet) -> bool {
        roles.contains(Role::Admin)
    }
}

pub struct Authenticated<R: Requirement>(pub Caller, PhantomData<R>);

impl<R: Requirement> std::ops::Deref for Authenticated<R> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// The scope and role checks, the same for tokens and API keys.
pub fn authorize<R: Requirement>(caller: Caller) -> Result<Authenticated<R>, ApiError> {
    if caller.restricted && !R::ALLOWS_RESTRICTED {
        return Err(ApiError::PasswordChangeRequired);
    }
    if !R::permits(&caller.roles) {
        return Err(ApiError::Forbidden(
            crate::i18n::ids::PROBLEM_DETAIL_ROLE.into(),
        ));
    }
    Ok(Authenticated(caller, PhantomData))
}

/// Takes the caller's authority again inside a write transaction (contract, "Roles":
/// decisions hold at the moment of the write). The extractor checked the caller when the
/// request arrived; a slow request (hashing, a bulk reset, a pause) can reach its write after
/// the caller was demoted, disabled, reset or revoked, and this refuses the write then.
///
/// - A user: the row still exists, is enabled, its `security_version` still equals the
///   token's `sv` (a password change or reset, a role change and a disable all bump it),
///   and it still holds every role the token claims.
/// - An API key: still unrevoked and unexpired, and its creator's authority still covers
///   it (see `auth::api_key::authority_holds`).
///
/// Fails with 401 `invalid_token`, the answer the caller would get on its next request.
///
/// Call it first in the transaction, before the flow reads or locks anything else:
///
/// ```ignore
/// state.db.run(move |c| write_tx(c, |c| {
///     auth::still_authorized(c, &caller, clock.now())?;
///     let target = db::users::find(c, &id)?.ok_or(ApiError::NotFound)?;
///     // … the decision that depends on caller and target, then the writes
/// })).await
/// ```
///
/// On SQLite `write_tx` already holds the database's write lock. On PostgreSQL this takes a
/// transaction-scoped advisory lock first, so every write that calls it runs one at a time
/// and reads what the one before it committed: two admins demoting each other, or a
/// demotion racing a key's write, are serialised instead of both passing their checks.
/// (That is also why it must come first: waiting for the lock while holding a row lock that
/// another holder of the lock wants would deadlock.) Only writes that call it are ordered by
/// the lock: a change of authority made without a caller (the command line, a user's own
/// password change or reset) is seen if it committed before this read.
///
/// `now` is read from the state's clock inside the transaction (a key may expire).
pub fn still_authorized(
    conn: &mut DbConn,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    db::users::lock_authority(conn)?;
    let holds = match caller.kind {
        CallerKind::User(id) => db::users::find(conn, &id)?.is_some_and(|row| {
            let held = RoleSet::from_db(&row.roles);
            !row.disabled
                && Some(row.security_version) == caller.security_version
                && Role::ALL
                    .into_iter()
                    .all(|r| !caller.roles.contains(r) || held.contains(r))
        }),
        CallerKind::ApiKey => api_key::still_valid(conn, &caller.id, now)?,
    };
    if holds {
        Ok(())
    } else {
        Err(ApiError::InvalidToken)
    }
}
