//! The schemes themselves: building a bounded [`Kind`] from parsed parts, and verifying a
//! password against it with the crate that implements the scheme.

use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::bounds::*;
use super::{unsupported, Kind, Unsupported};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Argon2Variant {
    I,
    D,
    Id,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha1,
    Sha256,
    Sha512,
}

impl Digest {
    pub fn output_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha256 => 32,
            Digest::Sha512 => 64,
        }
    }

    fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            Digest::Sha1 => run::<Sha1>(parts),
            Digest::Sha256 => run::<Sha256>(parts),
            Digest::Sha512 => run::<Sha512>(parts),
        }
    }
}

fn check_output(scheme: &str, expected: &[u8]) -> Result<(), Unsupported> {
    if (MIN_OUTPUT_BYTES..=MAX_OUTPUT_BYTES).contains(&expected.len()) {
        Ok(())
    } else {
        Err(unsupported(format!(
            "{scheme}: the hash must be {MIN_OUTPUT_BYTES} to {MAX_OUTPUT_BYTES} bytes"
        )))
    }
}

/// The output length a format fixes (Django, Werkzeug and passlib write the digest's or
/// scrypt's full output): PBKDF2's and scrypt's outputs are prefixes of longer ones, so a
/// truncated value would otherwise still verify.
pub fn exact_len(scheme: &str, expected: &[u8], len: usize) -> Result<(), Unsupported> {
    if expected.len() == len {
        Ok(())
    } else {
        Err(unsupported(format!(
            "{scheme}: the hash must be {len} bytes"
        )))
    }
}

fn check_salt(scheme: &str, salt: &[u8]) -> Result<(), Unsupported> {
    if salt.len() <= MAX_SALT_BYTES {
        Ok(())
    } else {
        Err(unsupported(format!(
            "{scheme}: the salt is at most {MAX_SALT_BYTES} bytes"
        )))
    }
}

pub fn argon2(
    scheme: &str,
    variant: Argon2Variant,
    version: u32,
    (memory_kib, iterations, lanes): (u32, u32, u32),
    salt: Vec<u8>,
    expected: Vec<u8>,
) -> Result<Kind, Unsupported> {
    check_output(scheme, &expected)?;
    check_salt(scheme, &salt)?;
    if version != 0x10 && version != 0x13 {
        return Err(unsupported(format!("{scheme}: unknown version")));
    }
    if memory_kib > ARGON2_MAX_MEMORY_KIB
        || lanes > ARGON2_MAX_LANES
        || u64::from(memory_kib) * u64::from(iterations) > ARGON2_MAX_WORK_KIB
    {
        return Err(unsupported(format!(
            "{scheme}: costs over the bounds (memory {ARGON2_MAX_MEMORY_KIB} KiB, \
             memory × passes {ARGON2_MAX_WORK_KIB}, {ARGON2_MAX_LANES} lanes)"
        )));
    }
    // The crate's own rules (salt ≥ 8 bytes, memory ≥ 8 × lanes, …), checked now so that a
    // hash that can never verify is refused at import rather than failing every sign-in.
    argon2::Params::new(memory_kib, iterations, lanes, Some(expected.len()))
        .map_err(|e| unsupported(format!("{scheme}: {e}")))?;
    if salt.len() < argon2::MIN_SALT_LEN {
        return Err(unsupported(format!("{scheme}: the salt is too short")));
    }
    Ok(Kind::Argon2 {
        variant,
        version,
        memory_kib,
        iterations,
        lanes,
        salt,
        expected,
    })
}

