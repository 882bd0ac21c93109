//! Everything about passwords, pure of storage and HTTP: the argon2id hasher on its bounded
//! pool (which also verifies the imported hashes of other systems, `legacy`), the policy (every rule a new password must pass), breached-password screening, and the
//! temporary-password generator.

pub mod breach;
pub mod digest;
pub mod generator;
pub mod hasher;
pub mod legacy;
pub mod own;
pub mod policy;

pub use generator::generate_temporary_password;
pub use hasher::{HashError, Hasher, Verification};
pub use policy::{Policy, PolicyInput};

use secrecy::SecretString;
use unicode_normalization::UnicodeNormalization;

/// A password as typed, NFKC-normalised once at the edge so that full-width or composed forms
/// of the same password hash the same. Wrapped in `SecretString` so it never reaches a log.
pub fn normalize(raw: &str) -> SecretString {
    SecretString::from(raw.nfkc().collect::<String>())
}
