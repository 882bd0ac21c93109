//! The console's door: `GET /admin` (the sign-in form, or on to the console),
//! `POST /admin/sign-in` (the sign-in flow, then a session cookie) and
//! `POST /admin/sign-out`.
//!
//! The sign-in form has no session to carry a CSRF token, so it gets a pre-session one: a
//! random cookie (`passgate_console_signin`, `SameSite=Strict`) and a token derived from it in
//! a hidden field. A post must bring both, matching, besides passing the hosted pages' origin
//! rule: another site can neither read the token nor make the browser send the cookie, so it
//! cannot sign a victim's browser in to an account of its choosing (login CSRF). A post that
//! fails this does nothing: no password is checked, no attempt counted.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use maud::html;
use utoipa::ToSchema;

use crate::auth::opaque;
use crate::error::ApiError;
use crate::flows::console_sessions::{self, SignIn};
use crate::http::client_address;
use crate::i18n::ids;
use crate::pages::forms::{alert, input, trouble, Input};
use crate::pages::{form_pairs, lang_field, page, refused, text::Ui, MAX_FORM_BYTES};
use crate::state::AppState;

use super::cookies::{self, Kind};
use super::ConsoleSession;

/// The console's sign-in form (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ConsoleSignInForm {
    email: String,
    password: String,
    /// The token of the form as served, bound to its `passgate_console_signin` cookie.
    csrf: String,
    /// The page's language.
    lang: Option<String>,
}

/// The sign-out form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ConsoleSignOutForm {
    /// The session's CSRF token, from the page.
    csrf: String,
    lang: Option<String>,
}

/// The admin console: its sign-in form, or (signed in) on to the list of users.
#[utoipa::path(get, path = "/admin", tag = "admin console", operation_id = "consoleHome", security(()),
    responses(
        (status = 200, description = "The sign-in form; sets the `passgate_console_signin` cookie its token is bound to", body = String, content_type = "text/html"),
        (status = 303, description = "Signed in: on to `/admin/users`"),
    ))]
pub async fn console_home(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Option<ConsoleSession>,
) -> HttpResponse {
    let ui = Ui::new(&state, &req, None);
    if session.is_some() {
        return see_other(&ui, &req, "/admin/users").finish();
    }
    let mut res = sign_in_page(&ui, &req, StatusCode::OK, None, None);
    if cookies::read(&req, &state, Kind::Session).is_some() {
        // It names a session that has ended: the browser may forget it.
        let _ = res.add_cookie(&cookies::clear(&state, Kind::Session));
    }
    res
}

/// Signs in to the admin console. Runs the sign-in flow: the same lockout, and the same
/// answer for an unknown email, a wrong password or a disabled account.
#[utoipa::path(post, path = "/admin/sign-in", tag = "admin console", operation_id = "consoleSignIn", security(()),
    request_body(content = ConsoleSignInForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: sets the session cookie (`passgate_console`, `HttpOnly`, `SameSite=Strict`, `Path=/admin`; with an https public URL `__Host-passgate_console`, `Secure`, `Path=/`, as the `__Host-` prefix requires) and goes on to `/admin/users`. Or the password must be changed first: on to `/change-password`, no session made"),
        (status = 401, description = "The email address or password is not correct (one answer for every case): the form again", body = String, content_type = "text/html"),
        (status = 403, description = "Posted from another site, or without the sign-in form's token and cookie: nothing done. Or signed in correctly but neither `admin` nor `password_admin`: a page saying so", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 429, description = "The account is locked for a while: the form again", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn sign_in_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let fields = match form_pairs(&req, payload, &state, MAX_FORM_BYTES).await {
        Ok(pairs) => super::ConsoleForm(pairs),
        Err(refusal) => {
            let ui = Ui::new(&state, &req, None).at("/admin".into());
            let (title, message) = refusal.texts();
            return refused(&ui, refusal.status(), title, message, "/admin");
        }
    };
    let ui = Ui::new(&state, &req, fields.get("lang")).at("/admin".into());
    let email = fields.get("email").unwrap_or("").trim();
    let bound = cookies::read(&req, &state, Kind::SignIn).is_some_and(|c| {
        console_sessions::csrf_matches(&console_sessions::sign_in_csrf_of(&c), fields.get("csrf"))
    });
    if !bound {
        let expired = ui.t(ids::CONSOLE_ERROR_EXPIRED);
        return sign_in_page(
            &ui,
            &req,
            StatusCode::FORBIDDEN,
            Some(email),
            Some(&expired),
        );
    }
    let password = fields.get("password").unwrap_or("");
    match console_sessions::sign_in(&state, email, password, client_address(&req, &state)).await {
        Ok(SignIn::Session(secret)) => {
            // A session this browser still held is replaced, not left to time out.
            if let Some(old) = cookies::read(&req, &state, Kind::Session) {
                if let Err(e) = console_sessions::sign_out(&state, &old).await {
                    tracing::warn!(error = %e, "ending the replaced console session failed");
                }
            }
            see_other(&ui, &req, "/admin/users")
                .cookie(cookies::set(&state, Kind::Session, secret))
                .cookie(cookies::clear(&state, Kind::SignIn))
                .finish()
        }
        Ok(SignIn::ChangeRequired) => see_other(&ui, &req, "/change-password").finish(),
        Ok(SignIn::NotAnAdmin) => {
            let title = ui.t(ids::CONSOLE_FORBIDDEN_TITLE);
            page(
                &ui,
                StatusCode::FORBIDDEN,
                &title,
                html! {
                    h1 { (title) }
                    p { (ui.t(ids::CONSOLE_FORBIDDEN_BODY)) }
                    nav { a href=(ui.link("/admin")) { (ui.t(ids::CONSOLE_BACK)) } }
                },
            )
        }
        Err(
            ApiError::InvalidCredentials | ApiError::Validation(_) | ApiError::PasswordPolicy(_),
        ) => {
            let wrong = ui.t(ids::CONSOLE_ERROR_CREDENTIALS);
            sign_in_page(
                &ui,
                &req,
                StatusCode::UNAUTHORIZED,
                Some(email),
                Some(&wrong),
            )
        }
        Err(e) => {
            let (status, message) = trouble(&ui, &e);
            let mut res = sign_in_page(&ui, &req, status, Some(email), Some(&message));
            if let Some(secs) = e.retry_after() {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
            }
            res
        }
    }
}

/// Signs out of the admin console: the session ends on the server, the cookie is cleared.
#[utoipa::path(post, path = "/admin/sign-out", tag = "admin console", operation_id = "consoleSignOut", security(("console_session" = [])),
    request_body(content = ConsoleSignOutForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed out (or no session was live): on to `/admin`"),
        (status = 403, description = "Posted from another site, or without the session's CSRF token: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`: a page saying so, nothing done", body = String, content_type = "text/html"),
    ))]
