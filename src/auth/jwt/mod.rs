//! Access tokens: JWTs whose algorithm is pinned by configuration (HS256, EdDSA or RS256).
//! A token with any other algorithm (including `none`), signature, issuer or audience is
//! rejected. Asymmetric keys are published at `/.well-known/jwks.json` with their `kid`
//! (the RFC 7638 thumbprint); previous public keys stay accepted until removed, so keys
//! rotate without signing anyone out.
//!
//! A token whose signature has been checked is remembered by its SHA-256 digest (see
//! [`VerifiedTokens`]), so each token's signature is checked once per process: an Ed25519
//! check costs more than the rest of an authenticated request.

mod keys;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
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

impl JwtKeys {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::JwtSettings;

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
