//! Admin password reset for one user or many (contract: "Admin", "Roles").
//!
//! Each user is reset in a transaction of its own, so one failure never blocks the others.
//! Who may reset whom is decided by `domain::may_reset` alone. Hashing for a batch is spread
//! over the hashing pool but never takes more than its thread count of queue slots at once,
//! so sign-ins queued behind a bulk request wait for at most one round of it.

mod one;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::domain::Email;
use crate::error::{ApiError, FieldError};
use crate::password::{self, PolicyInput};
use crate::state::AppState;

use super::passwords::{self, Presented};
use super::ClientAddress;
pub use one::may_reset_account;
pub(crate) use one::may_reset_user;
use one::reset_one;

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
    pub password: Option<SecretString>,
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
        (ResetMode::Set, None) => Err(ApiError::Validation(vec![FieldError::new(
            "password",
            "required",
            "is required in mode `set`",
        )
        .with_arg("mode", "set")])),
        (ResetMode::Set, Some(pw)) => {
            passwords::refuse_too_long(state, "password", pw.expose_secret(), Presented::New)?;
            let normalized = password::normalize(pw.expose_secret());
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
        (_, Some(_)) => Err(ApiError::Validation(vec![FieldError::new(
            "password",
            "not_allowed",
            "is only taken in mode `set`",
        )
        .with_arg("mode", "set")])),
        (_, None) => Ok(()),
    }
}

/// `POST /v1/admin/password-resets`.
pub async fn reset_many(
    state: &AppState,
    caller: &Caller,
    targets: Vec<Target>,
    options: ResetOptions,
    origin: ClientAddress,
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
    origin: ClientAddress,
) -> Result<ResetResult, ApiError> {
    check_options(state, &options).await?;
    reset_one(state, caller, &Target::Id(id.to_owned()), &options, origin)
        .await
        .map_err(|(_, e)| e)
}
