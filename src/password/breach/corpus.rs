//! The breach corpus file and its lookup. A password is known when its SHA-1 is: the first
//! 64 bits of the SHA-1 are the key of a binary fuse filter (16-bit fingerprints, so a
//! false-positive rate of about 1 in 65,536 and about 2.25 bytes per entry), one filter per
//! shard of keys sharing their top bits so that a build needs memory for one shard only.
//!
//! Layout (little-endian throughout):
//! - header, 64 bytes: magic `PASSGATE-BREACH\0`, version (u32), shard bits (u32), entries
//!   (u64), body length (u64), CRC-32 of the body (u32), zero padding;
//! - body: each shard's fingerprints (u16 each), one after the other, then the shard table
//!   (one [`SHARD_RECORD`]-byte record per shard: seed u64, segment length u32, segment
//!   count length u32, first fingerprint's index u64, fingerprint count u64, keys u64).
//!
//! At run time the file is memory-mapped and a lookup reads three fingerprints from the
//! mapping: nothing is copied to the heap but the shard table, so RSS does not grow with the
//! corpus (the kernel pages fingerprints in and out as it likes).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

pub const MAGIC: &[u8; 16] = b"PASSGATE-BREACH\0";
pub const VERSION: u32 = 1;
pub const HEADER_LEN: usize = 64;
pub const SHARD_RECORD: usize = 40;
/// At most 2^16 shards: more would only make the table large.
pub const MAX_SHARD_BITS: u32 = 16;

/// Why a corpus file was refused; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error("breach corpus {}: {why}", path.display())]
pub struct CorpusError {
    pub path: PathBuf,
    pub why: String,
}

/// One shard's filter parameters, exactly those of xorf's `BinaryFuse16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardParams {
    pub seed: u64,
    pub segment_length: u32,
    pub segment_count_length: u32,
    /// Index (in fingerprints, from the start of the body) of the shard's first fingerprint.
    pub start: u64,
    pub len: u64,
    pub keys: u64,
}

impl ShardParams {
    pub fn to_bytes(self) -> [u8; SHARD_RECORD] {
        let mut out = [0u8; SHARD_RECORD];
        out[0..8].copy_from_slice(&self.seed.to_le_bytes());
        out[8..12].copy_from_slice(&self.segment_length.to_le_bytes());
        out[12..16].copy_from_slice(&self.segment_count_length.to_le_bytes());
        out[16..24].copy_from_slice(&self.start.to_le_bytes());
        out[24..32].copy_from_slice(&self.len.to_le_bytes());
        out[32..40].copy_from_slice(&self.keys.to_le_bytes());
        out
    }

    fn from_bytes(b: &[u8]) -> Self {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        Self {
            seed: u64_at(0),
            segment_length: u32_at(8),
            segment_count_length: u32_at(12),
            start: u64_at(16),
            len: u64_at(24),
            keys: u64_at(32),
        }
    }
}

/// The filter key of a SHA-1: its first 64 bits.
pub fn key_of(sha1: &[u8; 20]) -> u64 {
    u64::from_be_bytes(sha1[..8].try_into().expect("8 bytes"))
}

/// The shard of a key: its top `bits` bits.
pub fn shard_of(key: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (key >> (64 - bits)) as usize
    }
}

// xorf's hashing, reproduced exactly (its helpers are private): murmur3's 64-bit finaliser
// over key + seed, the fingerprint is the hash's halves xor-ed, and the three positions come
// from the hash's top bits (segment) and two slices of it (offsets in the next segments).

pub fn mix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline]
pub fn positions(hash: u64, segment_length: u32, segment_count_length: u32) -> [usize; 3] {
    let mask = segment_length - 1;
    let h0 = ((hash as u128 * segment_count_length as u128) >> 64) as u32;
    let h1 = (h0 + segment_length) ^ (((hash >> 18) as u32) & mask);
    let h2 = (h0 + 2 * segment_length) ^ ((hash as u32) & mask);
    [h0 as usize, h1 as usize, h2 as usize]
}

/// Whether a filter with `params` over `fingerprint(i)` contains `key` (xorf's `contains`).
#[inline]
pub fn filter_contains(params: &ShardParams, key: u64, fingerprint: impl Fn(usize) -> u16) -> bool {
    if params.len == 0 {
        return false;
    }
    let hash = mix64(key.wrapping_add(params.seed));
    let f = (hash ^ (hash >> 32)) as u16;
    let [a, b, c] = positions(hash, params.segment_length, params.segment_count_length);
    f ^ fingerprint(a) ^ fingerprint(b) ^ fingerprint(c) == 0
}

/// A loaded, validated corpus.
pub struct Corpus {
    map: Mmap,
    shard_bits: u32,
    shards: Vec<ShardParams>,
    entries: u64,
}

