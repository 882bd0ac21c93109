//! Admin password reset for one user or many (contract: "Admin", "Roles").
//!
//! Each user is reset in a transaction of its own, so one failure never blocks the others.
//! Who may reset whom is decided by `domain::may_reset` alone. Hashing for a batch is spread
//! over the hashing pool but never takes more than its thread count of queue slots at once,
//! so sign-ins queued behind a bulk request wait for at most one round of it.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, models::UserRow, write_tx};
use crate::domain::{may_reset, Email, RoleSet, UserId};
use crate::error::{ApiError, FieldError};
use crate::mail::{self, ChangeKind, LinkReason};
use crate::password::{self, generate_temporary_password, HashError, PolicyInput};
use crate::state::AppState;

use super::{passwords, sign_in::hash_error, Origin};

/// How the new password is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResetMode {
    /// A fresh random temporary password per user, returned once in the result.
    Generate,
    /// The given `password` for every listed user.
    Set,
    /// No password: the current one stops working and the user is emailed a reset link.
    Link,
}

impl ResetMode {
    fn as_str(self) -> &'static str {
        match self {
            ResetMode::Generate => "generate",
            ResetMode::Set => "set",
            ResetMode::Link => "link",
        }
    }
}

/// Options shared by every user of one reset request.
#[derive(Debug, Clone)]
pub struct ResetOptions {
    pub mode: ResetMode,
    pub password: Option<String>,
    pub require_change: bool,
    pub notify_user: bool,
}

/// Who to reset: by id or by email (exactly one of the two lists).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Id(String),
    Email(String),
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "forbidden", "detail": "This user's roles outrank yours."}))]
pub struct ItemError {
    /// `not_found`, `forbidden`, `validation_failed` (an address that breaks the email
    /// rules), `overloaded` or `unavailable`.
    pub code: String,
    pub detail: String,
}

/// The outcome for one user.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"user_id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "status": "reset",
    "temporary_password": "hP7qk-2mWxa-Tz9Lr-c4NvE", "temporary_password_expires_at": "2026-12-02T09:00:00Z"}))]
pub struct ResetResult {
    /// The requested id, also when it failed; null only when an email matched no user.
    pub user_id: Option<String>,
    /// Present when the request selected users by email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `reset` or `failed`.
    pub status: &'static str,
    /// `generate` mode only: shown this once, never stored in plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
    /// When the temporary password stops working (when a change is required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
    /// `link` mode only: a reset link was queued for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_sent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResetSummary {
    pub requested: usize,
    pub succeeded: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkResetResult {
    pub summary: ResetSummary,
    /// One per distinct user, in request order.
    pub results: Vec<ResetResult>,
}

/// Checks the options once, before any user is touched: `set` needs a password that passes
/// the policy; other modes take none.
pub async fn check_options(state: &AppState, options: &ResetOptions) -> Result<(), ApiError> {
    match (options.mode, &options.password) {
        (ResetMode::Set, None) => Err(ApiError::validation(
            "password",
            "required",
            "is required in mode `set`",
        )),
        (ResetMode::Set, Some(pw)) => {
            passwords::refuse_too_long(state, "password", pw)?;
            let normalized = password::normalize(pw);
            passwords::check_without_history(
                state,
                "password",
                PolicyInput {
                    password: normalized.expose_secret(),
                    ..Default::default()
                },
            )
            .await
        }
        (_, Some(_)) => Err(ApiError::validation(
            "password",
            "not_allowed",
            "is only taken in mode `set`",
        )),
        (_, None) => Ok(()),
    }
}

/// `POST /v1/admin/password-resets`.
pub async fn reset_many(
    state: &AppState,
    caller: &Caller,
    targets: Vec<Target>,
    options: ResetOptions,
    origin: Origin,
) -> Result<BulkResetResult, ApiError> {
    if targets.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "user_ids",
            "empty",
            "name at least one user",
        )]));
    }
    if targets.len() > state.settings.admin.max_bulk {
        return Err(ApiError::BatchTooLarge {
            max: state.settings.admin.max_bulk,
        });
    }
    check_options(state, &options).await?;

    let mut seen = HashSet::new();
    let unique: Vec<Target> = targets
        .into_iter()
        .map(|t| match t {
            // Parsed before it is lower-cased: lower-casing first would fold look-alikes
            // (the Kelvin sign, U+212A) onto ASCII accounts. A broken address stays as sent
            // and fails on its own (`validation_failed`).
            Target::Email(raw) => match Email::parse(&raw) {
                Ok(email) => Target::Email(email.normalized()),
                Err(_) => Target::Email(raw),
            },
            id => id,
        })
        .filter(|t| seen.insert(t.clone()))
        .collect();
    // Twice the hashing threads: while one user's transaction commits, the next user's hash
    // is already queued, so every core stays busy; still a bounded share of the queue.
    let parallel = state.hasher.threads() * 2;
    let results: Vec<ResetResult> = stream::iter(unique)
        .map(|target| {
            let (options, origin) = (options.clone(), origin.clone());
            async move {
                let by_email = match &target {
                    Target::Email(e) => Some(e.clone()),
                    Target::Id(_) => None,
                };
                match reset_one(state, caller, &target, &options, origin).await {
                    Ok(mut result) => {
                        result.email = by_email;
                        result
                    }
                    Err((user_id, e)) => ResetResult {
                        user_id,
                        email: by_email,
                        status: "failed",
                        temporary_password: None,
                        temporary_password_expires_at: None,
                        link_sent: None,
                        error: Some(ItemError {
                            code: e.code().into(),
                            detail: e.reported().problem().detail_with_errors(),
                        }),
                    },
                }
            }
        })
        .buffered(parallel)
        .collect()
        .await;
    let succeeded = results.iter().filter(|r| r.status == "reset").count();
    Ok(BulkResetResult {
        summary: ResetSummary {
            requested: results.len(),
            succeeded,
            failed: results.len() - succeeded,
        },
        results,
    })
}

