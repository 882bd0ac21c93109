//! A webhook's fields as a create or a change brings them, each accepted or refused with
//! its field error: the events known, the description bounded, the URL's form and then its
//! addresses (the SSRF rules of `webhooks::target`).

use crate::error::FieldError;
use crate::state::AppState;
use crate::webhooks::{target, EVENT_TYPES};

use super::{MAX_DESCRIPTION_CHARS, MAX_EVENTS};

/// The fields of a create or a change, as read from the request.
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub disabled: Option<bool>,
}

/// Known types or `["*"]`, each once; refusals added to `errors`.
pub(super) fn accept_events(
    events: &[String],
    errors: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    let fail = |errors: &mut Vec<FieldError>, code: &str, message: &str| {
        errors.push(FieldError::new("events", code, message));
        None
    };
    if events.is_empty() || events.len() > MAX_EVENTS {
        return fail(
            errors,
            "length",
            "must list 1 to 20 event types, or [\"*\"]",
        );
    }
    if events.iter().any(|e| e == "*") {
        return if events.iter().all(|e| e == "*") {
            Some(vec!["*".into()])
        } else {
            fail(
                errors,
                "invalid_event",
                "\"*\" stands alone: it means every event",
            )
        };
    }
    let mut accepted: Vec<String> = Vec::with_capacity(events.len());
    for e in events {
        if !EVENT_TYPES.contains(&e.as_str()) {
            return fail(
                errors,
                "unknown_event",
                "names an event type passgate does not send",
            );
        }
        if !accepted.contains(e) {
            accepted.push(e.clone());
        }
    }
    Some(accepted)
}

pub(super) fn accept_description(
    description: Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let d = description?;
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.push(
            FieldError::new("description", "too_long", "must be at most 200 characters")
                .with_arg("max", MAX_DESCRIPTION_CHARS),
        );
        return None;
    }
    Some(d).filter(|d| !d.is_empty())
}

/// The URL's form first (cheap), then, with every other field valid, its addresses.
pub(super) async fn accept_url(
    state: &AppState,
    url: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let settings = &state.settings.webhooks;
    if let Err(why) = target::parse(url, settings.allow_insecure_targets) {
        errors.push(url_error(why));
        return None;
    }
    if !errors.is_empty() {
        return None;
    }
    let timeout = std::time::Duration::from_secs(settings.timeout_secs);
    match target::check(url, settings.allow_insecure_targets, timeout).await {
        Ok(parsed) => Some(parsed.to_string()),
        Err(why) => {
            errors.push(url_error(why));
            None
        }
    }
}

/// `too_long` names the bound and `forbidden_address` the address, in every language.
fn url_error(why: target::Refused) -> FieldError {
    let error = FieldError::new("url", why.code, why.message);
    match (why.code, why.address) {
        ("too_long", _) => error.with_arg("max", target::MAX_URL_CHARS),
        ("forbidden_address", Some(address)) => error.with_arg("address", address.to_string()),
        _ => error,
    }
}
