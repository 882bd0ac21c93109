//! The password policy: the one place password rules live (NIST SP 800-63B-4 for
//! single-factor passwords). Length counts Unicode code points after NFKC; no composition
//! rules; reject common passwords, passwords containing the user's own details, and
//! (configurable) weak ones. Every broken rule is reported at once.
//!
//! History (`reused`) needs the stored hashes and the hashing pool, so the flows check it;
//! everything here is pure and cheap.

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::PolicySettings;
use crate::error::FieldError;

/// What the policy looks at besides the password itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// The NFKC-normalised password.
    pub password: &'a str,
    pub email: Option<&'a str>,
    pub display_name: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct PolicyReport {
    pub errors: Vec<FieldError>,
    /// zxcvbn score 0-4 (0 when the password was too long to score).
    pub strength: u8,
}

/// The rules in force, as published by `GET /v1/password-policy`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"min_length": 15, "max_length": 256, "min_strength": 3, "history": 1,
    "rejects_common_passwords": true, "rejects_user_info": true, "normalization": "NFKC",
    "breach_sources": ["corpus"]}))]
pub struct Policy {
    /// Minimum length in Unicode code points after NFKC normalisation.
    pub min_length: usize,
    /// Maximum length; longer passwords are rejected before any hashing.
    pub max_length: usize,
    /// Minimum zxcvbn strength score (0-4); 0 means not checked.
    pub min_strength: u8,
    /// How many earlier passwords, besides the current one, may not be reused.
    pub history: usize,
    pub rejects_common_passwords: bool,
    pub rejects_user_info: bool,
    pub normalization: &'static str,
    /// Breach sources new passwords are checked against (rule `breached`): `corpus` (a local
    /// file) and/or `range` (a k-anonymity range service); empty when the rule is off.
    pub breach_sources: Vec<&'static str>,
}

/// Shortest user detail (email local part, display-name word) the policy looks for.
const MIN_USER_INFO_LEN: usize = 4;

/// zxcvbn's work grows faster than linearly with length (≈ 0.5 ms at 47 characters, ≈ 3 ms at
/// 256), and this check runs on the request's worker. Scoring the first 64 characters gives
/// a lower bound of the whole password's strength (more characters never make it weaker),
/// and no common-password entry is that long.
const SCORED_PREFIX: usize = 64;

impl Policy {
    pub fn from_settings(s: &PolicySettings) -> Self {
        Self {
            min_length: s.min_length,
            max_length: s.max_length,
            min_strength: s.min_strength,
            history: s.history,
            rejects_common_passwords: true,
            rejects_user_info: true,
            normalization: "NFKC",
            breach_sources: crate::password::breach::sources(s),
        }
    }

    /// True when the password is too long to look at further. Checked before any hashing, so
    /// an oversized password costs microseconds, not an argon2 run.
    pub fn is_too_long(&self, password: &str) -> bool {
        // Count no further than needed: a 100,000-character input stops at max + 1.
        password.chars().take(self.max_length + 1).count() > self.max_length
    }

    pub fn breached_error(field: &str) -> FieldError {
        // Worded by `field-<code>` of the message files, in every language (English too).
        FieldError::coded(field, "breached")
    }

    pub fn too_long_error(&self, field: &str) -> FieldError {
        FieldError::coded(field, "too_long").with_arg("max", self.max_length)
    }

    /// Runs every rule but history on a new password.
    pub fn check(&self, field: &str, input: PolicyInput<'_>) -> PolicyReport {
        // An over-long password stops here: no other rule reads it, so its size costs
        // nothing beyond counting to the maximum.
        if self.is_too_long(input.password) {
            return PolicyReport {
                errors: vec![self.too_long_error(field)],
                strength: 0,
            };
        }
        let mut errors = Vec::new();
        if input.password.chars().count() < self.min_length {
            errors.push(FieldError::coded(field, "too_short").with_arg("min", self.min_length));
        }

        let lowered = input.password.to_lowercase();
        let user_info = user_info_terms(input.email, input.display_name);
        if user_info.iter().any(|term| lowered.contains(term.as_str())) {
            errors.push(FieldError::coded(field, "contains_user_info"));
        }

        let mut strength = 0;
        if !input.password.is_empty() {
            let terms: Vec<&str> = user_info.iter().map(String::as_str).collect();
            let scored = match input.password.char_indices().nth(SCORED_PREFIX) {
                Some((cut, _)) => &input.password[..cut],
                None => input.password,
            };
            let estimate = zxcvbn::zxcvbn(scored, &terms);
            strength = u8::from(estimate.score());
            if scored.len() == input.password.len()
                && is_common(estimate.sequence(), input.password)
            {
                errors.push(FieldError::coded(field, "common"));
            }
            if strength < self.min_strength {
                errors.push(FieldError::coded(field, "too_weak"));
            }
        }
        PolicyReport { errors, strength }
    }
}

