//! `passgate breach-corpus build`: Pwned Passwords lines (`SHA1HEX:COUNT`) or plain password
//! lists in, one corpus file out, with bounded memory. The first pass spills each entry's
//! 64-bit key to one of 256 temporary files by its top byte; the second builds one shard's
//! filter at a time from its files (sorted, duplicates dropped), so memory holds a single
//! shard: about 35 bytes per key of the largest shard, never the whole corpus.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use sha1::{Digest, Sha1};
use unicode_normalization::UnicodeNormalization;
use xorf::{BinaryFuse16, Filter};

use super::corpus::{
    filter_contains, key_of, shard_of, splitmix64, ShardParams, HEADER_LEN, MAGIC, VERSION,
};

/// Spill files: one per top byte of the key.
const BUCKET_BITS: u32 = 8;
/// Keys per shard the build aims at (≈ 140 MiB of construction memory per shard); a corpus
/// of more than 256 × this gets larger shards (2 billion keys: ≈ 8 M per shard, ≈ 300 MiB).
const SHARD_TARGET: u64 = 4 << 20;

#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Inputs are plain password lists, not `SHA1HEX:COUNT` lines.
    pub plain: bool,
    /// Entries with a lower count are left out (counted inputs only).
    pub min_count: u64,
    /// Write a progress line to standard error.
    pub progress: bool,
}

#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub lines: u64,
    pub below_min_count: u64,
    /// Lines neither `SHA1HEX:COUNT` (counted inputs) nor UTF-8 (plain lists).
    pub malformed: u64,
    pub first_malformed: Option<String>,
    /// Distinct keys in the corpus.
    pub entries: u64,
    pub shards: usize,
    pub bytes: u64,
}

/// The SHA-1 under which a password is looked up: of its UTF-8 bytes after NFKC.
pub fn password_sha1(password: &str) -> [u8; 20] {
    let normalized: String = password.nfkc().collect();
    Sha1::digest(normalized.as_bytes()).into()
}

/// Parses `SHA1HEX:COUNT` (either case); `None` when malformed.
pub fn parse_counted(line: &[u8]) -> Option<([u8; 20], u64)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let (hex, count) = (&line[..colon], &line[colon + 1..]);
    let sha1 = parse_hex::<20>(hex)?;
    let count = std::str::from_utf8(count).ok()?.trim().parse().ok()?;
    Some((sha1, count))
}

/// `N` bytes from exactly `2N` hex digits of either case.
pub fn parse_hex<const N: usize>(hex: &[u8]) -> Option<[u8; N]> {
    if hex.len() != 2 * N {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

fn open_input(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(file)
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, reader)))
}

