//! The console's two cookies: the session (`passgate_console`) and the sign-in form's
//! pre-session token (`passgate_console_signin`). Both `HttpOnly` (no script reads them;
//! the pages have none anyway) and `SameSite=Strict` (a browser never sends them with a
//! request another site starts). With an https `PASSGATE__SERVER__PUBLIC_URL` they are
//! `Secure` and carry the `__Host-` prefix, which the browser accepts only from https,
//! without a `Domain` and with `Path=/`: a neighbouring subdomain or a plain-http page
//! cannot plant or overwrite them. Over http they are scoped to `Path=/admin`.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;

use crate::state::AppState;

/// Longer than any secret we set (43 characters): anything longer is not ours.
const MAX_VALUE_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Session,
    SignIn,
}

fn https(state: &AppState) -> bool {
    state
        .settings
        .server
        .public_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

fn name(state: &AppState, kind: Kind) -> &'static str {
    match (kind, https(state)) {
        (Kind::Session, false) => "passgate_console",
        (Kind::Session, true) => "__Host-passgate_console",
        (Kind::SignIn, false) => "passgate_console_signin",
        (Kind::SignIn, true) => "__Host-passgate_console_signin",
    }
}

/// A cookie of `kind` holding `value`, for the browser's session (no `Max-Age`: it goes
/// when the browser closes, and the server ends the session before that anyway).
pub(super) fn set(state: &AppState, kind: Kind, value: String) -> Cookie<'static> {
    let secure = https(state);
    Cookie::build(name(state, kind), value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path(if secure { "/" } else { "/admin" })
        .finish()
}

/// Tells the browser to forget the cookie of `kind`.
pub(super) fn clear(state: &AppState, kind: Kind) -> Cookie<'static> {
    let mut cookie = set(state, kind, String::new());
    cookie.set_max_age(Duration::ZERO);
    cookie
}

/// The value of the cookie of `kind` the request carries, if it could be one of ours.
pub(super) fn read(req: &HttpRequest, state: &AppState, kind: Kind) -> Option<String> {
    req.cookie(name(state, kind))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= MAX_VALUE_LEN)
}
