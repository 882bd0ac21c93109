//! A language tag (BCP 47), as a user's `locale` and as the name of a language the service
//! speaks.

use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::field::{Field, Refusal};
use super::patterns::{LANGUAGE_TAG, LANGUAGE_TAG_MAX_LEN, LANGUAGE_TAG_RE};

/// A well-formed BCP 47 language tag (`da`, `en-GB`, `sr-Latn-RS`): a primary language of
/// 2–8 letters, then subtags of 1–8 letters or digits, at most 35 characters (RFC 5646's
/// minimum buffer), stored in its canonical case (`da-DK`, `zh-Hant-TW`).
///
/// A well-formed tag that names no language the service speaks is accepted on purpose: it
/// states the user's preference, a mail then goes out in the closest language served (`da`
/// for `da-DK`) or the default, and it takes effect by itself once an operator adds that
/// language. Only the shape is checked, never a registry of languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LanguageTag(String);

impl LanguageTag {
    pub const MAX_LEN: usize = LANGUAGE_TAG_MAX_LEN;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        // The length is checked before the pattern reads anything.
        if raw.len() > Self::MAX_LEN || !LANGUAGE_TAG_RE.is_match(raw) {
            return Err(
                "must be a language tag such as `da` or `en-GB` (BCP 47, at most 35 characters)",
            );
        }
        let canonical: Vec<String> = raw
            .split('-')
            .enumerate()
            .map(|(i, part)| match (i, part.len()) {
                (0, _) => part.to_ascii_lowercase(),
                (_, 2) if part.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    part.to_ascii_uppercase()
                }
                (_, 4) if part.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    let lower = part.to_ascii_lowercase();
                    lower[..1].to_ascii_uppercase() + &lower[1..]
                }
                _ => part.to_ascii_lowercase(),
            })
            .collect();
        Ok(Self(canonical.join("-")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`da` of `da-DK`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Field for LanguageTag {
    type Raw = String;
    const INVALID: &'static str = "invalid_locale";
    fn from_raw(raw: String) -> Result<Self, Refusal> {
        Self::parse(&raw).map_err(Refusal::from)
    }
}

/// Published with the bounds and pattern `parse` applies.
impl PartialSchema for LanguageTag {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A BCP 47 language tag (`da`, `en-GB`); any well-formed tag is kept, and mail \
                 uses the closest language served, else the default.",
            ))
            .min_length(Some(2))
            .max_length(Some(LANGUAGE_TAG_MAX_LEN))
            .pattern(Some(LANGUAGE_TAG))
            .into()
    }
}

impl ToSchema for LanguageTag {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_tags_are_kept_in_canonical_case() {
        assert_eq!(LanguageTag::parse("da").unwrap().as_str(), "da");
        assert_eq!(LanguageTag::parse("DA-dk").unwrap().as_str(), "da-DK");
        assert_eq!(
            LanguageTag::parse("zh-hant-tw").unwrap().as_str(),
            "zh-Hant-TW"
        );
        assert_eq!(LanguageTag::parse("es-419").unwrap().as_str(), "es-419");
        assert_eq!(LanguageTag::parse("kl").unwrap().primary(), "kl");
        assert_eq!(LanguageTag::parse("en-GB").unwrap().primary(), "en");
    }

    #[test]
    fn malformed_tags_are_refused() {
        for bad in [
            "",
            "d",
            "da_DK",
            "da-",
            "-da",
            "da--DK",
            "dänisch",
            "da DK",
            "1a",
            "en-toolongsubtag",
        ] {
            assert!(LanguageTag::parse(bad).is_err(), "{bad}");
        }
        assert!(LanguageTag::parse(&format!("en{}", "-abcdefgh".repeat(4))).is_err());
    }
}
