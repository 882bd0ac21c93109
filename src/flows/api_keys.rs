//! API keys: credentials for scripts and services, so they need not borrow a person's
//! password (contract: "API keys"). Creating, listing and revoking them; checking a
//! presented key is `auth::api_key`.
//!
//! A key is `pgk_<public id>_<secret>` (see `auth::api_key`); only the secret's SHA-256 is
//! stored. A key acts as itself — it is the audit actor — with roles that never outrank its
//! creator's (an admin may issue a `password_admin` key; a key can never be made more
//! powerful than the person who made it), and that bound holds on every use, not only at
//! creation: a key whose creator was disabled or demoted below it stops working at once.

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, api_key::PREFIX, opaque, Caller};
use crate::db::api_keys::ApiKeyRow;
use crate::db::{self, audit::NewEvent, write_tx};
use crate::domain::{KeyName, Parsed, RoleSet};
use crate::error::{ApiError, FieldError};
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::{accept, ClientAddress};

/// An API key as listed: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "name": "nightly offboarding", "roles": ["user", "password_admin"],
    "created_at": "2026-11-25T09:00:00Z", "expires_at": null, "last_used_at": "2026-11-25T10:00:00Z", "revoked_at": null,
    "created_by": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6c", "age_days": 0}))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// Null: the key does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The user (or key) that created it; null when made with `passgate create-api-key`.
    pub created_by: Option<String>,
    /// Whole days since creation.
    pub age_days: i64,
}

impl ApiKey {
    fn from_row(row: ApiKeyRow, now: NaiveDateTime) -> Self {
        Self {
            age_days: (now - row.created_at).num_days(),
            id: row.id,
            name: row.name,
            roles: RoleSet::from_db(&row.roles)
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
            created_by: row.created_by,
        }
    }
}

/// A new key: shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "name": "nightly offboarding", "roles": ["user", "password_admin"],
    "key": "pgk_3f9a1c07d2b84e65_q3Jm0S9xXw3c2T1h0bC5Zk9pQ7vN4rL8aE6uY2sD1fG", "created_at": "2026-11-25T09:00:00Z",
    "expires_at": null, "last_used_at": null}))]
pub struct CreatedApiKey {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
    /// The key itself. Shown only here; passgate keeps a hash of its secret part.
    pub key: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
}

/// Who creates a key: a caller (whose roles bound the key's, and whose authority is taken
/// again in the transaction that stores the key) or the command line.
pub enum Creator<'a> {
    Caller(&'a Caller),
    CommandLine,
}

pub async fn create(
    state: &AppState,
    creator: Creator<'_>,
    name: Parsed<KeyName>,
    roles: Parsed<RoleSet>,
    expires_in_days: Option<u32>,
    origin: ClientAddress,
) -> Result<CreatedApiKey, ApiError> {
    let mut errors = Vec::new();
    // One rule, the published one (`patterns::KEY_NAME`): nothing is trimmed.
    let name = accept("name", name, &mut errors);
    let roles = accept("roles", roles, &mut errors);
    if expires_in_days == Some(0) || expires_in_days.is_some_and(|d| d > 3650) {
        errors.push(
            FieldError::new(
                "expires_in_days",
                "out_of_range",
                "must be between 1 and 3650",
            )
            .with_arg("min", 1)
            .with_arg("max", 3650),
        );
    }
    let (Some(name), Some(roles)) = (name, roles.filter(|_| errors.is_empty())) else {
        return Err(ApiError::Validation(errors));
    };
    let caller = match creator {
        Creator::Caller(caller) => {
            if !roles.within_rank_of(&caller.roles) {
                return Err(ApiError::Forbidden(
                    crate::i18n::ids::PROBLEM_DETAIL_KEY_OUTRANKS.into(),
                ));
            }
            Some(caller.clone())
        }
        Creator::CommandLine => None,
    };
    let created_by = caller.as_ref().map(|c| c.id.clone());

    let mut public = [0u8; 8];
    OsRng.fill_bytes(&mut public);
    let public_id: String = public.iter().map(|b| format!("{b:02x}")).collect();
    let (secret, digest) = opaque::new_secret();
    let now = state.clock.now();
    let row = ApiKeyRow {
        id: uuid::Uuid::now_v7().to_string(),
        public_id: public_id.clone(),
        name: name.into_inner(),
        roles: roles.to_db(),
        secret_hash: digest,
        created_by,
        created_at: now,
        expires_at: expires_in_days.map(|d| now + chrono::Duration::days(i64::from(d))),
        last_used_at: None,
        revoked_at: None,
    };
    let stored = row.clone();
    let clock = state.clock.clone();
    state.pauses.point("api_keys.create.before_write").await;
    state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let now = clock.now();
                // The creator's roles bounded the key above; they must still be its roles now.
                if let Some(caller) = &caller {
                    auth::still_authorized(c, caller, now)?;
                }
                db::api_keys::insert(c, &stored)?;
                let mut event = NewEvent::new("api_key.created")
                    .client_ip(origin.client_ip.clone())
                    .details(serde_json::json!({ "api_key_id": stored.id, "name": stored.name, "roles": RoleSet::from_db(&stored.roles).names() }));
                event = match &stored.created_by {
                    Some(by) => event.actor(by.as_str()),
                    None => event.by_command_line(),
                };
                db::audit::record(c, now, event)?;
                let created = events::ApiKeyCreated {
                    api_key_id: stored.id.clone(),
                    actor_id: stored.created_by.clone(),
                    roles: RoleSet::from_db(&stored.roles)
                        .names()
                        .into_iter()
                        .map(String::from)
                        .collect(),
                };
                webhooks::enqueue(c, &Event::of(&created), now)?;
                Ok(())
            })
        })
        .await?;
    Ok(CreatedApiKey {
        key: format!("{PREFIX}{public_id}_{secret}"),
        id: row.id,
        name: row.name,
        roles: roles.names().into_iter().map(String::from).collect(),
        created_at: row.created_at.and_utc(),
        expires_at: row.expires_at.map(|t| t.and_utc()),
        last_used_at: None,
    })
}

pub async fn list(state: &AppState) -> Result<ApiKeyList, ApiError> {
    let rows = state.db.run(db::api_keys::list).await?;
    let now = state.clock.now();
    Ok(ApiKeyList {
        items: rows
            .into_iter()
            .map(|row| ApiKey::from_row(row, now))
            .collect(),
    })
}

pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    id: &str,
    origin: ClientAddress,
) -> Result<(), ApiError> {
    let (caller, id) = (caller.clone(), id.to_owned());
    let clock = state.clock.clone();
    state.pauses.point("api_keys.revoke.before_write").await;
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let now = clock.now();
                auth::still_authorized(c, &caller, now)?;
                db::api_keys::find(c, &id)?.ok_or(ApiError::NotFound)?;
                if db::api_keys::revoke(c, &id, now)? {
                    db::audit::record(
                        c,
                        now,
                        NewEvent::new("api_key.revoked")
                            .actor(caller.id.clone())
                            .client_ip(origin.client_ip.clone())
                            .details(serde_json::json!({ "api_key_id": id })),
                    )?;
                    let revoked = events::ApiKeyRevoked {
                        api_key_id: id.clone(),
                        actor_id: Some(caller.id.clone()),
                    };
                    webhooks::enqueue(c, &Event::of(&revoked), now)?;
                }
                Ok(())
            })
        })
        .await
}
