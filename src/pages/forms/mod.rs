//! The three forms. Each handler reads the form, calls the same flow as the API and renders
//! the outcome; every failure is the page again with a message, never JSON or a 500. What
//! the three pages are built from is here; each page is in its own file.

pub mod change;
pub mod forgot;
pub mod reset;

use actix_web::http::StatusCode;
use maud::{html, Markup};

use crate::error::ApiError;
use crate::i18n::ids;

use super::text::Ui;

pub use change::ChangeForm;
pub use forgot::ForgotForm;
pub use reset::ResetForm;

/// Messages shown next to one field.
pub(super) type FieldErrors<'a> = &'a [String];

pub(super) struct Input<'a> {
    pub name: &'a str,
    pub label: String,
    pub kind: &'a str,
    pub autocomplete: &'a str,
    pub value: Option<&'a str>,
}

pub(super) fn input(i: Input<'_>, errors: FieldErrors<'_>) -> Markup {
    let error_id = format!("{}-errors", i.name);
    html! {
        div.field {
            label for=(i.name) { (i.label) }
            input id=(i.name) name=(i.name) type=(i.kind) autocomplete=(i.autocomplete) required
                value=[i.value] aria-invalid=[(!errors.is_empty()).then_some("true")]
                aria-describedby=[(!errors.is_empty()).then_some(error_id.as_str())];
            @if !errors.is_empty() {
                ul.errors id=(error_id) role="alert" { @for e in errors { li { (e) } } }
            }
        }
    }
}

pub(super) fn alert(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.alert role="alert" { (m) } } }
}

pub(super) fn policy(ui: &Ui<'_>) -> Markup {
    html! {
        div.policy id="policy" {
            (ui.t(ids::PAGE_POLICY_HEADING))
            ul { @for rule in ui.policy_rules() { li { (rule) } } }
        }
    }
}

/// Service trouble, worded for a person, with the right status.
pub(super) fn trouble(ui: &Ui<'_>, e: &ApiError) -> (StatusCode, String) {
    let (status, id) = match e {
        ApiError::RateLimited { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, ids::PAGE_ERROR_RATE_LIMITED)
        }
        ApiError::AccountLocked { .. } => (StatusCode::TOO_MANY_REQUESTS, ids::PAGE_ERROR_LOCKED),
        ApiError::Overloaded
        | ApiError::Unavailable
        | ApiError::ShuttingDown
        | ApiError::BreachServiceUnavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, ids::PAGE_ERROR_BUSY)
        }
        other => {
            crate::error::report(other);
            (StatusCode::SERVICE_UNAVAILABLE, ids::PAGE_ERROR_UNEXPECTED)
        }
    };
    (status, ui.t(id))
}
