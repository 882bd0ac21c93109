//! Problems in the client's language. `middleware::observe` runs every request inside
//! [`speaking`] with the language its `Accept-Language` chose, so the one renderer
//! (`ApiError::error_response`, through `problem()`) writes `title`, `detail` and
//! `errors[].message` in it; no handler takes part. The `code`s never change. A parser's
//! own words (serde's, actix's) are an argument of a sentence in the client's language and
//! stay English; a text the message files lack stays as written.

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

/// The shipped English of message `id` (a [`super::Why`]'s `Display`, for logs).
pub(super) fn english(id: Id, args: &crate::i18n::Args<'_>) -> String {
    SHIPPED.message(SHIPPED.default_lang(), id, args)
}

pub(super) fn detail(e: &ApiError, i18n: &I18n, lang: Lang) -> String {
    let message = |id: Id| i18n.try_message(lang, id, &[]);
    let localized = match e {
        ApiError::Malformed(why) | ApiError::Forbidden(why) | ApiError::Conflict(why) => {
            // A text of its own (the command line's) stays as written.
            why.message()
                .and_then(|(id, args)| i18n.try_message(lang, id, args))
        }
        ApiError::BatchTooLarge { max } => ids::problem_detail(e.code())
            .and_then(|id| i18n.try_message(lang, id, &[("max", (*max).into())])),
        ApiError::BreachServiceUnavailable => message(ids::PROBLEM_UNAVAILABLE_DETAIL_BREACH),
        ApiError::ShuttingDown => message(ids::PROBLEM_UNAVAILABLE_DETAIL_SHUTTING_DOWN),
        _ => ids::problem_detail(e.code()).and_then(message),
    };
    localized.unwrap_or_else(|| e.detail())
}

/// A field error's message in `lang` (its own id, else `field-<code>`, with the error's
/// values), else the message it was made with. The hosted pages show policy rules through
/// this too.
pub fn field_message(e: &FieldError, i18n: &I18n, lang: Lang) -> String {
    e.id.or_else(|| ids::field(&e.code))
        .and_then(|id| i18n.try_message(lang, id, &e.args))
        .or_else(|| {
            known(KNOWN_FIELD_MESSAGES, &e.message).and_then(|id| i18n.try_message(lang, id, &[]))
        })
        .unwrap_or_else(|| {
            if e.message.is_empty() {
                e.code.clone()
            } else {
                e.message.clone()
            }
        })
}

/// Field messages of codes that several rules share (`length`), by their English text.
const KNOWN_FIELD_MESSAGES: &[(&str, Id)] = &[
    ("must not be empty", ids::FIELD_TEXT_NOT_EMPTY),
    (
        "must list 1 to 20 event types, or [\"*\"]",
        ids::FIELD_TEXT_EVENTS_LENGTH,
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
    fn the_known_field_messages_are_the_shipped_english() {
        let i18n = I18n::shipped();
        for (english, id) in KNOWN_FIELD_MESSAGES {
            assert_eq!(
                i18n.message(i18n.default_lang(), *id, &[]),
                *english,
                "{}",
                id.as_str()
            );
        }
    }

    #[test]
    fn a_detail_made_of_an_id_is_translated_and_logged_in_english() {
        let i18n = I18n::shipped();
        let da = i18n.for_locale(Some("da"));
        let e = ApiError::Malformed(
            super::super::Why::id(ids::PROBLEM_DETAIL_LINE_NOT_A_USER)
                .with("line", 7u64)
                .with("why", "invalid type: integer `1`"),
        );
        assert_eq!(
            detail(&e, &i18n, da),
            "Linje 7 er ikke et brugerobjekt: invalid type: integer `1`"
        );
        assert_eq!(
            e.to_string(),
            "malformed request: Line 7 is not a user object: invalid type: integer `1`"
        );
        let own = ApiError::Malformed("reading the file: gone".into());
        assert_eq!(detail(&own, &i18n, da), "reading the file: gone");
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

    /// Codes whose rules are worded differently (`length` of a token, of a password, of a
    /// webhook's events): each of their texts has an id at the call site or is in
    /// `KNOWN_FIELD_MESSAGES`, instead of one `field-<code>`.
    const WORDED_PER_RULE: &[&str] = &["length", "invalid_url", "unresolvable"];

    /// Every `errors[].code` the sources emit, read from them, so a new code without a
    /// `field-` message fails here rather than answering in English.
    #[test]
    fn every_field_error_code_the_code_emits_has_a_message() {
        let patterns = [
            r#"FieldError::(?:new|coded|worded)\(\s*[^,()]+,\s*"([a-z_]+)""#,
            r#"ApiError::validation\(\s*[^,()]+,\s*"([a-z_]+)""#,
            r#"const INVALID: &'static str = "([a-z_]+)""#,
            r#"\brefused\(\s*(?:[a-z_&]+,\s*)?"([a-z_]+)""#,
            r#"\bfail\(\s*errors,\s*"([a-z_]+)""#,
            r#"#\[validate\(([a-z_]+)\("#,
        ]
        .map(|p| regex::Regex::new(p).unwrap());
        let mut codes = std::collections::BTreeSet::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for re in &patterns {
                        codes.extend(re.captures_iter(&text).map(|c| c[1].to_owned()));
                    }
                }
            }
        }
        // The scan itself works: codes of every kind of call site are found.
        for expected in [
            "too_short",
            "invalid_email",
            "invalid_role",
            "invalid_cursor",
            "out_of_range",
            "unsupported_hash",
            "unknown_event",
            "forbidden_address",
            "length",
        ] {
            assert!(
                codes.contains(expected),
                "{expected} not found in {codes:?}"
            );
        }
        let lacking: Vec<_> = codes
            .iter()
            .filter(|c| ids::field(c).is_none() && !WORDED_PER_RULE.contains(&c.as_str()))
            .collect();
        assert!(
            lacking.is_empty(),
            "codes without a field-<code> message: {lacking:?}"
        );
    }
}
