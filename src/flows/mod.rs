//! The use cases. Each parses its input into domain types, does its slow work (hashing)
//! first, then every write — the change, its audit event, revoked sessions — in one
//! transaction.

pub mod admin_reset;
pub mod api_keys;
pub mod audit_log;
pub mod break_glass;
pub mod change_password;
pub mod console_sessions;
pub mod credentials;
pub mod exports;
pub mod imports;
pub mod lockout;
pub mod pagination;
pub mod passwords;
pub mod reset;
pub mod sessions;
pub mod sign_in;
pub mod unlock;
pub mod users;
pub mod webhooks;

use crate::domain::{Field, Parsed, Refusal};
use crate::error::{ApiError, FieldError};
use crate::password::HashError;

/// Where a request came from, for audit events and notices.
#[derive(Debug, Clone, Default)]
pub struct ClientAddress {
    pub client_ip: Option<String>,
}

/// The hashing pool's failures as the contract shows them: a full queue is `overloaded`
/// (503 with `Retry-After`), anything else an internal error.
pub fn hash_error(e: HashError) -> ApiError {
    match e {
        HashError::Overloaded => ApiError::Overloaded,
        HashError::Failed(why) => ApiError::internal(anyhow::anyhow!(why)),
    }
}

/// A field parsed at the edge: its value, or `None` with the refusal added to `errors`, so
/// one answer names every bad field (contract: `validation_failed`, `errors[]`).
pub fn accept<T: Field>(field: &str, value: Parsed<T>, errors: &mut Vec<FieldError>) -> Option<T> {
    value
        .into_result()
        .map_err(|why| errors.push(refused(field, T::INVALID, why)))
        .ok()
}

/// A parser's refusal as a field error, with the reason its message selects on.
pub fn refused(field: &str, code: &str, why: Refusal) -> FieldError {
    let mut error = FieldError::new(field, code, why.message);
    for (name, value) in why.args {
        error = error.with_arg(name, value);
    }
    error
}

/// An address refused as `invalid_email`, as one answer.
pub fn invalid_email(field: &str, why: crate::domain::EmailRefusal) -> ApiError {
    ApiError::Validation(vec![refused(field, "invalid_email", why.into())])
}
