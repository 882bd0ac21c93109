//! The admin console (contract: "Admin console (HTML, hosted)"): pages under `/admin` for
//! `admin` and `password_admin`, over the same flows as the admin API. Every console page
//! takes a [`ConsoleSession`] (the cookie's session, checked against the database on each
//! request), renders with [`console_page`] and reads its posts with [`read_console_form`]
//! (the hosted pages' origin rule, then the session's CSRF token). Served only while
//! `PASSGATE__PAGES__ENABLED` and `PASSGATE__PAGES__ADMIN_CONSOLE` are both on.

mod cookies;
mod form;
mod frame;
mod session;
pub mod sign_in;

use actix_web::web;

pub use form::{read_console_form, ConsoleForm};
pub use frame::console_page;
pub use session::ConsoleSession;

/// The console's routes. Each page adds its own here.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin")
            .route(web::get().to(sign_in::console_home))
            .route(web::head().to(sign_in::console_home)),
    )
    .route("/admin/sign-in", web::post().to(sign_in::sign_in_submit))
    .route("/admin/sign-out", web::post().to(sign_in::sign_out_submit));
}