/// Builds the corpus at `out` from `inputs`. The file appears only when complete (written
/// beside it, then renamed), so an interrupted build never leaves a truncated corpus.
pub fn build(out: &Path, inputs: &[PathBuf], options: BuildOptions) -> anyhow::Result<BuildReport> {
    let started = Instant::now();
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let spill = tempfile::Builder::new()
        .prefix(".breach-build-")
        .tempdir_in(dir)
        .with_context(|| format!("cannot create a temporary folder in {}", dir.display()))?;
    let bucket_count = 1usize << BUCKET_BITS;
    let mut buckets = (0..bucket_count)
        .map(|i| {
            let file = File::create(spill.path().join(format!("{i:03}")))?;
            Ok(BufWriter::with_capacity(64 << 10, file))
        })
        .collect::<std::io::Result<Vec<_>>>()
        .context("cannot create the spill files")?;
    let mut bucket_lens = vec![0u64; bucket_count];

    let mut report = BuildReport::default();
    let mut line = Vec::with_capacity(256);
    for input in inputs {
        let mut reader = open_input(input)?;
        let mut number = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .with_context(|| format!("cannot read {}", input.display()))?;
            if n == 0 {
                break;
            }
            number += 1;
            report.lines += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let sha1 = if options.plain {
                match std::str::from_utf8(&line) {
                    Ok(pw) if !pw.is_empty() => Some(password_sha1(pw)),
                    Ok(_) => continue,
                    Err(_) => None,
                }
            } else if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            } else {
                match parse_counted(&line) {
                    Some((_, count)) if count < options.min_count => {
                        report.below_min_count += 1;
                        continue;
                    }
                    Some((sha1, _)) => Some(sha1),
                    None => None,
                }
            };
            let Some(sha1) = sha1 else {
                report.malformed += 1;
                report
                    .first_malformed
                    .get_or_insert_with(|| format!("{}:{number}", input.display()));
                continue;
            };
            let key = key_of(&sha1);
            let bucket = shard_of(key, BUCKET_BITS);
            buckets[bucket].write_all(&key.to_le_bytes())?;
            bucket_lens[bucket] += 1;
            if options.progress && report.lines % 1_000_000 == 0 {
                eprint!(
                    "\rreading: {} lines, {:.0} s",
                    report.lines,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    for b in &mut buckets {
        b.flush().context("cannot write the spill files")?;
    }
    drop(buckets);

    let kept: u64 = bucket_lens.iter().sum();
    let shard_bits = shard_bits_for(kept);
    let shard_count = 1usize << shard_bits;
    let per_shard = bucket_count / shard_count;

    let tmp_out = out.with_extension("partial");
    let mut file =
        File::create(&tmp_out).with_context(|| format!("cannot create {}", tmp_out.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, &mut file);
    w.write_all(&[0u8; HEADER_LEN])?;
    let mut crc = crc32fast::Hasher::new();
    let mut table = Vec::with_capacity(shard_count);
    let mut start = 0u64;
    let mut chunk = Vec::new();
    for shard in 0..shard_count {
        let mut keys = Vec::with_capacity(
            bucket_lens[shard * per_shard..(shard + 1) * per_shard]
                .iter()
                .sum::<u64>() as usize,
        );
        for bucket in shard * per_shard..(shard + 1) * per_shard {
            let path = spill.path().join(format!("{bucket:03}"));
            let mut bytes = Vec::new();
            File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .context("cannot read the spill files")?;
            keys.extend(
                bytes
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
            );
            // The spill file is not needed again: give its disk space back now.
            let _ = std::fs::remove_file(&path);
        }
        keys.sort_unstable();
        keys.dedup();
        let params = if keys.is_empty() {
            ShardParams {
                seed: 0,
                segment_length: 0,
                segment_count_length: 0,
                start,
                len: 0,
                keys: 0,
            }
        } else {
            let filter =
                BinaryFuse16::try_from(&keys).map_err(|e| anyhow::anyhow!("shard {shard}: {e}"))?;
            let Some((seed, segment_length, segment_count_length)) = recover_params(&filter, &keys)
            else {
                bail!("shard {shard}: cannot recover the filter's parameters");
            };
            chunk.clear();
            chunk.extend(filter.fingerprints.iter().flat_map(|f| f.to_le_bytes()));
            crc.update(&chunk);
            w.write_all(&chunk)?;
            let len = filter.fingerprints.len() as u64;
            let params = ShardParams {
                seed,
                segment_length,
                segment_count_length,
                start,
                len,
                keys: keys.len() as u64,
            };
            start += len;
            params
        };
        report.entries += params.keys;
        table.push(params);
        if options.progress {
            eprint!(
                "\rbuilding: shard {}/{shard_count}, {} entries, {:.0} s      ",
                shard + 1,
                report.entries,
                started.elapsed().as_secs_f64()
            );
        }
    }
    for params in &table {
        let record = params.to_bytes();
        crc.update(&record);
        w.write_all(&record)?;
    }
    w.flush()?;
    drop(w);
    let body_len = file.stream_position()? - HEADER_LEN as u64;
    let mut header = [0u8; HEADER_LEN];
    header[..16].copy_from_slice(MAGIC);
    header[16..20].copy_from_slice(&VERSION.to_le_bytes());
    header[20..24].copy_from_slice(&shard_bits.to_le_bytes());
    header[24..32].copy_from_slice(&report.entries.to_le_bytes());
    header[32..40].copy_from_slice(&body_len.to_le_bytes());
    header[40..44].copy_from_slice(&crc.finalize().to_le_bytes());
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&header)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp_out, out)
        .with_context(|| format!("cannot rename {} to {}", tmp_out.display(), out.display()))?;
    report.shards = shard_count;
    report.bytes = HEADER_LEN as u64 + body_len;
    if options.progress {
        eprintln!();
    }
    Ok(report)
}

/// Shards so that each holds about `SHARD_TARGET` keys (a power of two, at most the number of
/// spill buckets).
fn shard_bits_for(keys: u64) -> u32 {
    let wanted = keys.div_ceil(SHARD_TARGET).max(1).next_power_of_two();
    wanted.trailing_zeros().min(BUCKET_BITS)
}

/// xorf keeps a filter's seed and segment sizes private, but derives them deterministically:
/// segments are a power of two long with two extra segments at the end, and the seed is the
/// n-th output of SplitMix64 from state 1 (n = construction attempts, almost always the
/// first). The candidate under which sample keys are all found is the filter's (a wrong one
/// would pass 32 keys with probability 2^-512).
pub fn recover_params(filter: &BinaryFuse16, keys: &[u64]) -> Option<(u64, u32, u32)> {
    let len = filter.fingerprints.len() as u64;
    let step = (keys.len() / 32).max(1);
    let sample: Vec<u64> = keys.iter().step_by(step).take(32).copied().collect();
    let lengths: Vec<u32> = (0..=18)
        .map(|b| 1u32 << b)
        .filter(|&s| len.is_multiple_of(u64::from(s)) && len / u64::from(s) >= 3)
        .collect();
    let mut rng = 1u64;
    for _ in 0..1000 {
        let seed = splitmix64(&mut rng);
        for &segment_length in &lengths {
            let params = ShardParams {
                seed,
                segment_length,
                segment_count_length: (len - 2 * u64::from(segment_length)) as u32,
                start: 0,
                len,
                keys: 0,
            };
            let fp = |i: usize| filter.fingerprints[i];
            if sample.iter().all(|&k| filter_contains(&params, k, fp)) {
                debug_assert!(sample.iter().all(|k| filter.contains(k)));
                return Some((seed, segment_length, params.segment_count_length));
            }
        }
    }
    None
}
