//! The webhook benchmarks of BENCHMARKS.md (`bash benches/webhooks.sh`):
//!
//! - deliveries per second from one passgate process to a fast receiver on 127.0.0.1 (an
//!   actix-web handler answering 204), for one endpoint (its deliveries go one at a time, in
//!   order) and for ten (each its own queue): events are queued straight into the database
//!   in one transaction, and the clock runs from that commit until none is pending;
//! - what ten subscribed endpoints add to `POST /v1/me/password` (default argon2id), in
//!   alternating rounds with the endpoints enabled and disabled (`ROUNDS`, default 6);
//! - what `webhooks::enqueue` costs inside a write transaction on SQLite, with ten
//!   endpoints and with none.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use passgate::config::DatabaseSettings;
use passgate::db::{self, webhooks::WebhookRow, Db};
use passgate::webhooks::{self, events, Event, SecretBox};
use serde_json::{json, Value};

const ADMIN_PASSWORD: &str = "benchmark admin passphrase violet kettle marches";
const JWT_SECRET: &str = "webhook-bench-secret-webhook-bench-secret";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The passgate binary built beside this example (same profile).
fn passgate(env: &[(&str, String)], args: &[&str]) -> Command {
    let exe = std::env::current_exe().expect("own path");
    let bin = exe
        .parent()
        .and_then(|examples| examples.parent())
        .expect("target/<profile>/examples")
        .join("passgate");
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .stdout(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The fast receiver: answers 204 and counts.
fn receiver() -> anyhow::Result<(u16, Arc<AtomicU64>)> {
    let hits = Arc::new(AtomicU64::new(0));
    let counted = hits.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        let counted = counted.clone();
        App::new().default_service(web::to(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            async { HttpResponse::NoContent().finish() }
        }))
    })
    .workers(1)
    .listen(listener)?
    .run();
    tokio::spawn(server);
    Ok((port, hits))
}

fn endpoint(sealer: &SecretBox, url: &str, now: chrono::NaiveDateTime) -> WebhookRow {
    let id = uuid::Uuid::now_v7().to_string();
    WebhookRow {
        secret: sealer.seal(&id, &webhooks::signing::new_secret()),
        id,
        url: url.to_owned(),
        description: None,
        events: r#"["*"]"#.into(),
        disabled: false,
        previous_secret: None,
        previous_secret_expires_at: None,
        created_at: now,
        updated_at: now,
    }
}