pub fn scrypt(
    scheme: &str,
    n: u64,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
) -> Result<Kind, Unsupported> {
    check_output(scheme, &expected)?;
    check_salt(scheme, &salt)?;
    if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
        return Err(unsupported(format!("{scheme}: malformed parameters")));
    }
    let memory = 128 * n * u64::from(r);
    if memory > SCRYPT_MAX_MEMORY_BYTES || n * u64::from(r) * u64::from(p) > SCRYPT_MAX_WORK {
        return Err(unsupported(format!(
            "{scheme}: costs over the bounds (memory {SCRYPT_MAX_MEMORY_BYTES} bytes, \
             N × r × p {SCRYPT_MAX_WORK})"
        )));
    }
    let log_n = n.trailing_zeros() as u8;
    scrypt::Params::new(log_n, r, p, expected.len())
        .map_err(|e| unsupported(format!("{scheme}: {e}")))?;
    Ok(Kind::Scrypt {
        log_n,
        r,
        p,
        salt,
        expected,
    })
}

pub fn pbkdf2(
    scheme: &str,
    digest: Digest,
    iterations: u64,
    salt: Vec<u8>,
    expected: Vec<u8>,
) -> Result<Kind, Unsupported> {
    check_output(scheme, &expected)?;
    check_salt(scheme, &salt)?;
    let blocks = expected.len().div_ceil(digest.output_len()) as u64;
    let bound = match digest {
        Digest::Sha512 => PBKDF2_SHA512_MAX_WORK,
        Digest::Sha1 | Digest::Sha256 => PBKDF2_MAX_WORK,
    };
    if iterations == 0 || iterations.saturating_mul(blocks) > bound {
        return Err(unsupported(format!(
            "{scheme}: iterations × output blocks must be 1 to {bound}"
        )));
    }
    Ok(Kind::Pbkdf2 {
        digest,
        iterations: iterations as u32,
        salt,
        expected,
    })
}

/// `hash`: a modular-crypt bcrypt string (`$2a$`, `$2b$`, `$2x$`, `$2y$`).
pub fn bcrypt(scheme: &str, hash: &str, sha256_prehash: bool) -> Result<Kind, Unsupported> {
    let malformed = || unsupported(format!("{scheme}: malformed bcrypt hash"));
    let rest = ["$2a$", "$2b$", "$2y$"]
        .iter()
        .find_map(|p| hash.strip_prefix(p))
        .ok_or_else(malformed)?;
    let (cost, body) = rest.split_once('$').ok_or_else(malformed)?;
    let cost: u32 = (cost.len() == 2)
        .then(|| cost.parse().ok())
        .flatten()
        .ok_or_else(malformed)?;
    let bcrypt_b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'/';
    if body.len() != 53 || !body.bytes().all(bcrypt_b64) {
        return Err(malformed());
    }
    if !(4..=BCRYPT_MAX_COST).contains(&cost) {
        return Err(unsupported(format!(
            "{scheme}: the cost must be 4 to {BCRYPT_MAX_COST}"
        )));
    }
    Ok(Kind::Bcrypt {
        hash: hash.to_owned(),
        sha256_prehash,
    })
}

pub fn sha_crypt(
    scheme: &str,
    sha512: bool,
    rounds: u64,
    salt: &str,
    expected: &str,
) -> Result<Kind, Unsupported> {
    let expected_len = if sha512 { 86 } else { 43 };
    let crypt_b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'/';
    if expected.len() != expected_len
        || !expected.bytes().all(crypt_b64)
        || salt.contains('$')
        || salt.is_empty()
    {
        return Err(unsupported(format!("{scheme}: malformed hash")));
    }
    if rounds > u64::from(SHA_CRYPT_MAX_ROUNDS) {
        return Err(unsupported(format!(
            "{scheme}: at most {SHA_CRYPT_MAX_ROUNDS} rounds"
        )));
    }
    // The specification clamps fewer than 1,000 rounds to 1,000, and uses at most 16 salt
    // characters.
    Ok(Kind::ShaCrypt {
        sha512,
        rounds: rounds.max(1000) as u32,
        salt: salt.chars().take(16).collect(),
        expected: expected.to_owned(),
    })
}

