//! The one error type. Every failure a client can see is an `ApiError`: here what it is
//! (its contract's stable `code`, English `title` and `detail`, `Retry-After`); `render`
//! turns it, and only it, into `application/problem+json` (RFC 9457) with `title`, `detail`
//! and `errors[].message` in the language the request asked for (see `localized`).

mod localized;
mod render;

pub use localized::{field_message, speaking};
pub use render::{chain, in_request_language, report, Problem};

use serde::Serialize;
use utoipa::ToSchema;

/// One broken rule of a request field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    #[schema(example = "email")]
    pub field: String,
    #[schema(example = "invalid_email")]
    pub code: String,
    /// In the language of `Accept-Language` when one served matches (else the default);
    /// `code` is what programs read.
    #[schema(example = "is not a valid email address")]
    pub message: String,
    /// The values the message names (`min` of `too_short`), for rendering it in another
    /// language (`field-<code>` of the message files).
    #[serde(skip)]
    #[schema(ignore)]
    pub args: Vec<(&'static str, crate::i18n::Arg<'static>)>,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            args: Vec::new(),
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

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    Malformed(String),
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
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
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
            Self::Malformed(why) => why.clone(),
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
            Self::Forbidden(why) => why.clone(),
            Self::NotFound => "No such resource.".into(),
            Self::MethodNotAllowed => "This method is not allowed on this resource.".into(),
            Self::Conflict(why) => why.clone(),
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
            Error::Unique { .. } => {
                Self::Conflict("A resource with these unique values already exists.".into())
            }
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
        E::Deserialize(e) => ApiError::Malformed(format!("The JSON body could not be read: {e}")),
        E::Payload(actix_web::error::PayloadError::Overflow) => ApiError::PayloadTooLarge,
        other => ApiError::Malformed(format!("The body could not be read: {other}")),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::Malformed(format!("The query string could not be read: {err}"))
}

pub fn path_error(_err: actix_web::error::PathError) -> ApiError {
    ApiError::NotFound
}
