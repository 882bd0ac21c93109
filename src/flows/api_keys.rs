//! API keys: credentials for scripts and services, so they need not borrow a person's
//! password (contract: "API keys").
//!
//! A key is `pgk_<public id>_<secret>`: the prefix lets secret scanners recognise it, the
//! public id makes the look-up one indexed query, and the secret (256 bits from the OS
//! CSPRNG) is stored only as its SHA-256 and compared in constant time. A key acts as
//! itself — it is the audit actor — with roles that never outrank its creator's (an admin
//! may issue a `password_admin` key; a key can never be made more powerful than the
//! person who made it), and that bound holds on every use, not only at creation: a key
//! whose creator was disabled or demoted below it stops working at once.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::auth::{self, opaque, Caller};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::api_keys::{ApiKeyRow, KeyWithCreator};
use crate::db::{self, audit::NewEvent, write_tx, DbConn};
use crate::domain::{KeyName, RoleSet};
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
    name: &str,
    roles: &[String],
    expires_in_days: Option<u32>,
    origin: Origin,
) -> Result<CreatedApiKey, ApiError> {
    let mut errors = Vec::new();
    // One rule, the published one (`patterns::KEY_NAME`): nothing is trimmed.
    let name = KeyName::parse(name)
        .map_err(|why| errors.push(FieldError::new("name", "invalid_name", why)))
        .ok();
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
    let (Some(name), Some(roles)) = (name, roles.filter(|_| errors.is_empty())) else {
        return Err(ApiError::Validation(errors));
    };
    let caller = match creator {
        Creator::Caller(caller) => {
            if !roles.within_rank_of(&caller.roles) {
                return Err(ApiError::Forbidden(
                    "A key cannot hold a role that outranks its creator's.".into(),
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
            write_tx(c, |c| {
                let now = clock.now();
                // The creator's roles bounded the key above; they must still be its roles now.
                if let Some(caller) = &caller {
                    auth::still_authorized(c, caller, now)?;
                }
                db::api_keys::insert(c, &stored)?;
                let mut event = NewEvent::new("api_key.created")
                    .client_ip(origin.client_ip.clone())
                    .details(serde_json::json!({ "api_key_id": stored.id, "name": stored.name, "roles": RoleSet::from_db(&stored.roles).names() }));
                if let Some(by) = &stored.created_by {
                    event = event.actor(by.as_str());
                }
                db::audit::record(c, now, event)
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
    origin: Origin,
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
                            .actor(caller.id.as_str())
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

/// Checks a presented key against the database (so a revocation, or a change to its
/// creator, takes effect at once on every instance; nothing about a key's authority is
/// remembered in memory). Unknown, revoked, expired and malformed keys, and keys whose
/// creator no longer covers them, all get `invalid_token`.
///
/// Contract: failed keys are throttled per address, but a valid key is always accepted. So
/// the key is checked first and only failures are counted: an address over the limit gets
/// `rate_limited` for its wrong keys, while a script behind the same proxy presenting a
/// valid key gets in. A wrong key costs the same look-up whether or not its address is
/// over the limit, so the answer's timing says nothing beyond the status.
pub async fn authenticate(
    state: &AppState,
    presented: &str,
    client_ip: Option<&str>,
) -> Result<KeyIdentity, ApiError> {
    let found = match parse(presented) {
        Some((public_id, secret)) => {
            let public_id = public_id.to_owned();
            let digest = opaque::digest(secret);
            let clock = state.clock.clone();
            state
                .db
                .run(move |c| {
                    let Some(found) = db::api_keys::find_by_public_id(c, &public_id)? else {
                        return Ok(None);
                    };
                    if !bool::from(found.key.secret_hash.as_bytes().ct_eq(digest.as_bytes())) {
                        return Ok(None);
                    }
                    let now = clock.now();
                    let key = found.key.clone();
                    if !authority_holds(c, found, now)? {
                        return Ok(None);
                    }
                    let every = chrono::Duration::seconds(TOUCH_EVERY_SECS);
                    if key.last_used_at.is_none_or(|t| t < now - every) {
                        db::api_keys::touch(c, &key.id, now, every)?;
                    }
                    Ok(Some(key))
                })
                .await?
        }
        None => None,
    };
    let Some(row) = found else {
        if let Some(ip) = client_ip {
            state
                .api_key_limiter
                .check(ip)
                .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
        }
        return Err(ApiError::InvalidToken);
    };
    Ok(KeyIdentity {
        id: row.id,
        roles: RoleSet::from_db(&row.roles),
    })
}

/// How many keys made by keys are followed back to a person or the command line before the
/// key is refused: bounds the reads per use (each link is one indexed query).
const MAX_CHAIN: usize = 8;

/// Whether a key may act now (contract: "a key never has more authority than its creator
/// has now"): it is unrevoked and unexpired, and
/// - made with the command line (`created_by` null): nothing more;
/// - made by a user: that user exists, is enabled, and its highest role still ranks at
///   least as high as the key's (the rule that bounded the key when it was made);
/// - made by a key: that key passes this same check, and its roles cover this one's.
///
/// A creator that is neither a user nor a key, or a chain longer than `MAX_CHAIN`, fails.
pub(crate) fn authority_holds(
    conn: &mut DbConn,
    found: KeyWithCreator,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let mut link = found;
    for _ in 0..MAX_CHAIN {
        let key = &link.key;
        if key.revoked_at.is_some() || key.expires_at.is_some_and(|t| t <= now) {
            return Ok(false);
        }
        let roles = RoleSet::from_db(&key.roles);
        let Some(creator) = &key.created_by else {
            return Ok(true);
        };
        if let Some((creator_roles, disabled)) = &link.creator_user {
            return Ok(!disabled && roles.within_rank_of(&RoleSet::from_db(creator_roles)));
        }
        let Some(parent) = db::api_keys::find_with_creator(conn, creator)? else {
            return Ok(false);
        };
        if !roles.within_rank_of(&RoleSet::from_db(&parent.key.roles)) {
            return Ok(false);
        }
        link = parent;
    }
    Ok(false)
}

/// Whether the key `id` may still act, read again now (for `auth::still_authorized`).
pub(crate) fn still_valid(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    match db::api_keys::find_with_creator(conn, id)? {
        Some(found) => authority_holds(conn, found, now),
        None => Ok(false),
    }
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

pub fn limiter(settings: &Settings, clock: &Clock) -> AddressLimiter {
    AddressLimiter::new(
        clock.clone(),
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
