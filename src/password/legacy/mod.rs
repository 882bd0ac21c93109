//! Password hashes made by other systems, imported as they are (contract: "Import and
//! export (admin)") and verified at the user's next sign-in, after which the flows replace
//! them with passgate's own argon2id.
//!
//! [`parse`] reads a stored hash into a [`Legacy`] value and refuses, before any hashing,
//! every format it does not know and every cost beyond the bounds in [`bounds`]: an import
//! must not be able to make one sign-in a denial of service. [`Legacy::verify`] then runs
//! the scheme (on the hashing pool: see `password::hasher`) with the crate that implements
//! it — RustCrypto `argon2`, `scrypt`, `pbkdf2`, `sha-crypt`, and `bcrypt` — and compares in
//! constant time. The framings of Django, Werkzeug, LDAP and Keycloak are parsed here; they
//! only wrap those same primitives.

mod b64;
pub mod bounds;
mod framings;
mod keycloak;
mod modular;
mod primitives;
#[cfg(test)]
mod tests;

pub use keycloak::canonical_credential;
pub use primitives::{Argon2Variant, Digest};

/// A stored hash that passgate can verify: the scheme and its parameters, read and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Legacy {
    /// The scheme's name as audited (`password.rehashed`), never the hash itself.
    pub scheme: &'static str,
    pub(crate) kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Argon2 {
        variant: Argon2Variant,
        version: u32,
        memory_kib: u32,
        iterations: u32,
        lanes: u32,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
    Pbkdf2 {
        digest: Digest,
        iterations: u32,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
    /// `sha256_prehash`: Django's `bcrypt_sha256`, which feeds bcrypt the hex SHA-256 of the
    /// password (so long passwords are not cut at bcrypt's 72 bytes).
    Bcrypt { hash: String, sha256_prehash: bool },
    ShaCrypt {
        sha512: bool,
        rounds: u32,
        salt: String,
        expected: String,
    },
    SaltedDigest {
        digest: Digest,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
}

/// Why a stored hash is refused (`errors[].code` `unsupported_hash`). The text names the
/// scheme and the bound, never the hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

pub(crate) fn unsupported(why: impl Into<String>) -> Unsupported {
    Unsupported(why.into())
}

/// Reads a stored hash in any accepted format (the contract's list), checking its costs
/// against [`bounds`]. Costs nothing but parsing.
pub fn parse(stored: &str) -> Result<Legacy, Unsupported> {
    if stored.len() > bounds::MAX_HASH_LEN {
        return Err(unsupported(format!(
            "a stored hash is at most {} characters",
            bounds::MAX_HASH_LEN
        )));
    }
    // A JSON object (base64, used by `{SSHA}…`, never holds a quote).
    if stored.starts_with("{\"") {
        return keycloak::parse(stored);
    }
    if stored.starts_with('$') {
        return modular::parse(stored);
    }
    framings::parse(stored)
}

impl Legacy {
    /// Checks `password` (the UTF-8 bytes the old system hashed). Slow by design: call it on
    /// the hashing pool only. Every comparison of the outputs is constant-time.
    pub fn verify(&self, password: &[u8]) -> bool {
        primitives::verify(&self.kind, password)
    }

    /// Whether this is the argon2id (v19) that passgate itself writes, which the hashing
    /// pool verifies with its reusable memory.
    pub fn is_own_format(&self) -> bool {
        matches!(
            self.kind,
            Kind::Argon2 {
                variant: Argon2Variant::Id,
                version: 0x13,
                ..
            }
        ) && self.scheme == "argon2id"
    }
}
