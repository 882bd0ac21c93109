//! Keyed digests of wrong passwords, so the lockout counts a repeated one once (contract:
//! "Throttling"). HMAC-SHA256 under a server key, over the account and the password: without
//! the key a stored digest cannot be tested against guesses, and the same password gives
//! unrelated digests on two accounts.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Separates this use of the configured secret from every other use of it.
const LABEL: &[u8] = b"passgate lockout wrong-password digests v1";

#[derive(Clone)]
pub struct DigestKey([u8; 32]);

impl DigestKey {
    /// From `lockout.digest_key`, else derived from the JWT secret (HMAC with a fixed label,
    /// so the stored digests reveal nothing about the signing secret), else random: then
    /// each process has its own key and a repeat seen by another instance counts again.
    pub fn from_config(digest_key: Option<&str>, jwt_secret: Option<&str>) -> Self {
        let configured = digest_key
            .filter(|k| !k.is_empty())
            .or(jwt_secret.filter(|s| !s.is_empty()));
        match configured {
            Some(secret) => {
                let mut mac = keyed(secret.as_bytes());
                mac.update(LABEL);
                Self(mac.finalize().into_bytes().into())
            }
            None => {
                let mut key = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
                Self(key)
            }
        }
    }

    /// Hex of HMAC(key, account ‖ 0 ‖ password).
    pub fn digest(&self, account: &str, password: &SecretString) -> String {
        let mut mac = keyed(&self.0);
        mac.update(account.as_bytes());
        mac.update(&[0]);
        mac.update(password.expose_secret().as_bytes());
        let bytes = mac.finalize().into_bytes();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Whether `digest` is among `stored` (space-separated), compared in constant time.
pub fn contains(stored: &str, digest: &str) -> bool {
    stored
        .split(' ')
        .filter(|d| !d.is_empty())
        .fold(false, |found, d| {
            found | bool::from(d.as_bytes().ct_eq(digest.as_bytes()))
        })
}

/// `stored` with `digest` appended, keeping the newest `keep`.
pub fn push(stored: &str, digest: &str, keep: usize) -> String {
    let mut all: Vec<&str> = stored.split(' ').filter(|d| !d.is_empty()).collect();
    all.push(digest);
    let skip = all.len().saturating_sub(keep);
    all[skip..].join(" ")
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_depend_on_key_account_and_password() {
        let a = DigestKey::from_config(Some("k".repeat(32).as_str()), None);
        let b = DigestKey::from_config(None, Some("another secret entirely, long enough"));
        let pw = SecretString::from("hunter2");
        let d = a.digest("ada@example.com", &pw);
        assert_eq!(d.len(), 64);
        assert_eq!(d, a.digest("ada@example.com", &pw));
        assert_ne!(d, b.digest("ada@example.com", &pw));
        assert_ne!(d, a.digest("bob@example.com", &pw));
        assert_ne!(
            d,
            a.digest("ada@example.com", &SecretString::from("hunter3"))
        );
    }

    #[test]
    fn the_newest_three_are_kept() {
        let s = push(&push(&push(&push("", "a", 3), "b", 3), "c", 3), "d", 3);
        assert_eq!(s, "b c d");
        assert!(contains(&s, "c"));
        assert!(!contains(&s, "a"));
        assert!(!contains("", ""));
    }
}
