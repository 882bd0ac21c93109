//! Import bodies sent chunk by chunk on a raw connection (no Content-Length), to act
//! between two chunks: demote the caller, stall, or pass the limit part-way.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ndjson;
use crate::helpers::{poll_until, spawn_app, spawn_app_with, TestApp, STRONG};

struct Upload(TcpStream);

impl Upload {
    async fn start(app: &TestApp, token: &str) -> Self {
        let address = app.address.trim_start_matches("http://").to_owned();
        let mut stream = TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /v1/admin/user-imports HTTP/1.1\r\nHost: localhost\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/x-ndjson\r\n\
             Transfer-Encoding: chunked\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        Self(stream)
    }

    async fn send(&mut self, data: &str) {
        let chunk = format!("{:x}\r\n{data}\r\n", data.len());
        self.0.write_all(chunk.as_bytes()).await.unwrap();
    }

    /// The answer, read until its JSON body is complete (after the last chunk, when
    /// `finish`).
    async fn answer(mut self, finish: bool) -> String {
        if finish {
            let _ = self.0.write_all(b"0\r\n\r\n").await;
        }
        let mut answer = Vec::new();
        let read = async {
            let mut buf = [0u8; 4096];
            loop {
                let n = self.0.read(&mut buf).await.unwrap_or(0);
                answer.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&answer);
                if n == 0
                    || text
                        .split_once("\r\n\r\n")
                        .is_some_and(|(_, b)| b.trim_end().ends_with('}'))
                {
                    break;
                }
            }
        };
        let read = tokio::time::timeout(Duration::from_secs(20), read);
        assert!(read.await.is_ok(), "no answer within 20 s");
        String::from_utf8_lossy(&answer).into_owned()
    }
}

async fn users(app: &TestApp) -> usize {
    app.state
        .db
        .run(|c| {
            passgate::db::users::list(
                c,
                &passgate::db::users::ListFilter {
                    limit: 10_000,
                    ..Default::default()
                },
            )
        })
        .await
        .unwrap()
        .len()
}

fn lines(from: usize, to: usize) -> String {
    ndjson(
        &(from..to)
            .map(|i| json!({"email": format!("u{i}@example.com")}))
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn an_admin_demoted_while_the_body_streams_imports_nothing_more() {
    let app = spawn_app().await;
    let (root, token) = app.admin().await;
    app.create_user("boss@example.com", STRONG, &["admin"])
        .await;
    let boss = app.tokens("boss@example.com", STRONG).await;
    let batch = passgate::flows::imports::BATCH_SIZE;
    let mut upload = Upload::start(&app, &token).await;
    upload.send(&lines(0, batch)).await;
    // The first batch is committed as soon as its last line is read.
    poll_until("the first batch to commit", async || {
        users(&app).await == batch + 2
    })
    .await;
    let res = app
        .patch(
            &format!("/v1/admin/users/{root}"),
            json!({"roles": ["user"]}),
            boss["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), 200);
    upload.send(&lines(batch, batch + 10)).await;
    let answer = upload.answer(true).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(users(&app).await, batch + 2, "nothing after the demotion");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_where_it_passes_it() {
    let app = spawn_app_with(|s| s.import.max_body_bytes = 4096).await;
    let (_, token) = app.admin().await;
    let mut upload = Upload::start(&app, &token).await;
    upload.send(&lines(0, 40)).await;
    upload.send(&lines(40, 200)).await;
    let answer = upload.answer(true).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
}

#[tokio::test]
async fn a_stalled_import_is_timed_out_and_the_connection_closed() {
    let app = spawn_app_with(|s| s.server.body_timeout_secs = 1).await;
    let (_, token) = app.admin().await;
    let mut upload = Upload::start(&app, &token).await;
    upload.send(&lines(0, 3)).await;
    // Nothing more comes: the server answers and hangs up by itself.
    let answer = upload.answer(false).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}
