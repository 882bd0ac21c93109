//! `PASSGATE__HASHING__FAILURE_FLOOR_MS`: every failed credential check is answered no
//! sooner than the floor after it began, whatever the account (unknown, argon2id, a cheap
//! imported scheme, disabled), so the time of a failure no longer tells an imported
//! costly hash from an unknown address. Lower bounds only: a busy machine is only slower.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{fixtures, imported, ndjson};
use crate::helpers::{spawn_app_with, STRONG, STRONG_2};

const FLOOR: Duration = Duration::from_millis(400);

#[tokio::test]
async fn with_a_failure_floor_every_failed_check_takes_at_least_that_long() {
    let app = spawn_app_with(|s| s.hashing.failure_floor_ms = FLOOR.as_millis() as u64).await;
    let (_, token) = app.admin().await;
    app.create_user("argon@example.com", STRONG, &["user"])
        .await;
    let f = fixtures();
    let ssha = f.iter().find(|f| f["scheme"] == "ldap-ssha").unwrap();
    let ssha_password = ssha["password"].as_str().unwrap();
    let lines = [
        json!({"email": "ldap@example.com", "password_hash": ssha["hash"]}),
        json!({"email": "off@example.com", "password": STRONG, "disabled": true}),
    ];
    let report = imported(&app, &token, "", ndjson(&lines)).await;
    assert_eq!(report["summary"]["failed"], 0, "{report}");

    for email in [
        "nobody@example.com",
        "argon@example.com",
        "ldap@example.com",
        "off@example.com",
    ] {
        let started = Instant::now();
        let res = app.sign_in(email, "not the password at all").await;
        assert_eq!(res.status(), 401, "{email}");
        assert!(started.elapsed() >= FLOOR, "{email}");
    }
    // The right password of a disabled account fails too, and waits as long.
    let started = Instant::now();
    assert_eq!(app.sign_in("off@example.com", STRONG).await.status(), 401);
    assert!(started.elapsed() >= FLOOR);

    // A wrong current password at `POST /v1/me/password` goes through the same check.
    let argon = app.tokens("argon@example.com", STRONG).await;
    let started = Instant::now();
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": "not it", "new_password": STRONG_2}),
            argon["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(started.elapsed() >= FLOOR);

    // Right passwords are answered as they are (nothing timed: the floor is for failures).
    assert_eq!(app.sign_in("argon@example.com", STRONG).await.status(), 200);
    assert_eq!(
        app.sign_in("ldap@example.com", ssha_password)
            .await
            .status(),
        200
    );
}
