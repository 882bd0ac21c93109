use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app_with};

#[tokio::test]
async fn a_full_hashing_queue_answers_503_overloaded_at_once() {
    let app = spawn_app_with(|s| {
        // Deliberately slow hashing, one thread, one waiting slot.
        s.hashing.memory_kib = 32 * 1024;
        s.hashing.iterations = 3;
        s.hashing.max_concurrent = 1;
        s.hashing.queue = 1;
    })
    .await;
    let attempts = (0..12).map(|i| {
        app.post(
            "/v1/auth/token",
            json!({"email": format!("u{i}@example.com"), "password": "whatever"}),
            None,
        )
    });
    let responses = futures_util::future::join_all(attempts).await;
    let mut overloaded = 0;
    for res in responses {
        match res.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(res.headers()["retry-after"], "1");
                assert_problem(res, 503, "overloaded").await;
                overloaded += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        overloaded > 0,
        "a queue of one must overflow under twelve concurrent sign-ins"
    );
    let metrics = app.metrics().await;
    let rejected = metrics
        .lines()
        .find_map(|l| l.strip_prefix("passgate_password_hash_rejected_total "))
        .unwrap();
    assert_eq!(rejected.parse::<i64>().unwrap(), overloaded);
}
