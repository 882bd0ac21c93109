//! API keys: credentials for scripts and services, so they need not borrow a person's
//! password (contract: "API keys").
//!
//! A key is `pgk_<public id>_<secret>`: the prefix lets secret scanners recognise it, the
//! public id makes the look-up one indexed query, and the secret (256 bits from the OS
//! CSPRNG) is stored only as its SHA-256 and compared in constant time. A key acts as
//! itself — it is the audit actor — with roles that never outrank its creator's (an admin
//! may issue a `password_admin` key; a key can never be made more powerful than the
//! person who made it).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::auth::opaque;
use crate::config::Settings;
use crate::db::{self, api_keys::ApiKeyRow, audit::NewEvent, write_tx};
use crate::domain::RoleSet;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

use super::throttle::AddressLimiter;
use super::Origin;

pub const PREFIX: &str = "pgk_";

/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY_SECS: i64 = 60;

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

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            age_days: (db::now() - row.created_at).num_days(),
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

/// Who creates a key: a caller (whose roles bound the key's) or the command line.
pub enum Creator<'a> {
    Caller { id: &'a str, roles: &'a RoleSet },
    CommandLine,
}

pub async fn create(
    state: &AppState,
    creator: Creator<'_>,
    name: &str,
    roles: &[String],
    expires_in_days: Option<u32>,
    origin: Origin,
) -> Result<CreatedApiKey, ApiError> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "invalid_name",
            "must be 1 to 100 characters without control characters",
        ));
    }
    let roles = RoleSet::parse(roles)
        .map_err(|why| errors.push(FieldError::new("roles", "invalid_role", why)))
        .ok();
    if expires_in_days == Some(0) || expires_in_days.is_some_and(|d| d > 3650) {
        errors.push(FieldError::new(
            "expires_in_days",
            "out_of_range",
            "must be between 1 and 3650",
        ));
    }
    let Some(roles) = roles.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let created_by = match creator {
        Creator::Caller { id, roles: own } => {
            if !roles.within_rank_of(own) {
                return Err(ApiError::Forbidden(
                    "A key cannot hold a role that outranks its creator's.".into(),
                ));
            }
            Some(id.to_owned())
        }
        Creator::CommandLine => None,
    };

    let mut public = [0u8; 8];
    OsRng.fill_bytes(&mut public);
    let public_id: String = public.iter().map(|b| format!("{b:02x}")).collect();
    let (secret, digest) = opaque::new_secret();
    let now = db::now();
    let row = ApiKeyRow {
        id: uuid::Uuid::now_v7().to_string(),
        public_id: public_id.clone(),
        name: name.to_owned(),
        roles: roles.to_db(),
        secret_hash: digest,
        created_by,
        created_at: now,
        expires_at: expires_in_days.map(|d| now + chrono::Duration::days(i64::from(d))),
        last_used_at: None,
        revoked_at: None,
    };
    let stored = row.clone();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                db::api_keys::insert(c, &stored)?;
                let mut event = NewEvent::new("api_key.created")
                    .client_ip(origin.client_ip.clone())
                    .details(serde_json::json!({ "api_key_id": stored.id, "name": stored.name, "roles": RoleSet::from_db(&stored.roles).names() }));
                if let Some(by) = &stored.created_by {
                    event = event.actor(by.as_str());
                }
                db::audit::record(c, event)
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
    Ok(ApiKeyList {
        items: rows.into_iter().map(ApiKey::from).collect(),
    })
}

pub async fn revoke(
    state: &AppState,
    actor: &str,
    id: &str,
    origin: Origin,
) -> Result<(), ApiError> {
    let (actor, id) = (actor.to_owned(), id.to_owned());
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                db::api_keys::find(c, &id)?.ok_or(ApiError::NotFound)?;
                if db::api_keys::revoke(c, &id, db::now())? {
                    db::audit::record(
                        c,
                        NewEvent::new("api_key.revoked")
                            .actor(actor.as_str())
                            .client_ip(origin.client_ip.clone())
                            .details(serde_json::json!({ "api_key_id": id })),
                    )?;
                }
                Ok(())
            })
        })
        .await
}

/// An authenticated key: its id and roles.
pub struct KeyIdentity {
    pub id: String,
    pub roles: RoleSet,
}

/// Checks a presented key against the database (so a revocation takes effect at once on
/// every instance). Unknown, revoked, expired and malformed keys all get `invalid_token`;
/// an address that keeps presenting bad keys is refused with `rate_limited`.
pub async fn authenticate(
    state: &AppState,
    presented: &str,
    client_ip: Option<&str>,
) -> Result<KeyIdentity, ApiError> {
    let limited = |retry_after| ApiError::RateLimited { retry_after };
    if let Some(ip) = client_ip {
        state.api_key_limiter.peek(ip).map_err(limited)?;
    }
    let found = match parse(presented) {
        Some((public_id, secret)) => {
            let public_id = public_id.to_owned();
            let row = state
                .db
                .run(move |c| db::api_keys::find_by_public_id(c, &public_id))
                .await?;
            let digest = opaque::digest(secret);
            let now = db::now();
            row.filter(|r| bool::from(r.secret_hash.as_bytes().ct_eq(digest.as_bytes())))
                .filter(|r| r.revoked_at.is_none() && r.expires_at.is_none_or(|t| t > now))
        }
        None => None,
    };
    let Some(row) = found else {
        if let Some(ip) = client_ip {
            state.api_key_limiter.check(ip).map_err(limited)?;
        }
        return Err(ApiError::InvalidToken);
    };
    let now = db::now();
    let every = chrono::Duration::seconds(TOUCH_EVERY_SECS);
    if row.last_used_at.is_none_or(|t| t < now - every) {
        let id = row.id.clone();
        state
            .db
            .run(move |c| db::api_keys::touch(c, &id, now, every))
            .await?;
    }
    Ok(KeyIdentity {
        id: row.id,
        roles: RoleSet::from_db(&row.roles),
    })
}

/// Splits `pgk_<public id>_<secret>`; the public id is hex, so the first `_` after the
/// prefix ends it (the base64url secret may itself contain `_`).
fn parse(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix(PREFIX)?;
    let (public_id, secret) = rest.split_once('_')?;
    (public_id.len() == 16
        && public_id.bytes().all(|b| b.is_ascii_hexdigit())
        && !secret.is_empty()
        && secret.len() <= 128)
        .then_some((public_id, secret))
}

pub fn limiter(settings: &Settings) -> AddressLimiter {
    AddressLimiter::new(
        settings.api_keys.max_failures_per_address,
        Duration::from_secs(settings.api_keys.failure_window_secs),
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn keys_split_at_the_first_underscore_after_the_public_id() {
        assert_eq!(
            parse("pgk_0123456789abcdef_se_cr-et"),
            Some(("0123456789abcdef", "se_cr-et"))
        );
        assert_eq!(parse("pgk_0123456789abcdef_"), None);
        assert_eq!(parse("pgk_short_secret"), None);
        assert_eq!(parse("pgx_0123456789abcdef_secret"), None);
        assert_eq!(parse("pgk_0123456789abcdeg_secret"), None);
    }
}
