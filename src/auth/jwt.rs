//! Access tokens: JWTs whose algorithm is pinned by configuration (HS256, EdDSA or RS256).
//! A token with any other algorithm (including `none`), signature, issuer or audience is
//! rejected. Asymmetric keys are published at `/.well-known/jwks.json` with their `kid`
//! (the RFC 7638 thumbprint); previous public keys stay accepted until removed, so keys
//! rotate without signing anyone out.
//!
//! A token whose signature has been checked is remembered by its SHA-256 digest (see
//! [`VerifiedTokens`]), so each token's signature is checked once per process: an Ed25519
//! check costs more than the rest of an authenticated request.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::config::{JwtAlgorithm, JwtSettings};
use crate::error::ApiError;

pub const PASSWORD_CHANGE_SCOPE: &str = "password_change";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub roles: Vec<String>,
    /// The user's security version when the token was issued; older than the stored one
    /// means revoked.
    pub sv: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

struct VerifyingKey {
    kid: Option<String>,
    key: DecodingKey,
}

pub struct JwtKeys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    signing_kid: Option<String>,
    verifying: Vec<VerifyingKey>,
    jwks: Value,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl_secs: u64,
    verified: Option<VerifiedTokens>,
    /// Expiry is judged by this clock, not by jsonwebtoken's reading of the system time.
    clock: Clock,
}

/// Access tokens whose signature, algorithm, issuer and audience have been checked, by the
/// SHA-256 digest of the whole token. What the check established cannot change for the same
/// bytes while the process runs (the keys are fixed at start-up), so a hit skips it; only
/// the expiry is checked again, and revocation (the security version) is checked by the
/// caller on every request as before. Keys are digests, so the lookup compares no secret
/// (the same reason refresh tokens are stored hashed); only tokens that passed the check
/// get in, so the size is bounded by the tokens in use, and by `capacity`.
struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Claims>>,
    capacity: usize,
}

impl VerifiedTokens {
    fn get(&self, digest: &[u8; 32]) -> Option<Claims> {
        self.lock().get(digest).cloned()
    }

