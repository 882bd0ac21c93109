//! Sign-in (`POST /v1/auth/token`).
//!
//! No user enumeration: an unknown email, a wrong password, a disabled account and an
//! expired temporary password all answer `invalid_credentials`, and each spends one argon2
//! verification (against a dummy hash when there is nothing real to check), so the time
//! taken does not tell them apart either.

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx};
use crate::domain::{Email, Parsed, RoleSet};
use crate::error::ApiError;
use crate::password;
use crate::state::AppState;

use super::{accept, hash_error, lockout, passwords, sessions, Origin};

pub async fn sign_in(
    state: &AppState,
    email: Parsed<Email>,
    password: &str,
    origin: Origin,
) -> Result<sessions::TokenPair, ApiError> {
    if state.policy.is_too_long(password) {
        return Err(ApiError::Validation(vec![state
            .policy
            .too_long_error("password")]));
    }
    let password = password::normalize(password);
    let mut errors = Vec::new();
    let email = accept("email", email, &mut errors).ok_or(ApiError::Validation(errors))?;
    let normalized = email.normalized();
    let lockout_settings = state.settings.lockout.clone();
    let clock = state.clock.clone();
    // Whoever the account, a full hashing queue answers the same 503 before any lookup.
    state.hasher.admit().map_err(hash_error)?;

    // Find the account and, when it can sign in at all, reserve an attempt before checking.
    let found = state
        .db
        .run(move |conn| {
            let Some(user) = db::users::find_by_email(conn, &normalized)? else {
                return Ok(None);
            };
            if !user.disabled {
                lockout::reserve(conn, &user.id, &lockout_settings, clock.now())?;
            }
            Ok(Some(user))
        })
        .await;
    let user = match found {
        Err(e @ ApiError::AccountLocked { .. }) => {
            state
                .metrics
                .sign_ins_total
                .with_label_values(&["locked"])
                .inc();
            return Err(e);
        }
        other => other?,
    };

    let now = state.clock.now();
    let checkable = user.as_ref().filter(|u| {
        !u.disabled
            && u.password_hash.is_some()
            && u.password_expires_at.is_none_or(|expiry| expiry > now)
    });
    let phc = checkable
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    let verification = match state.hasher.verify(password.clone(), phc).await {
        Ok(v) => v,
        Err(e) => {
            if let Some(u) = user.as_ref().filter(|u| !u.disabled) {
                let id = u.id.clone();
                state
                    .db
                    .run(move |c| db::users::release_attempt(c, &id))
                    .await?;
            }
            return Err(hash_error(e));
        }
    };

    match checkable {
        Some(u) if verification.matches => {
            let u = &passwords::flag_if_breached(state, u.clone(), &password, &origin).await?;
            let rehash = if verification.needs_rehash {
                // Best effort: a full queue must not fail a correct sign-in.
                state.hasher.hash(password).await.ok()
            } else {
                None
            };
            // Where a reset or role change can slip in between the check and the write.
            state.pauses.point("sign_in.verified").await;
            succeed(state, u.clone(), rehash, origin).await
        }
        _ => {
            fail(state, user, origin).await?;
            Err(ApiError::InvalidCredentials)
        }
    }
}

async fn succeed(
    state: &AppState,
    user: UserRow,
    rehash: Option<String>,
    origin: Origin,
) -> Result<sessions::TokenPair, ApiError> {
    let ttl = state.settings.jwt.refresh_ttl_secs;
    let id = user.id.clone();
    let version = user.security_version;
    let old_hash = user.password_hash.clone().unwrap_or_default();
    let clock = state.clock.clone();
    let refresh = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                let now = clock.now();
                let Some(refresh) =
                    sessions::create_refresh_token(c, &id, version, None, now, ttl)?
                else {
                    // The password was checked against a state a reset, role change or
                    // disable has replaced. It was right then, so it is no guess: the
                    // reserved attempt is given back instead of counted.
                    db::users::release_attempt(c, &id)?;
                    db::audit::record(
                        c,
                        now,
                        NewEvent::new("auth.sign_in_failed")
                            .failure()
                            .target(id.as_str())
                            .client_ip(origin.client_ip)
                            .details(serde_json::json!({ "reason": "superseded" })),
                    )?;
                    return Ok(None);
                };
                db::users::record_sign_in(c, &id, now)?;
                if let Some(new_hash) = &rehash {
                    db::users::replace_hash_if_unchanged(c, &id, &old_hash, new_hash)?;
                }
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("auth.sign_in")
                        .actor(id.as_str())
                        .target(id.as_str())
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

async fn fail(state: &AppState, user: Option<UserRow>, origin: Origin) -> Result<(), ApiError> {
    state
        .metrics
        .sign_ins_total
        .with_label_values(&["failed"])
        .inc();
    let lockout_settings = state.settings.lockout.clone();
    let clock = state.clock.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                let now = clock.now();
                let (target, reason) = match &user {
                    None => (None, "unknown_account"),
                    Some(u) if u.disabled => (Some(u.id.clone()), "disabled"),
                    Some(u) => {
                        lockout::after_failure(c, &u.id, &lockout_settings, now, &origin)?;
                        let expired = u.password_expires_at.is_some_and(|t| t <= now);
                        (
                            Some(u.id.clone()),
                            if expired {
                                "temporary_password_expired"
                            } else {
                                "wrong_password"
                            },
                        )
                    }
                };
                let mut event = NewEvent::new("auth.sign_in_failed")
                    .failure()
                    .client_ip(origin.client_ip.clone())
                    .details(serde_json::json!({ "reason": reason }));
                if let Some(t) = target {
                    event = event.target(t);
                }
                db::audit::record(c, now, event)
            })
        })
        .await
}
