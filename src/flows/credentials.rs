//! The credential check, written once for every place a password is presented: sign-in,
//! `POST /v1/me/password` and the hosted change-password page.
//!
//! Reserve an attempt (the lockout, keyed by the normalised email whether or not the
//! account exists) → verify against the real hash, or against a stand-in when there is
//! nothing real to check (unknown, disabled, no password, expired temporary password), so
//! every case costs one argon2 verification → on a full hashing queue give the attempt
//! back → on a wrong password record the failure and its audit event in one transaction.
//! The stored hash may be one imported from another system (`password::legacy`): it is
//! verified here too, on the same pool, and `Verified::legacy_scheme` tells the caller to
//! replace it.
//! The answer and the work done do not tell whether the account exists; with
//! `PASSGATE__HASHING__FAILURE_FLOOR_MS`, neither does the time a failure takes when some
//! imported hashes cost more than the stand-in.

use chrono::NaiveDateTime;
use secrecy::SecretString;

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx};
use crate::domain::UserId;
use crate::error::ApiError;
use crate::password;
use crate::state::AppState;

use super::hash_error;
use super::lockout::{self, Failure, Reservation};
use super::passwords::{self, Presented};
use super::ClientAddress;

/// Whose password is presented.
#[derive(Debug, Clone)]
pub enum Account {
    /// By normalised email; `None` when the input is no email at all (nothing to look up).
    Email(Option<String>),
    /// The authenticated caller.
    Id(UserId),
}

/// Where the password is presented: decides the answer to a wrong one and its audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    /// `POST /v1/me/password`.
    ChangePassword,
    /// The hosted `/change-password` page.
    HostedChange,
}

impl Purpose {
    fn wrong(self) -> ApiError {
        match self {
            Purpose::SignIn | Purpose::HostedChange => ApiError::InvalidCredentials,
            Purpose::ChangePassword => ApiError::CurrentPasswordIncorrect,
        }
    }
}

/// A password that matched: the account, the normalised password (for a re-hash or the
/// breach check), and the attempt the caller settles in its own transaction
/// (`lockout::succeed`, or `lockout::release` when the result is thrown away).
pub struct Verified {
    pub user: UserRow,
    pub password: SecretString,
    pub needs_rehash: bool,
    /// The scheme of an imported hash that matched: the caller replaces it with argon2id in
    /// its transaction and audits `password.rehashed` (contract: "Import and export").
    pub legacy_scheme: Option<&'static str>,
    pub attempt: Option<Reservation>,
}

