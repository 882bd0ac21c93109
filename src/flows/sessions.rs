//! Sessions: token pairs, refresh-token rotation with reuse detection, logout.
//!
//! A session is a family of refresh tokens. Each refresh marks the presented token rotated
//! and issues the next one in the family; presenting an already-rotated token means it was
//! stolen or replayed, so the whole family is revoked (contract: "Tokens"). Every token also
//! carries the security version it was issued under: it is stored only while that version
//! is current, and refused later once the user's version has moved on, so a sign-in or
//! refresh racing a password, role or disabled change never leaves a session behind.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::opaque;
use crate::db::{self, models::RefreshTokenRow, write_tx, DbConn};
use crate::domain::{RoleSet, UserId};
use crate::error::ApiError;
use crate::state::AppState;

/// A fresh access token and refresh token.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2ln", "token_type": "Bearer",
    "expires_in": 900, "refresh_token": "m0QK3n1Yc8X2oZ7b4v6pR9sT1uW3xY5zA7cE9gI2kL4", "password_change_required": false}))]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
    /// When true the access token carries `scope: "password_change"` and is accepted only by
    /// `GET /v1/me` and `POST /v1/me/password`.
    pub password_change_required: bool,
}

/// Creates a refresh token (a new family unless `family` is given) issued under the user's
/// `security_version`, and returns its secret, or `None` (storing nothing) when that version
/// is no longer current or the account is disabled: the decision to issue was taken on a
/// state a password, role or disabled change has since replaced (contract: "Tokens"). Runs
/// inside the caller's write transaction; the re-read holds the user row until it ends.
pub fn create_refresh_token(
    conn: &mut DbConn,
    user_id: &UserId,
    security_version: i64,
    family: Option<&str>,
    now: NaiveDateTime,
    ttl_secs: u64,
) -> db::Result<Option<String>> {
    match db::users::lock_auth_state(conn, user_id)? {
        Some(current) if !current.disabled && current.security_version == security_version => {}
        _ => return Ok(None),
    }
    let (secret, digest) = opaque::new_secret();
    let id = uuid::Uuid::now_v7().to_string();
    db::refresh_tokens::insert(
        conn,
        &RefreshTokenRow {
            family_id: family.map_or_else(|| id.clone(), str::to_owned),
            id,
            user_id: *user_id,
            token_hash: digest,
            created_at: now,
            expires_at: now + Duration::seconds(ttl_secs as i64),
            rotated_at: None,
            revoked_at: None,
            security_version,
        },
    )?;
    Ok(Some(secret))
}

/// Signs the access token for a pair whose refresh token was just stored.
pub fn token_pair(
    state: &AppState,
    user_id: &UserId,
    roles: &RoleSet,
    security_version: i64,
    restricted: bool,
    refresh_token: String,
) -> Result<TokenPair, ApiError> {
    let names = roles.names().into_iter().map(String::from).collect();
    Ok(TokenPair {
        access_token: state
            .jwt
            .issue(&user_id.to_string(), names, security_version, restricted)?,
        token_type: "Bearer",
        expires_in: state.jwt.access_ttl_secs(),
        refresh_token,
        password_change_required: restricted,
    })
}

enum Rotation {
    Rotated {
        user: Box<db::models::UserRow>,
        refresh: String,
    },
    Invalid,
}

/// `POST /v1/auth/refresh`: rotates the refresh token; reuse revokes the family.
pub async fn refresh(state: &AppState, presented: &str) -> Result<TokenPair, ApiError> {
    let digest = opaque::digest(presented);
    let ttl = state.settings.jwt.refresh_ttl_secs;
    let pauses = state.pauses.clone();
    let clock = state.clock.clone();
    let outcome = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| -> db::Result<_> {
                let now = clock.now();
                let Some(row) = db::refresh_tokens::find_by_hash(c, &digest)? else {
                    return Ok(Rotation::Invalid);
                };
                if row.revoked_at.is_some() || row.expires_at <= now {
                    return Ok(Rotation::Invalid);
                }
                // The user row first, then the token rows, as every write that revokes
                // sessions does (password change, reset, role change, disable): the other
                // order deadlocks against them on PostgreSQL.
                db::users::lock_auth_state(c, &row.user_id)?;
                pauses.point_blocking("refresh.user_locked");
                // Conditional: of two concurrent uses exactly one rotates; the other is reuse.
                if row.rotated_at.is_some() || !db::refresh_tokens::mark_rotated(c, &row.id, now)? {
                    tracing::warn!(family = %row.family_id, "refresh token reuse; revoking its family");
                    db::refresh_tokens::revoke_family(c, &row.family_id, now)?;
                    return Ok(Rotation::Invalid);
                }
                let user = match db::users::find(c, &row.user_id)? {
                    Some(user) if !user.disabled => user,
                    _ => return Ok(Rotation::Invalid),
                };
                // Issued before a password, role or disabled change: the session ended then,
                // whether or not this token was revoked with it.
                let refresh = if row.security_version == user.security_version {
                    create_refresh_token(c, &user.id, user.security_version, Some(&row.family_id), now, ttl)?
                } else {
                    None
                };
                let Some(refresh) = refresh else {
                    tracing::info!(family = %row.family_id, "refresh token of an older security version; revoking its family");
                    db::refresh_tokens::revoke_family(c, &row.family_id, now)?;
                    return Ok(Rotation::Invalid);
                };
                Ok(Rotation::Rotated { user: Box::new(user), refresh })
            })
        })
        .await?;
    match outcome {
        Rotation::Rotated { user, refresh } => token_pair(
            state,
            &user.id,
            &RoleSet::from_db(&user.roles),
            user.security_version,
            user.password_change_required,
            refresh,
        ),
        Rotation::Invalid => Err(ApiError::InvalidToken),
    }
}

/// `POST /v1/auth/logout`: revokes the session the refresh token belongs to. Unknown tokens
/// are accepted silently: logging out twice is not an error.
pub async fn logout(state: &AppState, presented: &str) -> Result<(), ApiError> {
    let digest = opaque::digest(presented);
    let clock = state.clock.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                if let Some(row) = db::refresh_tokens::find_by_hash(c, &digest)? {
                    db::refresh_tokens::revoke_family(c, &row.family_id, clock.now())?;
                }
                Ok(())
            })
        })
        .await
}
