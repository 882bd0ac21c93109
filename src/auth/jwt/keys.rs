//! Loading the keys: the signing key of the configured algorithm (HS256 with a secret, or
//! an Ed25519 or RSA key pair from PEM files), the previous public keys still accepted, and
//! the JWKS that publishes them by RFC 7638 thumbprint.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::config::{JwtAlgorithm, JwtSettings};

use super::{JwtKeys, VerifiedTokens, VerifyingKey};

/// A public key as published in the JWKS, with the key that verifies with it.
struct PublicKey {
    jwk: Value,
    kid: String,
    key: DecodingKey,
}

impl JwtKeys {
    /// Builds the keys from configuration. `secret_was_generated` tells the caller to warn.
    pub fn from_settings(
        settings: &JwtSettings,
        previous_files: &[std::path::PathBuf],
        clock: Clock,
    ) -> anyhow::Result<(Self, bool)> {
        let mut generated = false;
        let (algorithm, encoding, signing_kid, mut verifying, mut keys) = match settings.algorithm {
            JwtAlgorithm::HS256 => {
                let secret = match &settings.secret {
                    Some(s) => s.as_bytes().to_vec(),
                    None => {
                        generated = true;
                        let mut bytes = vec![0u8; 32];
                        OsRng.fill_bytes(&mut bytes);
                        bytes
                    }
                };
                (
                    Algorithm::HS256,
                    EncodingKey::from_secret(&secret),
                    None,
                    vec![VerifyingKey {
                        kid: None,
                        key: DecodingKey::from_secret(&secret),
                    }],
                    Vec::new(),
                )
            }
            JwtAlgorithm::EdDSA | JwtAlgorithm::RS256 => {
                let path = settings.private_key_file.as_deref().ok_or_else(|| {
                    anyhow::anyhow!("PASSGATE__JWT__PRIVATE_KEY_FILE is required")
                })?;
                let pem = read(path)?;
                let (algorithm, encoding, public) = if settings.algorithm == JwtAlgorithm::EdDSA {
                    use ed25519_dalek::pkcs8::DecodePrivateKey;
                    let signing = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
                        anyhow::anyhow!(
                            "PASSGATE__JWT__PRIVATE_KEY_FILE: not a PKCS#8 Ed25519 key: {e}"
                        )
                    })?;
                    (
                        Algorithm::EdDSA,
                        EncodingKey::from_ed_pem(pem.as_bytes())?,
                        ed25519_public(&signing.verifying_key())?,
                    )
                } else {
                    use rsa::pkcs8::DecodePrivateKey;
                    let private = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| {
                        anyhow::anyhow!(
                            "PASSGATE__JWT__PRIVATE_KEY_FILE: not a PKCS#8 RSA key: {e}"
                        )
                    })?;
                    (
                        Algorithm::RS256,
                        EncodingKey::from_rsa_pem(pem.as_bytes())?,
                        rsa_public(&private.to_public_key())?,
                    )
                };
                let kid = public.kid.clone();
                (
                    algorithm,
                    encoding,
                    Some(kid.clone()),
                    vec![VerifyingKey {
                        kid: Some(kid),
                        key: public.key,
                    }],
                    vec![public.jwk],
                )
            }
        };
        for file in previous_files {
            if algorithm == Algorithm::HS256 {
                anyhow::bail!(
                    "PASSGATE__JWT__PREVIOUS_PUBLIC_KEY_FILES is only for EdDSA and RS256"
                );
            }
            let pem = read(file)?;
            let public = if algorithm == Algorithm::EdDSA {
                use ed25519_dalek::pkcs8::DecodePublicKey;
                let key = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).map_err(|e| {
                    anyhow::anyhow!(
                        "PASSGATE__JWT__PREVIOUS_PUBLIC_KEY_FILES: {}: {e}",
                        file.display()
                    )
                })?;
                ed25519_public(&key)?
            } else {
                use rsa::pkcs8::DecodePublicKey;
                let key = rsa::RsaPublicKey::from_public_key_pem(&pem).map_err(|e| {
                    anyhow::anyhow!(
                        "PASSGATE__JWT__PREVIOUS_PUBLIC_KEY_FILES: {}: {e}",
                        file.display()
                    )
                })?;
                rsa_public(&key)?
            };
            verifying.push(VerifyingKey {
                kid: Some(public.kid),
                key: public.key,
            });
            keys.push(public.jwk);
        }

        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        // `exp` is still required, but checked in `check` against the state's clock.
        validation.validate_exp = false;

        Ok((
            Self {
                algorithm,
                encoding,
                signing_kid,
                verifying,
                jwks: json!({ "keys": keys }),
                validation,
                issuer: settings.issuer.clone(),
                audience: settings.audience.clone(),
                access_ttl_secs: settings.access_ttl_secs,
                verified: (settings.verified_cache_size > 0).then(|| VerifiedTokens {
                    entries: Mutex::new(HashMap::new()),
                    capacity: settings.verified_cache_size,
                }),
                clock,
            },
            generated,
        ))
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read key file {}: {e}", path.display()))
}

fn ed25519_public(key: &ed25519_dalek::VerifyingKey) -> anyhow::Result<PublicKey> {
    let x = URL_SAFE_NO_PAD.encode(key.to_bytes());
    let kid = thumbprint(&json!({ "crv": "Ed25519", "kty": "OKP", "x": x }));
    Ok(PublicKey {
        jwk: json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig" }),
        key: DecodingKey::from_ed_components(&x)?,
        kid,
    })
}

fn rsa_public(key: &rsa::RsaPublicKey) -> anyhow::Result<PublicKey> {
    use rsa::traits::PublicKeyParts;
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    let kid = thumbprint(&json!({ "e": e, "kty": "RSA", "n": n }));
    Ok(PublicKey {
        jwk: json!({ "kty": "RSA", "n": n, "e": e, "kid": kid, "alg": "RS256", "use": "sig" }),
        key: DecodingKey::from_rsa_components(&n, &e)?,
        kid,
    })
}

/// RFC 7638: SHA-256 over the required members in lexicographic order (serde_json's
/// `json!` keeps keys sorted), base64url.
fn thumbprint(required: &Value) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(required.to_string().as_bytes()))
}
