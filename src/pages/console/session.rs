//! The signed-in console admin, read off the session cookie on every console request.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::InternalError;
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};

use crate::flows::console_sessions;
use crate::pages::forms::trouble;
use crate::pages::text::Ui;
use crate::state::AppState;

use super::cookies::{self, Kind};

/// A signed-in console admin, extracted from the cookie on every console request after the
/// session was checked (exists, not idle/absolute-expired, user enabled, security version and
/// roles unchanged and still admin or password_admin); the session's last-seen time is touched.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub caller: crate::auth::Caller, // as the admin API would build it for this admin
    pub email: String,               // for the header
    pub csrf: String,                // this session's CSRF token, for hidden `csrf` fields
}

impl ConsoleSession {
    /// Constant-time check of a posted `csrf` value against this session's token.
    pub fn csrf_ok(&self, posted: Option<&str>) -> bool {
        console_sessions::csrf_matches(&self.csrf, posted)
    }
}

/// On a missing or ended session the request is answered 303 See Other to `/admin` (the
/// sign-in form), whatever its method, and nothing is done; so handlers just take
/// `session: ConsoleSession`.
impl FromRequest for ConsoleSession {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Err(actix_web::error::ErrorInternalServerError("no app state"));
            };
            let Some(secret) = cookies::read(&req, &state, Kind::Session) else {
                return Err(ended(&req, &state, false));
            };
            match console_sessions::authenticate(&state, &secret).await {
                Ok(Some(signed)) => Ok(ConsoleSession {
                    caller: signed.caller,
                    email: signed.email,
                    csrf: signed.csrf,
                }),
                Ok(None) => Err(ended(&req, &state, true)),
                Err(e) => {
                    let ui = Ui::new(&state, &req, None);
                    let (status, message) = trouble(&ui, &e);
                    let page = super::frame::notice(&ui, status, &message);
                    Err(InternalError::from_response("console unavailable", page).into())
                }
            }
        })
    }
}

/// The answer for no session: to the sign-in form, in the language asked for, forgetting a
/// cookie that names an ended session.
fn ended(req: &HttpRequest, state: &AppState, had_cookie: bool) -> actix_web::Error {
    let mut res = HttpResponse::build(StatusCode::SEE_OTHER);
    res.insert_header((header::LOCATION, home_link(req, state)))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if had_cookie {
        res.cookie(cookies::clear(state, Kind::Session));
    }
    InternalError::from_response("console session ended", res.finish()).into()
}

/// `/admin`, keeping a language the request named with `?lang=`.
fn home_link(req: &HttpRequest, state: &AppState) -> String {
    let named = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .any(|(k, v)| k == "lang" && !v.is_empty());
    if named {
        Ui::new(state, req, None).link("/admin")
    } else {
        "/admin".to_owned()
    }
}
