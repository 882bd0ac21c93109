//! The hosted pages: small server-rendered HTML forms for the reset link, a forgotten
//! password and a temporary password, so a fresh install works end to end without a
//! frontend. They run the same flows as the API, with the same rules. No JavaScript, nothing
//! loaded from elsewhere, a strict Content-Security-Policy, and never JSON or a 500 for bad
//! input. Switched off with `PASSGATE__PAGES__ENABLED=false`.

pub mod forms;
pub mod text;

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use maud::{html, Markup, DOCTYPE};

const CSS: &str = include_str!("passgate.css");

/// No script at all, styles only from our own stylesheet, forms only to ourselves, and never
/// inside a frame: the reset token in the URL can leak nowhere.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/passgate.css", web::get().to(stylesheet))
        .service(
            web::resource("/forgot-password")
                .route(web::get().to(forms::forgot_form))
                .route(web::head().to(forms::forgot_form))
                .route(web::post().to(forms::forgot_submit)),
        )
        .service(
            web::resource("/reset-password")
                .route(web::get().to(forms::reset_form))
                .route(web::head().to(forms::reset_form))
                .route(web::post().to(forms::reset_submit)),
        )
        .service(
            web::resource("/change-password")
                .route(web::get().to(forms::change_form))
                .route(web::head().to(forms::change_form))
                .route(web::post().to(forms::change_submit)),
        );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

/// A page, with the headers every page carries.
fn page(status: StatusCode, product: &str, title: &str, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (product) }
                link rel="stylesheet" href="/assets/passgate.css";
            }
            body {
                header { (product) }
                main { (body) }
            }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(markup.into_string())
}

/// Largest form a page reads: far more than three passwords and an email need.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Reads an urlencoded form body; anything unreadable is an empty form, which the page then
/// reports field by field (a page never answers JSON). `None` when the body is too large.
async fn form_fields(mut payload: web::Payload) -> Option<HashMap<String, String>> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.ok()?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .map(|pairs| pairs.into_iter().collect())
            .unwrap_or_default(),
    )
}

/// The page for a form too large to read.
fn too_large(product: &str) -> HttpResponse {
    page(
        StatusCode::PAYLOAD_TOO_LARGE,
        product,
        text::TOO_LARGE_TITLE,
        html! { h1 { (text::TOO_LARGE_TITLE) } p { (text::TOO_LARGE_BODY) } },
    )
}
