//! An API key's name, parsed by exactly the rule the OpenAPI document publishes.

use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::field::{Field, Refusal};
use super::patterns::{KEY_NAME, KEY_NAME_MAX_LEN, KEY_NAME_RE};

/// A key name matching `patterns::KEY_NAME`: 1–100 characters, no control or format
/// characters (zero-width, bidirectional overrides: they make a name in the key list
/// render as something else), no white space at either end. Never trimmed: what the spec
/// refuses is refused, what it accepts is stored as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX_LEN: usize = KEY_NAME_MAX_LEN;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        // The byte length bounds the character count from above: a name of at most 100
        // bytes is short enough; a longer one is counted, stopping after 101 characters.
        let short = raw.len() <= Self::MAX_LEN || raw.chars().nth(Self::MAX_LEN).is_none();
        if short && KEY_NAME_RE.is_match(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 100 characters, without control or format characters or white space at either end")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Field for KeyName {
    type Raw = String;
    const INVALID: &'static str = "invalid_name";
    fn from_raw(raw: String) -> Result<Self, Refusal> {
        Self::parse(&raw).map_err(Refusal::from)
    }
}

/// Published with the bounds and pattern `parse` applies.
impl PartialSchema for KeyName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("What the key is for, shown in listings."))
            .min_length(Some(1))
            .max_length(Some(KEY_NAME_MAX_LEN))
            .pattern(Some(KEY_NAME))
            .into()
    }
}

impl ToSchema for KeyName {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_kept_as_sent() {
        for name in [
            "nightly offboarding",
            "x",
            "Zoë 山田 – CI",
            "a\u{00A0}b",
            "🔑 deploy",
        ] {
            assert_eq!(KeyName::parse(name).unwrap().as_str(), name);
        }
        assert!(KeyName::parse(&"k".repeat(100)).is_ok());
        assert!(KeyName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(KeyName::parse("").is_err());
        assert!(KeyName::parse(&"k".repeat(101)).is_err());
        assert!(KeyName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn white_space_at_either_end_is_refused_not_trimmed() {
        for name in [
            " lead",
            "trail ",
            " ",
            "\u{00A0}nbsp",
            "nbsp\u{00A0}",
            "\u{3000}wide",
            "em\u{2003}",
            "\u{202F}narrow",
            "\u{1680}ogham",
        ] {
            assert!(KeyName::parse(name).is_err(), "{name:?}");
        }
        assert!(KeyName::parse("inner space").is_ok());
    }

    #[test]
    fn control_and_format_characters_are_refused_anywhere() {
        let refused = [
            '\u{0}', '\t', '\n', '\r', '\u{1B}', '\u{7F}', '\u{85}', '\u{9F}', '\u{AD}', '\u{600}',
            '\u{61C}', '\u{6DD}', '\u{70F}', '\u{890}', '\u{8E2}', '\u{180E}', '\u{200B}',
            '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{2028}', '\u{2029}', '\u{202A}',
            '\u{202E}', '\u{2060}', '\u{2064}', '\u{2066}', '\u{2069}', '\u{206F}', '\u{FEFF}',
            '\u{FFF9}', '\u{FFFB}',
        ];
        for c in refused {
            for name in [format!("{c}ab"), format!("a{c}b"), format!("ab{c}")] {
                assert!(
                    KeyName::parse(&name).is_err(),
                    "U+{:04X} in {name:?}",
                    c as u32
                );
            }
        }
    }
}
