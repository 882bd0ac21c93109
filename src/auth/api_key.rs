//! API-key authentication: a bearer value starting with `pgk_` is checked here against the
//! database (contract: "API keys").
//!
//! A key is `pgk_<public id>_<secret>`: the prefix lets secret scanners recognise it, the
//! public id makes the look-up one indexed query, and the secret (256 bits from the OS
//! CSPRNG) is stored only as its SHA-256 and compared in constant time. A key's roles never
//! outrank its creator's, and that bound holds on every use, not only at creation: a key
//! whose creator was disabled or demoted below it stops working at once.

use chrono::NaiveDateTime;
use subtle::ConstantTimeEq;

use crate::clock::Clock;
use crate::db::api_keys::KeyWithCreator;
use crate::db::{self, Db, DbConn};
use crate::domain::RoleSet;
use crate::error::ApiError;

use super::opaque;

pub const PREFIX: &str = "pgk_";

/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY_SECS: i64 = 60;

/// An authenticated key: its id and roles.
pub struct KeyIdentity {
    pub id: String,
    pub roles: RoleSet,
}

/// Checks a presented key against the database (so a revocation, or a change to its
/// creator, takes effect at once on every instance; nothing about a key's authority is
/// remembered in memory). Unknown, revoked, expired and malformed keys, and keys whose
/// creator no longer covers them, are all `None`: the caller answers `invalid_token`.
///
/// Contract: failed keys are throttled per address, but a valid key is always accepted. So
/// the key is checked first, and only a `None` is counted by the caller (see
/// `http::bearer`): a wrong key costs the same look-up whether or not its address is over
/// the limit, so the answer's timing says nothing beyond the status.
pub async fn authenticate(
    db: &Db,
    clock: &Clock,
    presented: &str,
) -> Result<Option<KeyIdentity>, ApiError> {
    let found = match parse(presented) {
        Some((public_id, secret)) => {
            let public_id = public_id.to_owned();
            let digest = opaque::digest(secret);
            let clock = clock.clone();
            db.run(move |c| -> Result<_, ApiError> {
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
    Ok(found.map(|row| KeyIdentity {
        id: row.id,
        roles: RoleSet::from_db(&row.roles),
    }))
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
