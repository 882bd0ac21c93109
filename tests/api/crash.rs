//! Crash safety: SIGKILL in the middle of a bulk reset and of self-service confirms, then a
//! restart. Every user is either fully reset (hash, security version, revoked sessions,
//! audit event, queued notice) or fully untouched, and mail queued before the crash is
//! delivered after it.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use passgate::auth::opaque;
use passgate::config::DatabaseSettings;
use passgate::db::schema::{audit_events, outbox, password_reset_tokens, refresh_tokens, users};
use passgate::db::{self, models::NewUser, Db};
use passgate::domain::UserId;
use serde_json::{json, Value};

use crate::helpers::{free_port, outbox_settled, passgate, Server, STRONG};
use crate::smtp::MailServer;

const ADMIN_PASSWORD: &str = "quartz pelican sings over ninety amber dunes";
const NEW_PASSWORD: &str = "amber lantern drifts past eleven sleepy harbors";

struct Instance {
    db_url: String,
    env: Vec<(String, String)>,
}

impl Instance {
    fn new(db_url: &str, smtp_port: u16) -> Self {
        let env = [
            // Hashing slow enough that a batch is still running when the process dies.
            ("PASSGATE__HASHING__MEMORY_KIB", "8192".to_owned()),
            ("PASSGATE__HASHING__ITERATIONS", "2".to_owned()),
            ("PASSGATE__HASHING__QUEUE", "1024".to_owned()),
            ("PASSGATE__MAIL__TRANSPORT", "smtp".to_owned()),
            (
                "PASSGATE__MAIL__SMTP_URL",
                format!("smtp://127.0.0.1:{smtp_port}"),
            ),
            ("PASSGATE__MAIL__POLL_INTERVAL_MS", "50".to_owned()),
            ("PASSGATE__MAIL__RETRY_BASE_SECS", "1".to_owned()),
            ("PASSGATE__MAIL__RETRY_MAX_SECS", "1".to_owned()),
            // A message the killed process had claimed is retried once this lease runs out.
            ("PASSGATE__MAIL__SEND_TIMEOUT_SECS", "1".to_owned()),
            ("PASSGATE__MAIL__CLAIM_LEASE_SECS", "2".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Self {
            db_url: db_url.to_owned(),
            env,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = passgate(&self.db_url);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdout(Stdio::null());
        cmd
    }

    async fn serve(&self) -> Server {
        Server::start(self.command(&[])).await
    }
}

/// Seeds `n` users sharing one known password; returns (ids, the shared hash).
async fn seed(database: &Db, n: usize) -> (Vec<String>, String) {
    let phc = passgate::password::Hasher::new(8192, 2, 1, 1, 1, passgate::metrics::Metrics::new())
        .unwrap()
        .hash(secrecy::SecretString::from(STRONG))
        .await
        .unwrap();
    let stored = phc.clone();
    let ids = database
        .run(move |c| -> passgate::db::Result<_> {
            db::write_tx(c, |c| {
                let now = passgate::clock::Clock::system().now();
                (0..n)
                    .map(|i| {
                        let id = UserId::new();
                        db::users::insert(
                            c,
                            &NewUser {
                                id,
                                email: format!("crash{i}@example.com"),
                                email_normalized: format!("crash{i}@example.com"),
                                display_name: None,
                                roles: "user".into(),
                                password_hash: Some(stored.clone()),
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
                        Ok(id.to_string())
                    })
                    .collect()
            })
        })
        .await
        .unwrap();
    (ids, phc)
}

/// Everything a reset writes, per user.
#[derive(Debug)]
struct UserState {
    security_version: i64,
    hash: Option<String>,
    live_sessions: i64,
    audited: i64,
    notices: i64,
    tokens_used: i64,
}

async fn states(database: &Db, action: &'static str) -> HashMap<String, UserState> {
    database
        .run(move |c| -> passgate::db::Result<_> {
            let rows: Vec<(String, String, i64, Option<String>)> = users::table
                .select((
                    users::id,
                    users::email,
                    users::security_version,
                    users::password_hash,
                ))
                .load(c)?;
            let mut out = HashMap::new();
            for (id, email, security_version, hash) in rows {
                let live_sessions = refresh_tokens::table
                    .filter(refresh_tokens::user_id.eq(&id))
                    .filter(refresh_tokens::revoked_at.is_null())
                    .count()
                    .get_result(c)?;
                let audited = audit_events::table
                    .filter(audit_events::target_user_id.eq(&id))
                    .filter(audit_events::action.eq(action))
                    .count()
                    .get_result(c)?;
                let notices = outbox::table
                    .filter(outbox::recipient.eq(&email))
                    .filter(outbox::kind.eq("notice"))
                    .count()
                    .get_result(c)?;
                let tokens_used = password_reset_tokens::table
                    .filter(password_reset_tokens::user_id.eq(&id))
                    .filter(password_reset_tokens::used_at.is_not_null())
                    .count()
                    .get_result(c)?;
                out.insert(
                    id,
                    UserState {
                        security_version,
                        hash,
                        live_sessions,
                        audited,
                        notices,
                        tokens_used,
                    },
                );
            }
            Ok(out)
        })
        .await
        .unwrap()
}

async fn count_audited(database: &Db, action: &'static str) -> i64 {
    database
        .run(move |c| -> passgate::db::Result<_> {
            Ok(audit_events::table
                .filter(audit_events::action.eq(action))
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn sigkill_mid_bulk_reset_leaves_every_user_whole_and_keeps_the_mail() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let closed_smtp = free_port();
    let first = Instance::new(&db_url, closed_smtp);
    assert!(first
        .command(&[
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            ADMIN_PASSWORD
        ])
        .status()
        .unwrap()
        .success());
    let database = Db::connect(&DatabaseSettings {
        url: db_url.clone(),
        ..DatabaseSettings::default()
    })
    .unwrap();
    let (ids, seeded_hash) = seed(&database, 300).await;

    let mut server = first.serve().await;
    let client = reqwest::Client::new();
    let admin: Value = client
        .post(format!("{}/v1/auth/token", server.url))
        .json(&json!({"email": "root@example.com", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Some users hold a session, so revocation can be checked too.
    for i in 0..10 {
        let res = client
            .post(format!("{}/v1/auth/token", server.url))
            .json(&json!({"email": format!("crash{i}@example.com"), "password": STRONG}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
    let bulk = tokio::spawn({
        let (client, url, token, ids) = (
            client.clone(),
            server.url.clone(),
            admin["access_token"].as_str().unwrap().to_owned(),
            ids.clone(),
        );
        async move {
            client
                .post(format!("{url}/v1/admin/password-resets"))
                .bearer_auth(token)
                .json(&json!({"user_ids": ids, "mode": "generate"}))
                .send()
                .await
        }
    });
    let started = Instant::now();
    while count_audited(&database, "password.reset_by_admin").await < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the bulk reset never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    assert!(
        bulk.await.unwrap().is_err(),
        "the request died with the process"
    );

    let after = states(&database, "password.reset_by_admin").await;
    let (mut reset, mut untouched) = (0, 0);
    for id in &ids {
        let s = &after[id];
        if s.security_version == 2 {
            assert!(
                s.hash.as_deref() != Some(seeded_hash.as_str())
                    && s.live_sessions == 0
                    && s.audited == 1
                    && s.notices == 1,
                "half-reset user: {s:?}"
            );
            reset += 1;
        } else {
            assert_eq!(s.security_version, 1, "{s:?}");
            assert!(
                s.hash.as_deref() == Some(seeded_hash.as_str()) && s.audited == 0 && s.notices == 0,
                "touched user: {s:?}"
            );
            untouched += 1;
        }
    }
    assert!(
        reset >= 20 && untouched > 0,
        "the crash must land mid-batch ({reset} reset, {untouched} untouched)"
    );

    // Restart with the mail server up: every notice queued before the crash goes out.
    let mail = MailServer::start().await;
    let second = Instance::new(&db_url, mail.port);
    let mut server = second.serve().await;
    // Every row delivered (after the lease of the killed process's claims ran out): each
    // send finished before its row was marked, and nothing sends a delivered row, so the
    // count is final.
    outbox_settled(&database).await;
    assert_eq!(mail.messages().len(), reset, "each notice exactly once");
    server.kill();
}

#[tokio::test]
async fn sigkill_mid_confirms_leaves_every_reset_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let instance = Instance::new(&db_url, free_port());
    assert!(instance.command(&["migrate"]).status().unwrap().success());
    let database = Db::connect(&DatabaseSettings {
        url: db_url.clone(),
        ..DatabaseSettings::default()
    })
    .unwrap();
    let (ids, seeded_hash) = seed(&database, 120).await;
    // One reset token per user, as the mail worker would have made them.
    let mut secrets = Vec::new();
    for id in &ids {
        let (secret, digest) = opaque::new_secret();
        let id = UserId::parse(id).expect("seeded ids are user ids");
        database
            .run(move |c| {
                let now = passgate::clock::Clock::system().now();
                db::reset_tokens::replace(c, &id, &digest, now, now + chrono::Duration::minutes(30))
            })
            .await
            .unwrap();
        secrets.push(secret);
    }

    let mut server = instance.serve().await;
    let client = reqwest::Client::new();
    let confirms = tokio::spawn({
        let (client, url) = (client.clone(), server.url.clone());
        async move {
            let calls = secrets.iter().map(|token| {
                client
                    .post(format!("{url}/v1/password-resets/confirm"))
                    .json(&json!({"token": token, "new_password": NEW_PASSWORD}))
                    .send()
            });
            futures_util::future::join_all(calls).await
        }
    });
    let started = Instant::now();
    while count_audited(&database, "password.reset_completed").await < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no confirm completed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let _ = confirms.await;

    let after = states(&database, "password.reset_completed").await;
    let (mut done, mut untouched) = (0, 0);
    for id in &ids {
        let s = &after[id];
        if s.tokens_used == 1 {
            assert!(
                s.security_version == 2
                    && s.hash.as_deref() != Some(seeded_hash.as_str())
                    && s.audited == 1
                    && s.notices == 1,
                "half-done reset: {s:?}"
            );
            done += 1;
        } else {
            assert!(
                s.security_version == 1
                    && s.hash.as_deref() == Some(seeded_hash.as_str())
                    && s.audited == 0
                    && s.notices == 0,
                "touched user: {s:?}"
            );
            untouched += 1;
        }
    }
    assert!(
        done >= 10 && untouched > 0,
        "the crash must land mid-way ({done} done, {untouched} untouched)"
    );
}
