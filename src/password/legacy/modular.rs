//! Hashes in the `$scheme$…` forms: PHC strings (argon2, scrypt, pbkdf2 — also passlib's
//! variants of the last two), bcrypt and SHA-crypt.

use super::primitives::{self, Argon2Variant, Digest};
use super::{b64, unsupported, Legacy, Unsupported};

pub fn parse(stored: &str) -> Result<Legacy, Unsupported> {
    let parts: Vec<&str> = stored.split('$').collect();
    let id = parts.get(1).copied().unwrap_or_default();
    let (scheme, kind) = match id {
        "argon2id" | "argon2i" | "argon2d" => {
            let scheme = match id {
                "argon2id" => "argon2id",
                "argon2i" => "argon2i",
                _ => "argon2d",
            };
            (scheme, argon2_phc(scheme, &parts[2..])?)
        }
        "scrypt" => ("scrypt", scrypt_phc(&parts[2..])?),
        "pbkdf2-sha256" => (
            "pbkdf2-sha256",
            pbkdf2_phc(id, Digest::Sha256, &parts[2..])?,
        ),
        "pbkdf2-sha512" => (
            "pbkdf2-sha512",
            pbkdf2_phc(id, Digest::Sha512, &parts[2..])?,
        ),
        "2a" | "2b" | "2y" => ("bcrypt", primitives::bcrypt("bcrypt", stored, false)?),
        "5" => (
            "sha256-crypt",
            sha_crypt("sha256-crypt", false, &parts[2..])?,
        ),
        "6" => (
            "sha512-crypt",
            sha_crypt("sha512-crypt", true, &parts[2..])?,
        ),
        _ => return Err(unsupported("unknown hash format")),
    };
    Ok(Legacy { scheme, kind })
}

/// `key=value,…` of a PHC parameter field.
fn params(field: &str) -> Vec<(&str, &str)> {
    field
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .collect()
}

fn number<T: std::str::FromStr>(scheme: &str, value: Option<&str>) -> Result<T, Unsupported> {
    value
        .filter(|v| !v.is_empty() && v.len() <= 12 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| unsupported(format!("{scheme}: malformed parameters")))
}

fn decoded(scheme: &str, text: &str, adapted: bool) -> Result<Vec<u8>, Unsupported> {
    let out = if adapted {
        b64::decode_adapted(text)
    } else {
        b64::decode(text)
    };
    out.ok_or_else(|| unsupported(format!("{scheme}: malformed base64")))
}

/// `[v=19$]m=…,t=…,p=…$salt$hash` (argon2's reference encoding; no version means 0x10).
pub fn argon2_phc(scheme: &'static str, rest: &[&str]) -> Result<super::Kind, Unsupported> {
    let malformed = || unsupported(format!("{scheme}: malformed hash"));
    let (version, rest) = match rest.first().and_then(|v| v.strip_prefix("v=")) {
        Some(v) => (number::<u32>(scheme, Some(v))?, &rest[1..]),
        None => (0x10, rest),
    };
    let [costs, salt, hash] = rest else {
        return Err(malformed());
    };
    let costs = params(costs);
    let get = |k: &str| costs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    if costs.len() != 3 {
        return Err(malformed());
    }
    let variant = match scheme {
        "argon2i" => Argon2Variant::I,
        "argon2d" => Argon2Variant::D,
        _ => Argon2Variant::Id,
    };
    primitives::argon2(
        scheme,
        variant,
        version,
        (
            number(scheme, get("m"))?,
            number(scheme, get("t"))?,
            number(scheme, get("p"))?,
        ),
        decoded(scheme, salt, false)?,
        decoded(scheme, hash, false)?,
    )
}

/// `ln=…,r=…,p=…$salt$hash` (passlib's and RustCrypto's PHC form).
fn scrypt_phc(rest: &[&str]) -> Result<super::Kind, Unsupported> {
    let scheme = "scrypt";
    let [costs, salt, hash] = rest else {
        return Err(unsupported("scrypt: malformed hash"));
    };
    let costs = params(costs);
    let get = |k: &str| costs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let log_n: u32 = number(scheme, get("ln"))?;
    if !(1..=40).contains(&log_n) {
        return Err(unsupported("scrypt: malformed parameters"));
    }
    let expected = decoded(scheme, hash, false)?;
    // passlib's checksum size, and RustCrypto's default.
    primitives::exact_len(scheme, &expected, 32)?;
    primitives::scrypt(
        scheme,
        1u64 << log_n,
        number(scheme, get("r"))?,
        number(scheme, get("p"))?,
        decoded(scheme, salt, false)?,
        expected,
    )
}

/// passlib's `ROUNDS$salt$hash` (adapted base64) or the PHC `i=…[,l=…]$salt$hash`.
fn pbkdf2_phc(scheme: &str, digest: Digest, rest: &[&str]) -> Result<super::Kind, Unsupported> {
    let [costs, salt, hash] = rest else {
        return Err(unsupported(format!("{scheme}: malformed hash")));
    };
    let passlib = costs.bytes().all(|b| b.is_ascii_digit());
    let expected = decoded(scheme, hash, passlib)?;
    let iterations: u64 = if passlib {
        primitives::exact_len(scheme, &expected, digest.output_len())?;
        number(scheme, Some(costs))?
    } else {
        let costs = params(costs);
        let get = |k: &str| costs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let len: usize = match get("l") {
            Some(l) => number(scheme, Some(l))?,
            None => 32,
        };
        primitives::exact_len(scheme, &expected, len)?;
        number(scheme, get("i"))?
    };
    primitives::pbkdf2(
        scheme,
        digest,
        iterations,
        decoded(scheme, salt, passlib)?,
        expected,
    )
}

/// `[rounds=N$]salt$hash`.
fn sha_crypt(scheme: &str, sha512: bool, rest: &[&str]) -> Result<super::Kind, Unsupported> {
    let (rounds, rest) = match rest.first().and_then(|r| r.strip_prefix("rounds=")) {
        Some(r) => (number::<u64>(scheme, Some(r))?, &rest[1..]),
        None => (5000, rest),
    };
    let [salt, hash] = rest else {
        return Err(unsupported(format!("{scheme}: malformed hash")));
    };
    primitives::sha_crypt(scheme, sha512, rounds, salt, hash)
}
