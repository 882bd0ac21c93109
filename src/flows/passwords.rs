//! What every way of setting a new password shares — self change, reset link, admin reset —
//! so the rules and the effects cannot drift apart between them.

use chrono::NaiveDateTime;
use secrecy::{ExposeSecret, SecretString};

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx, DbConn};
use crate::error::{ApiError, FieldError};
use crate::password::{Policy, PolicyInput};
use crate::state::AppState;

use super::hash_error;
use super::ClientAddress;

/// What a password is for, which decides how "too long" is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// A password being checked (sign-in, current password): no stored password can be
    /// that long, so the request is malformed (400 `validation_failed`).
    Current,
    /// A password to be set: it breaks the policy (422 `password_policy`).
    New,
}

/// The one "too long" rule: rejects a password over the maximum before anything else, and
/// before any hashing (a long input must not buy a long argon2 run).
pub fn refuse_too_long(
    state: &AppState,
    field: &str,
    password: &str,
    presented: Presented,
) -> Result<(), ApiError> {
    if !state.policy.is_too_long(password) {
        return Ok(());
    }
    let errors = vec![state.policy.too_long_error(field)];
    Err(match presented {
        Presented::Current => ApiError::Validation(errors),
        Presented::New => ApiError::PasswordPolicy(errors),
    })
}

/// The `breached` rule for a new (NFKC-normalised) password, when a breach source is
/// configured. Called outside any database closure: the range service is network I/O and
/// must never hold a connection while it answers. A failing service with fail-closed is 503.
pub async fn breached_error(
    state: &AppState,
    field: &str,
    normalized: &str,
) -> Result<Option<FieldError>, ApiError> {
    match state.breach.is_breached(normalized).await {
        Ok(true) => Ok(Some(Policy::breached_error(field))),
        Ok(false) => Ok(None),
        Err(_) => Err(ApiError::BreachServiceUnavailable),
    }
}

/// The policy's rules plus `breached`, for a password with no account history to compare
/// (admin `set`, create): every broken rule reported together as `password_policy`.
pub async fn check_without_history(
    state: &AppState,
    field: &str,
    input: PolicyInput<'_>,
) -> Result<(), ApiError> {
    let mut errors = state.policy.check(field, input).errors;
    if errors.iter().all(|e| e.code != "too_long") {
        errors.extend(breached_error(state, field, input.password).await?);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::PasswordPolicy(errors))
    }
}

/// Every policy rule for `user`'s new password, including `breached` and history: it may
/// not equal the current password nor the last `policy.history` ones (checked on the
/// hashing pool). All broken rules are reported together as `password_policy`.
pub async fn check_new_password(
    state: &AppState,
    field: &str,
    user: &UserRow,
    new: &SecretString,
) -> Result<(), ApiError> {
    let report = state.policy.check(
        field,
        PolicyInput {
            password: new.expose_secret(),
            email: Some(&user.email),
            display_name: user.display_name.as_deref(),
        },
    );
    let mut errors = report.errors;
    if errors.iter().all(|e| e.code != "too_long") {
        errors.extend(breached_error(state, field, new.expose_secret()).await?);
    }
    if errors.iter().all(|e| e.code != "too_long") && is_reused(state, user, new).await? {
        errors.push(FieldError::coded(field, "reused"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::PasswordPolicy(errors))
    }
}

/// The check at sign-in (`CHECK_BREACHED_AT_SIGN_IN`): after a correct password, when a
/// breach source knows it, the account must change it (the token is restricted) and
/// `password.breach_detected` is audited. A failing range service does not stop a sign-in
/// (the failure is counted): the check is about detection, and refusing every sign-in while
/// a mirror is down would turn its outage into passgate's.
pub async fn flag_if_breached(
    state: &AppState,
    mut user: UserRow,
    password: &SecretString,
    origin: &ClientAddress,
) -> Result<UserRow, ApiError> {
    if !state.settings.policy.check_breached_at_sign_in
        || user.password_change_required
        || !matches!(
            state.breach.is_breached(password.expose_secret()).await,
            Ok(true)
        )
    {
        return Ok(user);
    }
    let (id, security_version) = (user.id, user.security_version);
    let client_ip = origin.client_ip.clone();
    let clock = state.clock.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |c| -> db::Result<_> {
                let now = clock.now();
                if db::users::require_password_change(c, &id, security_version, now)? {
                    db::audit::record(
                        c,
                        now,
                        NewEvent::new("password.breach_detected")
                            .actor(id)
                            .target(id)
                            .client_ip(client_ip)
                            .details(serde_json::json!({ "at": "sign_in" })),
                    )?;
                }
                Ok(())
            })
        })
        .await?;
    user.password_change_required = true;
    Ok(user)
}

async fn is_reused(state: &AppState, user: &UserRow, new: &SecretString) -> Result<bool, ApiError> {
    let id = user.id;
    let depth = state.policy.history;
    let mut hashes = state
        .db
        .run(move |c| db::password_history::recent(c, &id, depth))
        .await?;
    hashes.extend(user.password_hash.clone());
    let checks = hashes
        .into_iter()
        .map(|phc| state.hasher.verify(new.clone(), phc));
    for result in futures_util::future::join_all(checks).await {
        if result.map_err(hash_error)?.matches {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The effects of a new password, inside the caller's transaction: the old hash goes to
/// history, the new one (or none) is stored, the security version is bumped (every earlier
/// access token dies), every refresh token is revoked and every outstanding reset token is
/// voided. (Resets also clear the account's lockout, `lockout::clear_account`; a self-service
/// change settles only its own source's attempt.)
/// With `expected_hash`, returns false (and changes nothing) if the password changed meanwhile.
pub fn apply(
    conn: &mut DbConn,
    state_history: usize,
    user: &UserRow,
    expected_hash: Option<&str>,
    change: &db::users::PasswordChange<'_>,
) -> Result<bool, ApiError> {
    if !db::users::set_password(conn, &user.id, expected_hash, change)? {
        return Ok(false);
    }
    // Only passgate's own argon2id goes to the history: a hash imported from another
    // system is never kept past the change that replaces it.
    let own = crate::password::own::is_own_hash;
    if let Some(old) = user.password_hash.as_deref().filter(|old| own(old)) {
        db::password_history::push(conn, &user.id, old, state_history, change.now)?;
    }
    db::refresh_tokens::revoke_all_for_user(conn, &user.id, change.now)?;
    db::reset_tokens::void_all(conn, &user.id, change.now)?;
    Ok(true)
}

pub fn temporary_expiry(
    state: &AppState,
    change_required: bool,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    change_required.then(|| {
        now + chrono::Duration::seconds(state.settings.admin.temporary_password_ttl_secs as i64)
    })
}
