//! The filter lookup against xorf's own, the false-positive rate and the size per entry.

use rand::{Rng, SeedableRng};
use xorf::{BinaryFuse16, Filter};

use super::build::{build, recover_params, BuildOptions};
use super::corpus::{filter_contains, Corpus, ShardParams, HEADER_LEN, SHARD_RECORD};

fn random_keys(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut keys: Vec<u64> = (0..n).map(|_| rng.gen()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[test]
fn lookup_agrees_with_xorf() {
    for n in [1usize, 2, 3, 10, 1000, 100_000] {
        let keys = random_keys(n, n as u64);
        let filter = BinaryFuse16::try_from(&keys).unwrap();
        let (seed, segment_length, segment_count_length) =
            recover_params(&filter, &keys).expect("parameters recovered");
        let params = ShardParams {
            seed,
            segment_length,
            segment_count_length,
            start: 0,
            len: filter.fingerprints.len() as u64,
            keys: keys.len() as u64,
        };
        let fp = |i: usize| filter.fingerprints[i];
        for k in &keys {
            assert!(
                filter_contains(&params, *k, fp),
                "member {k} missed, n = {n}"
            );
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(99);
        for _ in 0..200_000 {
            let k: u64 = rng.gen();
            assert_eq!(
                filter_contains(&params, k, fp),
                filter.contains(&k),
                "n = {n}"
            );
        }
    }
}

/// Builds a corpus of 1,000,000 SHA-1 lines and measures it: every member found, at most
/// 3 bytes per entry, and the false-positive rate over 1,000,000 random non-members.
#[test]
fn a_million_entries_fit_in_three_bytes_each_with_few_false_positives() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hashes.txt");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut text = String::with_capacity(1_000_000 * 44);
    let mut members = Vec::new();
    for i in 0..1_000_000u32 {
        let sha: [u8; 20] = rng.gen();
        if i % 1000 == 0 {
            members.push(sha);
        }
        for b in sha {
            text.push_str(&format!("{b:02X}"));
        }
        text.push_str(":1\n");
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("corpus.bin");
    let report = build(
        &out,
        &[input],
        BuildOptions {
            plain: false,
            min_count: 1,
            progress: false,
        },
    )
    .unwrap();
    assert_eq!(report.entries, 1_000_000);
    let bytes = std::fs::metadata(&out).unwrap().len();
    let per_entry = bytes as f64 / 1_000_000.0;
    assert!(per_entry <= 3.0, "{per_entry} bytes per entry");

    let corpus = Corpus::open(&out).unwrap();
    assert!(members.iter().all(|m| corpus.contains(m)));
    let trials = 1_000_000u32;
    let false_positives = (0..trials)
        .filter(|_| corpus.contains(&rng.gen::<[u8; 20]>()))
        .count();
    // Expected 1e6 / 65,536 ≈ 15.3 (Poisson, σ ≈ 3.9). 40 is more than six σ above: a rate
    // that high means the filter is not the 16-bit one it claims to be.
    assert!(
        false_positives <= 40,
        "{false_positives} false positives in {trials}"
    );
}

#[test]
fn an_empty_input_makes_an_empty_corpus_that_knows_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.txt");
    std::fs::write(&input, "\n\r\nnot a hash line\n").unwrap();
    let out = dir.path().join("corpus.bin");
    let report = build(
        &out,
        &[input],
        BuildOptions {
            plain: false,
            min_count: 1,
            progress: false,
        },
    )
    .unwrap();
    assert_eq!((report.entries, report.malformed), (0, 1));
    let corpus = Corpus::open(&out).unwrap();
    assert_eq!(corpus.entries(), 0);
    assert!(!corpus.contains(&[0u8; 20]));
}

#[test]
fn a_crafted_shard_table_with_a_valid_checksum_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.txt");
    std::fs::write(&input, "").unwrap();
    let out = dir.path().join("corpus.bin");
    let options = || BuildOptions {
        plain: false,
        min_count: 1,
        progress: false,
    };
    build(&out, &[input], options()).unwrap();
    let good = std::fs::read(&out).unwrap();
    // The last record is the last shard; an empty shard pointing far past the mapping, and
    // one whose key count overflows the total, each with the checksum made right again.
    for (offset, value) in [(16usize, u64::MAX / 2), (32usize, u64::MAX)] {
        let mut crafted = good.clone();
        let record = crafted.len() - SHARD_RECORD;
        crafted[record + offset..record + offset + 8].copy_from_slice(&value.to_le_bytes());
        if offset == 32 {
            // Two shards claiming keys, so the sum overflows rather than just disagreeing.
            let previous = record - SHARD_RECORD;
            crafted[previous + 32..previous + 40].copy_from_slice(&2u64.to_le_bytes());
        }
        let crc = crc32fast::hash(&crafted[HEADER_LEN..]);
        crafted[40..44].copy_from_slice(&crc.to_le_bytes());
        let path = dir.path().join(format!("crafted-{offset}.bin"));
        std::fs::write(&path, &crafted).unwrap();
        let err = Corpus::open(&path).expect_err("a crafted table is refused");
        assert!(err.to_string().contains("corrupt"), "{err}");
    }
}
