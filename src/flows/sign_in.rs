//! Sign-in (`POST /v1/auth/token`).
//!
//! No user enumeration: an unknown email, a wrong password, a disabled account and an
//! expired temporary password all answer `invalid_credentials` and are counted by the
//! lockout alike (the check is `credentials::check`, shared with the password changes).

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx};
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
    succeed(state, user, rehash, attempt, origin).await
}

/// The password's new argon2id hash, and the imported scheme it replaces.
struct Rehash {
    phc: String,
    legacy_scheme: Option<&'static str>,
}

async fn succeed(
    state: &AppState,
    user: UserRow,
    rehash: Option<Rehash>,
    attempt: Option<Reservation>,
    origin: ClientAddress,
) -> Result<sessions::TokenPair, ApiError> {
    let ttl = state.settings.jwt.refresh_ttl_secs;
    let id = user.id;
    let version = user.security_version;
    let old_hash = user.password_hash.clone().unwrap_or_default();
    let clock = state.clock.clone();
    let refresh = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| -> Result<_, ApiError> {
                let now = clock.now();
                let Some(refresh) =
                    sessions::create_refresh_token(c, &id, version, None, now, ttl)?
                else {
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
                        .details(serde_json::json!({ "rehashed": rehash.is_some() })),
                )?;
                Ok(Some(refresh))
            })
        })
        .await?;
    let Some(refresh) = refresh else {
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
    // Signed with the version the refresh token was stored under.
    sessions::token_pair(
        state,
        &user.id,
        &RoleSet::from_db(&user.roles),
        version,
        user.password_change_required,
        refresh,
    )
}

/// `password.rehashed`: an imported hash replaced by argon2id at its first use. Names the
/// old scheme, never the hash.
pub(crate) fn rehashed_event(id: crate::domain::UserId, scheme: &str) -> NewEvent {
    NewEvent::new("password.rehashed")
        .actor(id)
        .target(id)
        .details(serde_json::json!({ "from": scheme, "to": "argon2id" }))
}
