//! Self-service reset of a forgotten password (contract: "Self-service reset").
//!
//! `request` answers the same whatever the email (unknown, disabled, throttled or real) and
//! runs the same queries in each case; for a real, active, unthrottled account it queues a
//! reset-link message (the token is made when the mail is sent). `verify` looks without
//! consuming; `confirm` consumes the token atomically and sets the new password with every
//! effect of a password change, in one transaction.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::opaque;
use crate::db::{self, audit::NewEvent, write_tx};
use crate::domain::{Email, Parsed, UserId};
use crate::error::ApiError;
use crate::mail::{self, ChangeKind, LinkReason, KIND_RESET_LINK};
use crate::password;
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::passwords::{self, Presented};
use super::{accept, hash_error};
use super::{lockout, ClientAddress};

/// Longest token worth looking up (ours are 43 characters).
const MAX_TOKEN_LEN: usize = 512;

pub async fn request(
    state: &AppState,
    email: Parsed<Email>,
    origin: ClientAddress,
) -> Result<(), ApiError> {
    if let Some(ip) = &origin.client_ip {
        state
            .reset_limiter
            .hit(&state.db, ip, state.clock.now())
            .await?;
    }
    let mut errors = Vec::new();
    let email = accept("email", email, &mut errors).ok_or(ApiError::Validation(errors))?;
    let normalized = email.normalized();
    let settings = state.settings.clone();
    let i18n = state.i18n.clone();
    let clock = state.clock.clone();
    let queued = state
        .db
        .run(move |c| {
            write_tx(c, |c| -> db::Result<_> {
                let now = clock.now();
                let user = db::users::find_by_email(c, &normalized)?;
                let since =
                    now - chrono::Duration::seconds(settings.reset.account_window_secs as i64);
                // Runs for unknown emails too (matching nothing), so timing tells nothing.
                let recent = db::outbox::count_recent(
                    c,
                    user.as_ref().map(|u| &u.id),
                    KIND_RESET_LINK,
                    since,
                )?;
                let outcome = match &user {
                    None => "unknown_account",
                    Some(u) if u.disabled => "disabled",
                    Some(_) if recent >= i64::from(settings.reset.account_max_emails) => {
                        "throttled"
                    }
                    Some(u) => {
                        mail::queue_reset_link(
                            c,
                            &settings,
                            &i18n,
                            u,
                            u.security_version,
                            LinkReason::Requested,
                            now,
                        )?;
                        "queued"
                    }
                };
                let mut event = NewEvent::new("password.reset_requested")
                    .client_ip(origin.client_ip.clone())
                    .details(serde_json::json!({ "outcome": outcome }));
                match &user {
                    Some(u) => event = event.target(u.id),
                    None => {
                        event = event
                            .details(serde_json::json!({ "outcome": outcome, "email": normalized }))
                    }
                }
                db::audit::record(c, now, event)?;
                // Only for a real account whose link was queued; the same reads otherwise.
                let requested = user.as_ref().filter(|_| outcome == "queued").map(|u| {
                    Event::of(&events::PasswordResetRequested {
                        user_id: u.id.to_string(),
                    })
                });
                let stand_in = Event::of(&events::PasswordResetRequested {
                    user_id: UserId::NIL.to_string(),
                });
                webhooks::enqueue_or_stand_in(c, requested.as_ref(), &stand_in, now)?;
                Ok(outcome == "queued")
            })
        })
        .await?;
    if queued {
        state.outbox_wake.notify_one();
        state.webhook_wake.notify_one();
    }
    Ok(())
}

/// When a usable token expires; `reset_token_invalid` for unknown, expired or used tokens.
pub async fn verify(state: &AppState, token: &str) -> Result<DateTime<Utc>, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::ResetTokenInvalid);
    }
    let digest = opaque::digest(token);
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| -> db::Result<_> {
            let Some(live) = db::reset_tokens::find_live(c, &digest, clock.now())? else {
                return Ok(None);
            };
            // Disabling voids the tokens; this covers a token made by a mail sent since.
            let usable = db::users::auth_state(c, &live.user_id)?.is_some_and(|u| !u.disabled);
            Ok(usable.then(|| live.expires_at.and_utc()))
        })
        .await?
        .ok_or(ApiError::ResetTokenInvalid)
}

pub async fn confirm(
    state: &AppState,
    token: &str,
    new_password: &SecretString,
    origin: ClientAddress,
) -> Result<(), ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::ResetTokenInvalid);
    }
    passwords::refuse_too_long(
        state,
        "new_password",
        new_password.expose_secret(),
        Presented::New,
    )?;
    let new = password::normalize(new_password.expose_secret());
    let digest = opaque::digest(token);
    let clock = state.clock.clone();
    let (live, user) = state
        .db
        .run(move |c| -> Result<_, ApiError> {
            let live = db::reset_tokens::find_live(c, &digest, clock.now())?
                .ok_or(ApiError::ResetTokenInvalid)?;
            let user = db::users::find(c, &live.user_id)?
                .filter(|u| !u.disabled)
                .ok_or(ApiError::ResetTokenInvalid)?;
            Ok((live, user))
        })
        .await?;
    // A policy rejection leaves the token usable: nothing is written before this passes.
    passwords::check_new_password(state, "new_password", &user, &new).await?;
    let hash = state.hasher.hash(new).await.map_err(hash_error)?;

    let settings = state.settings.clone();
    let i18n = state.i18n.clone();
    let history = state.policy.history;
    state.pauses.point("reset_confirm.hashed").await;
    let pauses = state.pauses.clone();
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let now = clock.now();
                // Read again under the write: the account may have been disabled while
                // the new password was hashed. The user row is locked before the token row,
                // the order of every write that voids tokens (a disable, a password change),
                // which would otherwise deadlock against this one on PostgreSQL.
                let user = db::users::find_for_update(c, &live.user_id)?
                    .filter(|u| !u.disabled)
                    .ok_or(ApiError::ResetTokenInvalid)?;
                pauses.point_blocking("reset_confirm.user_locked");
                if !db::reset_tokens::consume(c, &live.id, now)? {
                    return Err(ApiError::ResetTokenInvalid);
                }
                let change = db::users::PasswordChange {
                    new_hash: Some(&hash),
                    change_required: false,
                    expires_at: None,
                    now,
                };
                passwords::apply(c, history, &user, None, &change)?;
                // A completed reset ends every lockout of the account (contract: "Throttling").
                lockout::clear_account(c, &user.email_normalized)?;
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("password.reset_completed")
                        .actor(user.id)
                        .target(user.id)
                        .client_ip(origin.client_ip.clone())
                        .details(serde_json::json!({ "kind": "reset" })),
                )?;
                webhooks::enqueue(
                    c,
                    &Event::of(&events::PasswordChanged {
                        user_id: user.id.to_string(),
                        kind: events::PasswordChangeKind::Reset,
                        actor_id: Some(user.id.to_string()),
                    }),
                    now,
                )?;
                Ok(mail::queue_notice(
                    c,
                    &settings,
                    &i18n,
                    &user,
                    ChangeKind::ResetLink,
                    origin.client_ip.as_deref(),
                    now,
                )?)
            })
        })
        .await?;
    state
        .metrics
        .password_changes_total
        .with_label_values(&["reset"])
        .inc();
    state.outbox_wake.notify_one();
    state.webhook_wake.notify_one();
    Ok(())
}
