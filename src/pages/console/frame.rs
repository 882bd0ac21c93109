//! The frame of every console page: the hosted pages' headers and layout, plus the signed-in
//! admin and the sign-out form in the header.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use maud::{html, Markup};

use crate::i18n::{ids, Id};
use crate::pages::{frame, lang_field, page, text::Ui};

use super::ConsoleSession;

/// A console page: the hosted pages' headers + the console header (product, language links,
/// the admin's email, sign-out form with csrf).
pub fn console_page(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    status: StatusCode,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let signed_in_as = ui.t_with(
        ids::CONSOLE_SIGNED_IN_AS,
        &[("email", session.email.as_str().into())],
    );
    let account = html! {
        div.account {
            span.who { (signed_in_as) }
            form.sign-out method="post" action="/admin/sign-out" {
                input type="hidden" name="csrf" value=(session.csrf);
                (lang_field(ui))
                button.secondary type="submit" id="sign-out" { (ui.t(ids::CONSOLE_SIGN_OUT)) }
            }
        }
    };
    frame(ui, status, title, Some(account), body)
}

/// A console post that was not read or not accepted: a page saying so, with a way back.
pub(super) fn refused(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    status: StatusCode,
    title: Id,
    message: Id,
) -> HttpResponse {
    let title = ui.t(title);
    console_page(
        ui,
        session,
        status,
        &title,
        html! {
            h1 { (title) }
            p { (ui.t(message)) }
            p { a href=(ui.link("/admin")) { (ui.t(ids::CONSOLE_BACK)) } }
        },
    )
}

/// A page with one message and a way back, for when there is no session to show.
pub(super) fn notice(ui: &Ui<'_>, status: StatusCode, message: &str) -> HttpResponse {
    let title = ui.t(ids::CONSOLE_NAME);
    page(
        ui,
        status,
        &title,
        html! {
            h1 { (title) }
            p.alert role="alert" { (message) }
            p { a href=(ui.link("/admin")) { (ui.t(ids::CONSOLE_BACK)) } }
        },
    )
}
