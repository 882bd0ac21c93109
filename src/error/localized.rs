//! Problems in the client's language. `middleware::observe` runs every request inside
//! [`speaking`] with the language its `Accept-Language` chose, so the one renderer
//! (`ApiError::error_response`, through `problem()`) writes `title`, `detail` and
//! `errors[].message` in it; no handler takes part. The `code`s never change. A text the
//! message files lack (a detail that carries a parser's own words, a code added without a
//! message) stays in English.

use std::future::Future;
use std::sync::{Arc, LazyLock};

use crate::i18n::{ids, I18n, Id, Lang};

use super::{ApiError, FieldError};

tokio::task_local! {
    static SPEAKING: (Arc<I18n>, Lang);
}

/// The shipped English, for problems rendered outside a request (the command line).
static SHIPPED: LazyLock<I18n> = LazyLock::new(I18n::shipped);

/// Runs `f` (a request's handling) with problems written in `lang`.
pub async fn speaking<F: Future>(i18n: Arc<I18n>, lang: Lang, f: F) -> F::Output {
    SPEAKING.scope((i18n, lang), f).await
}

/// `render` with the language of the request being answered, else the shipped default.
pub(super) fn current<T>(render: impl FnOnce(&I18n, Lang) -> T) -> T {
    match SPEAKING.try_with(|(i18n, lang)| (i18n.clone(), *lang)) {
        Ok((i18n, lang)) => render(&i18n, lang),
        Err(_) => render(&SHIPPED, SHIPPED.default_lang()),
    }
}

pub(super) fn title(e: &ApiError, i18n: &I18n, lang: Lang) -> String {
    ids::problem_title(e.code())
        .and_then(|id| i18n.try_message(lang, id, &[]))
        .unwrap_or_else(|| e.title().to_owned())
}

pub(super) fn detail(e: &ApiError, i18n: &I18n, lang: Lang) -> String {
    let message = |id: Id| i18n.try_message(lang, id, &[]);
    let localized = match e {
        ApiError::Malformed(why) | ApiError::Forbidden(why) | ApiError::Conflict(why) => {
            known_detail(why).and_then(message)
        }
        ApiError::BatchTooLarge { max } => ids::problem_detail(e.code())
            .and_then(|id| i18n.try_message(lang, id, &[("max", (*max).into())])),
        ApiError::BreachServiceUnavailable => message(ids::PROBLEM_UNAVAILABLE_DETAIL_BREACH),
        ApiError::ShuttingDown => message(ids::PROBLEM_UNAVAILABLE_DETAIL_SHUTTING_DOWN),
        _ => ids::problem_detail(e.code()).and_then(message),
    };
    localized.unwrap_or_else(|| e.detail())
}

/// A field error's message in `lang` (`field-<code>` with the error's values), else the
/// message it was made with. The hosted pages show policy rules through this too.
pub fn field_message(e: &FieldError, i18n: &I18n, lang: Lang) -> String {
    ids::field(&e.code)
        .and_then(|id| i18n.try_message(lang, id, &e.args))
        .or_else(|| {
            known(KNOWN_FIELD_MESSAGES, &e.message).and_then(|id| i18n.try_message(lang, id, &[]))
        })
        .unwrap_or_else(|| e.message.clone())
}

/// Field messages of codes that several rules share (`length`), by their English text.
const KNOWN_FIELD_MESSAGES: &[(&str, Id)] = &[
    ("must not be empty", ids::FIELD_TEXT_NOT_EMPTY),
    (
        "must list 1 to 20 event types, or [\"*\"]",
        ids::FIELD_TEXT_EVENTS_LENGTH,
    ),
    (
        "\"*\" stands alone: it means every event",
        ids::FIELD_TEXT_EVENTS_STAR,
    ),
    (
        "names an event type passgate does not send",
        ids::FIELD_TEXT_UNKNOWN_EVENT,
    ),
    ("must be an absolute URL", ids::FIELD_TEXT_URL_ABSOLUTE),
    ("must name a host", ids::FIELD_TEXT_URL_HOST),
    (
        "must not carry credentials (the signature authenticates passgate)",
        ids::FIELD_TEXT_URL_CREDENTIALS,
    ),
    (
        "the host name did not resolve in time",
        ids::FIELD_TEXT_URL_RESOLVE_TIMEOUT,
    ),
    (
        "the host name does not resolve",
        ids::FIELD_TEXT_URL_UNRESOLVED,
    ),
];

