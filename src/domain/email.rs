use std::fmt;

use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::field::{Field, Refusal};
use super::patterns::{EMAIL, EMAIL_MAX_LEN, EMAIL_RE};

/// An email address matching `patterns::EMAIL` (at most 254 characters). `normalized()` is
/// the lower-cased form that uniqueness and look-ups use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailRefusal> {
        if raw.is_empty() {
            return Err(EmailRefusal::Empty);
        }
        if raw.len() > EMAIL_MAX_LEN {
            return Err(EmailRefusal::TooLong);
        }
        if !EMAIL_RE.is_match(raw) {
            return Err(EmailRefusal::NotAnAddress);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive identity of the address.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(&self.0, |(l, _)| l)
    }
}

/// Why an address is refused; `reason` is what the message files select on
/// (`field-invalid_email`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailRefusal {
    Empty,
    TooLong,
    NotAnAddress,
}

impl EmailRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLong => "too_long",
            Self::NotAnAddress => "not_an_address",
        }
    }

    /// The English `errors[].message`.
    pub fn message(self) -> &'static str {
        match self {
            Self::Empty => "must not be empty",
            Self::TooLong => "must be at most 254 characters",
            Self::NotAnAddress => "is not an email address (name@example.com; ASCII, no spaces)",
        }
    }
}

impl From<EmailRefusal> for Refusal {
    fn from(why: EmailRefusal) -> Self {
        Self::from(why.message()).with("reason", why.reason())
    }
}

impl fmt::Display for EmailRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Field for Email {
    type Raw = String;
    const INVALID: &'static str = "invalid_email";
    fn from_raw(raw: String) -> Result<Self, Refusal> {
        Self::parse(&raw).map_err(Refusal::from)
    }
}

/// Published with the bounds and pattern `parse` applies.
impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(EMAIL_MAX_LEN))
            .pattern(Some(EMAIL))
            .into()
    }
}

impl ToSchema for Email {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_normalizes_case() {
        let e = Email::parse("Ada.Lovelace@Example.COM").unwrap();
        assert_eq!(e.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(e.normalized(), "ada.lovelace@example.com");
        assert_eq!(e.local_part(), "Ada.Lovelace");
    }

    #[test]
    fn rejects_broken_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a@.com",
            "a b@example.com",
            " a@example.com",
            "a@exa mple.com",
            "a\u{202E}b@example.com",
            "a\u{0000}@example.com",
            "a@example.com*",
            &format!("{}@example.com", "x".repeat(300)),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
