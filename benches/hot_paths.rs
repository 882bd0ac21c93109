//! Criterion benchmarks of the pieces every request runs through: hashing through the
//! bounded pool, JWT issue and verify, the password policy, a breach-corpus lookup,
//! bearer-credential parsing, and the authenticated caller's database read (on a connection,
//! and through the database threads from an async task, as a request makes it).
//! `cargo bench --bench hot_paths`; results and their history are in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use passgate::auth::{opaque, JwtKeys};
use passgate::clock::Clock;
use passgate::config::{JwtSettings, PolicySettings, Settings};
use passgate::metrics::Metrics;
use passgate::password::{self, Hasher, Policy, PolicyInput};
use secrecy::{ExposeSecret, SecretString};

const PASSPHRASE: &str = "violet kettle marches under seven quiet bridges";

fn hashing(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s = Settings::default();
    // The production parameters (m=19456 KiB, t=2, p=1): this is the cost that dominates.
    let hasher = Hasher::new(
        s.hashing.memory_kib,
        s.hashing.iterations,
        s.hashing.parallelism,
        1,
        64,
        Metrics::new(),
    )
    .unwrap();
    let phc = runtime
        .block_on(hasher.hash(SecretString::from(PASSPHRASE)))
        .unwrap();
    let mut group = c.benchmark_group("argon2id_default_params");
    group.sample_size(20);
    group.bench_function("hash_via_pool", |b| {
        b.to_async(&runtime)
            .iter(|| hasher.hash(SecretString::from(PASSPHRASE)))
    });
    group.bench_function("verify_via_pool", |b| {
        b.to_async(&runtime)
            .iter(|| hasher.verify(SecretString::from(PASSPHRASE), phc.clone()))
    });
    group.bench_function("raw_hash_no_pool", |b| {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let params = argon2::Params::new(
            s.hashing.memory_kib,
            s.hashing.iterations,
            s.hashing.parallelism,
            None,
        )
        .unwrap();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        b.iter(|| {
            argon
                .hash_password(PASSPHRASE.as_bytes(), &SaltString::generate(&mut OsRng))
                .unwrap()
                .to_string()
        })
    });
    group.finish();
}

fn tokens(c: &mut Criterion) {
    let hs256 = JwtSettings {
        secret: Some("bench-secret-bench-secret-bench-0123".into()),
        ..JwtSettings::default()
    };
    let (keys, _) = JwtKeys::from_settings(&hs256, &[], Clock::system()).unwrap();
    let mut group = c.benchmark_group("jwt_hs256");
    group.bench_function("issue", |b| {
        b.iter(|| {
            keys.issue(
                "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b",
                vec!["user".into()],
                3,
                false,
            )
            .unwrap()
        })
    });
    verification(&mut group, hs256);
    group.finish();

    // EdDSA, for services that verify passgate's tokens with the published key.
    use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey};
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("ed25519.pem");
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    std::fs::write(
        &pem,
        signing.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    let mut group = c.benchmark_group("jwt_eddsa");
    verification(
        &mut group,
        JwtSettings {
            algorithm: passgate::config::JwtAlgorithm::EdDSA,
            private_key_file: Some(pem),
            ..JwtSettings::default()
        },
    );
    group.finish();

    let mut group = c.benchmark_group("opaque_secrets");
    group.bench_function("new_refresh_token", |b| b.iter(opaque::new_secret));
    group.bench_function("digest_presented_token", |b| {
        b.iter(|| opaque::digest("q3Jm0S9xXw3c2T1h0bC5Zk9pQ7vN4rL8aE6uY2sD1fG"))
    });
    group.finish();
}

/// `verify`: the same token again and again, as its requests present it (the signature is
/// checked once, then remembered); `verify_signature`: the full check every time.
fn verification(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    settings: JwtSettings,
) {
    let (keys, _) = JwtKeys::from_settings(&settings, &[], Clock::system()).unwrap();
    let uncached = JwtKeys::from_settings(
        &JwtSettings {
            verified_cache_size: 0,
            ..settings
        },
        &[],
        Clock::system(),
    )
    .unwrap()
    .0;
    let token = keys
        .issue(
            "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b",
            vec!["user".into(), "admin".into()],
            3,
            false,
        )
        .unwrap();
    group.bench_function("verify", |b| b.iter(|| keys.verify(&token).unwrap()));
    group.bench_function("verify_signature", |b| {
        b.iter(|| uncached.verify(&token).unwrap())
    });
}

