//! Two passgate processes on one database (PostgreSQL in CI's second pass), both running
//! the webhook worker: every event is delivered, and in the normal case exactly once, since
//! a delivery is claimed by one worker at a time.

use std::collections::HashSet;
use std::process::{Command, Stdio};

use passgate::config::DatabaseSettings;
use passgate::db::Db;
use serde_json::{json, Value};

use crate::helpers::{fresh_database, passgate, poll_until, Receiver, Server, STRONG};

const ADMIN_PASSWORD: &str = "quartz pelican sings over ninety amber dunes";

fn command(db_url: &str) -> Command {
    let mut cmd = passgate(db_url);
    cmd.env("PASSGATE__DATABASE__MAX_CONNECTIONS", "4")
        .env("PASSGATE__SERVER__WORKERS", "1")
        .env("PASSGATE__WEBHOOKS__ALLOW_INSECURE_TARGETS", "true")
        .env("PASSGATE__WEBHOOKS__POLL_INTERVAL_MS", "20")
        .env("PASSGATE__MAIL__NOTIFY_PASSWORD_CHANGES", "false")
        .stdout(Stdio::null());
    cmd
}

#[tokio::test]
async fn two_instances_deliver_each_event_exactly_once() {
    let (db_url, _guard) = fresh_database();
    let status = command(&db_url)
        .args([
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            ADMIN_PASSWORD,
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let nodes = [
        Server::start(command(&db_url)).await,
        Server::start(command(&db_url)).await,
    ];
    let client = reqwest::Client::new();
    let signed_in: Value = client
        .post(format!("{}/v1/auth/token", nodes[0].url))
        .json(&json!({"email": "root@example.com", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let receiver = Receiver::start().await;
    let created: Value = client
        .post(format!("{}/v1/admin/webhooks", nodes[0].url))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url("/ok"), "events": ["*"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    receiver
        .set_secrets(&[created["secret"].as_str().unwrap()])
        .await;

    const USERS: usize = 40;
    for n in 0..USERS {
        let res = client
            .post(format!("{}/v1/admin/users", nodes[n % 2].url))
            .bearer_auth(&token)
            .json(&json!({"email": format!("user{n}@example.com"), "password": STRONG}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let db = Db::connect(&DatabaseSettings {
        url: db_url.clone(),
        max_connections: 2,
        ..DatabaseSettings::default()
    })
    .unwrap();
    poll_until("every delivery to settle", async || {
        db.run(passgate::db::webhooks::pending_count).await.unwrap() == 0
    })
    .await;
    // Settled: each delivery was marked after its answer came, so the attempt log is the
    // whole story; exactly once is one attempt per event, all answered 200.
    let attempts: Vec<(String, Option<i32>)> = db
        .run(|c| -> passgate::db::Result<_> {
            use diesel::prelude::*;
            use passgate::db::schema::webhook_attempts::dsl as wa;
            Ok(wa::webhook_attempts
                .select((wa::event_id, wa::status_code))
                .load(c)?)
        })
        .await
        .unwrap();
    let ids: HashSet<&str> = attempts.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(attempts.len(), USERS, "one attempt per event");
    assert_eq!(ids.len(), USERS);
    assert!(attempts.iter().all(|(_, status)| *status == Some(200)));
    // The receiver reports each delivery before answering it; its reports may trail.
    let seen = receiver.wait_for(USERS).await;
    assert_eq!(seen.len(), USERS, "each event received once");
    let received: HashSet<&str> = seen
        .iter()
        .map(|d| d["webhook-id"].as_str().unwrap())
        .collect();
    assert_eq!(received, ids);
    assert!(seen.iter().all(|d| d["verified"] == json!([true])));
}
