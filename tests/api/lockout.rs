use std::time::Duration;

use diesel::prelude::*;
use passgate::db::schema::users::dsl as u;
use passgate::metrics::Metrics;
use passgate::password::Hasher;
use reqwest::StatusCode;
use secrecy::SecretString;

use crate::helpers::{assert_problem, spawn_app_with, STRONG};

const WRONG: &str = "not the password, not even close";

#[tokio::test]
async fn ten_failures_lock_the_account_even_for_the_right_password() {
    let app = spawn_app_with(|s| s.lockout.base_secs = 60).await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    for _ in 0..10 {
        assert_problem(
            app.sign_in("ada@example.com", WRONG).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let res = app.sign_in("ada@example.com", STRONG).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((60..=61).contains(&retry), "{retry}");
    assert_problem(res, 429, "account_locked").await;

    app.advance(Duration::from_secs(59));
    assert_problem(
        app.sign_in("ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
    app.advance(Duration::from_secs(2));
    app.tokens("ada@example.com", STRONG).await;

    let (_, admin) = app.admin().await;
    let locked: serde_json::Value = app
        .get(
            &format!("/v1/admin/audit-events?action=auth.locked&user_id={id}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(locked["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let app = spawn_app_with(|s| s.lockout.base_secs = 60).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    for _ in 0..9 {
        app.sign_in("ada@example.com", WRONG).await;
    }
    app.tokens("ada@example.com", STRONG).await;
    for _ in 0..9 {
        assert_problem(
            app.sign_in("ada@example.com", WRONG).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    app.tokens("ada@example.com", STRONG).await;
}

#[tokio::test]
async fn concurrent_guesses_never_exceed_the_limit() {
    let app = spawn_app_with(|s| {
        s.lockout.base_secs = 60;
        s.hashing.queue = 256;
    })
    .await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let guesses = (0..40).map(|_| app.sign_in("ada@example.com", WRONG));
    let responses = futures_util::future::join_all(guesses).await;
    let checked = responses
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let locked = responses
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + locked, 40, "only 401 and 429 answers");
    assert!(
        checked <= 10,
        "{checked} guesses were checked; the limit is 10"
    );
    assert_problem(
        app.sign_in("ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
}

#[tokio::test]
async fn a_hash_made_with_old_parameters_is_upgraded_at_sign_in() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let old = Hasher::new(128, 2, 1, 1, 1, Metrics::new())
        .unwrap()
        .hash(SecretString::from(STRONG))
        .await
        .unwrap();
    assert!(old.contains("m=128,t=2"));
    let (uid, stored) = (id.clone(), old.clone());
    app.state
        .db
        .run(move |c| {
            Ok(diesel::update(u::users.find(uid))
                .set(u::password_hash.eq(stored))
                .execute(c)?)
        })
        .await
        .unwrap();

    app.tokens("ada@example.com", STRONG).await;
    let uid = id.clone();
    let now: Option<String> = app
        .state
        .db
        .run(move |c| Ok(u::users.find(uid).select(u::password_hash).first(c)?))
        .await
        .unwrap();
    let now = now.unwrap();
    assert!(now.contains("m=256,t=1"), "{now}");
    app.tokens("ada@example.com", STRONG).await;
}
