//! The load harness behind BENCHMARKS.md: one command (`bash benches/load.sh`) that starts a
//! release passgate on SQLite, seeds users, and measures, side by side on this machine:
//!
//! - the raw argon2id rate on all cores with the configured parameters, and the sign-in rate
//!   under concurrent load (goal: ≥ 0.90 of raw);
//! - `GET /v1/me` (JWT check + database read) against a bare actix-web handler returning a
//!   similar body (goal: ≥ 0.50);
//! - idle resident memory (goal: < 40 MiB) and the peak while 256 sign-ins run at once (goal:
//!   ≤ idle + cores × 1.5 × m_cost + 64 MiB, and only 200 or 503 answers);
//! - a bulk `generate` reset of 1,000 users (goal: ≤ 1.1 × 1,000 ÷ raw rate).
//!
//! It prints numbers; it asserts nothing (tests assert behaviour, this measures).

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use passgate::config::{DatabaseSettings, Settings};
use passgate::db::{self, models::NewUser, Db};
use serde_json::{json, Value};

const PASSWORD: &str = "violet kettle marches under seven quiet bridges";
const ADMIN_PASSWORD: &str = "quartz pelican sings over ninety amber dunes";
const USERS: usize = 1000;
/// Client addresses of the mixed sign-in scenario (127.0.0.2 …).
const SOURCES: usize = 50;
/// `/v1/me` and the bare handler alternate in this many rounds of this many seconds each.
const ME_ROUNDS: usize = 5;
const ME_SECS: u64 = 4;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// VmRSS and VmHWM of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Hashes per second with every core busy, no server in the way.
fn raw_argon2_rate(settings: &Settings, secs: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let threads: Vec<_> = (0..cores())
        .map(|_| {
            let done = done.clone();
            let h = settings.hashing.clone();
            std::thread::spawn(move || {
                let params =
                    argon2::Params::new(h.memory_kib, h.iterations, h.parallelism, None).unwrap();
                let argon = argon2::Argon2::new(
                    argon2::Algorithm::Argon2id,
                    argon2::Version::V0x13,
                    params,
                );
                while Instant::now() < deadline {
                    let _ = argon
                        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
                        .unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    for t in threads {
        t.join().unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

struct Outcome {
    per_sec: f64,
    statuses: std::collections::BTreeMap<u16, u64>,
}

/// Runs `concurrency` loops of `request` for `secs`; counts answers by status.
async fn load<F, Fut>(concurrency: usize, secs: u64, request: F) -> Outcome
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut seen = std::collections::BTreeMap::new();
                let mut i = worker;
                while Instant::now() < deadline {
                    *seen.entry(request(i).await).or_insert(0u64) += 1;
                    i += concurrency;
                }
                seen
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        for (status, n) in t.await.unwrap() {
            *statuses.entry(status).or_insert(0) += n;
        }
    }
    let ok = statuses.get(&200).copied().unwrap_or(0);
    Outcome {
        per_sec: ok as f64 / started.elapsed().as_secs_f64(),
        statuses,
    }
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn passgate(env: &[(String, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/release/passgate"
    ));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scenarios = Scenarios::from_args()?;
    let settings = Settings::default();
    let h = &settings.hashing;
    println!(
        "machine: {} cores; argon2id m={} KiB, t={}, p={}",
        cores(),
        h.memory_kib,
        h.iterations,
        h.parallelism
    );

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("load.db").display());
    let port = free_port();
    let env: Vec<(String, String)> = [
        ("PASSGATE__DATABASE__URL", url.as_str()),
        ("PASSGATE__SERVER__PORT", &port.to_string()),
        ("PASSGATE__MANAGEMENT__PORT", "0"),
        (
            "PASSGATE__JWT__SECRET",
            "load-harness-secret-load-harness-secret",
        ),
        ("PASSGATE__LOG__LEVEL", "error"),
        ("PASSGATE__MAIL__NOTIFY_PASSWORD_CHANGES", "false"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();

    // Seed: an admin through the CLI, and 1,000 users sharing one precomputed hash.
    let status = passgate(
        &env,
        &[
            "create-admin",
            "--email",
            "admin@load.test",
            "--password",
            ADMIN_PASSWORD,
        ],
    )
    .stdout(Stdio::null())
    .status()?;
    anyhow::ensure!(
        status.success(),
        "create-admin failed (build with `cargo build --release --bin passgate`)"
    );
    let database = Db::connect(&DatabaseSettings {
        url: url.clone(),
        ..DatabaseSettings::default()
    })?;
    let params = argon2::Params::new(h.memory_kib, h.iterations, h.parallelism, None).unwrap();
    let phc = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
    let ids: Vec<String> = database
        .run(move |c| {
            db::write_tx(c, |c| -> db::Result<_> {
                let now = passgate::clock::Clock::system().now();
                let mut ids = Vec::new();
                for i in 0..USERS {
                    let id = passgate::domain::UserId::new();
                    db::users::insert(
                        c,
                        &NewUser {
                            id,
                            email: format!("load{i}@load.test"),
                            email_normalized: format!("load{i}@load.test"),
                            display_name: None,
                            roles: "user".into(),
                            password_hash: Some(phc.clone()),
                            password_expires_at: None,
                            security_version: 1,
                            password_changed_at: Some(now),
                            password_change_required: false,
                            disabled: false,
                            created_at: now,
                            updated_at: now,
                            locale: None,
                        },
                    )?;
                    ids.push(id.to_string());
                }
                Ok(ids)
            })
        })
        .await
        .map_err(|e| anyhow::anyhow!("seeding failed: {e}"))?;
    drop(database);

    let child = passgate(&env, &["serve"]).stdout(Stdio::null()).spawn()?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    for _ in 0..100 {
        if client
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_rss, _) = memory(server.child.id());

    let pid = server.child.id();
    let mut table = Table::default();

    if scenarios.me {
        let token = access_token(&client, &server.url, "load0@load.test", PASSWORD).await?;
        let me_body = client
            .get(format!("{}/v1/me", server.url))
            .bearer_auth(&token)
            .send()
            .await?
            .text()
            .await?;

        // The bare handler serves the same body from this process, on as many workers.
        let bare_port = free_port();
        let body = me_body.clone();
        let bare = HttpServer::new(move || {
            let body = body.clone();
            App::new().route(
                "/v1/me",
                web::get().to(move || {
                    let body = body.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
        })
        .workers(cores())
        .bind(("127.0.0.1", bare_port))?
        .run();
        let bare_handle = bare.handle();
        tokio::spawn(bare);
        let bare_url = format!("http://127.0.0.1:{bare_port}");

        // On a shared machine the rate of either side drifts by tens of percent within
        // minutes, so the two alternate in short rounds and each round gives a ratio.
        let mut rounds = Vec::new();
        let (mut me_total, mut me_requests, mut me_cpu) = (0.0, 0u64, 0.0);
        let mut statuses = std::collections::BTreeMap::new();
        for round in 1..=ME_ROUNDS {
            println!(
                "round {round}/{ME_ROUNDS}: GET /v1/me, then a bare actix-web handler with the \
                 same body, 64 concurrent clients each ({ME_SECS} s each)…"
            );
            let cpu_before = cpu_secs(pid);
            let me = get_me(&client, &server.url, &token, 64, ME_SECS).await;
            me_cpu += cpu_secs(pid) - cpu_before;
            let baseline = get_me(&client, &bare_url, "x", 64, ME_SECS).await;
            me_total += me.per_sec;
            me_requests += me.statuses.values().sum::<u64>();
            for (status, n) in me.statuses {
                *statuses.entry(status).or_insert(0) += n;
            }
            rounds.push((me.per_sec, baseline.per_sec));
        }
        bare_handle.stop(true).await;

        let ratios: Vec<f64> = rounds.iter().map(|(me, bare)| me / bare).collect();
        let ratio = median(&ratios);
        let me_cpu_us = me_cpu * 1e6 / me_requests.max(1) as f64;
        table.row(
            format!("GET /v1/me, 64 concurrent, {ME_ROUNDS} × {ME_SECS} s"),
            format!(
                "{:.0}/s {statuses:?}; server CPU {me_cpu_us:.0} µs each",
                me_total / ME_ROUNDS as f64
            ),
            "",
            None,
        );
        table.row(
            "bare actix handler, same rounds",
            rounds
                .iter()
                .map(|(_, bare)| format!("{bare:.0}/s"))
                .collect::<Vec<_>>()
                .join(", "),
            "",
            None,
        );
        table.row(
            "/v1/me ÷ bare handler, median of the rounds",
            format!(
                "{ratio:.2} (rounds: {})",
                ratios
                    .iter()
                    .map(|r| format!("{r:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "≥ 0.50",
            Some(ratio >= 0.50),
        );
    }

    if scenarios.argon2 {
        println!("\nmeasuring raw argon2id on {} threads (10 s)…", cores());
        let raw = raw_argon2_rate(&settings, 10);

        println!("sign-in under load: 32 concurrent clients (15 s)…");
        let cpu_before = cpu_secs(pid);
        let sign_in = sign_ins(&client, &server.url, 32, 15).await;
        let sign_in_cpu_ms = (cpu_secs(pid) - cpu_before) * 1000.0
            / sign_in.statuses.values().sum::<u64>().max(1) as f64;

        println!("256 concurrent sign-ins (15 s)…");
        let flood = sign_ins(&client, &server.url, 256, 15).await;
        let (_, peak_rss) = memory(pid);

        println!("bulk generate reset of {USERS} users…");
        let admin_token =
            access_token(&client, &server.url, "admin@load.test", ADMIN_PASSWORD).await?;
        let started = Instant::now();
        let bulk: Value = client
            .post(format!("{}/v1/admin/password-resets", server.url))
            .bearer_auth(&admin_token)
            .json(&json!({"user_ids": ids, "mode": "generate", "notify_user": false}))
            .timeout(Duration::from_secs(600))
            .send()
            .await?
            .json()
            .await?;
        let bulk_secs = started.elapsed().as_secs_f64();

        let m_cost_mib = h.memory_kib as f64 / 1024.0;
        let memory_bound = idle_rss + cores() as f64 * 1.5 * m_cost_mib + 64.0;
        let bulk_bound = USERS as f64 / raw;
        let only_200_503 = flood.statuses.keys().all(|s| *s == 200 || *s == 503);
        table.row(
            format!("raw argon2id, {} threads", cores()),
            format!("{raw:.1} hashes/s"),
            "",
            None,
        );
        table.row(
            "sign-in, 32 concurrent",
            format!(
                "{:.1}/s {:?}; server CPU {sign_in_cpu_ms:.2} ms each",
                sign_in.per_sec, sign_in.statuses
            ),
            "",
            None,
        );
        table.row(
            "sign-in ÷ raw argon2id",
            format!("{:.2}", sign_in.per_sec / raw),
            "≥ 0.90",
            Some(sign_in.per_sec / raw >= 0.90),
        );
        table.row(
            "peak RSS, 256 concurrent sign-ins",
            format!("{peak_rss:.1} MiB, answers {:?}", flood.statuses),
            format!("≤ {memory_bound:.1} MiB, only 200/503"),
            Some(peak_rss <= memory_bound && only_200_503),
        );
        table.row(
            format!("bulk generate of {USERS}"),
            format!(
                "{bulk_secs:.2} s ({} reset, {:.2}× the bound)",
                bulk["summary"]["succeeded"],
                bulk_secs / bulk_bound
            ),
            format!("≤ 1.1 × {bulk_bound:.2} s"),
            Some(bulk_secs <= 1.1 * bulk_bound),
        );
    }

    if scenarios.lockout {
        println!("\nmeasuring raw argon2id on {} threads (10 s)…", cores());
        let raw = raw_argon2_rate(&settings, 10);
        println!("sign-in, 90 % wrong passwords from {SOURCES} addresses, 32 concurrent (15 s)…");
        let sources = (0..SOURCES)
            .map(|n| {
                reqwest::Client::builder()
                    .local_address(std::net::IpAddr::from([127, 0, 0, 2 + n as u8]))
                    .pool_max_idle_per_host(64)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cpu_before = cpu_secs(pid);
        let mixed = mixed_sign_ins(sources, &server.url, 32, 15).await;
        let answered = mixed.statuses.values().sum::<u64>().max(1) as f64;
        let mixed_cpu_ms = (cpu_secs(pid) - cpu_before) * 1000.0 / answered;
        let checked = (mixed.statuses.get(&200).copied().unwrap_or(0)
            + mixed.statuses.get(&401).copied().unwrap_or(0)) as f64
            / 15.0;

        // One source locked out of one account, then flooding it with the right password.
        let locked = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 200]))
            .build()?;
        for i in 0..10 {
            locked
                .post(format!("{}/v1/auth/token", server.url))
                .json(&json!({"email": "load999@load.test", "password": format!("wrong {i}")}))
                .send()
                .await?;
        }
        println!("a locked source retrying the right password, 64 concurrent (10 s)…");
        let cpu_before = cpu_secs(pid);
        let refused = {
            let (locked, url) = (locked.clone(), server.url.clone());
            load(64, 10, move |_| {
                let (client, url) = (locked.clone(), url.clone());
                async move {
                    let body = json!({"email": "load999@load.test", "password": PASSWORD});
                    client
                        .post(format!("{url}/v1/auth/token"))
                        .json(&body)
                        .send()
                        .await
                        .map_or(0, |r| r.status().as_u16())
                }
            })
            .await
        };
        let refused_n = refused.statuses.get(&429).copied().unwrap_or(0);
        let refused_us = (cpu_secs(pid) - cpu_before) * 1e6 / refused_n.max(1) as f64;
        table.row(
            format!("raw argon2id, {} threads (lockout run)", cores()),
            format!("{raw:.1} hashes/s"),
            "",
            None,
        );
        table.row(
            format!("sign-in, 90 % wrong from {SOURCES} addresses + 10 % right, 32 concurrent"),
            format!(
                "{checked:.1} checked/s {:?}; server CPU {mixed_cpu_ms:.2} ms each",
                mixed.statuses
            ),
            "",
            None,
        );
        table.row(
            "checked attempts ÷ raw argon2id",
            format!("{:.2}", checked / raw),
            "≥ 0.90",
            Some(checked / raw >= 0.90),
        );
        table.row(
            "refused attempt (locked source), 64 concurrent",
            format!(
                "{:.0}/s {:?}; server CPU {refused_us:.0} µs each",
                refused_n as f64 / 10.0,
                refused.statuses
            ),
            "",
            None,
        );
    }

    table.row(
        "idle RSS after start-up",
        format!("{idle_rss:.1} MiB"),
        "< 40 MiB",
        Some(idle_rss < 40.0),
    );
    table.print();
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Which scenarios to run: all by default; `me` for the `/v1/me` comparison alone, `argon2`
/// for the hashing-bound ones (sign-in, flood, bulk reset).
struct Scenarios {
    me: bool,
    argon2: bool,
    lockout: bool,
}

impl Scenarios {
    fn from_args() -> anyhow::Result<Self> {
        match std::env::args().nth(1).as_deref() {
            None | Some("all") => Ok(Self {
                me: true,
                argon2: true,
                lockout: true,
            }),
            Some("me") => Ok(Self {
                me: true,
                argon2: false,
                lockout: false,
            }),
            Some("argon2") => Ok(Self {
                me: false,
                argon2: true,
                lockout: false,
            }),
            Some("lockout") => Ok(Self {
                me: false,
                argon2: false,
                lockout: true,
            }),
            Some(other) => {
                anyhow::bail!("unknown scenario {other:?}: all, me, argon2 or lockout")
            }
        }
    }
}

/// The figures as a Markdown table, ready for BENCHMARKS.md.
#[derive(Default)]
struct Table(Vec<[String; 4]>);

impl Table {
    fn row(
        &mut self,
        figure: impl Into<String>,
        measured: impl Into<String>,
        goal: impl Into<String>,
        met: Option<bool>,
    ) {
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        self.0.push([
            figure.into(),
            measured.into(),
            goal.into(),
            verdict.to_owned(),
        ]);
    }

    fn print(&self) {
        println!("\n| figure | measured | goal | |");
        println!("|---|---|---|---|");
        for [figure, measured, goal, verdict] in &self.0 {
            println!("| {figure} | {measured} | {goal} | {verdict} |");
        }
    }
}

async fn access_token(
    client: &reqwest::Client,
    url: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let pair: Value = client
        .post(format!("{url}/v1/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    pair["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("sign-in of {email} failed: {pair}"))
}

/// Sign-ins of the seeded users, round robin.
async fn sign_ins(client: &reqwest::Client, url: &str, concurrency: usize, secs: u64) -> Outcome {
    let (client, url) = (client.clone(), url.to_owned());
    load(concurrency, secs, move |i| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let body =
                json!({"email": format!("load{}@load.test", i % USERS), "password": PASSWORD});
            client
                .post(format!("{url}/v1/auth/token"))
                .json(&body)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }
    })
    .await
}

/// Sign-ins of the seeded users from `sources` (each bound to its own address), one in ten
/// with the right password and the rest with a wrong one never tried before.
async fn mixed_sign_ins(
    sources: Vec<reqwest::Client>,
    url: &str,
    concurrency: usize,
    secs: u64,
) -> Outcome {
    let (sources, url) = (std::sync::Arc::new(sources), url.to_owned());
    load(concurrency, secs, move |i| {
        let (sources, url) = (sources.clone(), url.clone());
        async move {
            let password = if i % 10 == 0 {
                PASSWORD.to_owned()
            } else {
                format!("wrong password {i}")
            };
            let body =
                json!({"email": format!("load{}@load.test", i % USERS), "password": password});
            sources[i % sources.len()]
                .post(format!("{url}/v1/auth/token"))
                .json(&body)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }
    })
    .await
}

async fn get_me(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    concurrency: usize,
    secs: u64,
) -> Outcome {
    let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
    load(concurrency, secs, move |_| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            client
                .get(format!("{url}/v1/me"))
                .bearer_auth(&token)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }
    })
    .await
}
