//! Unexpected failures are logged once, with their cause and the request id, whichever way
//! they reach the client: a JSON problem, a bulk item, a hosted page or the command line.
//! The real binary runs here, so the test reads exactly what an operator would.

use std::io::Read;
use std::process::Stdio;

use diesel::connection::SimpleConnection;
use passgate::db::ConnectionManager;
use serde_json::{json, Value};

use crate::helpers::{fresh_database, passgate, Server, STRONG};

/// Occurrences of the failure log line that name `request_id`.
fn logged(stderr: &str, request_id: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains("internal failure") && l.contains(request_id))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn internal_failures_are_logged_once_with_cause_and_request_id_wherever_rendered() {
    let (db_url, _db) = fresh_database();
    let created = passgate(&db_url)
        .args([
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            STRONG,
        ])
        .output()
        .unwrap();
    assert!(created.status.success());

    let mut cmd = passgate(&db_url);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut server = Server::start(cmd).await;
    let url = server.url.clone();
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!("{url}/v1/auth/token"))
        .json(&json!({"email": "root@example.com", "password": STRONG}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let member: Value = client
        .post(format!("{url}/v1/admin/users"))
        .bearer_auth(&token)
        .json(&json!({"email": "member@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let member = member["user"]["id"].as_str().unwrap().to_owned();

    // Mail can no longer be queued: every flow that queues mail now fails unexpectedly.
    let mut conn = ConnectionManager::new(&db_url).connect().unwrap();
    conn.batch_execute("DROP TABLE outbox").unwrap();

    let bulk = client
        .post(format!("{url}/v1/admin/password-resets"))
        .bearer_auth(&token)
        .header("x-request-id", "bulk-item-failure")
        .json(&json!({"user_ids": [member], "mode": "generate", "notify_user": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bulk.status(), 200);
    let body: Value = bulk.json().await.unwrap();
    assert_eq!(body["results"][0]["error"]["code"], "internal_error");
    assert!(
        !body.to_string().contains("outbox"),
        "no cause reaches the client"
    );

    let single = client
        .post(format!("{url}/v1/password-resets"))
        .header("x-request-id", "json-problem-failure")
        .json(&json!({"email": "member@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(single.status(), 500);
    assert!(!single.text().await.unwrap().contains("outbox"));

    let page = client
        .post(format!("{url}/forgot-password"))
        .header("x-request-id", "hosted-page-failure")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=member%40example.com")
        .send()
        .await
        .unwrap();
    assert!(page.status().is_server_error());
    assert!(!page.text().await.unwrap().contains("outbox"));

    let mut pipe = server.child.stderr.take().unwrap();
    server.kill();
    let mut stderr = String::new();
    pipe.read_to_string(&mut stderr).unwrap();
    for id in [
        "bulk-item-failure",
        "json-problem-failure",
        "hosted-page-failure",
    ] {
        let lines = logged(&stderr, id);
        assert_eq!(lines.len(), 1, "{id} logged once: {stderr}");
        assert!(
            lines[0].contains("outbox"),
            "the cause is logged: {}",
            lines[0]
        );
    }

    // The command line: the same line on standard error.
    conn.batch_execute("DROP TABLE audit_events").unwrap();
    let cli = passgate(&db_url)
        .args(["create-admin", "--email", "second@example.com"])
        .output()
        .unwrap();
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("internal failure") && l.contains("audit_events"))
            .count(),
        1,
        "{stderr}"
    );
}