async fn add_endpoints(
    db: &Db,
    sealer: &SecretBox,
    url: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<WebhookRow> = (0..n)
        .map(|_| endpoint(sealer, url, passgate::clock::Clock::system().now()))
        .collect();
    let ids = rows.iter().map(|r| r.id.clone()).collect();
    db.run(move |c| {
        db::write_tx(c, |c| -> db::Result<()> {
            for row in &rows {
                db::webhooks::insert(c, row)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(ids)
}

async fn set_disabled(db: &Db, ids: &[String], disabled: bool) -> anyhow::Result<()> {
    let ids = ids.to_vec();
    db.run(move |c| {
        db::write_tx(c, |c| -> db::Result<()> {
            for id in &ids {
                let mut row = db::webhooks::find(c, id)?.expect("endpoint");
                row.disabled = disabled;
                db::webhooks::update(c, &row)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(())
}

/// Queues `per_endpoint` events for each of `ids` in one transaction, then times the
/// process draining them.
async fn deliveries_per_second(
    db: &Db,
    ids: &[String],
    per_endpoint: usize,
) -> anyhow::Result<f64> {
    let ids = ids.to_vec();
    let total = (ids.len() * per_endpoint) as f64;
    db.run(move |c| {
        db::write_tx(c, |c| -> db::Result<()> {
            let now = passgate::clock::Clock::system().now();
            for _ in 0..per_endpoint {
                for id in &ids {
                    let event = Event::of(&events::WebhookTest {
                        webhook_id: id.clone(),
                    });
                    webhooks::enqueue_to(c, id, &event, now)?;
                }
            }
            Ok(())
        })
    })
    .await?;
    let started = Instant::now();
    loop {
        if db.run(db::webhooks::pending_count).await? == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(total / started.elapsed().as_secs_f64())
}

/// `clients` users each changing their password in a loop for `secs`: changes per second
/// and the mean latency in ms.
async fn change_rate(
    url: &str,
    users: &mut [(String, String)],
    secs: u64,
    round: usize,
) -> (f64, f64) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for (n, (token, current)) in users.iter().cloned().enumerate() {
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut token, mut current, mut done, mut spent) = (token, current, 0u64, 0f64);
            let mut i = 0;
            while Instant::now() < deadline {
                let next = format!(
                    "benchmark passphrase round {round} client {n} change {i} quiet harbor"
                );
                i += 1;
                let started = Instant::now();
                let res = client
                    .post(format!("{url}/v1/me/password"))
                    .bearer_auth(&token)
                    .json(&json!({"current_password": current, "new_password": next}))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(res.status().as_u16(), 200, "change failed");
                spent += started.elapsed().as_secs_f64();
                let body: Value = res.json().await.expect("token pair");
                token = body["access_token"].as_str().unwrap().to_owned();
                current = next;
                done += 1;
            }
            (token, current, done, spent)
        }));
    }
    let (mut total, mut spent) = (0u64, 0f64);
    for (slot, task) in users.iter_mut().zip(tasks) {
        let (token, current, done, s) = task.await.expect("client task");
        *slot = (token, current);
        total += done;
        spent += s;
    }
    (
        total as f64 / secs as f64,
        1000.0 * spent / total.max(1) as f64,
    )
}

/// µs per write transaction that enqueues one event, with `endpoints` subscribed.
async fn enqueue_cost(endpoints: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let db = Db::connect(&DatabaseSettings {
        url: format!("sqlite://{}", dir.path().join("enqueue.db").display()),
        ..DatabaseSettings::default()
    })?;
    db.migrate()?;
    let sealer = SecretBox::from_config(Some(JWT_SECRET), None);
    add_endpoints(&db, &sealer, "https://hooks.example.com/", endpoints).await?;
    const N: u32 = 2000;
    let elapsed = db
        .run(move |c| -> db::Result<Duration> {
            let started = Instant::now();
            for _ in 0..N {
                db::write_tx(c, |c| -> db::Result<()> {
                    let now = passgate::clock::Clock::system().now();
                    let event = Event::of(&events::PasswordChanged {
                        user_id: uuid::Uuid::now_v7().to_string(),
                        kind: events::PasswordChangeKind::SelfService,
                        actor_id: None,
                    });
                    webhooks::enqueue(c, &event, now)?;
                    Ok(())
                })?;
            }
            Ok(started.elapsed())
        })
        .await?;
    Ok(elapsed.as_secs_f64() * 1e6 / f64::from(N))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "enqueue") {
        return enqueue_only().await;
    }
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let port = free_port();
    let env = [
        ("PASSGATE__DATABASE__URL", url.clone()),
        ("PASSGATE__SERVER__PORT", port.to_string()),
        ("PASSGATE__MANAGEMENT__PORT", "0".into()),
        ("PASSGATE__JWT__SECRET", JWT_SECRET.into()),
        ("PASSGATE__LOG__LEVEL", "error".into()),
        ("PASSGATE__MAIL__NOTIFY_PASSWORD_CHANGES", "false".into()),
        ("PASSGATE__WEBHOOKS__ALLOW_INSECURE_TARGETS", "true".into()),
        ("PASSGATE__WEBHOOKS__POLL_INTERVAL_MS", "20".into()),
    ];
    let status = passgate(
        &env,
        &[
            "create-admin",
            "--email",
            "root@bench.test",
            "--password",
            ADMIN_PASSWORD,
        ],
    )
    .status()?;
    anyhow::ensure!(
        status.success(),
        "create-admin failed (build the passgate binary first)"
    );
    let _server = Server(passgate(&env, &["serve"]).spawn()?);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let db = Db::connect(&DatabaseSettings {
        url,
        ..DatabaseSettings::default()
    })?;
    let sealer = SecretBox::from_config(None, Some(JWT_SECRET));
    let (receiver_port, hits) = receiver()?;
    let target = format!("http://127.0.0.1:{receiver_port}/in");

    println!("deliveries to a fast receiver on 127.0.0.1 (one passgate process, SQLite):");
    let one = add_endpoints(&db, &sealer, &target, 1).await?;
    let rate_one = deliveries_per_second(&db, &one, 3000).await?;
    println!("  1 endpoint, 3,000 events: {rate_one:.0} deliveries/s");
    set_disabled(&db, &one, true).await?;
    let ten = add_endpoints(&db, &sealer, &target, 10).await?;
    let rate_ten = deliveries_per_second(&db, &ten, 300).await?;
    println!("  10 endpoints, 300 events each: {rate_ten:.0} deliveries/s");
    println!(
        "  receiver counted {} deliveries",
        hits.load(Ordering::Relaxed)
    );

    // Four users changing their passwords, default argon2id; the ten endpoints subscribed
    // to everything in alternate rounds.
    let mut users = Vec::new();
    let admin: Value = client
        .post(format!("{base}/v1/auth/token"))
        .json(&json!({"email": "root@bench.test", "password": ADMIN_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let admin = admin["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for n in 0..4 {
        let password = format!("benchmark starting passphrase {n} amber lantern drifts");
        let res = client
            .post(format!("{base}/v1/admin/users"))
            .bearer_auth(&admin)
            .json(&json!({"email": format!("user{n}@bench.test"), "password": password}))
            .send()
            .await?;
        anyhow::ensure!(res.status().as_u16() == 201, "user creation failed");
        let tokens: Value = client
            .post(format!("{base}/v1/auth/token"))
            .json(&json!({"email": format!("user{n}@bench.test"), "password": password}))
            .send()
            .await?
            .json()
            .await?;
        users.push((
            tokens["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            password,
        ));
    }
    // More rounds (`ROUNDS=12`) narrow the noise of a shared machine.
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r >= 2)
        .unwrap_or(6);
    println!(
        "\nPOST /v1/me/password, 4 clients, default argon2id, {rounds} alternating 6 s rounds:"
    );
    let (mut none, mut with_ten) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let subscribed = round % 2 == 1;
        set_disabled(&db, &ten, !subscribed).await?;
        let (rate, latency) = change_rate(&base, &mut users, 6, round).await;
        println!(
            "  round {round}, {}: {rate:.1} changes/s, mean {latency:.1} ms",
            if subscribed {
                "10 endpoints"
            } else {
                "no endpoint "
            }
        );
        if subscribed {
            with_ten.push(latency)
        } else {
            none.push(latency)
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "  mean latency: none {:.1} ms, ten endpoints {:.1} ms (ratio {:.3})",
        mean(&none),
        mean(&with_ten),
        mean(&with_ten) / mean(&none)
    );
    drop(_server);
    enqueue_only().await
}

/// The last figure alone (`bash benches/webhooks.sh enqueue`).
async fn enqueue_only() -> anyhow::Result<()> {
    println!("\nwebhooks::enqueue in a write transaction (SQLite, 2,000 transactions):");
    let zero = enqueue_cost(0).await?;
    let ten_cost = enqueue_cost(10).await?;
    println!("  no endpoint: {zero:.1} µs per transaction; ten endpoints: {ten_cost:.1} µs");
    Ok(())
}
