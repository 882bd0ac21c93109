//! The one error type. Every failure a client can see is an `ApiError`: here what it is
//! (its contract's stable `code`, English `title` and `detail`, `Retry-After`); `render`
//! turns it, and only it, into `application/problem+json` (RFC 9457) with `title`, `detail`
//! and `errors[].message` in the language the request asked for (see `localized`).

mod localized;
mod render;

pub use localized::{field_message, speaking};
pub use render::{chain, in_request_language, report, Problem};

use std::fmt;

use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{ids, Arg, Id};

/// One broken rule of a request field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    #[schema(example = "email")]
    pub field: String,
    #[schema(example = "invalid_email")]
    pub code: String,
    /// In the language of `Accept-Language` when one served matches (else the default);
    /// `code` is what programs read.
    #[schema(example = "is not an email address (name@example.com; ASCII, no spaces)")]
    pub message: String,
    /// The values the message names (`min` of `too_short`), for rendering it in another
    /// language (`field-<code>` of the message files).
    #[serde(skip)]
    #[schema(ignore)]
    pub args: Vec<(&'static str, crate::i18n::Arg<'static>)>,
    /// The message id, where a code's rules differ in wording (`length`, `too_long` of an
    /// import line); else `field-<code>`.
    #[serde(skip)]
    #[schema(ignore)]
    pub id: Option<Id>,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            args: Vec::new(),
            id: None,
        }
    }

    /// A broken rule worded by its message, `field-<code>` (with the values [`Self::with_arg`]
    /// adds): no English copy in the code to drift from the message files.
    pub fn coded(field: &str, code: &str) -> Self {
        Self::new(field, code, String::new())
    }

    /// A broken rule worded by message `id` rather than `field-<code>`.
    pub fn worded(field: &str, code: &str, id: Id) -> Self {
        Self {
            id: Some(id),
            ..Self::coded(field, code)
        }
    }

    /// A value the message names, for its other languages.
    pub fn with_arg(
        mut self,
        name: &'static str,
        value: impl Into<crate::i18n::Arg<'static>>,
    ) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

/// Why a request is `malformed_request`, `forbidden` or `conflict`: a message id and the
/// values it names (a parser's own words, which stay English), or a text of its own.
#[derive(Debug, Clone)]
pub struct Why {
    id: Option<Id>,
    args: Vec<(&'static str, Arg<'static>)>,
    text: String,
}

impl Why {
    /// The detail worded by message `id` (its English is the shipped file's).
    pub fn id(id: Id) -> Self {
        Self {
            id: Some(id),
            args: Vec::new(),
            text: String::new(),
        }
    }