    fn insert(&self, digest: [u8; 32], claims: Claims, now: i64, leeway: i64) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.retain(|_, c| c.exp >= now - leeway);
        }
        if entries.len() >= self.capacity {
            // Still full of live tokens: make room at random rather than grow.
            if let Some(victim) = entries.keys().next().copied() {
                entries.remove(&victim);
            }
        }
        entries.insert(digest, claims);
    }

    fn remove(&self, digest: &[u8; 32]) {
        self.lock().remove(digest);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Claims>> {
        // Nothing panics while holding it; a poisoned map is still a sound map.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

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

    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl_secs
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Issues an access token. `restricted` tokens carry `scope: "password_change"`.
    pub fn issue(
        &self,
        user_id: &str,
        roles: Vec<String>,
        security_version: i64,
        restricted: bool,
    ) -> Result<String, ApiError> {
        let now = self.clock.timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs as i64,
            jti: uuid::Uuid::now_v7().to_string(),
            roles,
            sv: security_version,
            scope: restricted.then(|| PASSWORD_CHANGE_SCOPE.to_owned()),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims with the current key (tests use this to craft expired tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let mut header = Header::new(self.algorithm);
        header.kid = self.signing_kid.clone();
        encode(&header, claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Verifies signature, algorithm, issuer, audience and expiry. Every failure is the same
    /// `invalid_token`, so the answer never says which check failed.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        self.verify_at(token, self.clock.timestamp())
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, ApiError> {
        let Some(verified) = &self.verified else {
            return self.check(token, now);
        };
        let leeway = self.validation.leeway as i64;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = verified.get(&digest) {
            if claims.exp >= now - leeway {
                return Ok(claims);
            }
            verified.remove(&digest);
            return Err(ApiError::InvalidToken);
        }
        let claims = self.check(token, now)?;
        verified.insert(digest, claims.clone(), now, leeway);
        Ok(claims)
    }

    /// The full check, signature included, with expiry judged at `now`.
    fn check(&self, token: &str, now: i64) -> Result<Claims, ApiError> {
        let header = decode_header(token).map_err(|_| ApiError::InvalidToken)?;
        if header.alg != self.algorithm {
            return Err(ApiError::InvalidToken);
        }
        let key = match &header.kid {
            Some(kid) => self
                .verifying
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str())),
            None => self.verifying.first(),
        }
        .ok_or(ApiError::InvalidToken)?;
        let claims = decode::<Claims>(token, &key.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::InvalidToken)?;
        if claims.exp < now - self.validation.leeway as i64 {
            return Err(ApiError::InvalidToken);
        }
        Ok(claims)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hs256() -> JwtKeys {
        let settings = JwtSettings {
            secret: Some("s".repeat(32)),
            ..JwtSettings::default()
        };
        JwtKeys::from_settings(&settings, &[], Clock::system())
            .unwrap()
            .0
    }

    #[test]
    fn issued_tokens_verify_and_carry_claims() {
        let keys = hs256();
        let token = keys.issue("u1", vec!["user".into()], 3, true).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "u1");
        assert_eq!(claims.sv, 3);
        assert_eq!(claims.scope.as_deref(), Some(PASSWORD_CHANGE_SCOPE));
    }

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "passgate".into(),
            aud: "passgate".into(),
            sub: "u1".into(),
            iat: exp - 900,
            exp,
            jti: "j".into(),
            roles: vec!["user".into()],
            sv: 1,
            scope: None,
        }
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = hs256();
        let now = chrono::Utc::now().timestamp();
        let token = keys.sign(&claims(now + 60)).unwrap();
        assert!(keys.verify_at(&token, now).is_ok());
        assert!(keys.verified.as_ref().unwrap().lock().len() == 1);
        // Past its expiry (and the leeway) the remembered token is refused and forgotten.
        assert!(keys.verify_at(&token, now + 66).is_err());
        assert!(keys.verified.as_ref().unwrap().lock().is_empty());
    }

    #[test]
    fn expiry_follows_the_clock_with_or_without_the_cache() {
        for cache in [0, 16] {
            let clock = Clock::system();
            let settings = JwtSettings {
                secret: Some("s".repeat(32)),
                verified_cache_size: cache,
                ..JwtSettings::default()
            };
            let keys = JwtKeys::from_settings(&settings, &[], clock.clone())
                .unwrap()
                .0;
            let token = keys.issue("u1", vec![], 1, false).unwrap();
            assert!(keys.verify(&token).is_ok());
            let ttl = keys.access_ttl_secs();
            clock.advance(std::time::Duration::from_secs(ttl + 5));
            assert!(keys.verify(&token).is_ok(), "within the leeway");
            clock.advance(std::time::Duration::from_secs(2));
            assert!(keys.verify(&token).is_err(), "cache size {cache}");
        }
    }

    #[test]
    fn only_verified_tokens_are_remembered_and_never_more_than_the_capacity() {
        let settings = JwtSettings {
            secret: Some("s".repeat(32)),
            verified_cache_size: 2,
            ..JwtSettings::default()
        };
        let keys = JwtKeys::from_settings(&settings, &[], Clock::system())
            .unwrap()
            .0;
        for i in 0..5 {
            let token = keys.issue(&format!("u{i}"), vec![], 1, false).unwrap();
            assert_eq!(keys.verify(&token).unwrap().sub, format!("u{i}"));
            let mut forged = token.clone();
            forged.pop();
            assert!(keys.verify(&forged).is_err());
        }
        assert_eq!(keys.verified.as_ref().unwrap().lock().len(), 2);
    }

    #[test]
    fn tokens_from_another_secret_or_tampered_are_rejected() {
        let keys = hs256();
        let other = JwtKeys::from_settings(
            &JwtSettings {
                secret: Some("t".repeat(32)),
                ..JwtSettings::default()
            },
            &[],
            Clock::system(),
        )
        .unwrap()
        .0;
        let token = other.issue("u1", vec![], 1, false).unwrap();
        assert!(keys.verify(&token).is_err());
        let mut good = keys.issue("u1", vec![], 1, false).unwrap();
        good.push('x');
        assert!(keys.verify(&good).is_err());
    }
}
