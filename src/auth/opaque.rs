//! Opaque bearer secrets (refresh tokens, reset tokens and the secret part of API keys): 256
//! bits from the OS CSPRNG, base64url, stored only as a SHA-256 hash.
//!
//! SHA-256 without salt is right for these: the secret has full entropy, so there is
//! nothing to brute-force, and an unsalted digest can be looked up by an index. Look-ups
//! compare digests, which reveals nothing useful about the secret through timing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh secret (43 base64url characters) and the digest to store.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let digest = digest(&secret);
    (secret, digest)
}

/// The stored form of a presented secret.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bit_and_stored_hashed() {
        let (secret, stored) = new_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        assert_ne!(secret, stored);
        assert_eq!(digest(&secret), stored);
        assert_ne!(new_secret().0, secret);
    }
}
