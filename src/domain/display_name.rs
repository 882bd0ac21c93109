use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::field::{Field, Refusal};
use super::patterns::{DISPLAY_NAME, DISPLAY_NAME_MAX_LEN, DISPLAY_NAME_RE};

/// A display name matching `patterns::DISPLAY_NAME`: 1–200 characters, no control,
/// zero-width or bidirectional-override characters (they make names render as something
/// else in admin lists), no space at either end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        // 200 characters are at most 800 bytes: a longer input is refused before the
        // pattern reads it.
        if raw.len() <= DISPLAY_NAME_MAX_LEN * 4 && DISPLAY_NAME_RE.is_match(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 200 characters, without control characters or spaces at either end")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Field for DisplayName {
    type Raw = String;
    const INVALID: &'static str = "invalid_display_name";
    fn from_raw(raw: String) -> Result<Self, Refusal> {
        Self::parse(&raw).map_err(Refusal::from)
    }
}

/// Published with the bounds and pattern `parse` applies.
impl PartialSchema for DisplayName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(DISPLAY_NAME_MAX_LEN))
            .pattern(Some(DISPLAY_NAME))
            .into()
    }
}

impl ToSchema for DisplayName {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_characters() {
        assert_eq!(
            DisplayName::parse("Ada Lovelace").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("  Ada  ").is_err());
        assert!(DisplayName::parse(&"x".repeat(201)).is_err());
        assert!(DisplayName::parse("evil\u{202E}name").is_err());
        assert!(DisplayName::parse("tab\there").is_err());
        assert!(DisplayName::parse("Zoë 山田").is_ok());
    }
}
