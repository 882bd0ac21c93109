//! The hosted pages: small server-rendered HTML forms for the reset link, a forgotten
//! password and a temporary password, so a fresh install works end to end without a
//! frontend. They run the same flows as the API, with the same rules. No JavaScript, nothing
//! loaded from elsewhere, a strict Content-Security-Policy, and never JSON or a 500 for bad
//! input. Every text in the visitor's language (`?lang=`, `Accept-Language`, the default;
//! see `text::Ui`). Switched off with `PASSGATE__PAGES__ENABLED=false`. The admin console
//! (`console`) is built from the same parts.

pub mod console;
pub mod forms;
pub mod text;

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};

use crate::i18n::{ids, Id};
use crate::state::AppState;

use text::Ui;

const CSS: &str = include_str!("passgate.css");

/// No script at all, styles only from our own stylesheet, forms only to ourselves, and never
/// inside a frame: the reset token in the URL can leak nowhere.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/passgate.css", web::get().to(stylesheet))
        .service(
            web::resource("/forgot-password")
                .route(web::get().to(forms::forgot::forgot_form))
                .route(web::head().to(forms::forgot::forgot_form))
                .route(web::post().to(forms::forgot::forgot_submit)),
        )
        .service(
            web::resource("/reset-password")
                .route(web::get().to(forms::reset::reset_form))
                .route(web::head().to(forms::reset::reset_form))
                .route(web::post().to(forms::reset::reset_submit)),
        )
        .service(
            web::resource("/change-password")
                .route(web::get().to(forms::change::change_form))
                .route(web::head().to(forms::change::change_form))
                .route(web::post().to(forms::change::change_submit)),
        );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

/// A page, with the headers every page carries, in the language of `ui` (`<html lang>`),
/// with links to the same page in every language served.
fn page(ui: &Ui<'_>, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    frame(ui, status, title, None, body)
}

/// `page`, with `account` (the console's signed-in admin and sign-out form) in the header
/// of a console page, whose main column is wide enough for tables.
fn frame(
    ui: &Ui<'_>,
    status: StatusCode,
    title: &str,
    account: Option<Markup>,
    body: Markup,
) -> HttpResponse {
    let product = &ui.state.settings.mail.product_name;
    let class = account.is_some().then_some("console");
    let markup = html! {
        (DOCTYPE)
        html lang=(ui.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (product) }
                link rel="stylesheet" href="/assets/passgate.css";
            }
            body class=[class] {
                header {
                    span.product { (product) }
                    nav.languages aria-label=(ui.t(ids::PAGE_LANGUAGES)) {
                        @for (tag, name, link, current) in ui.languages() {
                            @if current {
                                span lang=(tag) aria-current="true" { (name) }
                            } @else {
                                a href=(link) lang=(tag) hreflang=(tag) { (name) }
                            }
                        }
                    }
                    @if let Some(account) = account { (account) }
                }
                main { (body) }
            }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CONTENT_LANGUAGE, ui.tag().to_owned()))
        .insert_header((header::VARY, "Accept-Language"))
        .body(markup.into_string())
}

/// The hidden field that keeps the page's language across a post.
fn lang_field(ui: &Ui<'_>) -> Markup {
    html! { input type="hidden" name="lang" value=(ui.tag()); }
}

/// Largest form a page reads: far more than three passwords and an email need.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Reads a form post, after the checks every hosted form shares (see [`form_pairs`]). A
/// refusal is a page that says so, and nothing is done.
async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<HashMap<String, String>, HttpResponse> {
    match form_pairs(req, payload, state, MAX_FORM_BYTES).await {
        Ok(pairs) => Ok(pairs.into_iter().collect()),
        Err(refusal) => {
            // Before the form is read, its `lang` is unknown: the refusal speaks the query's
            // or the browser's language.
            let ui = Ui::new(state, req, None);
            let (title, message) = refusal.texts();
            Err(refused(&ui, refusal.status(), title, message, req.path()))
        }
    }
}

/// Why a form post was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormRefusal {
    CrossSite,
    WrongType,
    TooLarge,
}

impl FormRefusal {
    fn status(self) -> StatusCode {
        match self {
            Self::CrossSite => StatusCode::FORBIDDEN,
            Self::WrongType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// The refusal page's title and text.
    fn texts(self) -> (Id, Id) {
        match self {
            Self::CrossSite => (ids::PAGE_CROSS_SITE_TITLE, ids::PAGE_CROSS_SITE_BODY),
            Self::WrongType => (ids::PAGE_WRONG_TYPE_TITLE, ids::PAGE_WRONG_TYPE_BODY),
            Self::TooLarge => (ids::PAGE_TOO_LARGE_TITLE, ids::PAGE_TOO_LARGE_BODY),
        }
    }
}

/// The fields of a form post, in order and with repeats, after the checks every hosted form
/// shares: the post comes from passgate's own origin (else 403: a cross-site page could
/// otherwise post a victim's browser into a change) and is
/// `application/x-www-form-urlencoded` (else 415); the body is at most `limit` bytes (else
/// 413). Anything unreadable inside an accepted form is an empty form, which the page then
/// reports field by field (a page never answers JSON).
async fn form_pairs(
    req: &HttpRequest,
    mut payload: web::Payload,
    state: &AppState,
    limit: usize,
) -> Result<Vec<(String, String)>, FormRefusal> {
    use futures_util::StreamExt;
    if !same_origin(req, &state.settings.server.public_url) {
        return Err(FormRefusal::CrossSite);
    }
    if !is_urlencoded(req) {
        return Err(FormRefusal::WrongType);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        // A body that could not be read at all is refused as one too large.
        let chunk = chunk.map_err(|_| FormRefusal::TooLarge)?;
        if body.len() + chunk.len() > limit {
            return Err(FormRefusal::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default())
}

fn is_urlencoded(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The origin rule of the hosted forms: an `Origin` naming any origin but that of
/// `public_url` is refused, and so is `Sec-Fetch-Site: cross-site`. `Origin: null` names no
/// origin (browsers send it for same-origin posts from our `no-referrer` pages), and a post
/// with neither header is accepted, as older clients send none.
fn same_origin(req: &HttpRequest, public_url: &str) -> bool {
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim();
        if origin != "null" && !origin.eq_ignore_ascii_case(&origin_of(public_url)) {
            return false;
        }
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    !cross_site
}

/// `scheme://host[:port]` of a URL, as a browser serialises it in `Origin`: lowercase, with
/// the scheme's default port left out.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        _ => ":80",
    };
    let host = authority.strip_suffix(default_port).unwrap_or(&authority);
    format!("{scheme}://{host}")
}

/// The page for a form post that is not read, with a way back to the form.
fn refused(ui: &Ui<'_>, status: StatusCode, title: Id, message: Id, form: &str) -> HttpResponse {
    let title = ui.t(title);
    page(
        ui,
        status,
        &title,
        html! { h1 { (title) } p { (ui.t(message)) } p { a href=(ui.link(form)) { (ui.t(ids::PAGE_BACK_TO_FORM)) } } },
    )
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_are_serialised_as_browsers_do() {
        assert_eq!(origin_of("http://localhost:8080"), "http://localhost:8080");
        assert_eq!(
            origin_of("https://ID.Example.com/"),
            "https://id.example.com"
        );
        assert_eq!(
            origin_of("https://id.example.com:443/auth"),
            "https://id.example.com"
        );
        assert_eq!(
            origin_of("http://id.example.com:80"),
            "http://id.example.com"
        );
        assert_eq!(
            origin_of("https://id.example.com:8443"),
            "https://id.example.com:8443"
        );
    }
}
