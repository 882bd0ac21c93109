//! passgate's own password hashes: argon2id (v19) PHC strings, whatever their parameters.
//! They are told apart from the hashes imported from other systems (`legacy`) because
//! they are never held to the import bounds: the service's own settings may be above them.

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Params, Version};

/// `stored` read as the argon2id (v19) PHC string passgate writes, parameters the argon2
/// crate accepts; `None` for anything else (a hash of another scheme or framing).
pub(super) fn own_hash(stored: &str) -> Option<PasswordHash<'_>> {
    let parsed = PasswordHash::new(stored).ok()?;
    let own = parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13 as u32)
        && parsed.salt.is_some()
        && parsed.hash.is_some()
        && Params::try_from(&parsed).is_ok();
    own.then_some(parsed)
}

/// Whether `stored` is passgate's own argon2id (see [`own_hash`]): such a hash goes to the
/// password history when it is replaced, and an import of it is not held to the bounds
/// when its parameters are the configured ones.
pub fn is_own_hash(stored: &str) -> bool {
    own_hash(stored).is_some()
}

/// Whether `stored` is passgate's own argon2id with exactly these parameters: verifying it
/// costs what every sign-in here costs already, so an import takes it whatever the bounds.
pub fn has_params(stored: &str, memory_kib: u32, iterations: u32, parallelism: u32) -> bool {
    own_hash(stored)
        .and_then(|h| Params::try_from(&h).ok())
        .is_some_and(|p| {
            (p.m_cost(), p.t_cost(), p.p_cost()) == (memory_kib, iterations, parallelism)
        })
}

/// Whether an own hash was made with other parameters than the configured `params`.
pub(super) fn needs_rehash(hash: &PasswordHash<'_>, params: &Params) -> bool {
    if hash.algorithm.as_str() != "argon2id" || hash.version != Some(Version::V0x13 as u32) {
        return true;
    }
    match Params::try_from(hash) {
        Ok(p) => {
            p.m_cost() != params.m_cost()
                || p.t_cost() != params.t_cost()
                || p.p_cost() != params.p_cost()
        }
        Err(_) => true,
    }
}
