//! The admin console (contract: "Admin console (HTML, hosted)"): pages under `/admin` for
//! `admin` and `password_admin`, over the same flows as the admin API. Every console page
//! takes a [`ConsoleSession`] (the cookie's session, checked against the database on each
//! request), renders with [`console_page`] and reads its posts with [`read_console_form`]
//! (the hosted pages' origin rule, then the session's CSRF token). Served only while
//! `PASSGATE__PAGES__ENABLED` and `PASSGATE__PAGES__ADMIN_CONSOLE` are both on.

mod cookies;
mod form;
mod frame;
pub mod reset;
mod results;
mod session;
pub mod sign_in;
pub mod user;
pub mod users;
mod view;

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
    .route("/admin/sign-out", web::post().to(sign_in::sign_out_submit))
    .service(
        web::resource("/admin/users")
            .route(web::get().to(users::users_page))
            .route(web::head().to(users::users_page)),
    )
    .service(
        web::resource("/admin/reset")
            .route(web::get().to(reset::reset_form))
            .route(web::head().to(reset::reset_form))
            .route(web::post().to(reset::reset_submit)),
    )
    .service(
        web::resource("/admin/users/{id}")
            .route(web::get().to(user::user_page))
            .route(web::head().to(user::user_page)),
    )
    .route(
        "/admin/users/{id}/unlock",
        web::post().to(user::unlock_submit),
    )
    .route(
        "/admin/users/{id}/disable",
        web::post().to(user::disable_submit),
    )
    .route(
        "/admin/users/{id}/enable",
        web::post().to(user::enable_submit),
    );
}