/// Lower-cased details of the user that a password may not contain.
fn user_info_terms(email: Option<&str>, display_name: Option<&str>) -> Vec<String> {
    let mut terms = Vec::new();
    if let Some(email) = email {
        let local = email.rsplit_once('@').map_or(email, |(l, _)| l);
        if local.chars().count() >= MIN_USER_INFO_LEN {
            terms.push(local.to_lowercase());
        }
    }
    if let Some(name) = display_name {
        for word in name.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().count() >= MIN_USER_INFO_LEN {
                terms.push(word.to_lowercase());
            }
        }
    }
    terms
}

/// A password is common when zxcvbn explains all of it as one entry of its bundled list of
/// 30,000 common passwords (in any case, reversed or with l33t substitutions).
fn is_common(sequence: &[zxcvbn::Match], password: &str) -> bool {
    use zxcvbn::matching::patterns::MatchPattern;
    let [only] = sequence else { return false };
    // zxcvbn does not export the dictionary type's name; its default is the passwords list.
    matches!(&only.pattern, MatchPattern::Dictionary(d) if d.dictionary_name == Default::default())
        && only.i == 0
        && only.j + 1 == password.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_settings(&PolicySettings::default())
    }

    fn codes(report: &PolicyReport) -> Vec<&str> {
        report.errors.iter().map(|e| e.code.as_str()).collect()
    }

    fn check(p: &Policy, pw: &str) -> Vec<String> {
        let r = p.check(
            "password",
            PolicyInput {
                password: pw,
                email: Some("ada.lovelace@example.com"),
                display_name: Some("Ada Lovelace"),
            },
        );
        codes(&r).into_iter().map(String::from).collect()
    }

    #[test]
    fn a_long_unrelated_passphrase_passes() {
        assert!(check(&policy(), "violet kettle marches under seven quiet bridges").is_empty());
    }

    #[test]
    fn each_rule_alone() {
        let lenient = Policy {
            min_length: 4,
            min_strength: 0,
            ..policy()
        };
        assert_eq!(check(&policy(), "Tq8#vLz!2pW"), ["too_short"]);
        assert_eq!(
            check(
                &Policy {
                    max_length: 20,
                    ..policy()
                },
                &"violet kettle marches ".repeat(2)
            ),
            ["too_long"]
        );
        assert_eq!(check(&lenient, "password"), ["common"]);
        assert_eq!(check(&lenient, "P@ssw0rd"), ["common"]);
        assert_eq!(
            check(&policy(), "my lovelace violet kettle marches"),
            ["contains_user_info"]
        );
        assert_eq!(
            check(
                &Policy {
                    min_length: 4,
                    ..policy()
                },
                "abcdefgh"
            ),
            ["too_weak"]
        );
    }

    #[test]
    fn several_rules_at_once() {
        let found = check(&policy(), "password");
        for code in ["too_short", "common", "too_weak"] {
            assert!(
                found.iter().any(|c| c == code),
                "{code} missing from {found:?}"
            );
        }
    }

    #[test]
    fn short_user_details_are_not_matched() {
        let p = policy();
        let r = p.check(
            "password",
            PolicyInput {
                password: "violet kettle marches under seven bridges",
                email: Some("al@example.com"),
                display_name: Some("Al Bo"),
            },
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }

    #[test]
    fn huge_input_is_cut_short_without_scoring() {
        let p = policy();
        let huge = "a".repeat(100_000);
        assert!(p.is_too_long(&huge));
        let r = p.check(
            "password",
            PolicyInput {
                password: &huge,
                ..Default::default()
            },
        );
        assert_eq!(codes(&r), ["too_long"]);
    }

    #[test]
    fn length_counts_code_points_after_nfkc() {
        use secrecy::ExposeSecret;
        let p = Policy {
            min_length: 15,
            min_strength: 0,
            ..policy()
        };
        // Fifteen full-width letters are fifteen code points, and NFKC makes them ASCII.
        let full_width = "ｖｉｏｌｅｔｋｅｔｔｌｅｍａｒｃ";
        let normalized = crate::password::normalize(full_width);
        assert_eq!(normalized.expose_secret(), "violetkettlemarc");
        assert!(!check(&p, normalized.expose_secret())
            .iter()
            .any(|c| c == "too_short"));
    }
}
