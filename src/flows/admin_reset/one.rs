//! Resetting one user: find the target, check who may reset whom, hash, then write the new
//! password, its audit event and its mail in one transaction that checks again.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, models::UserRow, write_tx};
use crate::domain::{may_reset, Email, RoleSet, UserId};
use crate::error::ApiError;
use crate::flows::{hash_error, lockout, passwords, ClientAddress};
use crate::mail::{self, ChangeKind, LinkReason};
use crate::password::{self, generate_temporary_password, HashError};
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::{ResetMode, ResetOptions, ResetResult, Target};

/// Resets one user in its own transaction. The error carries the user id when it is known.
pub(super) async fn reset_one(
    state: &AppState,
    caller: &Caller,
    target: &Target,
    options: &ResetOptions,
    origin: ClientAddress,
) -> Result<ResetResult, (Option<String>, ApiError)> {
    let requested_id = match target {
        Target::Id(raw) => Some(raw.clone()),
        Target::Email(_) => None,
    };
    let user = find_target(state, target)
        .await
        .map_err(|e| (requested_id, e))?;
    let user_id = Some(user.id.to_string());
    let fail = |e: ApiError| (user_id.clone(), e);
    // Checked here so a refused user costs no hash, and again inside the write transaction,
    // where it counts: the target may be promoted while the new password is being hashed.
    may_reset_user(caller, &user).map_err(fail)?;

    let temporary = (options.mode == ResetMode::Generate).then(generate_temporary_password);
    let new_hash = match (options.mode, &temporary, &options.password) {
        (ResetMode::Generate, Some(pw), _) => {
            Some(hash_patiently(state, pw.clone()).await.map_err(fail)?)
        }
        (ResetMode::Set, _, Some(pw)) => Some(
            hash_patiently(state, password::normalize(pw.expose_secret()))
                .await
                .map_err(fail)?,
        ),
        _ => None,
    };

    let now = state.clock.now();
    let require_change = options.require_change && options.mode != ResetMode::Link;
    let expires_at = passwords::temporary_expiry(state, require_change, now);
    let i18n = state.i18n.clone();
    let (settings, history, mode, notify) = (
        state.settings.clone(),
        state.policy.history,
        options.mode,
        options.notify_user,
    );
    let actor = caller.clone();
    let id = user.id;
    let clock = state.clock.clone();
    state.pauses.point("admin_reset.hashed").await;
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                auth::still_authorized(c, &actor, clock.now())?;
                let row = db::users::find_for_update(c, &id)?.ok_or(ApiError::NotFound)?;
                may_reset_user(&actor, &row)?;
                let change = db::users::PasswordChange {
                    new_hash: new_hash.as_deref(),
                    change_required: require_change,
                    expires_at,
                    now,
                };
                passwords::apply(c, history, &row, None, &change)?;
                lockout::clear_account(c, &row.email_normalized)?;
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("password.reset_by_admin")
                        .actor(actor.id.clone())
                        .target(row.id)
                        .client_ip(origin.client_ip.clone())
                        .details(serde_json::json!({
                            "mode": mode.as_str(),
                            "require_change_on_next_sign_in": require_change,
                            "notify_user": notify,
                        })),
                )?;
                webhooks::enqueue(
                    c,
                    &Event::of(&events::PasswordChanged {
                        user_id: row.id.to_string(),
                        kind: events::PasswordChangeKind::Admin,
                        actor_id: Some(actor.id.clone()),
                    }),
                    now,
                )?;
                if mode == ResetMode::Link {
                    let current = db::users::auth_state(c, &row.id)?.ok_or(ApiError::NotFound)?;
                    mail::queue_reset_link(
                        c,
                        &settings,
                        &i18n,
                        &row,
                        current.security_version,
                        LinkReason::AdminReset,
                        now,
                    )?;
                } else if notify {
                    mail::queue_notice(
                        c,
                        &settings,
                        &i18n,
                        &row,
                        ChangeKind::Admin,
                        origin.client_ip.as_deref(),
                        now,
                    )?;
                }
                Ok(())
            })
        })
        .await
        .map_err(fail)?;
    state
        .metrics
        .password_changes_total
        .with_label_values(&["admin"])
        .inc();
    state.outbox_wake.notify_one();
    state.webhook_wake.notify_one();
    Ok(ResetResult {
        user_id: Some(user.id.to_string()),
        email: None,
        status: "reset",
        temporary_password: temporary.map(|t| t.expose_secret().to_owned()),
        temporary_password_expires_at: expires_at
            .filter(|_| options.mode != ResetMode::Link)
            .map(|t| t.and_utc()),
        link_sent: (options.mode == ResetMode::Link).then_some(true),
        error: None,
    })
}

/// Who may reset whom (contract: "Roles"), on the target's row as it is read.
pub(crate) fn may_reset_user(caller: &Caller, target: &UserRow) -> Result<(), ApiError> {
    may_reset_account(caller, target.id, &RoleSet::from_db(&target.roles))
}

/// The same rule on a target known by its id and roles (the console decides with it which
/// rows of a listing get a checkbox; the write decides again on the row it locks).
pub fn may_reset_account(caller: &Caller, id: UserId, roles: &RoleSet) -> Result<(), ApiError> {
    let own = caller.user_id() == Some(id);
    if may_reset(&caller.roles, roles, own) {
        return Ok(());
    }
    Err(ApiError::Forbidden(if own {
        crate::i18n::ids::PROBLEM_DETAIL_OWN_RESET.into()
    } else {
        crate::i18n::ids::PROBLEM_DETAIL_OUTRANKED.into()
    }))
}

async fn find_target(state: &AppState, target: &Target) -> Result<UserRow, ApiError> {
    let found = match target {
        Target::Id(raw) => {
            let id = UserId::parse(raw).ok_or(ApiError::NotFound)?;
            state.db.run(move |c| db::users::find(c, &id)).await?
        }
        Target::Email(raw) => {
            let email = Email::parse(raw)
                .map_err(|why| crate::flows::invalid_email("emails", why))?
                .normalized();
            state
                .db
                .run(move |c| db::users::find_by_email(c, &email))
                .await?
        }
    };
    found.ok_or(ApiError::NotFound)
}

/// Bulk work waits for room in the hashing queue instead of failing at the first full
/// moment (interactive requests get `overloaded` at once; a batch can afford to wait a bit).
async fn hash_patiently(state: &AppState, password: SecretString) -> Result<String, ApiError> {
    for _ in 0..200 {
        match state.hasher.hash(password.clone()).await {
            Err(HashError::Overloaded) => tokio::time::sleep(Duration::from_millis(25)).await,
            other => return other.map_err(hash_error),
        }
    }
    Err(ApiError::Overloaded)
}
