//! Endpoint secrets at rest. A signing secret must be usable to sign, so it cannot be
//! hashed like passwords and API keys; it is sealed instead (ChaCha20-Poly1305, a random
//! nonce per value, the endpoint's id as associated data so a sealed value copied onto
//! another endpoint does not open). The key comes from `PASSGATE__WEBHOOKS__SECRET_KEY`, else
//! from the JWT secret (HMAC with a label of its own), else a built-in key: then the
//! sealing is only obfuscation, and start-up warns. A database dump alone then no longer
//! yields the secrets when a key is configured (see SECURITY.md).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use sha2::Sha256;

const LABEL: &[u8] = b"passgate webhook secrets v1";
const BUILT_IN: &[u8] = b"passgate built-in webhook secret key (configure one)";
const VERSION: &str = "v1.";

#[derive(Clone)]
pub struct SecretBox {
    key: [u8; 32],
    /// Whether the key is the built-in one (nothing configured).
    pub built_in: bool,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "a stored webhook secret could not be opened (was PASSGATE__WEBHOOKS__SECRET_KEY changed?)"
)]
pub struct Unsealable;

impl SecretBox {
    pub fn from_config(secret_key: Option<&str>, jwt_secret: Option<&str>) -> Self {
        let configured = secret_key
            .filter(|k| !k.is_empty())
            .or(jwt_secret.filter(|s| !s.is_empty()));
        let material = configured.map_or(BUILT_IN, str::as_bytes);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(material)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(LABEL);
        Self {
            key: mac.finalize().into_bytes().into(),
            built_in: configured.is_none(),
        }
    }

    fn sealing_key(&self) -> LessSafeKey {
        // A 32-byte key is what CHACHA20_POLY1305 takes: cannot fail.
        LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, &self.key)
                .unwrap_or_else(|_| unreachable!("a 32-byte key")),
        )
    }

    /// `v1.` + base64url(nonce ‖ ciphertext ‖ tag), bound to `webhook_id`.
    pub fn seal(&self, webhook_id: &str, secret: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut data = secret.as_bytes().to_vec();
        // Sealing in memory with a valid key and a fresh nonce does not fail.
        let _ = self.sealing_key().seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(webhook_id.as_bytes()),
            &mut data,
        );
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, webhook_id: &str, sealed: &str) -> Result<String, Unsealable> {
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(Unsealable)?;
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unsealable)?;
        let mut data = data.to_vec();
        let plain = self
            .sealing_key()
            .open_in_place(nonce, Aad::from(webhook_id.as_bytes()), &mut data)
            .map_err(|_| Unsealable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_for_their_endpoint_and_key() {
        let sealer = SecretBox::from_config(Some(&"k".repeat(32)), None);
        let sealed = sealer.seal("a", "whsec_abc");
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(sealer.open("a", &sealed).unwrap(), "whsec_abc");
        assert!(sealer.open("b", &sealed).is_err());
        let other = SecretBox::from_config(Some(&"j".repeat(32)), None);
        assert!(other.open("a", &sealed).is_err());
        assert!(SecretBox::from_config(None, None).built_in);
    }
}
