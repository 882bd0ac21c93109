//! Measures a breach-corpus build: generates N random `SHA1HEX:COUNT` lines (the Pwned
//! Passwords download format) into a file, builds the corpus from it exactly as
//! `passgate breach-corpus build` does, and reports the build time, the process's peak
//! memory (VmHWM from /proc/self/status), the file size per entry, and the lookup time and
//! false-positive rate on random non-members.
//!
//! `cargo run --release --example breach_build -- 100000000 /path/with/space`
//! (N defaults to 10,000,000; the folder must hold about 45 bytes per entry of input).
//! Results are in BENCHMARKS.md.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use passgate::password::breach::build::{build, BuildOptions};
use passgate::password::breach::Corpus;
use rand::{Rng, SeedableRng};

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resident memory: (anonymous, file-backed) KiB. Touched pages of the mapped corpus count
/// as file-backed: page cache the kernel can drop, not memory the process allocated.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:"), field("RssFile:"))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(Ok(10_000_000), |a| a.parse())?;
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| std::env::temp_dir().display().to_string()),
    );
    let work = tempfile::tempdir_in(&dir)?;
    let input = work.path().join("pwned.txt");

    let started = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&input)?);
    let digits = b"0123456789ABCDEF";
    let mut line = [0u8; 48];
    for _ in 0..n {
        let sha: [u8; 20] = rng.gen();
        for (i, b) in sha.iter().enumerate() {
            line[2 * i] = digits[(b >> 4) as usize];
            line[2 * i + 1] = digits[(b & 15) as usize];
        }
        let count = rng.gen_range(1..1000u32);
        let tail = format!(":{count}\r\n");
        line[40..40 + tail.len()].copy_from_slice(tail.as_bytes());
        w.write_all(&line[..40 + tail.len()])?;
    }
    w.flush()?;
    drop(w);
    let input_bytes = std::fs::metadata(&input)?.len();
    eprintln!(
        "generated {n} lines ({input_bytes} bytes) in {:.1} s; VmHWM so far {} KiB",
        started.elapsed().as_secs_f64(),
        vm_hwm_kib().unwrap_or(0)
    );

    let out = work.path().join("corpus.bin");
    let started = Instant::now();
    let report = build(
        &out,
        std::slice::from_ref(&input),
        BuildOptions {
            plain: false,
            min_count: 1,
            progress: true,
        },
    )?;
    let build_secs = started.elapsed().as_secs_f64();
    let hwm = vm_hwm_kib().unwrap_or(0);
    std::fs::remove_file(&input)?;

    let started = Instant::now();
    let corpus = Corpus::open(&out)?;
    let open_secs = started.elapsed().as_secs_f64();
    let rss_open = rss_kib();
    let trials = 20_000_000u32;
    let started = Instant::now();
    let false_positives = (0..trials)
        .filter(|_| corpus.contains(&rng.gen::<[u8; 20]>()))
        .count();
    let lookup_ns = started.elapsed().as_nanos() as f64 / f64::from(trials);
    let rss_after = rss_kib();

    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("entries:            {}", report.entries);
    println!("shards:             {}", report.shards);
    println!(
        "build time:         {build_secs:.1} s ({:.0} entries/s)",
        report.entries as f64 / build_secs
    );
    println!("peak memory VmHWM:  {:.1} MiB", mib(hwm));
    println!(
        "file size:          {} bytes ({:.3} bytes/entry)",
        report.bytes,
        report.bytes as f64 / report.entries as f64
    );
    println!(
        "open + verify:      {open_secs:.2} s; RSS anon {:.1} MiB, file {:.1} MiB",
        mib(rss_open.0),
        mib(rss_open.1)
    );
    println!(
        "lookup (random):    {lookup_ns:.0} ns mean over {trials} (SHA-1 generation included); \
         RSS anon {:.1} MiB, file {:.1} MiB",
        mib(rss_after.0),
        mib(rss_after.1)
    );
    println!(
        "false positives:    {false_positives} / {trials} (1 in {:.0}; 2^-16 expects {:.0})",
        f64::from(trials) / false_positives.max(1) as f64,
        f64::from(trials) / 65536.0
    );
    Ok(())
}
