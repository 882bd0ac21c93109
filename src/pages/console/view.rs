//! What the console's pages (Active users, reset, one user) are built from: how a user's
//! roles, state and dates read, why a user's row has no checkbox, and the small pieces of
//! markup the pages share.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use maud::{html, Markup};

use crate::auth::Caller;
use crate::domain::{RoleSet, UserId};
use crate::error::ApiError;
use crate::flows::{admin_reset, users::User};
use crate::i18n::{ids, Id};
use crate::pages::text::Ui;

use super::{console_page, ConsoleSession};

/// A role's name as the console shows it.
pub fn role_name(ui: &Ui<'_>, role: &str) -> String {
    let id = match role {
        "admin" => ids::CONSOLE_ROLE_ADMIN,
        "password_admin" => ids::CONSOLE_ROLE_PASSWORD_ADMIN,
        _ => ids::CONSOLE_ROLE_USER,
    };
    ui.t(id)
}

pub fn roles(ui: &Ui<'_>, user: &User) -> String {
    user.roles
        .iter()
        .map(|r| role_name(ui, r))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn state(ui: &Ui<'_>, user: &User) -> String {
    let mut parts = vec![ui.t(if user.disabled {
        ids::CONSOLE_STATE_DISABLED
    } else {
        ids::CONSOLE_STATE_ACTIVE
    })];
    if user.password_change_required {
        parts.push(ui.t(ids::CONSOLE_STATE_CHANGE_REQUIRED));
    }
    parts.join(", ")
}

pub fn date(ui: &Ui<'_>, at: DateTime<Utc>) -> String {
    ui.state.i18n.datetime(ui.lang, at.naive_utc())
}

pub fn date_or_never(ui: &Ui<'_>, at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| ui.t(ids::CONSOLE_USER_NEVER), |at| date(ui, at))
}

/// Why this admin may not reset `user`, or `None` when they may: decided by the reset
/// flow's own rule (`admin_reset::may_reset_account`), which the write applies again.
pub fn reset_refusal(ui: &Ui<'_>, caller: &Caller, user: &User) -> Option<String> {
    let id = UserId::parse(&user.id)?;
    let roles = RoleSet::parse(&user.roles).unwrap_or_else(|_| RoleSet::user());
    admin_reset::may_reset_account(caller, id, &roles)
        .err()
        .map(|e| refusal_text(ui, caller, &user.id, &e))
}

/// A refused action, worded for the console: "forbidden" says whether it was the admin's
/// own account or one that outranks them; anything else is the problem's own detail in the
/// page's language.
pub fn refusal_text(ui: &Ui<'_>, caller: &Caller, target_id: &str, e: &ApiError) -> String {
    match e {
        ApiError::Forbidden(_)
            if caller.user_id().map(|u| u.to_string()).as_deref() == Some(target_id) =>
        {
            ui.t(ids::CONSOLE_REASON_OWN)
        }
        ApiError::Forbidden(_) => ui.t(ids::CONSOLE_REASON_OUTRANKED),
        other => other.problem_in(&ui.state.i18n, ui.lang).detail,
    }
}

/// A table in a wrapper of its own, which scrolls sideways on a narrow screen while the
/// page does not.
pub fn scrolling(label: &str, table: Markup) -> Markup {
    html! { div.table-scroll role="region" aria-label=(label) tabindex="0" { (table) } }
}

/// A notice at the top of a page: done (`role="status"`) or refused (`role="alert"`).
pub fn notice(message: Option<&str>, ok: bool) -> Markup {
    html! {
        @if let Some(m) = message {
            @if ok { p.notice role="status" { (m) } } @else { p.alert role="alert" { (m) } }
        }
    }
}

pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// A page that only says something (not found, busy), with a way back to the list.
pub fn message_page(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    status: StatusCode,
    title: Id,
    message: &str,
) -> HttpResponse {
    let title = ui.t(title);
    let body = html! {
        h1 { (title) }
        p.alert role="alert" { (message) }
        p { a href=(ui.link("/admin/users")) { (ui.t(ids::CONSOLE_RESET_BACK)) } }
    };
    console_page(ui, session, status, &title, body)
}

/// Service trouble while reading for a page, worded for a person.
pub fn trouble(ui: &Ui<'_>, session: &ConsoleSession, e: &ApiError) -> HttpResponse {
    let (status, message) = crate::pages::forms::trouble(ui, e);
    let mut res = message_page(ui, session, status, ids::CONSOLE_USERS_TITLE, &message);
    if let Some(secs) = e.retry_after() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    res
}

/// 303 to `location` (a console page in this language).
pub fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
