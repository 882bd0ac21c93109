//! Two instances on one database, requests alternating between them: everything that must
//! hold across instances lives in the database (on PostgreSQL in CI's second pass).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app_with, TestApp, STRONG, STRONG_2};

const WRONG: &str = "not the password, not even close";

async fn pair() -> (TestApp, TestApp) {
    let a = spawn_app_with(|s| s.hashing.queue = 256).await;
    let b = a.second_instance().await;
    (a, b)
}

fn either(apps: &(TestApp, TestApp), i: usize) -> &TestApp {
    if i.is_multiple_of(2) {
        &apps.0
    } else {
        &apps.1
    }
}

#[tokio::test]
async fn lockout_counts_across_instances() {
    let apps = pair().await;
    apps.0
        .create_user("ada@example.com", STRONG, &["user"])
        .await;
    for i in 0..10 {
        assert_problem(
            either(&apps, i).sign_in("ada@example.com", WRONG).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_problem(
        apps.0.sign_in("ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
    assert_problem(
        apps.1.sign_in("ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
}

#[tokio::test]
async fn one_reset_token_wins_once_across_instances() {
    let apps = pair().await;
    apps.0
        .create_user("ada@example.com", STRONG, &["user"])
        .await;
    apps.0
        .post(
            "/v1/password-resets",
            json!({"email": "ada@example.com"}),
            None,
        )
        .await;
    let mail = tokio::select! {
        m = apps.0.mail.wait_for("ada@example.com", 1) => m,
        m = apps.1.mail.wait_for("ada@example.com", 1) => m,
    };
    let token = mail[0]
        .link()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let passwords: Vec<String> = (0..16).map(|i| format!("{STRONG_2} number {i}")).collect();
    let confirms = passwords.iter().enumerate().map(|(i, p)| {
        either(&apps, i).post(
            "/v1/password-resets/confirm",
            json!({"token": token, "new_password": p}),
            None,
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(confirms)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count(),
        1,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn refresh_rotation_and_revocation_hold_across_instances() {
    let apps = pair().await;
    apps.0
        .create_user("ada@example.com", STRONG, &["user"])
        .await;
    let first = apps.0.tokens("ada@example.com", STRONG).await;
    let second: Value = apps
        .1
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": first["refresh_token"]}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(second["access_token"].is_string());
    // Reusing the rotated token on the other instance revokes the family everywhere.
    assert_problem(
        apps.0
            .post(
                "/v1/auth/refresh",
                json!({"refresh_token": first["refresh_token"]}),
                None,
            )
            .await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        apps.1
            .post(
                "/v1/auth/refresh",
                json!({"refresh_token": second["refresh_token"]}),
                None,
            )
            .await,
        401,
        "invalid_token",
    )
    .await;

    let session = apps.1.tokens("ada@example.com", STRONG).await;
    let changed = apps
        .0
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            session["access_token"].as_str(),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_problem(
        apps.1.get("/v1/me", session["access_token"].as_str()).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn reset_throttles_and_outbox_delivery_hold_across_instances() {
    let apps = pair().await;
    apps.0
        .create_user("ada@example.com", STRONG, &["user"])
        .await;
    for i in 0..6 {
        assert_eq!(
            either(&apps, i)
                .post(
                    "/v1/password-resets",
                    json!({"email": "ada@example.com"}),
                    None
                )
                .await
                .status(),
            StatusCode::ACCEPTED
        );
    }
    for i in 0..20 {
        apps.0
            .create_user(&format!("u{i}@example.com"), STRONG, &["user"])
            .await;
        either(&apps, i)
            .post(
                "/v1/password-resets",
                json!({"email": format!("u{i}@example.com")}),
                None,
            )
            .await;
    }
    // Both workers run; every message goes out exactly once, from one of them.
    let delivered = |address: &str| apps.0.mail.to(address).len() + apps.1.mail.to(address).len();
    for _ in 0..200 {
        if (0..20).all(|i| delivered(&format!("u{i}@example.com")) >= 1)
            && delivered("ada@example.com") >= 3
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        delivered("ada@example.com"),
        3,
        "per-account limit across instances"
    );
    for i in 0..20 {
        assert_eq!(
            delivered(&format!("u{i}@example.com")),
            1,
            "u{i} got its mail exactly once"
        );
    }
}
