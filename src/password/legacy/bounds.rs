//! The cost bounds of imported hashes. A hash over a bound is refused at import
//! (`unsupported_hash`): verifying it would make one sign-in cost seconds of CPU or
//! hundreds of MiB. Each bound is at least as generous as the defaults of the ecosystems
//! that write these hashes, so real exports import; the cost of one verification at the
//! bound, measured on the reference machine, is in SECURITY.md ("Imported password
//! hashes") and BENCHMARKS.md.

/// Longest stored hash (or Keycloak credential object) read at all.
pub const MAX_HASH_LEN: usize = 2048;

/// argon2 (any variant): memory per verification. Django's default is 100 MiB
/// (m=102400, 8 lanes, t=2); argon2-cffi's 64 MiB; Keycloak's 7 MiB.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;
/// argon2: memory × passes, the work of one verification (the lanes run one after another
/// here). Django's default is 204,800; argon2-cffi's 196,608.
pub const ARGON2_MAX_WORK_KIB: u64 = 1024 * 1024;
/// argon2: lanes (RFC 9106 recommends 4; Django uses 8).
pub const ARGON2_MAX_LANES: u32 = 16;

/// scrypt: memory (128 × N × r bytes). Werkzeug's default is 32 MiB (N=2^15, r=8),
/// passlib's 64 MiB (N=2^16), Django's 16 MiB (N=2^14, p=5).
pub const SCRYPT_MAX_MEMORY_BYTES: u64 = 128 * 1024 * 1024;
/// scrypt: N × r × p, the work of one verification. Django's default is 655,360.
pub const SCRYPT_MAX_WORK: u64 = 1 << 22;

/// PBKDF2 (any digest): iterations × output blocks, the number of iterated HMACs of one
/// verification. Django 5.2's default is 1,000,000 (one block); Werkzeug's 1,000,000;
/// Keycloak's `pbkdf2` (SHA-1) 1,300,000 × 4 blocks (its 512-bit key) = 5,200,000.
pub const PBKDF2_MAX_WORK: u64 = 6_000_000;
/// PBKDF2-HMAC-SHA512, whose HMAC costs about three of SHA-256's here. Keycloak's default
/// is 210,000 (one block), passlib's 25,000.
pub const PBKDF2_SHA512_MAX_WORK: u64 = 2_000_000;

/// bcrypt: the cost (log2 of the rounds). Ecosystem defaults are 10–12; 14 is the high
/// end seen in practice.
pub const BCRYPT_MAX_COST: u32 = 14;

/// SHA-crypt (`$5$`, `$6$`): rounds. passlib's defaults are 535,000 and 656,000.
pub const SHA_CRYPT_MAX_ROUNDS: u32 = 1_000_000;

/// SHA-crypt hashes the password again in every round, so one verification costs about
/// `rounds × (password bytes + 70)`: the caller, who chooses the password, would otherwise
/// make a hash at the round bound cost 2.6 s (SHA-512, 1,000,000 rounds, a 1,024-byte
/// password) where every other scheme stops near one second. A verification over this
/// work is not run and fails: 1,000,000 rounds take passwords of up to 350 bytes,
/// passlib's 656,000 up to 570 (about 1 s at most). Such a user signs in once through a
/// reset link instead.
pub const SHA_CRYPT_MAX_WORK: u64 = 420_000_000;

/// The work of verifying `password_bytes` against a SHA-crypt hash of `rounds`.
pub fn sha_crypt_work(rounds: u32, password_bytes: usize) -> u64 {
    u64::from(rounds).saturating_mul(password_bytes as u64 + 70)
}

/// Derived-key schemes: the stored output, in bytes. Shorter outputs are refused because a
/// truncated hash is easier to match by chance (a one-byte output matches one password in
/// 256); longer ones only cost more.
pub const MIN_OUTPUT_BYTES: usize = 16;
pub const MAX_OUTPUT_BYTES: usize = 128;
/// Salts, in bytes.
pub const MAX_SALT_BYTES: usize = 128;