pub async fn sign_out_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    session: ConsoleSession,
) -> HttpResponse {
    let form = match super::read_console_form(&req, payload, &state, &session).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    let ui = Ui::new(&state, &req, form.get("lang")).at("/admin".into());
    if let Some(secret) = cookies::read(&req, &state, Kind::Session) {
        if let Err(e) = console_sessions::sign_out(&state, &secret).await {
            let (status, message) = trouble(&ui, &e);
            return super::frame::notice(&ui, status, &message);
        }
    }
    see_other(&ui, &req, "/admin")
        .cookie(cookies::clear(&state, Kind::Session))
        .finish()
}

/// The sign-in form, with its token bound to the request's pre-session cookie (a fresh one
/// when the request has none).
fn sign_in_page(
    ui: &Ui<'_>,
    req: &HttpRequest,
    status: StatusCode,
    email: Option<&str>,
    problem: Option<&str>,
) -> HttpResponse {
    let state = ui.state;
    let (cookie, fresh) = match cookies::read(req, state, Kind::SignIn) {
        Some(value) => (value, false),
        None => (opaque::new_secret().0, true),
    };
    let title = ui.t(ids::CONSOLE_SIGN_IN_TITLE);
    let body = html! {
        h1 { (title) }
        p { (ui.t(ids::CONSOLE_SIGN_IN_INTRO)) }
        (alert(problem))
        form method="post" action="/admin/sign-in" novalidate {
            (lang_field(ui))
            input type="hidden" name="csrf" value=(console_sessions::sign_in_csrf_of(&cookie));
            (input(Input { name: "email", label: ui.t(ids::PAGE_LABEL_EMAIL), kind: "email", autocomplete: "username", value: email }, &[]))
            (input(Input { name: "password", label: ui.t(ids::CONSOLE_LABEL_PASSWORD), kind: "password", autocomplete: "current-password", value: None }, &[]))
            button type="submit" id="sign-in" { (ui.t(ids::CONSOLE_SIGN_IN_SUBMIT)) }
        }
        nav { a href=(ui.link("/forgot-password")) { (ui.t(ids::PAGE_FORGOT_LINK)) } }
    };
    let mut res = page(ui, status, &title, body);
    if fresh {
        let _ = res.add_cookie(&cookies::set(state, Kind::SignIn, cookie));
    }
    res
}

/// 303 See Other to `path` (never cached), keeping the page's language when it is not the
/// one the browser would be given anyway.
fn see_other(ui: &Ui<'_>, req: &HttpRequest, path: &str) -> HttpResponseBuilder {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let location = if ui.state.i18n.negotiate(None, accept) == ui.lang {
        path.to_owned()
    } else {
        ui.link(path)
    };
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    res
}
