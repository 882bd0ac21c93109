//! Reading a domain type straight from a request body: serde reads the raw JSON form, the
//! type's own parser decides, and the OpenAPI schema is built from the same constants (see
//! each type's `PartialSchema`), so the spec, the parser and the check cannot disagree.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// A domain type as a request field.
pub trait Field: Sized {
    /// What the JSON holds before the parser runs (a string, a list of strings).
    type Raw: DeserializeOwned;
    /// The `errors[].code` under which a refused value is reported.
    const INVALID: &'static str;
    /// The type's parser; the error is the `errors[].message`.
    fn from_raw(raw: Self::Raw) -> Result<Self, Refusal>;
}

/// A parser's refusal: its English `errors[].message`, and the values the message files
/// need to say the same in another language (`field-invalid_email` selects on `$reason`,
/// `field-invalid_role` names `$role`), rather than a generic text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub args: Vec<(&'static str, String)>,
}

impl Refusal {
    /// A value the message names.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

impl From<&str> for Refusal {
    fn from(message: &str) -> Self {
        Self::from(message.to_owned())
    }
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Self {
            message,
            args: Vec::new(),
        }
    }
}

/// A request field read as `T`, or the parser's refusal. The refusal is kept rather than
/// failing the whole body, so a handler can report every bad field at once (contract:
/// `validation_failed` with one entry per field); JSON of the wrong type (a number for an
/// email) still fails the body, as `malformed_request`.
#[derive(Debug)]
pub struct Parsed<T>(Result<T, Refusal>);

impl<T: Field> Parsed<T> {
    /// The same parse for a value that did not come as JSON (a form field, the command line).
    pub fn from_raw(raw: T::Raw) -> Self {
        Self(T::from_raw(raw))
    }
}

impl<T> Parsed<T> {
    pub fn into_result(self) -> Result<T, Refusal> {
        self.0
    }
}

impl<'de, T: Field> Deserialize<'de> for Parsed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(T::from_raw(T::Raw::deserialize(d)?)))
    }
}
