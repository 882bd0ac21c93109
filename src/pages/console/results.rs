//! The outcome of a console reset, shown once: a page with each user's temporary password
//! or why it failed, or the same as a CSV download. Both answer a POST, so the passwords are
//! never in a URL, and neither is stored by a browser or proxy (`no-store`).

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::html;

use crate::flows::admin_reset::{BulkResetResult, ResetResult};
use crate::flows::users::User;
use crate::i18n::ids;
use crate::pages::text::Ui;

use super::view::{self, scrolling};
use super::{console_page, ConsoleSession};

fn email_of<'a>(result: &'a ResetResult, users: &'a [User]) -> &'a str {
    let id = result.user_id.as_deref().unwrap_or("");
    users
        .iter()
        .find(|u| u.id == id)
        .map_or(id, |u| u.email.as_str())
}

/// Why one user was not reset, in the page's language.
fn failure(ui: &Ui<'_>, session: &ConsoleSession, result: &ResetResult) -> String {
    let Some(error) = &result.error else {
        return String::new();
    };
    let own = session.caller.user_id().map(|id| id.to_string()) == result.user_id;
    match error.code.as_str() {
        "forbidden" if own => ui.t(ids::CONSOLE_REASON_OWN),
        "forbidden" => ui.t(ids::CONSOLE_REASON_OUTRANKED),
        "not_found" => ui.t(ids::CONSOLE_RESET_UNKNOWN),
        "overloaded" | "unavailable" => ui.t(ids::CONSOLE_RESULT_BUSY),
        // The write re-checks the admin's authority; it was gone by then.
        "invalid_token" => ui.t(ids::CONSOLE_RESULT_AUTHORITY_LOST),
        // Already worded in the page's language by the flow (`reset_submit` runs it so).
        _ => error.detail.clone(),
    }
}

pub fn page(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    done: &BulkResetResult,
    users: &[User],
) -> HttpResponse {
    let title = ui.t(ids::CONSOLE_RESULTS_TITLE);
    let s = &done.summary;
    let any_password = done.results.iter().any(|r| r.temporary_password.is_some());
    let password_label = ui.t(ids::CONSOLE_COL_TEMPORARY);
    let table = html! {
        table id="results" {
            thead { tr {
                th scope="col" { (ui.t(ids::CONSOLE_COL_EMAIL)) }
                th scope="col" { (password_label) }
            } }
            tbody {
                @for r in &done.results {
                    tr data-user-id=[r.user_id.as_deref()] data-status=(r.status) {
                        td.email { (email_of(r, users)) }
                        @if let Some(pw) = &r.temporary_password {
                            td.password data-label=(password_label) {
                                code { (pw) }
                                @if let Some(at) = r.temporary_password_expires_at {
                                    " " span.expires { (ui.t_with(ids::CONSOLE_RESULT_EXPIRES, &[("when", view::date(ui, at).into())])) }
                                }
                            }
                        } @else if r.error.is_some() {
                            td.error data-label=(password_label) { (failure(ui, session, r)) }
                        } @else if r.link_sent == Some(true) {
                            td.result data-label=(password_label) { (ui.t(ids::CONSOLE_RESULT_LINK_SENT)) }
                        } @else {
                            td.result data-label=(password_label) { (ui.t(ids::CONSOLE_RESULT_SET)) }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (title) }
        p role="status" {
            (ui.t_with(ids::CONSOLE_RESULTS_SUMMARY, &[
                ("succeeded", s.succeeded.into()), ("requested", s.requested.into()), ("failed", s.failed.into()),
            ]))
        }
        @if any_password { p.notice { (ui.t(ids::CONSOLE_RESULTS_ONCE)) } }
        (scrolling(&title, table))
        p { a href=(ui.link("/admin/users")) { (ui.t(ids::CONSOLE_RESET_BACK)) } }
    };
    console_page(ui, session, StatusCode::OK, &title, body)
}

/// The same results as a spreadsheet-safe CSV attachment.
pub fn csv(ui: &Ui<'_>, done: &BulkResetResult, users: &[User]) -> HttpResponse {
    let mut out = String::from("email,user_id,status,temporary_password,error\r\n");
    for r in &done.results {
        let row = [
            cell(email_of(r, users)),
            cell(r.user_id.as_deref().unwrap_or("")),
            cell(r.status),
            cell(r.temporary_password.as_deref().unwrap_or("")),
            cell(r.error.as_ref().map_or("", |e| e.code.as_str())),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    let stamp = ui.state.clock.now().format("%Y%m%d-%H%M%S");
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"password-resets-{stamp}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(out)
}

/// One CSV cell (RFC 4180): quoted when it must be; a value a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed with `'` (an email address may
/// begin so; generated passwords and ids never do).
fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("ada@example.com"), "ada@example.com");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+1@example.com"), "'=1+1@example.com");
        assert_eq!(cell("-x@example.com"), "'-x@example.com");
    }
}