impl std::fmt::Debug for Corpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corpus")
            .field("entries", &self.entries)
            .field("shards", &self.shards.len())
            .finish()
    }
}

impl Corpus {
    /// Opens and checks the whole file: magic, version, length, checksum and every shard's
    /// bounds, so that a lookup can never read past the mapping. The checksum is computed
    /// with ordinary reads (page cache), not through the mapping, so RSS stays small.
    pub fn open(path: &Path) -> Result<Self, CorpusError> {
        let fail = |why: String| CorpusError {
            path: path.to_owned(),
            why,
        };
        let mut file = File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let file_len = file
            .metadata()
            .map_err(|e| fail(format!("cannot read: {e}")))?
            .len();
        let mut header = [0u8; HEADER_LEN];
        if file_len < HEADER_LEN as u64 {
            return Err(fail(format!(
                "truncated: {file_len} bytes, shorter than the header"
            )));
        }
        file.read_exact(&mut header)
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        if &header[..16] != MAGIC {
            return Err(fail(
                "not a breach corpus (build one with `passgate breach-corpus build`)".into(),
            ));
        }
        let u32_at = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().expect("4"));
        let u64_at = |i: usize| u64::from_le_bytes(header[i..i + 8].try_into().expect("8"));
        let version = u32_at(16);
        if version != VERSION {
            return Err(fail(format!(
                "format version {version}, this passgate reads version {VERSION}; rebuild it"
            )));
        }
        let shard_bits = u32_at(20);
        let entries = u64_at(24);
        let body_len = u64_at(32);
        let checksum = u32_at(40);
        if shard_bits > MAX_SHARD_BITS {
            return Err(fail(format!("corrupt: {shard_bits} shard bits")));
        }
        let expected = (HEADER_LEN as u64).checked_add(body_len);
        if expected != Some(file_len) {
            return Err(fail(format!(
                "truncated or damaged: {file_len} bytes, the header says {}",
                expected.map_or("more than fits".into(), |n| n.to_string())
            )));
        }
        let mut crc = crc32fast::Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| fail(format!("cannot read: {e}")))?;
            if n == 0 {
                break;
            }
            crc.update(&buf[..n]);
        }
        if crc.finalize() != checksum {
            return Err(fail("corrupt: checksum mismatch".into()));
        }

        let shard_count = 1usize << shard_bits;
        let table_len = (shard_count * SHARD_RECORD) as u64;
        if body_len < table_len || !(body_len - table_len).is_multiple_of(2) {
            return Err(fail("corrupt: body and shard table do not fit".into()));
        }
        let fingerprints = (body_len - table_len) / 2;
        // SAFETY: the file is opened read-only and never written by passgate while mapped.
        // Replacing it in place under a running server is unsupported (documented); an
        // atomic rename of a new file leaves this mapping on the old inode.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| fail(format!("cannot map: {e}")))?;
        let table = &map[HEADER_LEN + (body_len - table_len) as usize..];
        let mut shards = Vec::with_capacity(shard_count);
        let mut total = 0u64;
        for record in table.chunks_exact(SHARD_RECORD) {
            let p = ShardParams::from_bytes(record);
            let sound = if p.len == 0 {
                p.keys == 0 && p.start <= fingerprints
            } else {
                p.segment_length.is_power_of_two()
                    && p.len.is_multiple_of(u64::from(p.segment_length))
                    && u64::from(p.segment_count_length) + 2 * u64::from(p.segment_length) == p.len
                    && p.start
                        .checked_add(p.len)
                        .is_some_and(|end| end <= fingerprints)
            };
            if !sound {
                return Err(fail(format!(
                    "corrupt: shard {} is out of bounds",
                    shards.len()
                )));
            }
            total = total
                .checked_add(p.keys)
                .ok_or_else(|| fail("corrupt: shard entry counts overflow".into()))?;
            shards.push(p);
        }
        if total != entries {
            return Err(fail(
                "corrupt: shard entry counts disagree with the header".into(),
            ));
        }
        Ok(Self {
            map,
            shard_bits,
            shards,
            entries,
        })
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Whether the corpus knows the password with this SHA-1 (false positives ≈ 1/65,536).
    pub fn contains(&self, sha1: &[u8; 20]) -> bool {
        let key = key_of(sha1);
        let params = &self.shards[shard_of(key, self.shard_bits)];
        if params.len == 0 {
            return false;
        }
        let base = HEADER_LEN + 2 * params.start as usize;
        let fps = &self.map[base..base + 2 * params.len as usize];
        filter_contains(params, key, |i| {
            u16::from_le_bytes([fps[2 * i], fps[2 * i + 1]])
        })
    }
}
