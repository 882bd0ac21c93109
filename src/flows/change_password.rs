//! Change your own password (`POST /v1/me/password`, and the hosted change-password page).
//!
//! Three steps: **verify** the current password (`credentials::check`, like a sign-in: a
//! wrong one counts toward the lockout), **check** the new one against the whole policy
//! including history and hash it, then **commit** in one transaction: the hash is
//! replaced, the security version bumped (every older access token → 401), every refresh
//! token revoked, `password_change_required` cleared and `password.changed` audited. The
//! API's caller gets a fresh session in that same transaction.

use chrono::NaiveDateTime;
use secrecy::SecretString;

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx, DbConn};
use crate::domain::{Email, RoleSet, UserId};
use crate::error::ApiError;
use crate::mail;
use crate::password;
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::credentials::{self, Account, Purpose, Verified};
use super::hash_error;
use super::lockout::{self, Reservation};
use super::passwords::{self, Presented};
use super::sessions::{self, TokenPair};
use super::ClientAddress;

/// `POST /v1/me/password`: the signed-in user changes their password and gets a fresh session.
pub async fn change_password(
    state: &AppState,
    user_id: UserId,
    current: &str,
    new: &str,
    origin: ClientAddress,
) -> Result<TokenPair, ApiError> {
    passwords::refuse_too_long(state, "new_password", new, Presented::New)?;
    let account = Account::Id(user_id);
    let verified = verify(state, account, current, Purpose::ChangePassword, &origin).await?;
    let hashed = check(state, &verified, new).await?;
    let ttl = state.settings.jwt.refresh_ttl_secs;
    let (after, refresh) = commit(state, verified, hashed, origin, ApiError::InvalidToken, {
        move |c, after, now| {
            // `None` only when the account was disabled meanwhile: undo the change.
            sessions::create_refresh_token(c, &after.id, after.security_version, None, now, ttl)?
                .ok_or(ApiError::InvalidToken)
        }
    })
    .await?;
    sessions::token_pair(
        state,
        &after.id,
        &RoleSet::from_db(&after.roles),
        after.security_version,
        false,
        refresh,
    )
}

/// The hosted change-password page: the user names their account by email (no token, no
/// new session). An unknown or disabled email is checked, counted and answered like a
/// wrong password (`invalid_credentials`), as at sign-in.
pub async fn change_password_with_email(
    state: &AppState,
    email: &str,
    current: &str,
    new: &str,
    origin: ClientAddress,
) -> Result<(), ApiError> {
    passwords::refuse_too_long(state, "new_password", new, Presented::New)?;
    let account = Account::Email(Email::parse(email).ok().map(|e| e.normalized()));
    let verified = verify(state, account, current, Purpose::HostedChange, &origin).await?;
    let hashed = check(state, &verified, new).await?;
    commit(
        state,
        verified,
        hashed,
        origin,
        ApiError::InvalidCredentials,
        |_, _, _| Ok(()),
    )
    .await
    .map(|_| ())
}

/// Step 1: the current password.
async fn verify(
    state: &AppState,
    account: Account,
    current: &str,
    purpose: Purpose,
    origin: &ClientAddress,
) -> Result<Verified, ApiError> {
    let now = state.clock.now();
    credentials::check(
        state,
        account,
        "current_password",
        current,
        purpose,
        origin,
        now,
    )
    .await
}

