//! What one verification of an imported hash costs, per scheme: at each ecosystem's
//! default (the fixtures of tests/fixtures/legacy_hashes, made by the real libraries) and
//! at passgate's bound (the most an accepted hash can cost). Run by `benches/import.sh`;
//! prints a Markdown table. The median of `RUNS` verifications on one core.

use std::time::{Duration, Instant};

use passgate::password::legacy;
use serde_json::Value;

const RUNS: usize = 3;

fn median(stored: &str, password: &[u8]) -> Duration {
    let parsed = legacy::parse(stored).expect("an accepted hash");
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(parsed.verify(password));
            t.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn shown(t: Duration) -> String {
    if t < Duration::from_millis(1) {
        format!("{} µs", t.as_micros().max(1))
    } else {
        format!("{:.1} ms", t.as_secs_f64() * 1e3)
    }
}

fn stored(hash: &Value) -> String {
    match hash {
        Value::String(s) => s.clone(),
        object => legacy::canonical_credential(object).expect("a Keycloak credential"),
    }
}

fn main() {
    let text = std::fs::read_to_string("tests/fixtures/legacy_hashes/fixtures.json")
        .expect("run from the repository root");
    let fixtures: Vec<Value> = serde_json::from_str(&text).unwrap();
    println!("| scheme | made by | verification |");
    println!("|---|---|---|");
    for f in &fixtures {
        let t = median(
            &stored(&f["hash"]),
            f["password"].as_str().unwrap().as_bytes(),
        );
        println!(
            "| `{}` | {} | {} |",
            f["scheme"].as_str().unwrap(),
            f["source"].as_str().unwrap(),
            shown(t)
        );
    }
    // Fixtures with their cost raised to the bound: the output no longer matches, which
    // costs the same as a match.
    let find = |scheme: &str| {
        let f = fixtures.iter().find(|f| f["scheme"] == scheme).unwrap();
        stored(&f["hash"])
    };
    let at_bound = [
        ("argon2id, 256 MiB × 4 passes", {
            let h = find("argon2d").replacen("$argon2d$", "$argon2id$", 1);
            h.replacen("m=65536,t=3,p=4", "m=262144,t=4,p=4", 1)
        }),
        (
            "scrypt, 128 MiB, N·r·p = 2^22",
            find("scrypt").replacen("ln=16,r=8,p=1", "ln=17,r=8,p=4", 1),
        ),
        ("PBKDF2-SHA1, 6,000,000 iterated HMACs (1.5M × 4 blocks)", {
            let h = find("keycloak-pbkdf2");
            let at = h.find("hashIterations").unwrap();
            let end = at + h[at..].find(',').unwrap();
            format!("{}hashIterations\\\":1500000{}", &h[..at], &h[end..])
        }),
        (
            "PBKDF2-SHA256, 6,000,000 iterations",
            find("pbkdf2-sha256").replacen("$29000$", "$6000000$", 1),
        ),
        (
            "PBKDF2-SHA512, 2,000,000 iterations",
            find("pbkdf2-sha512").replacen("$25000$", "$2000000$", 1),
        ),
        (
            "bcrypt, cost 14",
            find("bcrypt").replacen("$12$", "$14$", 1),
        ),
        (
            "SHA-crypt 512, 1,000,000 rounds",
            find("sha512-crypt").replacen("rounds=656000", "rounds=1000000", 1),
        ),
        (
            "SHA-crypt 256, 1,000,000 rounds",
            find("sha256-crypt").replacen("rounds=535000", "rounds=1000000", 1),
        ),
    ];
    // Some schemes (SHA-crypt) hash the password again in every round, so their cost grows
    // with its length, which the caller chooses: the bound must hold for the longest one
    // passgate takes (the policy's default maximum, 256 characters, each 4 bytes in UTF-8).
    let longest = "\u{1F511}".repeat(256);
    println!();
    println!("| at the bound | verification | with a 256-character (1,024-byte) password |");
    println!("|---|---|---|");
    for (name, hash) in at_bound {
        let short = median(&hash, b"any password");
        let long = median(&hash, longest.as_bytes());
        println!("| {name} | {} | {} |", shown(short), shown(long));
    }
}
