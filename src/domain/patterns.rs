//! The exact rules for free-text fields, as regular expressions shared by the parsers and
//! the OpenAPI document (a test checks the document carries these very strings), so a
//! client validating against the spec and the server agree on every input.

use std::sync::LazyLock;

use regex::Regex;

/// An email address: RFC 5322 "atext" and dots before the `@` (1–64), then at least two
/// dot-separated DNS labels (letters, digits, inner hyphens, 1–63 each). ASCII only:
/// internationalised domains go in their punycode form. At most 254 characters in all.
pub const EMAIL: &str = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

/// A display name: 1–200 characters, no control, zero-width or bidirectional-override
/// characters anywhere, and no space at either end.
pub const DISPLAY_NAME: &str = r"^[^\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff](?:[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]{0,198}[^\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff])?$";

/// An API key's name: 1–100 characters; no control character and no format character of
/// the Basic Multilingual Plane (zero-width, bidirectional controls such as U+202E, soft
/// hyphen, word joiners, BOM…) anywhere; no white space (space, no-break spaces, the
/// U+2000 spaces, ideographic space) at either end. Nothing is trimmed: a name the pattern
/// refuses is refused, so the spec and the server agree exactly. Written with BMP escapes
/// only, so ECMA-262 (with or without the `u` flag), Python and Rust read it alike.
pub const KEY_NAME: &str = r"^[^\x00-\x20\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufff9-\ufffb](?:[^\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]{0,98}[^\x00-\x20\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufff9-\ufffb])?$";

/// The most characters (Unicode scalar values) a key name may have, as in `KEY_NAME`.
pub const KEY_NAME_MAX_LEN: usize = 100;

/// A BCP 47 language tag's shape: a primary language of 2–8 letters, then subtags of 1–8
/// letters or digits (at most 35 characters in all, `LANGUAGE_TAG_MAX_LEN`).
pub const LANGUAGE_TAG: &str = r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$";

pub const LANGUAGE_TAG_MAX_LEN: usize = 35;

pub const EMAIL_MAX_LEN: usize = 254;
pub const DISPLAY_NAME_MAX_LEN: usize = 200;

fn compiled(pattern: &str) -> Regex {
    // The patterns are constants checked by the tests below; failing here is a build bug.
    Regex::new(pattern).expect("valid built-in pattern")
}

pub static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| compiled(EMAIL));
pub static DISPLAY_NAME_RE: LazyLock<Regex> = LazyLock::new(|| compiled(DISPLAY_NAME));
pub static KEY_NAME_RE: LazyLock<Regex> = LazyLock::new(|| compiled(KEY_NAME));
pub static LANGUAGE_TAG_RE: LazyLock<Regex> = LazyLock::new(|| compiled(LANGUAGE_TAG));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_mean_what_they_say() {
        assert!(EMAIL_RE.is_match("ada.lovelace+tag@mail.example.com"));
        assert!(!EMAIL_RE.is_match("a@b"));
        assert!(!EMAIL_RE.is_match("a@-b.com"));
        assert!(DISPLAY_NAME_RE.is_match("Zoë 山田"));
        assert!(!DISPLAY_NAME_RE.is_match(" padded"));
        assert!(!DISPLAY_NAME_RE.is_match("tab\there"));
        assert!(!DISPLAY_NAME_RE.is_match(&"x".repeat(201)));
        assert!(DISPLAY_NAME_RE.is_match(&"x".repeat(200)));
        assert!(KEY_NAME_RE.is_match("nightly offboarding"));
        assert!(!KEY_NAME_RE.is_match(&"k".repeat(101)));
    }
}
