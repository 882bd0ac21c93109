//! Rendering an `ApiError`: the problem document, the HTTP answer (status, `Retry-After`,
//! `WWW-Authenticate`, `Content-Language`) and the one log line of an unexpected failure.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::{localized, ApiError, FieldError};

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:passgate:problem:invalid_credentials",
    "title": "Invalid credentials",
    "status": 401,
    "detail": "The email or password is not correct.",
    "code": "invalid_credentials"
}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code (see the contract's table).
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ApiError {
    /// The problem document, in the language of the request being answered (English
    /// outside a request: the command line).
    pub fn problem(&self) -> Problem {
        localized::current(|i18n, lang| self.problem_in(i18n, lang))
    }

    /// The problem document in `lang`.
    pub fn problem_in(&self, i18n: &crate::i18n::I18n, lang: crate::i18n::Lang) -> Problem {
        Problem {
            problem_type: format!("urn:passgate:problem:{}", self.code()),
            title: localized::title(self, i18n, lang),
            status: self.status_code().as_u16(),
            detail: localized::detail(self, i18n, lang),
            code: self.code().into(),
            errors: match self {
                Self::Validation(errors) | Self::PasswordPolicy(errors) => Some(
                    errors
                        .iter()
                        .map(|e| FieldError {
                            message: localized::field_message(e, i18n, lang),
                            ..e.clone()
                        })
                        .collect(),
                ),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed(_) | Self::CurrentPasswordIncorrect | Self::ResetTokenInvalid => {
                StatusCode::BAD_REQUEST
            }
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Validation(_) | Self::PasswordPolicy(_) | Self::BatchTooLarge { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::InvalidCredentials | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::PasswordChangeRequired | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::AccountLocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Overloaded
            | Self::Unavailable
            | Self::ShuttingDown
            | Self::BreachServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        report(self);
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if let Some(secs) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if matches!(self, Self::InvalidToken) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        let (problem, language) = localized::current(|i18n, lang| {
            (self.problem_in(i18n, lang), i18n.tag(lang).to_owned())
        });
        response.insert_header((header::CONTENT_LANGUAGE, language));
        response.json(problem)
    }
}

/// The one place an unexpected failure is logged, by every renderer of errors — the JSON
/// problem, the hosted pages, a bulk item, the command line — so each is logged exactly once,
/// with its whole cause chain, as an event of the current span: the request's (an
/// `error_span!`, so present at any log level), which carries the request id. The client only
/// ever sees the bland `internal_error` text.
pub fn report(e: &ApiError) {
    if let ApiError::Internal(cause) = e {
        let cause: &(dyn std::error::Error + 'static) = cause.as_ref();
        tracing::error!(error = %chain(cause), "internal failure");
    }
}

/// An error and every `source()` below it, outermost first: `a: b: c`.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut line = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        next = cause.source();
    }
    line
}

/// Field errors for a body that is not a problem (`POST /v1/password-policy/check`), with
/// their messages in the language of the request being answered, as in a problem.
pub fn in_request_language(errors: Vec<FieldError>) -> Vec<FieldError> {
    localized::current(|i18n, lang| {
        errors
            .into_iter()
            .map(|e| FieldError {
                message: localized::field_message(&e, i18n, lang),
                ..e
            })
            .collect()
    })
}

impl ApiError {
    /// [`report`]s the error and hands it on, for renderers that do not go through
    /// `error_response` (bulk items, hosted pages, the command line).
    pub fn reported(self) -> Self {
        report(&self);
        self
    }
}

impl Problem {
    /// One line for a terminal: the detail and every field error.
    pub fn detail_with_errors(&self) -> String {
        let mut line = self.detail.clone();
        for e in self.errors.iter().flatten() {
            line.push_str(&format!(" {}: {} ({});", e.field, e.message, e.code));
        }
        line
    }
}