pub fn salted_digest(scheme: &str, digest: Digest, decoded: Vec<u8>) -> Result<Kind, Unsupported> {
    let len = digest.output_len();
    if decoded.len() <= len || decoded.len() - len > MAX_SALT_BYTES {
        return Err(unsupported(format!(
            "{scheme}: a {len}-byte digest followed by 1 to {MAX_SALT_BYTES} bytes of salt"
        )));
    }
    let (expected, salt) = decoded.split_at(len);
    Ok(Kind::SaltedDigest {
        digest,
        salt: salt.to_vec(),
        expected: expected.to_vec(),
    })
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub fn verify(kind: &Kind, password: &[u8]) -> bool {
    match kind {
        Kind::Argon2 {
            variant,
            version,
            memory_kib,
            iterations,
            lanes,
            salt,
            expected,
        } => {
            let algorithm = match variant {
                Argon2Variant::I => argon2::Algorithm::Argon2i,
                Argon2Variant::D => argon2::Algorithm::Argon2d,
                Argon2Variant::Id => argon2::Algorithm::Argon2id,
            };
            let version = if *version == 0x10 {
                argon2::Version::V0x10
            } else {
                argon2::Version::V0x13
            };
            let Ok(params) =
                argon2::Params::new(*memory_kib, *iterations, *lanes, Some(expected.len()))
            else {
                return false;
            };
            let mut out = vec![0u8; expected.len()];
            // Allocates the memory for this verification only and frees it after: the
            // hashing threads keep just the configured size (see `password::hasher`).
            argon2::Argon2::new(algorithm, version, params)
                .hash_password_into(password, salt, &mut out)
                .is_ok_and(|()| same(&out, expected))
        }
        Kind::Scrypt {
            log_n,
            r,
            p,
            salt,
            expected,
        } => {
            let Ok(params) = scrypt::Params::new(*log_n, *r, *p, expected.len()) else {
                return false;
            };
            let mut out = vec![0u8; expected.len()];
            scrypt::scrypt(password, salt, &params, &mut out).is_ok_and(|()| same(&out, expected))
        }
        Kind::Pbkdf2 {
            digest,
            iterations,
            salt,
            expected,
        } => {
            let mut out = vec![0u8; expected.len()];
            match digest {
                Digest::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, *iterations, &mut out),
                Digest::Sha256 => {
                    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, *iterations, &mut out)
                }
                Digest::Sha512 => {
                    pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, *iterations, &mut out)
                }
            }
            same(&out, expected)
        }
        Kind::Bcrypt {
            hash,
            sha256_prehash,
        } => {
            // bcrypt reads at most 72 bytes, as the system that made the hash did; the
            // crate compares in constant time.
            if *sha256_prehash {
                let hex = hex(&Sha256::digest(password));
                bcrypt::verify(hex.as_bytes(), hash).unwrap_or(false)
            } else {
                bcrypt::verify(password, hash).unwrap_or(false)
            }
        }
        Kind::ShaCrypt {
            sha512,
            rounds,
            salt,
            expected,
        } => {
            // Refused without hashing (the caller picked the length, so this says
            // nothing they did not know); the pool's floor still pads the time.
            if sha_crypt_work(*rounds, password.len()) > SHA_CRYPT_MAX_WORK {
                return false;
            }
            let rounds = *rounds as usize;
            let computed = if *sha512 {
                sha_crypt::Sha512Params::new(rounds)
                    .ok()
                    .and_then(|p| sha_crypt::sha512_crypt_b64(password, salt.as_bytes(), &p).ok())
            } else {
                sha_crypt::Sha256Params::new(rounds)
                    .ok()
                    .and_then(|p| sha_crypt::sha256_crypt_b64(password, salt.as_bytes(), &p).ok())
            };
            computed.is_some_and(|c| same(c.as_bytes(), expected.as_bytes()))
        }
        Kind::SaltedDigest {
            digest,
            salt,
            expected,
        } => same(&digest.hash(&[password, salt]), expected),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