    /// A value the message names (`{ $why }`).
    pub fn with(mut self, name: &'static str, value: impl Into<Arg<'static>>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    fn message(&self) -> Option<(Id, &[(&'static str, Arg<'static>)])> {
        self.id.map(|id| (id, self.args.as_slice()))
    }
}

impl From<&str> for Why {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

impl From<String> for Why {
    fn from(text: String) -> Self {
        Self {
            id: None,
            args: Vec::new(),
            text,
        }
    }
}

impl From<Id> for Why {
    fn from(id: Id) -> Self {
        Self::id(id)
    }
}

/// The English detail (logs, `ApiError`'s `Display`).
impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some((id, args)) => f.write_str(&localized::english(id, args)),
            None => f.write_str(&self.text),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    Malformed(Why),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("request body timed out")]
    RequestTimeout,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("password policy")]
    PasswordPolicy(Vec<FieldError>),
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("current password incorrect")]
    CurrentPasswordIncorrect,
    #[error("invalid token")]
    InvalidToken,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("forbidden: {0}")]
    Forbidden(Why),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(Why),
    #[error("reset token invalid")]
    ResetTokenInvalid,
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    #[error("account locked")]
    AccountLocked { retry_after: u64 },
    #[error("batch too large")]
    BatchTooLarge { max: usize },
    #[error("password hashing queue full")]
    Overloaded,
    #[error("database unavailable")]
    Unavailable,
    /// SIGTERM/SIGINT started the shutdown (`/readyz` only; no `Retry-After`: this instance
    /// is going away, the next try belongs elsewhere).
    #[error("shutting down")]
    ShuttingDown,
    /// The breach range service failed and `BREACH_RANGE_FAIL_OPEN` is false.
    #[error("breach range service unavailable")]
    BreachServiceUnavailable,
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn validation(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RequestTimeout => "request_timeout",
            Self::Validation(_) => "validation_failed",
            Self::PasswordPolicy(_) => "password_policy",
            Self::InvalidCredentials => "invalid_credentials",
            Self::CurrentPasswordIncorrect => "current_password_incorrect",
            Self::InvalidToken => "invalid_token",
            Self::PasswordChangeRequired => "password_change_required",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::ResetTokenInvalid => "reset_token_invalid",
            Self::RateLimited { .. } => "rate_limited",
            Self::AccountLocked { .. } => "account_locked",
            Self::BatchTooLarge { .. } => "batch_too_large",
            Self::Overloaded => "overloaded",
            Self::Unavailable | Self::ShuttingDown | Self::BreachServiceUnavailable => {
                "unavailable"
            }
            Self::Internal(_) => "internal_error",
        }
    }

    /// The English title, where the message files have none for the code.
    fn title(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "Malformed request",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::PayloadTooLarge => "Payload too large",
            Self::RequestTimeout => "Request timeout",
            Self::Validation(_) => "Validation failed",
            Self::PasswordPolicy(_) => "Password rejected by policy",
            Self::InvalidCredentials => "Invalid credentials",
            Self::CurrentPasswordIncorrect => "Current password incorrect",
            Self::InvalidToken => "Invalid token",
            Self::PasswordChangeRequired => "Password change required",
            Self::Forbidden(_) => "Forbidden",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict(_) => "Conflict",
            Self::ResetTokenInvalid => "Reset token invalid",
            Self::RateLimited { .. } => "Too many requests",
            Self::AccountLocked { .. } => "Account locked",
            Self::BatchTooLarge { .. } => "Batch too large",
            Self::Overloaded => "Overloaded",
            Self::Unavailable | Self::ShuttingDown | Self::BreachServiceUnavailable => {
                "Service unavailable"
            }
            Self::Internal(_) => "Internal server error",
        }
    }

    /// The English detail, where the message files have none.
    fn detail(&self) -> String {
        match self {
            Self::Malformed(why) => why.to_string(),
            Self::UnsupportedMediaType => {
                "Send the body as application/json, without a Content-Encoding.".into()
            }
            Self::PayloadTooLarge => "The request body is larger than this server accepts.".into(),
            Self::RequestTimeout => "The request body did not arrive in time.".into(),
            Self::Validation(_) => "One or more fields break a rule; see `errors`.".into(),
            Self::PasswordPolicy(_) => {
                "The new password breaks the password policy; see `errors`.".into()
            }
            Self::InvalidCredentials => "The email or password is not correct.".into(),
            Self::CurrentPasswordIncorrect => "The current password is not correct.".into(),
            Self::InvalidToken => {
                "The access token is missing, invalid, expired or revoked.".into()
            }
            Self::PasswordChangeRequired => {
                "This token only allows changing the password (POST /v1/me/password).".into()
            }
            Self::Forbidden(why) => why.to_string(),
            Self::NotFound => "No such resource.".into(),
            Self::MethodNotAllowed => "This method is not allowed on this resource.".into(),
            Self::Conflict(why) => why.to_string(),
            Self::ResetTokenInvalid => {
                "The reset token is unknown, expired or already used.".into()
            }
            Self::RateLimited { .. } => "Too many requests from this client; retry later.".into(),
            Self::AccountLocked { .. } => {
                "Too many failed attempts; the account is locked for a while.".into()
            }
            Self::BatchTooLarge { max } => format!("At most {max} users per request."),
            Self::Overloaded => "The password-hashing queue is full; retry shortly.".into(),
            Self::Unavailable => "The database is unreachable; retry shortly.".into(),
            Self::ShuttingDown => {
                "This instance is shutting down; send requests to another one.".into()
            }
            Self::BreachServiceUnavailable => {
                "The breached-password service is unreachable; retry shortly.".into()
            }
            Self::Internal(_) => "An unexpected error occurred.".into(),
        }
    }

    /// Seconds for `Retry-After`, where the answer has one (also on the hosted pages).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } | Self::AccountLocked { retry_after } => {
                Some((*retry_after).max(1))
            }
            Self::Overloaded | Self::Unavailable | Self::BreachServiceUnavailable => Some(1),
            _ => None,
        }
    }
}

impl From<crate::db::Error> for ApiError {
    fn from(e: crate::db::Error) -> Self {
        use crate::db::Error;
        match e {
            Error::NotFound => Self::NotFound,
            Error::Unique { .. } => Self::Conflict(ids::PROBLEM_DETAIL_UNIQUE.into()),
            // Both pass: the client retries shortly.
            Error::Unavailable { .. } | Error::Busy { .. } => Self::Unavailable,
            other @ Error::Other { .. } => Self::internal(other),
        }
    }
}

/// Actix's own extractor failures go through the same type, so no answer is ever plain text.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::UnsupportedMediaType,
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
        // The parser's own words stay English, inside a sentence in the client's language.
        E::Deserialize(e) => ApiError::Malformed(
            Why::id(ids::PROBLEM_DETAIL_JSON_UNREADABLE).with("why", e.to_string()),
        ),
        E::Payload(actix_web::error::PayloadError::Overflow) => ApiError::PayloadTooLarge,
        other => ApiError::Malformed(
            Why::id(ids::PROBLEM_DETAIL_BODY_UNREADABLE_WHY).with("why", other.to_string()),
        ),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::Malformed(Why::id(ids::PROBLEM_DETAIL_QUERY_UNREADABLE).with("why", err.to_string()))
}

pub fn path_error(_err: actix_web::error::PathError) -> ApiError {
    ApiError::NotFound
}
