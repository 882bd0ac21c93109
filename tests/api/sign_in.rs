use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, STRONG, STRONG_2};

#[tokio::test]
async fn sign_in_returns_a_token_pair_that_reads_me() {
    let app = spawn_app().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let res = app.sign_in("Ada@Example.com", STRONG).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let pair: Value = res.json().await.unwrap();
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(pair["password_change_required"], false);
    assert!(pair["refresh_token"].as_str().unwrap().len() >= 43);

    let me: Value = app
        .get("/v1/me", pair["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], id);
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["roles"], json!(["user"]));
    assert!(me["last_sign_in_at"].is_string());
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn unknown_email_wrong_password_and_disabled_account_get_the_same_answer() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let off = app.create_user("off@example.com", STRONG, &["user"]).await;
    let res = app
        .patch(
            &format!("/v1/admin/users/{off}"),
            json!({"disabled": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let mut bodies = Vec::new();
    for (email, password) in [
        ("nobody@example.com", STRONG),
        ("ada@example.com", STRONG_2),
        ("off@example.com", STRONG),
    ] {
        let res = app.sign_in(email, password).await;
        let mut headers: Vec<String> = res
            .headers()
            .iter()
            .filter(|(name, _)| !["x-request-id", "date"].contains(&name.as_str()))
            .map(|(n, v)| format!("{n}: {v:?}"))
            .collect();
        headers.sort();
        let body = assert_problem(res, 401, "invalid_credentials").await;
        bodies.push((headers, body));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
}

#[tokio::test]
async fn malformed_input_gets_a_problem_each() {
    let app = spawn_app().await;
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.url("/v1/auth/token"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        raw("{not json", "application/json").await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
    assert_problem(
        raw(r#"{"email": 5, "password": "x"}"#, "application/json")
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    assert_problem(
        raw(r#"{"email": "a@example.com"}"#, "application/json")
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    assert_problem(
        raw(
            r#"{"email": "a@example.com", "password": "x"}"#,
            "text/plain",
        )
        .await
        .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let no_type = app
        .client
        .post(app.url("/v1/auth/token"))
        .body(r#"{"email": "a@example.com", "password": "x"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(no_type, 415, "unsupported_media_type").await;

    let huge = json!({"email": "a@example.com", "password": "x".repeat(2_000_000)});
    assert_problem(
        app.post("/v1/auth/token", huge, None).await,
        413,
        "payload_too_large",
    )
    .await;

    let body = assert_problem(
        app.post(
            "/v1/auth/token",
            json!({"email": "not-an-email", "password": "x"}),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn an_over_long_password_is_refused_before_hashing() {
    let app = spawn_app_with(|s| {
        // One slow hashing thread and no queue: were it hashed, the answer would be 503.
        s.hashing.max_concurrent = 1;
        s.hashing.queue = 1;
    })
    .await;
    let long = "p".repeat(100_000);
    let body = assert_problem(
        app.post(
            "/v1/auth/token",
            json!({"email": "a@example.com", "password": long}),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "too_long");
}

#[tokio::test]
async fn nfkc_equivalent_passwords_sign_in_alike() {
    let app = spawn_app().await;
    // "ﬁ" (U+FB01) and full-width letters normalise to plain ASCII under NFKC.
    app.create_user(
        "nfkc@example.com",
        "ﬁne violet kettle marches under bridges",
        &["user"],
    )
    .await;
    app.tokens(
        "nfkc@example.com",
        "fine violet kettle marches under bridges",
    )
    .await;
    app.tokens(
        "nfkc@example.com",
        "ｆｉｎｅ violet kettle marches under bridges",
    )
    .await;
}

#[tokio::test]
async fn sign_ins_are_audited_without_secrets() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin().await;
    app.sign_in("root@example.com", STRONG_2).await;
    let page: Value = app
        .get(
            &format!("/v1/admin/audit-events?user_id={admin_id}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["auth.sign_in_failed", "auth.sign_in", "user.created"]
    );
    let text = page.to_string();
    assert!(!text.contains(STRONG) && !text.contains(STRONG_2));
    assert_eq!(page["items"][0]["client_ip"], "127.0.0.1");
    assert_eq!(page["items"][0]["outcome"], "failure");
}

/// Starts a sign-in held at `sign_in.verified`, i.e. after its password check passed, and
/// returns once it is held there.
async fn held_sign_in(
    app: &crate::helpers::TestApp,
    email: &str,
    password: &str,
) -> (
    std::sync::Arc<passgate::pauses::Gate>,
    tokio::task::JoinHandle<reqwest::Response>,
) {
    let gate = app.state.pauses.arm("sign_in.verified");
    let request = app
        .client
        .post(app.url("/v1/auth/token"))
        .json(&json!({ "email": email, "password": password }));
    let task = tokio::spawn(async move { request.send().await.expect("request sent") });
    gate.reached().await;
    (gate, task)
}

/// Releases held sign-ins and checks that none of them left a session behind.
async fn assert_superseded(
    app: &crate::helpers::TestApp,
    held: Vec<(
        std::sync::Arc<passgate::pauses::Gate>,
        tokio::task::JoinHandle<reqwest::Response>,
    )>,
) {
    for (gate, task) in held {
        gate.release();
        let res = task.await.unwrap();
        if res.status() == StatusCode::OK {
            let pair: Value = res.json().await.unwrap();
            let refreshed = app
                .post(
                    "/v1/auth/refresh",
                    json!({"refresh_token": pair["refresh_token"]}),
                    None,
                )
                .await;
            panic!(
                "a sign-in checked before the reset got a session (refresh: {})",
                refreshed.status()
            );
        }
        assert_problem(res, 401, "invalid_credentials").await;
    }
}

#[tokio::test]
async fn sign_ins_verified_before_an_admin_link_reset_leave_no_session() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;

    let first = held_sign_in(&app, "ada@example.com", STRONG).await;
    let second = held_sign_in(&app, "ada@example.com", STRONG).await;
    let res = app
        .post(
            &format!("/v1/admin/users/{id}/password-reset"),
            json!({"mode": "link"}),
            Some(&admin),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_superseded(&app, vec![first, second]).await;

    // Audited as failures of their own kind, and never counted toward a lockout.
    let page: Value = app
        .get(
            &format!("/v1/admin/audit-events?user_id={id}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let superseded = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.sign_in_failed" && e["details"]["reason"] == "superseded")
        .count();
    assert_eq!(superseded, 2, "{page}");
    let counted: Vec<i32> = app
        .state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            use diesel::prelude::*;
            use passgate::db::schema::lockout_sources::dsl as ls;
            Ok(ls::lockout_sources
                .filter(ls::account_key.eq("ada@example.com"))
                .select(ls::failures)
                .load(c)?)
        })
        .await
        .unwrap();
    assert!(counted.iter().all(|f| *f == 0), "{counted:?}");
}

#[tokio::test]
async fn sign_ins_verified_before_a_confirmed_reset_link_leave_no_session() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let res = app
        .post(
            "/v1/password-resets",
            json!({"email": "ada@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let link = app.mail.wait_for("ada@example.com", 1).await[0]
        .link()
        .expect("a link in the mail");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    let first = held_sign_in(&app, "ada@example.com", STRONG).await;
    let second = held_sign_in(&app, "ada@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/password-resets/confirm",
            json!({"token": token, "new_password": STRONG_2}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_superseded(&app, vec![first, second]).await;
    assert_eq!(
        app.sign_in("ada@example.com", STRONG_2).await.status(),
        StatusCode::OK
    );
}
