//! Keycloak's password credential, as a realm export holds it: an object whose
//! `secretData` and `credentialData` are JSON documents inside strings.
//!
//! ```text
//! {"type": "password",
//!  "secretData": "{\"value\":\"<base64>\",\"salt\":\"<base64>\",\"additionalParameters\":{}}",
//!  "credentialData": "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"}
//! ```
//!
//! `pbkdf2` is PBKDF2-HMAC-SHA1, `pbkdf2-sha256` and `pbkdf2-sha512` the same with SHA-2
//! (the JDK's `PBKDF2WithHmacSHA*`, the key as long as the stored value); `argon2` takes its
//! parameters from `additionalParameters` (lists of strings), with Keycloak's defaults
//! (type `id`, version `1.3`, 32-byte hash, 7168 KiB, 1 lane) where one is absent. The
//! password is its UTF-8 bytes in both.

use serde::Deserialize;
use serde_json::Value;

use super::primitives::{self, Argon2Variant, Digest};
use super::{b64, unsupported, Legacy, Unsupported};

#[derive(Deserialize)]
struct Credential {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "secretData")]
    secret_data: String,
    #[serde(rename = "credentialData")]
    credential_data: String,
}

#[derive(Deserialize)]
struct SecretData {
    value: String,
    salt: String,
}

#[derive(Deserialize)]
struct CredentialData {
    #[serde(rename = "hashIterations")]
    hash_iterations: Option<i64>,
    algorithm: String,
    #[serde(rename = "additionalParameters", default)]
    additional_parameters: serde_json::Map<String, Value>,
}

/// The three fields passgate stores of a credential object (a realm export also carries
/// `id`, `createdDate`, `priority`, …), as compact JSON; refused like any other hash when
/// it is not one passgate can verify.
pub fn canonical_credential(object: &Value) -> Result<String, Unsupported> {
    let credential: Credential = serde_json::from_value(object.clone()).map_err(|_| {
        unsupported("keycloak: a credential object needs type, secretData and credentialData")
    })?;
    let text = serde_json::json!({
        "type": credential.kind,
        "secretData": credential.secret_data,
        "credentialData": credential.credential_data,
    })
    .to_string();
    parse(&text)?;
    Ok(text)
}

pub fn parse(stored: &str) -> Result<Legacy, Unsupported> {
    let bad = |what: &str| unsupported(format!("keycloak: {what}"));
    let credential: Credential =
        serde_json::from_str(stored).map_err(|_| bad("malformed credential object"))?;
    if credential.kind != "password" {
        return Err(bad("only credentials of type password"));
    }
    let secret: SecretData =
        serde_json::from_str(&credential.secret_data).map_err(|_| bad("malformed secretData"))?;
    let data: CredentialData = serde_json::from_str(&credential.credential_data)
        .map_err(|_| bad("malformed credentialData"))?;
    let expected = b64::decode(&secret.value).ok_or_else(|| bad("malformed value"))?;
    let salt = b64::decode(&secret.salt).ok_or_else(|| bad("malformed salt"))?;
    let iterations = |default: i64| {
        u64::try_from(data.hash_iterations.unwrap_or(default))
            .map_err(|_| bad("malformed hashIterations"))
    };
    let (scheme, kind) = match data.algorithm.as_str() {
        "pbkdf2" | "pbkdf2-sha256" | "pbkdf2-sha512" => {
            let (scheme, digest, default) = match data.algorithm.as_str() {
                "pbkdf2" => ("keycloak-pbkdf2", Digest::Sha1, 1_300_000),
                "pbkdf2-sha256" => ("keycloak-pbkdf2-sha256", Digest::Sha256, 600_000),
                _ => ("keycloak-pbkdf2-sha512", Digest::Sha512, 210_000),
            };
            let kind = primitives::pbkdf2(scheme, digest, iterations(default)?, salt, expected)?;
            (scheme, kind)
        }
        "argon2" => {
            let scheme = "keycloak-argon2";
            let params = &data.additional_parameters;
            let first = |key: &str| -> Option<String> {
                match params.get(key)? {
                    Value::Array(items) => items.first()?.as_str().map(str::to_owned),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                }
            };
            let int = |key: &str, default: u32| -> Result<u32, Unsupported> {
                match first(key) {
                    None => Ok(default),
                    Some(v) => v.parse().map_err(|_| bad("malformed argon2 parameters")),
                }
            };
            let variant = match first("type").as_deref().unwrap_or("id") {
                "id" => Argon2Variant::Id,
                "i" => Argon2Variant::I,
                "d" => Argon2Variant::D,
                _ => return Err(bad("unknown argon2 type")),
            };
            let version = match first("version").as_deref().unwrap_or("1.3") {
                "1.3" => 0x13,
                "1.0" => 0x10,
                _ => return Err(bad("unknown argon2 version")),
            };
            if int("hashLength", 32)? as usize != expected.len() {
                return Err(bad("hashLength does not match the value"));
            }
            let iterations =
                u32::try_from(iterations(5)?).map_err(|_| bad("malformed hashIterations"))?;
            let costs = (int("memory", 7168)?, iterations, int("parallelism", 1)?);
            let kind = primitives::argon2(scheme, variant, version, costs, salt, expected)?;
            (scheme, kind)
        }
        _ => {
            return Err(bad(
                "algorithms pbkdf2, pbkdf2-sha256, pbkdf2-sha512 and argon2",
            ))
        }
    };
    Ok(Legacy { scheme, kind })
}