/// `POST /v1/admin/users/{id}/password-reset`: one user, errors as problems.
pub async fn reset_single(
    state: &AppState,
    caller: &Caller,
    id: &str,
    options: ResetOptions,
    origin: Origin,
) -> Result<ResetResult, ApiError> {
    check_options(state, &options).await?;
    reset_one(state, caller, &Target::Id(id.to_owned()), &options, origin)
        .await
        .map_err(|(_, e)| e)
}

/// Resets one user in its own transaction. The error carries the user id when it is known.
async fn reset_one(
    state: &AppState,
    caller: &Caller,
    target: &Target,
    options: &ResetOptions,
    origin: Origin,
) -> Result<ResetResult, (Option<String>, ApiError)> {
    let requested_id = match target {
        Target::Id(raw) => Some(raw.clone()),
        Target::Email(_) => None,
    };
    let user = find_target(state, target)
        .await
        .map_err(|e| (requested_id, e))?;
    let user_id = Some(user.id.clone());
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
            hash_patiently(state, password::normalize(pw))
                .await
                .map_err(fail)?,
        ),
        _ => None,
    };

    let now = state.clock.now();
    let require_change = options.require_change && options.mode != ResetMode::Link;
    let expires_at = passwords::temporary_expiry(state, require_change, now);
    let (settings, history, mode, notify) = (
        state.settings.clone(),
        state.policy.history,
        options.mode,
        options.notify_user,
    );
    let actor = caller.clone();
    let id = user.id.clone();
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
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("password.reset_by_admin")
                        .actor(actor.id.as_str())
                        .target(row.id.as_str())
                        .client_ip(origin.client_ip.clone())
                        .details(serde_json::json!({
                            "mode": mode.as_str(),
                            "require_change_on_next_sign_in": require_change,
                            "notify_user": notify,
                        })),
                )?;
                if mode == ResetMode::Link {
                    let current = db::users::auth_state(c, &row.id)?.ok_or(ApiError::NotFound)?;
                    mail::queue_reset_link(
                        c,
                        &settings,
                        &row,
                        current.security_version,
                        LinkReason::AdminReset,
                        now,
                    )?;
                } else if notify {
                    mail::queue_notice(
                        c,
                        &settings,
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
    Ok(ResetResult {
        user_id: Some(user.id),
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
fn may_reset_user(caller: &Caller, target: &UserRow) -> Result<(), ApiError> {
    let own = target.id == caller.id;
    if may_reset(&caller.roles, &RoleSet::from_db(&target.roles), own) {
        return Ok(());
    }
    Err(ApiError::Forbidden(if own {
        "Nobody resets their own password here; use POST /v1/me/password.".into()
    } else {
        "This user's roles outrank yours.".into()
    }))
}

async fn find_target(state: &AppState, target: &Target) -> Result<UserRow, ApiError> {
    let key = match target {
        Target::Id(raw) => match UserId::parse(raw) {
            Some(id) => Target::Id(id.to_string()),
            None => return Err(ApiError::NotFound),
        },
        Target::Email(raw) => match Email::parse(raw) {
            Ok(email) => Target::Email(email.normalized()),
            Err(why) => return Err(ApiError::validation("emails", "invalid_email", why)),
        },
    };
    state
        .db
        .run(move |c| match &key {
            Target::Id(id) => db::users::find(c, id),
            Target::Email(email) => db::users::find_by_email(c, email),
        })
        .await?
        .ok_or(ApiError::NotFound)
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