/// The details that say why (`forbidden`, `conflict`, `malformed_request`), as the code
/// words them in English, and their message ids. A detail not listed here stays as written.
const KNOWN_DETAILS: &[(&str, Id)] = &[
    ("Your role does not allow this.", ids::PROBLEM_DETAIL_ROLE),
    (
        "An API key is not a person: /v1/me is for signed-in users.",
        ids::PROBLEM_DETAIL_API_KEY_NOT_A_PERSON,
    ),
    (
        "You cannot change your own roles or disable yourself.",
        ids::PROBLEM_DETAIL_OWN_ROLES,
    ),
    (
        "Nobody resets their own password here; use POST /v1/me/password.",
        ids::PROBLEM_DETAIL_OWN_RESET,
    ),
    (
        "This user's roles outrank yours.",
        ids::PROBLEM_DETAIL_OUTRANKED,
    ),
    (
        "A key cannot hold a role that outranks its creator's.",
        ids::PROBLEM_DETAIL_KEY_OUTRANKS,
    ),
    (
        "A user with this email already exists.",
        ids::PROBLEM_DETAIL_EMAIL_TAKEN,
    ),
    (
        "This change would leave no enabled admin.",
        ids::PROBLEM_DETAIL_LAST_ADMIN,
    ),
    (
        "A resource with these unique values already exists.",
        ids::PROBLEM_DETAIL_UNIQUE,
    ),
    (
        "The request could not be read.",
        ids::PROBLEM_DETAIL_UNREADABLE,
    ),
    ("Not allowed.", ids::PROBLEM_DETAIL_NOT_ALLOWED),
    (
        "The body could not be read.",
        ids::PROBLEM_DETAIL_BODY_UNREADABLE,
    ),
    (
        "There are as many webhooks as passgate keeps (1000).",
        ids::PROBLEM_DETAIL_WEBHOOKS_FULL,
    ),
];

fn known_detail(english: &str) -> Option<Id> {
    known(KNOWN_DETAILS, english)
}

fn known(table: &[(&str, Id)], english: &str) -> Option<Id> {
    table
        .iter()
        .find(|(text, _)| *text == english)
        .map(|(_, id)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_details_are_the_shipped_english() {
        let i18n = I18n::shipped();
        for (english, id) in KNOWN_DETAILS.iter().chain(KNOWN_FIELD_MESSAGES) {
            assert_eq!(
                i18n.message(i18n.default_lang(), *id, &[]),
                *english,
                "{}",
                id.as_str()
            );
        }
    }

    #[test]
    fn every_code_has_a_title_and_the_english_matches() {
        let i18n = I18n::shipped();
        let en = i18n.default_lang();
        let errors = [
            ApiError::Malformed("x".into()),
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge,
            ApiError::RequestTimeout,
            ApiError::Validation(vec![]),
            ApiError::PasswordPolicy(vec![]),
            ApiError::InvalidCredentials,
            ApiError::CurrentPasswordIncorrect,
            ApiError::InvalidToken,
            ApiError::PasswordChangeRequired,
            ApiError::Forbidden("Your role does not allow this.".into()),
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::Conflict("x".into()),
            ApiError::ResetTokenInvalid,
            ApiError::RateLimited { retry_after: 1 },
            ApiError::AccountLocked { retry_after: 1 },
            ApiError::BatchTooLarge { max: 7 },
            ApiError::Overloaded,
            ApiError::Unavailable,
            ApiError::BreachServiceUnavailable,
            ApiError::ShuttingDown,
            ApiError::internal(anyhow::anyhow!("boom")),
        ];
        let da = i18n.for_locale(Some("da"));
        for e in &errors {
            assert!(ids::problem_title(e.code()).is_some(), "{}", e.code());
            assert_eq!(title(e, &i18n, en), e.title(), "{}", e.code());
            assert_eq!(detail(e, &i18n, en), e.detail(), "{}", e.code());
            assert_ne!(title(e, &i18n, da), e.title(), "{} in Danish", e.code());
        }
    }
}
