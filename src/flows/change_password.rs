//! Change your own password (`POST /v1/me/password`).
//!
//! The current password is verified like a sign-in (a wrong one counts toward the lockout),
//! the new one passes the whole policy including history, and then — in one transaction —
//! the hash is replaced, the security version bumped (every older access token → 401),
//! every refresh token revoked, `password_change_required` cleared and `password.changed`
//! audited. The caller gets a fresh session.

use crate::db::{self, audit::NewEvent, write_tx};
use crate::domain::{Email, RoleSet};
use crate::error::ApiError;
use crate::mail;
use crate::password;
use crate::state::AppState;

use super::hash_error;
use super::sessions::{self, TokenPair};
use super::{lockout, passwords, Origin};

/// `POST /v1/me/password`: the signed-in user changes their password and gets a fresh session.
pub async fn change_password(
    state: &AppState,
    user_id: &str,
    current: &str,
    new: &str,
    origin: Origin,
) -> Result<TokenPair, ApiError> {
    let pair = change(state, Account::Id(user_id), current, new, origin, true).await?;
    pair.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no session issued")))
}

/// The hosted change-password page: the user names their account by email (no token, no
/// new session). An unknown or disabled email spends the same verification and answers
/// `invalid_credentials`, like sign-in.
pub async fn change_password_with_email(
    state: &AppState,
    email: &str,
    current: &str,
    new: &str,
    origin: Origin,
) -> Result<(), ApiError> {
    change(state, Account::Email(email), current, new, origin, false)
        .await
        .map(|_| ())
}

enum Account<'a> {
    Id(&'a str),
    Email(&'a str),
}

async fn change(
    state: &AppState,
    account: Account<'_>,
    current: &str,
    new: &str,
    origin: Origin,
    issue_session: bool,
) -> Result<Option<TokenPair>, ApiError> {
    passwords::refuse_too_long(state, "new_password", new)?;
    if state.policy.is_too_long(current) {
        return Err(ApiError::validation(
            "current_password",
            "too_long",
            "is longer than any password can be",
        ));
    }
    let current = password::normalize(current);
    let new = password::normalize(new);

    let lookup = match account {
        Account::Id(id) => Ok(id.to_owned()),
        Account::Email(raw) => Email::parse(raw).map(|e| e.normalized()).map_err(|_| ()),
    };
    let by_email = matches!(account, Account::Email(_));
    let lockout_settings = state.settings.lockout.clone();
    let clock = state.clock.clone();
    state.hasher.admit().map_err(hash_error)?;
    let user = state
        .db
        .run(move |c| {
            let user = match &lookup {
                Ok(key) if by_email => db::users::find_by_email(c, key)?,
                Ok(id) => Some(db::users::find(c, id)?.ok_or(ApiError::InvalidToken)?),
                Err(()) => None,
            };
            match user {
                Some(user) if !user.disabled => {
                    lockout::reserve(c, &user.id, &lockout_settings, clock.now())?;
                    Ok(Some(user))
                }
                _ => Ok(None),
            }
        })
        .await?;
    let Some(user) = user else {
        // No such (active) account: cost the same as a real check, answer like sign-in.
        state
            .hasher
            .verify(current, state.dummy_hash.clone())
            .await
            .map_err(hash_error)?;
        return Err(ApiError::InvalidCredentials);
    };

    let now = state.clock.now();
    let checkable = user
        .password_hash
        .clone()
        .filter(|_| user.password_expires_at.is_none_or(|t| t > now));
    let phc = checkable
        .clone()
        .unwrap_or_else(|| state.dummy_hash.clone());
    let verification = match state.hasher.verify(current, phc).await {
        Ok(v) => v,
        Err(e) => {
            let id = user.id.clone();
            state
                .db
                .run(move |c| db::users::release_attempt(c, &id))
                .await?;
            return Err(hash_error(e));
        }
    };
    if checkable.is_none() || !verification.matches {
        let (id, lockout_settings, origin, clock) = (
            user.id.clone(),
            state.settings.lockout.clone(),
            origin.clone(),
            state.clock.clone(),
        );
        state
            .db
            .run(move |c| {
                write_tx(c, |c| {
                    let now = clock.now();
                    lockout::after_failure(c, &id, &lockout_settings, now, &origin)?;
                    db::audit::record(
                        c,
                        now,
                        NewEvent::new("password.changed")
                            .failure()
                            .actor(id.as_str())
                            .target(id.as_str())
                            .client_ip(origin.client_ip.clone())
                            .details(serde_json::json!({ "kind": "self", "reason": "current_password_incorrect" })),
                    )
                })
            })
            .await?;
        return Err(ApiError::CurrentPasswordIncorrect);
    }

    if let Err(rejected) = passwords::check_new_password(state, "new_password", &user, &new).await {
        // The current password was right: that attempt must not count toward a lockout.
        let id = user.id.clone();
        state
            .db
            .run(move |c| db::users::clear_failures(c, &id))
            .await?;
        return Err(rejected);
    }
    let new_hash = state.hasher.hash(new).await.map_err(hash_error)?;

    let history = state.policy.history;
    let ttl = state.settings.jwt.refresh_ttl_secs;
    let settings = state.settings.clone();
    let row = user.clone();
    let clock = state.clock.clone();
    state.pauses.point("change_password.hashed").await;
    let (refresh, after) = state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                // The account may have been disabled while the new password was hashed.
                let live = db::users::lock_auth_state(c, &row.id)?.is_some_and(|s| !s.disabled);
                if !live {
                    return Err(if issue_session {
                        ApiError::InvalidToken
                    } else {
                        ApiError::InvalidCredentials
                    });
                }
                let now = clock.now();
                let change = db::users::PasswordChange {
                    new_hash: Some(&new_hash),
                    change_required: false,
                    expires_at: None,
                    now,
                };
                if !passwords::apply(c, history, &row, row.password_hash.as_deref(), &change)? {
                    // Someone changed the password between our check and this write.
                    return Err(ApiError::CurrentPasswordIncorrect);
                }
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("password.changed")
                        .actor(row.id.as_str())
                        .target(row.id.as_str())
                        .client_ip(origin.client_ip.clone())
                        .details(serde_json::json!({ "kind": "self" })),
                )?;
                mail::queue_notice(
                    c,
                    &settings,
                    &row,
                    mail::ChangeKind::SelfService,
                    origin.client_ip.as_deref(),
                    now,
                )?;
                let after = db::users::find(c, &row.id)?.ok_or(ApiError::InvalidToken)?;
                let refresh = if issue_session {
                    // `None` only when the account was disabled meanwhile: undo the change.
                    let issued = sessions::create_refresh_token(
                        c,
                        &row.id,
                        after.security_version,
                        None,
                        now,
                        ttl,
                    )?;
                    Some(issued.ok_or(ApiError::InvalidToken)?)
                } else {
                    None
                };
                Ok((refresh, after))
            })
        })
        .await?;
    state
        .metrics
        .password_changes_total
        .with_label_values(&["self"])
        .inc();
    refresh
        .map(|refresh| {
            sessions::token_pair(
                state,
                &after.id,
                &RoleSet::from_db(&after.roles),
                after.security_version,
                false,
                refresh,
            )
        })
        .transpose()
}
