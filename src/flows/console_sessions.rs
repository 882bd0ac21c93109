//! The admin console's sessions (contract: "Admin console (HTML, hosted)").
//!
//! Sign-in is the sign-in flow (`sign_in::sign_in_issuing`: the same lockout, the same one
//! answer for every failure, the same audit event) issuing a console session instead of a
//! token pair, and only to `admin` and `password_admin` whose password needs no change.
//! The session is a 256-bit secret in a cookie, stored only as its SHA-256 digest, with the
//! user's security version it was made under. Every console request looks it up with its
//! user and ends it (deleting the row) after the idle or absolute timeout, or as soon as the
//! user is disabled, loses both admin roles, must change their password, or has a security
//! version other than the session's (a password change or reset, a role change, a disable
//! all bump it). That check reads the database, so it holds on every instance at once.

use chrono::{Duration, NaiveDateTime};
use subtle::ConstantTimeEq;

use crate::auth::caller::{PasswordAdmin, Requirement};
use crate::auth::{opaque, Caller, CallerKind};
use crate::config::ConsoleSettings;
use crate::db::{self, console_sessions::ConsoleSessionRow, DbConn};
use crate::domain::{Email, Parsed, RoleSet};
use crate::error::ApiError;
use crate::state::AppState;

use super::sign_in::{sign_in_issuing, Channel};
use super::ClientAddress;

/// `last_seen_at` is written at most this often per session, so a burst of console
/// requests costs one write, not one each; the idle timeout is measured to within it.
const TOUCH_EVERY_SECS: i64 = 10;

/// A signed-in console admin, as checked on this request.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The caller the admin API builds from this admin's access token: their id, their
    /// roles, unrestricted, and the security version the session was made under, so the
    /// flows' in-transaction re-check (`auth::still_authorized`) applies unchanged.
    pub caller: Caller,
    pub email: String,
    /// The session's CSRF token (see [`csrf_of`]).
    pub csrf: String,
}

/// What a correct console sign-in leads to.
#[derive(Debug)]
pub enum SignIn {
    /// A new session: the cookie's secret.
    Session(String),
    /// The password must be changed first (temporary, or forced): no session is made.
    ChangeRequired,
    /// Neither `admin` nor `password_admin`: no session is made.
    NotAnAdmin,
}

/// Signs in to the console (contract: the console's sign-in "runs the sign-in flow").
/// Errors are the sign-in flow's: `invalid_credentials` for every wrong input,
/// `account_locked`, `overloaded`, `unavailable`.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    origin: ClientAddress,
) -> Result<SignIn, ApiError> {
    let settings = state.settings.console.clone();
    let email = Parsed::<Email>::from_raw(email.to_owned());
    let (_, outcome) = sign_in_issuing(
        state,
        email,
        password,
        origin,
        Channel::Console,
        move |c, user, now| {
            // Re-read under lock: issued only while the version checked is still current.
            match db::users::lock_auth_state(c, &user.id)? {
                Some(s) if !s.disabled && s.security_version == user.security_version => {}
                _ => return Ok(None),
            }
            if !PasswordAdmin::permits(&RoleSet::from_db(&user.roles)) {
                return Ok(Some(SignIn::NotAnAdmin));
            }
            if user.password_change_required {
                return Ok(Some(SignIn::ChangeRequired));
            }
            db::console_sessions::sweep_user(c, &user.id, idle_before(&settings, now), now)?;
            let (secret, digest) = opaque::new_secret();
            db::console_sessions::insert(
                c,
                &ConsoleSessionRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    user_id: user.id,
                    token_hash: digest,
                    security_version: user.security_version,
                    created_at: now,
                    last_seen_at: now,
                    expires_at: now + Duration::seconds(settings.absolute_timeout_secs as i64),
                },
            )?;
            Ok(Some(SignIn::Session(secret)))
        },
    )
    .await?;
    Ok(outcome)
}

/// The session a cookie's secret names, if it is still live; an ended one is deleted.
pub async fn authenticate(state: &AppState, secret: &str) -> Result<Option<Signed>, ApiError> {
    let digest = opaque::digest(secret);
    let csrf = csrf_of(secret);
    let settings = state.settings.console.clone();
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| {
            let now = clock.now();
            let Some((session, user)) = db::console_sessions::find_with_user(c, &digest)? else {
                return Ok(None);
            };
            let roles = RoleSet::from_db(&user.roles);
            let live = session.expires_at > now
                && session.last_seen_at > idle_before(&settings, now)
                && !user.disabled
                && user.security_version == session.security_version
                && !user.password_change_required
                && PasswordAdmin::permits(&roles);
            if !live {
                db::console_sessions::delete(c, &session.id)?;
                return Ok(None);
            }
            if now - session.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECS) {
                db::console_sessions::touch(c, &session.id, now)?;
            }
            Ok(Some(Signed {
                caller: Caller {
                    id: user.id.to_string(),
                    roles,
                    restricted: false,
                    kind: CallerKind::User(user.id),
                    security_version: Some(session.security_version),
                },
                email: user.email,
                csrf,
            }))
        })
        .await
}

/// Ends the session a cookie's secret names (sign-out). An unknown one is no error.
pub async fn sign_out(state: &AppState, secret: &str) -> Result<(), ApiError> {
    let digest = opaque::digest(secret);
    state
        .db
        .run(move |c| Ok(db::console_sessions::delete_by_hash(c, &digest).map(|_| ())?))
        .await
}

/// Removes the sessions that have ended by time (for the periodic sweep; the ones ended by
/// a version change go at their next use or at their timeout, whichever is first).
pub fn sweep(
    conn: &mut DbConn,
    settings: &ConsoleSettings,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    Ok(db::console_sessions::sweep(
        conn,
        idle_before(settings, now),
        now,
    )?)
}

/// A session last seen at or before this is idle-expired.
fn idle_before(settings: &ConsoleSettings, now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::seconds(settings.idle_timeout_secs as i64)
}

/// The CSRF token of a session: derived from the cookie's secret (domain-separated, so it
/// is not the stored digest), hence one per session, stored nowhere, and useless without
/// the cookie. A page embeds it in every form; a post must bring it back.
pub fn csrf_of(secret: &str) -> String {
    opaque::digest(&format!("passgate console csrf\u{0}{secret}"))
}

/// The token of the sign-in form, bound to its pre-session cookie the same way.
pub fn sign_in_csrf_of(secret: &str) -> String {
    opaque::digest(&format!("passgate console sign-in\u{0}{secret}"))
}

/// Compares a posted token with the expected one in constant time; a missing one fails.
pub fn csrf_matches(expected: &str, posted: Option<&str>) -> bool {
    posted.is_some_and(|p| bool::from(p.as_bytes().ct_eq(expected.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_bound_to_their_secret_and_not_the_stored_digest() {
        let (secret, stored) = opaque::new_secret();
        let csrf = csrf_of(&secret);
        assert_ne!(csrf, stored);
        assert_ne!(csrf, sign_in_csrf_of(&secret));
        assert!(csrf_matches(&csrf, Some(&csrf)));
        assert!(!csrf_matches(
            &csrf,
            Some(&csrf_of(&opaque::new_secret().0))
        ));
        assert!(!csrf_matches(&csrf, Some("")));
        assert!(!csrf_matches(&csrf, None));
    }
}
