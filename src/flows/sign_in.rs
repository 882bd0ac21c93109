//! Sign-in (`POST /v1/auth/token`).
//!
//! No user enumeration: an unknown email, a wrong password, a disabled account and an
//! expired temporary password all answer `invalid_credentials` and are counted by the
//! lockout alike (the check is `credentials::check`, shared with the password changes).

use chrono::NaiveDateTime;

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx, DbConn};
use crate::domain::{Email, Parsed, RoleSet};
use crate::error::ApiError;
use crate::state::AppState;

use super::credentials::{self, Account, Purpose, Verified};
use super::lockout::{self, Reservation};
use super::{accept, passwords, sessions, ClientAddress};

pub async fn sign_in(
    state: &AppState,
    email: Parsed<Email>,
    password: &str,
    origin: ClientAddress,
) -> Result<sessions::TokenPair, ApiError> {
    let ttl = state.settings.jwt.refresh_ttl_secs;
    let (user, refresh) = sign_in_issuing(
        state,
        email,
        password,
        origin,
        Channel::Api,
        move |c, user, now| {
            Ok(sessions::create_refresh_token(
                c,
                &user.id,
                user.security_version,
                None,
                now,
                ttl,
            )?)
        },
    )
    .await?;
    // Signed with the version the refresh token was stored under.
    sessions::token_pair(
        state,
        &user.id,
        &RoleSet::from_db(&user.roles),
        user.security_version,
        user.password_change_required,
        refresh,
    )
}

/// Where a sign-in comes from, named in its audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `POST /v1/auth/token`.
    Api,
    /// The admin console's sign-in form (`POST /admin/sign-in`).
    Console,
}

/// What a successful sign-in issues, written inside its transaction: a refresh token, a
/// console session. `None` when the state the password was checked against has been
/// replaced meanwhile (a reset, role change or disable: the issuer re-reads it under lock),
/// and the sign-in then fails as superseded, storing nothing.
pub type Issue<T> =
    dyn FnOnce(&mut DbConn, &UserRow, NaiveDateTime) -> Result<Option<T>, ApiError> + Send;

/// The sign-in, whatever it issues: every rule of `sign_in` (lockout, one answer for every
/// failure, the breach flag, the re-hash, the audit event) in one place, so the admin
/// console's sign-in is this one and not a second implementation. Returns the account as
/// it was when the password matched, and what `issue` made.
pub async fn sign_in_issuing<T: Send + 'static>(
    state: &AppState,
    email: Parsed<Email>,
    password: &str,
    origin: ClientAddress,
    channel: Channel,
    issue: impl FnOnce(&mut DbConn, &UserRow, NaiveDateTime) -> Result<Option<T>, ApiError>
        + Send
        + 'static,
) -> Result<(UserRow, T), ApiError> {
    passwords::refuse_too_long(state, "password", password, passwords::Presented::Current)?;
    let mut errors = Vec::new();
    let email = accept("email", email, &mut errors).ok_or(ApiError::Validation(errors))?;
    let Verified {
        user,
        password,
        needs_rehash,
        legacy_scheme,
        attempt,
    } = credentials::check(
        state,
        Account::Email(Some(email.normalized())),
        "password",
        password,
        Purpose::SignIn,
        &origin,
        state.clock.now(),
    )
    .await?;
    let user = passwords::flag_if_breached(state, user, &password, &origin).await?;
    let rehash = if needs_rehash {
        // Best effort: a full queue must not fail a correct sign-in (an imported hash then
        // stays until the next one).
        state
            .hasher
            .hash(password)
            .await
            .ok()
            .map(|phc| Rehash { phc, legacy_scheme })
    } else {
        None
    };
    // Where a reset or role change can slip in between the check and the write.
    state.pauses.point("sign_in.verified").await;
    succeed(
        state,
        user,
        rehash,
        attempt,
        origin,
        channel,
        Box::new(issue),
    )
    .await
}

/// The password's new argon2id hash, and the imported scheme it replaces.
struct Rehash {
    phc: String,
    legacy_scheme: Option<&'static str>,
}

async fn succeed<T: Send + 'static>(
    state: &AppState,
    user: UserRow,
    rehash: Option<Rehash>,
    attempt: Option<Reservation>,
    origin: ClientAddress,
    channel: Channel,
    issue: Box<Issue<T>>,
) -> Result<(UserRow, T), ApiError> {
    let id = user.id;
    let old_hash = user.password_hash.clone().unwrap_or_default();
    let clock = state.clock.clone();
    let checked = user.clone();
    let issued = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| -> Result<_, ApiError> {
                let now = clock.now();
                let Some(issued) = issue(c, &checked, now)? else {
                    // The password was checked against a state a reset, role change or
                    // disable has replaced. It was right then, so it is no guess: the
                    // reserved attempt is given back instead of counted.
                    if let Some(attempt) = &attempt {
                        lockout::release(c, attempt)?;
                    }
                    db::audit::record(
                        c,
                        now,
                        NewEvent::new("auth.sign_in_failed")
                            .failure()
                            .target(id)
                            .client_ip(origin.client_ip)
                            .details(serde_json::json!({ "reason": "superseded" })),
                    )?;
                    return Ok(None);
                };
                if let Some(attempt) = &attempt {
                    lockout::succeed(c, attempt, now)?;
                }
                db::users::record_sign_in(c, &id, now)?;
                if let Some(new) = &rehash {
                    let replaced =
                        db::users::replace_hash_if_unchanged(c, &id, &old_hash, &new.phc)?;
                    if let (true, Some(scheme)) = (replaced, new.legacy_scheme) {
                        db::audit::record(c, now, rehashed_event(id, scheme))?;
                    }
                }
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("auth.sign_in")
                        .actor(id)
                        .target(id)
                        .client_ip(origin.client_ip)
                        .details(sign_in_details(rehash.is_some(), channel)),
                )?;
                Ok(Some(issued))
            })
        })
        .await?;
    let Some(issued) = issued else {
        state
            .metrics
            .sign_ins_total
            .with_label_values(&["failed"])
            .inc();
        return Err(ApiError::InvalidCredentials);
    };
    state
        .metrics
        .sign_ins_total
        .with_label_values(&["success"])
        .inc();
    Ok((user, issued))
}

/// `auth.sign_in`'s details: the console's sign-ins say so (the API's stay as they were).
fn sign_in_details(rehashed: bool, channel: Channel) -> serde_json::Value {
    match channel {
        Channel::Api => serde_json::json!({ "rehashed": rehashed }),
        Channel::Console => serde_json::json!({ "rehashed": rehashed, "channel": "console" }),
    }
}

/// `password.rehashed`: an imported hash replaced by argon2id at its first use. Names the
/// old scheme, never the hash.
pub(crate) fn rehashed_event(id: crate::domain::UserId, scheme: &str) -> NewEvent {
    NewEvent::new("password.rehashed")
        .actor(id)
        .target(id)
        .details(serde_json::json!({ "from": scheme, "to": "argon2id" }))
}
