//! Draining after SIGTERM/SIGINT, on a real process: `/readyz` answers 503 from the signal
//! on, so a load balancer stops sending new requests, while `/healthz` stays 200 and the
//! requests under way finish. A request is kept in flight by holding back half its body.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{assert_problem, free_port, passgate, poll_until, Server};

const BODY: &str = r#"{"email": "a@example.com", "password": "not-the-password"}"#;

/// A sign-in on a connection of its own, the second half of its body held back.
struct HeldRequest(TcpStream);

impl HeldRequest {
    async fn start(server: &Server) -> Self {
        let mut stream = TcpStream::connect(server.url.trim_start_matches("http://"))
            .await
            .unwrap();
        // A whole request first: once it is answered a worker has taken the connection, so
        // the signal below cannot catch it still waiting to be accepted.
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        assert!(answer(&mut stream).await.starts_with("HTTP/1.1 200"));
        let head = format!(
            "POST /v1/auth/token HTTP/1.1\r\nHost: localhost\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            BODY.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&BODY.as_bytes()[..10]).await.unwrap();
        Self(stream)
    }

    /// Sends the rest of the body and returns the answer.
    async fn finish(mut self) -> String {
        self.0.write_all(&BODY.as_bytes()[10..]).await.unwrap();
        answer(&mut self.0).await
    }
}

/// One answer on a raw connection, read until its JSON body is complete.
async fn answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer);
            let complete = text
                .split_once("\r\n\r\n")
                .is_some_and(|(_, body)| body.ends_with('}'));
            if n == 0 || complete {
                break;
            }
        }
    };
    let read = tokio::time::timeout(Duration::from_secs(20), read);
    assert!(read.await.is_ok(), "no answer within 20 s");
    String::from_utf8_lossy(&answer).into_owned()
}

async fn start(delay_secs: u64) -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let management = free_port();
    let mut cmd = passgate(&format!("sqlite://{}", dir.path().join("p.db").display()));
    cmd.env("PASSGATE__MANAGEMENT__PORT", management.to_string())
        .env(
            "PASSGATE__SERVER__SHUTDOWN_DELAY_SECS",
            delay_secs.to_string(),
        )
        .env("PASSGATE__SERVER__SHUTDOWN_TIMEOUT_SECS", "30")
        // The held body must outlast the test's steps, not the server's patience.
        .env("PASSGATE__SERVER__BODY_TIMEOUT_SECS", "60");
    let server = Server::start(cmd).await;
    (dir, server, format!("http://127.0.0.1:{management}"))
}

/// A fresh client for each probe: a new connection, as a load balancer's check makes.
async fn probe(base: &str, path: &str) -> reqwest::Result<reqwest::Response> {
    Client::new().get(format!("{base}{path}")).send().await
}

/// Waits for `/readyz` at `base` to turn 503 (the signal is handled asynchronously), then
/// checks it is the shutdown's problem.
async fn assert_shutting_down(base: &str) {
    poll_until("/readyz to answer 503", async || {
        probe(base, "/readyz")
            .await
            .is_ok_and(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
    })
    .await;
    let res = probe(base, "/readyz").await.unwrap();
    assert!(res.headers().get("retry-after").is_none());
    let problem: Value = assert_problem(res, 503, "unavailable").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("shutting down"), "{detail}");
}

#[tokio::test]
async fn after_sigterm_readyz_answers_503_and_healthz_200_until_the_requests_under_way_finish() {
    let (_dir, mut server, management) = start(0).await;
    let ready = probe(&management, "/readyz").await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let held = HeldRequest::start(&server).await;

    server.signal("TERM");
    assert_shutting_down(&management).await;
    let live = probe(&management, "/healthz").await.unwrap();
    assert_eq!(
        live.status(),
        StatusCode::OK,
        "the process is alive while it drains"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "a request is still under way"
    );

    let answered = held.finish().await;
    assert!(answered.starts_with("HTTP/1.1 401"), "{answered}");
    assert!(answered.contains("invalid_credentials"), "{answered}");
    let status = server.exit_status(Duration::from_secs(20)).await;
    assert!(status.success(), "exit status {status}");
    assert!(
        probe(&management, "/healthz").await.is_err(),
        "the management listener stops last"
    );
}

#[tokio::test]
async fn during_the_shutdown_delay_the_public_listener_still_serves_and_readyz_answers_503() {
    // A delay far longer than the test: what it checks happens inside it, at no time's mercy.
    let (_dir, mut server, management) = start(3600).await;
    server.signal("INT");
    assert_shutting_down(&management).await;
    // Both listeners answer the probes alike: the public one is still accepting.
    assert_shutting_down(&server.url).await;
    for base in [&management, &server.url] {
        let live = probe(base, "/healthz").await.unwrap();
        assert_eq!(live.status(), StatusCode::OK, "{base}");
    }
    let held = HeldRequest::start(&server).await;
    assert!(held.finish().await.starts_with("HTTP/1.1 401"));
    assert!(server.child.try_wait().unwrap().is_none(), "still delaying");
}