fn policy(c: &mut Criterion) {
    let policy = Policy::from_settings(&PolicySettings::default());
    let mut group = c.benchmark_group("password_policy");
    for (name, candidate) in [
        ("passphrase_47", PASSPHRASE.to_owned()),
        ("common_8", "password".to_owned()),
        ("max_256", "x7Kq violet ".repeat(22)[..256].to_owned()),
        ("oversized_100k", "p".repeat(100_000)),
    ] {
        group.throughput(Throughput::Bytes(candidate.len() as u64));
        group.bench_with_input(BenchmarkId::new("check", name), &candidate, |b, pw| {
            b.iter(|| {
                let normalized = if policy.is_too_long(pw) {
                    None
                } else {
                    Some(password::normalize(pw))
                };
                let input = normalized
                    .as_ref()
                    .map_or(pw.as_str(), |n| n.expose_secret());
                policy.check(
                    "password",
                    PolicyInput {
                        password: input,
                        email: Some("ada.lovelace@example.com"),
                        display_name: Some("Ada Lovelace"),
                    },
                )
            })
        });
    }
    group.finish();
}

/// A breach-corpus lookup on a corpus of 4 million random entries (16 shards' worth of
/// filters in one memory-mapped file): a member, a non-member, and the whole rule as a flow
/// runs it (SHA-1 of the password, then the lookup).
fn breach(c: &mut Criterion) {
    use passgate::password::breach::{build, Breach, Corpus};
    use rand::{Rng, SeedableRng};
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pwned.txt");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    let member: [u8; 20] = rng.gen();
    let passphrase_sha = build::password_sha1(PASSPHRASE);
    for sha in [member, passphrase_sha]
        .into_iter()
        .chain((0..4_000_000).map(|_| rng.gen()))
    {
        let hex: String = sha.iter().map(|b| format!("{b:02X}")).collect();
        writeln!(w, "{hex}:2").unwrap();
    }
    drop(w);
    let out = dir.path().join("corpus.bin");
    build::build(
        &out,
        &[input],
        build::BuildOptions {
            plain: false,
            min_count: 1,
            progress: false,
        },
    )
    .unwrap();
    let corpus = Corpus::open(&out).unwrap();
    let mut group = c.benchmark_group("breach_corpus");
    group.bench_function("contains_member", |b| b.iter(|| corpus.contains(&member)));
    let others: Vec<[u8; 20]> = (0..1024).map(|_| rng.gen()).collect();
    let mut i = 0;
    group.bench_function("contains_random", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            corpus.contains(&others[i])
        })
    });
    let settings = PolicySettings {
        breach_corpus_file: Some(out.clone()),
        ..Default::default()
    };
    let checker = Breach::from_settings(&settings, Metrics::new().breach_checks_total).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    group.bench_function("is_breached_passphrase", |b| {
        b.iter(|| runtime.block_on(checker.is_breached(PASSPHRASE)).unwrap())
    });
    group.finish();
}

/// The read every authenticated request makes (`users::find`), on SQLite.
fn database(c: &mut Criterion) {
    use diesel::prelude::*;
    use passgate::config::DatabaseSettings;
    use passgate::db::{self, models::NewUser, models::UserRow, Db};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let settings = DatabaseSettings {
        url: url.clone(),
        ..DatabaseSettings::default()
    };
    let database = Db::connect(&settings).unwrap();
    database.migrate().unwrap();
    let mut conn = db::ConnectionManager::new(&url).connect().unwrap();
    let now = Clock::system().now();
    let id = passgate::domain::UserId::new();
    db::users::insert(
        &mut conn,
        &NewUser {
            id,
            email: "ada@example.com".into(),
            email_normalized: "ada@example.com".into(),
            display_name: Some("Ada Lovelace".into()),
            roles: "user".into(),
            password_hash: None,
            password_expires_at: None,
            security_version: 1,
            password_changed_at: Some(now),
            password_change_required: false,
            disabled: false,
            created_at: now,
            updated_at: now,
            locale: None,
        },
    )
    .unwrap();

    let mut group = c.benchmark_group("caller_lookup_sqlite");
    group.bench_function("on_connection", |b| {
        b.iter(|| db::users::find(&mut conn, &id).unwrap().unwrap())
    });
    // The same query through `MultiConnection` with `first()`: what `users::find` did
    // before it went to the backend's own connection without a bound LIMIT.
    group.bench_function("through_multiconnection_with_limit", |b| {
        use passgate::db::schema::users::dsl as u;
        b.iter(|| {
            u::users
                .find(&id)
                .select(UserRow::as_select())
                .first(&mut conn)
                .unwrap()
        })
    });
    // An actix worker is a single-threaded runtime; the read crosses to a database thread
    // and back.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    group.bench_function("through_database_threads", |b| {
        b.to_async(&runtime).iter(|| {
            let database = database.clone();
            async move {
                database
                    .run(move |c| db::users::find(c, &id))
                    .await
                    .unwrap()
                    .unwrap()
            }
        })
    });
    group.finish();
}

criterion_group!(benches, hashing, tokens, policy, breach, database);
criterion_main!(benches);