/// Checks `presented` for `account` (contract: "Throttling", and "Sign-in and sessions":
/// no enumeration). A wrong password answers `invalid_credentials` (or
/// `current_password_incorrect` for `/v1/me/password`); a locked source `account_locked`.
pub async fn check(
    state: &AppState,
    account: Account,
    field: &str,
    presented: &str,
    purpose: Purpose,
    origin: &ClientAddress,
    now: NaiveDateTime,
) -> Result<Verified, ApiError> {
    let began = tokio::time::Instant::now();
    passwords::refuse_too_long(state, field, presented, Presented::Current)?;
    let password = password::normalize(presented);
    // Whoever the account, a full hashing queue answers the same 503 before any lookup.
    state.hasher.admit().map_err(hash_error)?;

    let settings = state.settings.lockout.clone();
    let source = lockout::source_of(origin.client_ip.as_deref());
    let found = state
        .db
        .run(move |c| {
            let (user, key) = match account {
                Account::Email(key) => {
                    let user = match &key {
                        Some(k) => db::users::find_by_email(c, k)?,
                        None => None,
                    };
                    (user, key)
                }
                Account::Id(id) => {
                    let user = db::users::find(c, &id)?.ok_or(ApiError::InvalidToken)?;
                    let key = Some(user.email_normalized.clone());
                    (Some(user), key)
                }
            };
            let attempt = match &key {
                Some(k) => Some(lockout::reserve(c, k, &source, &settings, now)?),
                None => None,
            };
            Ok((user, key, attempt))
        })
        .await;
    let (user, key, attempt) = match found {
        Err(e @ ApiError::AccountLocked { .. }) => {
            count(state, purpose, "locked");
            return Err(e);
        }
        other => other?,
    };
    // Where parallel attempts hold their reservations (the limit counts them already).
    state.pauses.point("credentials.reserved").await;

    let checkable = user.as_ref().filter(|u| {
        !u.disabled
            && u.password_hash.is_some()
            && u.password_expires_at.is_none_or(|expiry| expiry > now)
    });
    let phc = checkable
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    // One verification whatever the account: an imported hash is checked with its own
    // scheme on the same pool (see SECURITY.md on what its timing shows).
    let as_typed = SecretString::from(presented.to_owned());
    let verification = match state
        .hasher
        .verify_presented(password.clone(), as_typed, phc)
        .await
    {
        Ok(v) => v,
        Err(e) => {
            if let Some(attempt) = attempt {
                // Never checked, so no guess: the attempt is given back.
                state
                    .db
                    .run(move |c| write_tx(c, |c| lockout::release(c, &attempt)))
                    .await?;
            }
            return Err(hash_error(e));
        }
    };
    if verification.matches {
        if let Some(user) = checkable {
            return Ok(Verified {
                user: user.clone(),
                password,
                needs_rehash: verification.needs_rehash,
                legacy_scheme: verification.legacy_scheme,
                attempt,
            });
        }
    }

    count(state, purpose, "failed");
    let reason = match &user {
        None => "unknown_account",
        Some(u) if u.disabled => "disabled",
        Some(u) if u.password_expires_at.is_some_and(|t| t <= now) => "temporary_password_expired",
        Some(_) => "wrong_password",
    };
    let digest = key.map(|k| state.digest_key.digest(&k, &password));
    let settings = state.settings.lockout.clone();
    let target = user.map(|u| u.id);
    let client_ip = origin.client_ip.clone();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let failure = match (&attempt, &digest) {
                    (Some(attempt), Some(digest)) => Some(lockout::record_failure(
                        c,
                        attempt,
                        digest,
                        target.as_ref(),
                        &settings,
                        now,
                        client_ip.as_deref(),
                    )?),
                    _ => None,
                };
                let repeated = failure == Some(Failure::Repeated);
                Ok(db::audit::record(
                    c,
                    now,
                    failure_event(purpose, target, client_ip, reason, repeated),
                )?)
            })
        })
        .await?;
    // An imported hash costlier than one argon2id verification fails slower than an unknown
    // address (checked against the stand-in): with the floor set, every failure waits until
    // the costliest has had its time. On a timer, so the wait holds no hashing thread.
    let floor = state.settings.hashing.failure_floor_ms;
    if floor > 0 {
        tokio::time::sleep_until(began + std::time::Duration::from_millis(floor)).await;
    }
    Err(purpose.wrong())
}

fn failure_event(
    purpose: Purpose,
    target: Option<UserId>,
    client_ip: Option<String>,
    reason: &str,
    repeated: bool,
) -> NewEvent {
    let mut event = match purpose {
        Purpose::SignIn => NewEvent::new("auth.sign_in_failed")
            .details(serde_json::json!({ "reason": reason, "repeated": repeated })),
        Purpose::ChangePassword => NewEvent::new("password.changed").details(serde_json::json!({
            "kind": "self",
            "reason": "current_password_incorrect",
            "repeated": repeated,
        })),
        Purpose::HostedChange => NewEvent::new("password.changed").details(serde_json::json!({
            "kind": "self",
            "via": "page",
            "reason": reason,
            "repeated": repeated,
        })),
    }
    .failure()
    .client_ip(client_ip);
    if let Some(id) = target {
        if purpose == Purpose::ChangePassword {
            event = event.actor(id);
        }
        event = event.target(id);
    }
    event
}

fn count(state: &AppState, purpose: Purpose, outcome: &str) {
    if purpose == Purpose::SignIn {
        state
            .metrics
            .sign_ins_total
            .with_label_values(&[outcome])
            .inc();
    }
}