/// What step 2 hashed: the new password, and, when the current one was an imported hash,
/// the current password again as argon2id (the password history keeps that instead: no
/// imported hash outlives its first use).
struct Hashed {
    new: String,
    current: Option<(String, &'static str)>,
}

/// Step 2: the new password passes the policy and is hashed. A rejection still settles the
/// attempt as a success: the current password was right, so it must not count.
async fn check(state: &AppState, verified: &Verified, new: &str) -> Result<Hashed, ApiError> {
    let new: SecretString = password::normalize(new);
    let checked =
        match passwords::check_new_password(state, "new_password", &verified.user, &new).await {
            Ok(()) => hash_both(state, verified, new).await,
            Err(rejected) => Err(rejected),
        };
    if checked.is_err() {
        settle(state, verified.attempt.clone(), state.clock.now()).await?;
    }
    checked
}

async fn hash_both(
    state: &AppState,
    verified: &Verified,
    new: SecretString,
) -> Result<Hashed, ApiError> {
    let new = state.hasher.hash(new).await.map_err(hash_error)?;
    let current = match verified.legacy_scheme {
        Some(scheme) => {
            let phc = state.hasher.hash(verified.password.clone()).await;
            Some((phc.map_err(hash_error)?, scheme))
        }
        None => None,
    };
    Ok(Hashed { new, current })
}

/// Step 3: one transaction, re-reading the account under the write (it may have been
/// disabled while the new password was hashed → `gone`). `issue` runs last, inside the same
/// transaction, on the account as it now is.
async fn commit<T: Send + 'static>(
    state: &AppState,
    verified: Verified,
    hashed: Hashed,
    origin: ClientAddress,
    gone: ApiError,
    issue: impl FnOnce(&mut DbConn, &UserRow, NaiveDateTime) -> Result<T, ApiError> + Send + 'static,
) -> Result<(UserRow, T), ApiError> {
    let history = state.policy.history;
    let settings = state.settings.clone();
    let i18n = state.i18n.clone();
    let Verified {
        user: row, attempt, ..
    } = verified;
    let settled = attempt.clone();
    let clock = state.clock.clone();
    state.pauses.point("change_password.hashed").await;
    let committed = state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let live = db::users::lock_auth_state(c, &row.id)?.is_some_and(|s| !s.disabled);
                if !live {
                    return Err(gone);
                }
                let now = clock.now();
                let change = db::users::PasswordChange {
                    new_hash: Some(&hashed.new),
                    change_required: false,
                    expires_at: None,
                    now,
                };
                // The history receives the current password as argon2id when it was an
                // imported hash, re-hashed in step 2.
                let mut replaced = row.clone();
                if let Some((phc, _)) = &hashed.current {
                    replaced.password_hash = Some(phc.clone());
                }
                let expected = row.password_hash.as_deref();
                if !passwords::apply(c, history, &replaced, expected, &change)? {
                    // Someone changed the password between our check and this write.
                    return Err(ApiError::CurrentPasswordIncorrect);
                }
                if let Some((_, scheme)) = &hashed.current {
                    db::audit::record(c, now, super::sign_in::rehashed_event(row.id, scheme))?;
                }
                if let Some(attempt) = &attempt {
                    lockout::succeed(c, attempt, now)?;
                }
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("password.changed")
                        .actor(row.id)
                        .target(row.id)
                        .client_ip(origin.client_ip.clone())
                        .details(serde_json::json!({ "kind": "self" })),
                )?;
                webhooks::enqueue(
                    c,
                    &Event::of(&events::PasswordChanged {
                        user_id: row.id.to_string(),
                        kind: events::PasswordChangeKind::SelfService,
                        actor_id: Some(row.id.to_string()),
                    }),
                    now,
                )?;
                mail::queue_notice(
                    c,
                    &settings,
                    &i18n,
                    &row,
                    mail::ChangeKind::SelfService,
                    origin.client_ip.as_deref(),
                    now,
                )?;
                let after = db::users::find(c, &row.id)?.ok_or(ApiError::InvalidToken)?;
                let issued = issue(c, &after, now)?;
                Ok((after, issued))
            })
        })
        .await;
    match committed {
        Ok(done) => {
            state
                .metrics
                .password_changes_total
                .with_label_values(&["self"])
                .inc();
            state.webhook_wake.notify_one();
            Ok(done)
        }
        Err(e) => {
            // The password was right when checked; what overtook it is no guess. Best
            // effort: if this fails too, the attempt stays counted (the safe direction).
            if let Some(attempt) = settled {
                let _ = state
                    .db
                    .run(move |c| write_tx(c, |c| lockout::release(c, &attempt)))
                    .await;
            }
            Err(e)
        }
    }
}

async fn settle(
    state: &AppState,
    attempt: Option<Reservation>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let Some(attempt) = attempt else {
        return Ok(());
    };
    state
        .db
        .run(move |c| write_tx(c, |c| lockout::succeed(c, &attempt, now)))
        .await
}
