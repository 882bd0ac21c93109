use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, free_port, poll_until, spawn_app, spawn_app_with, TestApp, STRONG, STRONG_2,
};
use crate::smtp::MailServer;

const STRONG_3: &str = "copper meadow hums beneath twelve silent kites";

async fn request(app: &TestApp, email: &str) -> reqwest::Response {
    app.post("/v1/password-resets", json!({ "email": email }), None)
        .await
}

fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("the link carries a token")
        .to_owned()
}

/// Requests a reset for `email` and returns the token from the delivered mail.
async fn emailed_token(app: &TestApp, email: &str, nth: usize) -> String {
    assert_eq!(request(app, email).await.status(), StatusCode::ACCEPTED);
    let mails = app.mail.wait_for(email, nth).await;
    token_of(&mails[nth - 1].link().expect("a link in the mail"))
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post(
        "/v1/password-resets/confirm",
        json!({"token": token, "new_password": password}),
        None,
    )
    .await
}

#[tokio::test]
async fn the_whole_flow_from_request_to_sign_in() {
    let app = spawn_app_with(|s| s.server.public_url = "https://id.example.test".into()).await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let before = app.tokens("ada@example.com", STRONG).await;

    let res = request(&app, "ADA@example.com").await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "accepted"})
    );

    let mail = app.mail.wait_for("ada@example.com", 1).await.remove(0);
    assert!(mail.subject().contains("Reset your passgate password"));
    let link = mail.link().unwrap();
    assert!(
        link.starts_with("https://id.example.test/reset-password?token="),
        "{link}"
    );
    let token = token_of(&link);
    assert!(token.len() >= 43);

    let verified: Value = app
        .post("/v1/password-resets/verify", json!({"token": token}), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["valid"], true);
    assert!(verified["expires_at"].is_string());

    let res = confirm(&app, &token, STRONG_2).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.tokens("ada@example.com", STRONG_2).await;
    assert_problem(
        app.sign_in("ada@example.com", STRONG).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_problem(
        app.get("/v1/me", before["access_token"].as_str()).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": before["refresh_token"]}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;

    // The change notice follows, with no secret in it.
    let notice = app.mail.wait_for("ada@example.com", 2).await.remove(1);
    assert!(
        notice.subject().contains("reset through an emailed link"),
        "{}",
        notice.subject()
    );
    assert!(notice.text().contains("127.0.0.1"));
    assert!(!notice.text().contains(&token) && !notice.text().contains(STRONG_2));

    let (_, admin) = app.admin().await;
    let events: Value = app
        .get(
            &format!("/v1/admin/audit-events?user_id={id}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"password.reset_requested")
            && actions.contains(&"password.reset_completed"),
        "{actions:?}"
    );
    let metrics = app.metrics().await;
    assert!(metrics.contains("passgate_password_changes_total{kind=\"reset\"} 1"));
    assert!(
        metrics.contains("passgate_outbox_delivered_total 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn forged_host_headers_never_reach_the_link() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let res = app
        .client
        .post(app.url("/v1/password-resets"))
        .header("host", "evil.example.test")
        .header("x-forwarded-host", "evil.example.test")
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let link = app.mail.wait_for("ada@example.com", 1).await[0]
        .link()
        .unwrap();
    assert!(
        link.starts_with("http://localhost:8080/reset-password?token="),
        "{link}"
    );
}

#[tokio::test]
async fn unknown_and_disabled_emails_get_the_same_answer_and_no_mail() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let off = app.create_user("off@example.com", STRONG, &["user"]).await;
    app.patch(
        &format!("/v1/admin/users/{off}"),
        json!({"disabled": true}),
        Some(&admin),
    )
    .await;

    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com", "off@example.com"] {
        let res = request(&app, email).await;
        let status = res.status();
        let mut headers: Vec<String> = res
            .headers()
            .iter()
            .filter(|(n, _)| !["x-request-id", "date"].contains(&n.as_str()))
            .map(|(n, v)| format!("{n}: {v:?}"))
            .collect();
        headers.sort();
        answers.push((status, headers, res.text().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    assert!(app.outbox_to("nobody@example.com").await.is_empty());
    assert!(app.outbox_to("off@example.com").await.is_empty());
    assert_eq!(app.outbox_to("ada@example.com").await.len(), 1);
    app.mail.wait_for("ada@example.com", 1).await;
    assert_eq!(app.mail.messages().len(), 1);
}

#[tokio::test]
async fn verify_does_not_consume_and_a_policy_failure_keeps_the_token() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = emailed_token(&app, "ada@example.com", 1).await;
    for _ in 0..2 {
        assert_eq!(
            app.post("/v1/password-resets/verify", json!({"token": token}), None)
                .await
                .status(),
            StatusCode::OK
        );
    }
    let problem = assert_problem(
        confirm(&app, &token, "password").await,
        422,
        "password_policy",
    )
    .await;
    assert!(problem["errors"].as_array().unwrap().len() >= 2);
    let problem = assert_problem(confirm(&app, &token, STRONG).await, 422, "password_policy").await;
    assert_eq!(problem["errors"][0]["code"], "reused");
    assert_eq!(
        confirm(&app, &token, STRONG_2).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn used_expired_voided_and_unknown_tokens_get_one_answer() {
    let app = spawn_app_with(|s| s.reset.token_ttl_secs = 600).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;

    let token = emailed_token(&app, "ada@example.com", 1).await;
    app.advance(Duration::from_secs(599));
    assert_eq!(
        app.post("/v1/password-resets/verify", json!({"token": token}), None)
            .await
            .status(),
        StatusCode::OK
    );
    app.advance(Duration::from_secs(2));
    assert_problem(
        app.post("/v1/password-resets/verify", json!({"token": token}), None)
            .await,
        400,
        "reset_token_invalid",
    )
    .await;
    assert_problem(
        confirm(&app, &token, STRONG_2).await,
        400,
        "reset_token_invalid",
    )
    .await;

    assert_problem(
        confirm(&app, "no-such-token", STRONG_2).await,
        400,
        "reset_token_invalid",
    )
    .await;
    assert_problem(
        confirm(&app, &"x".repeat(10_000), STRONG_2).await,
        400,
        "reset_token_invalid",
    )
    .await;
}

#[tokio::test]
async fn a_newer_request_voids_the_older_token_and_a_used_one_is_dead() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let older = emailed_token(&app, "ada@example.com", 1).await;
    let newer = emailed_token(&app, "ada@example.com", 2).await;
    assert_problem(
        confirm(&app, &older, STRONG_2).await,
        400,
        "reset_token_invalid",
    )
    .await;
    assert_eq!(
        confirm(&app, &newer, STRONG_2).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        confirm(&app, &newer, STRONG_3).await,
        400,
        "reset_token_invalid",
    )
    .await;
}

#[tokio::test]
async fn a_password_change_voids_outstanding_reset_tokens() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = emailed_token(&app, "ada@example.com", 1).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            pair["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(
        confirm(&app, &token, STRONG_3).await,
        400,
        "reset_token_invalid",
    )
    .await;
    // The self-change notice arrives as well.
    let notice = app.mail.wait_for("ada@example.com", 2).await.remove(1);
    assert!(
        notice.subject().contains("password was changed"),
        "{}",
        notice.subject()
    );
}

#[tokio::test]
async fn of_sixteen_concurrent_confirms_exactly_one_succeeds() {
    let app = spawn_app_with(|s| s.hashing.queue = 256).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = emailed_token(&app, "ada@example.com", 1).await;
    let passwords: Vec<String> = (0..16).map(|i| format!("{STRONG_2} number {i}")).collect();
    let attempts = passwords.iter().map(|p| confirm(&app, &token, p));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
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
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::BAD_REQUEST)
            .count(),
        15,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn at_most_three_emails_per_account_per_window() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    for _ in 0..5 {
        assert_eq!(
            request(&app, "ada@example.com").await.status(),
            StatusCode::ACCEPTED
        );
    }
    // Queued with the request, so the outbox already holds all there will ever be.
    assert_eq!(app.outbox_to("ada@example.com").await.len(), 3);
    assert_eq!(app.mail.wait_for("ada@example.com", 3).await.len(), 3);
}

#[tokio::test]
async fn too_many_requests_from_one_address_are_refused() {
    let app = spawn_app_with(|s| s.reset.address_max_requests = 3).await;
    for i in 0..3 {
        assert_eq!(
            request(&app, &format!("user{i}@example.com"))
                .await
                .status(),
            StatusCode::ACCEPTED
        );
    }
    let res = request(&app, "user9@example.com").await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn mail_is_retried_until_the_server_comes_up() {
    let port = free_port();
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
        s.mail.retry_base_secs = 300;
    })
    .await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    assert_eq!(
        request(&app, "ada@example.com").await.status(),
        StatusCode::ACCEPTED
    );
    // The gauge is set after a pass over the outbox: 1 once a delivery has failed.
    poll_until("a failed delivery", async || {
        app.metrics().await.contains("passgate_outbox_pending 1")
    })
    .await;
    let row = app.outbox_to("ada@example.com").await.remove(0);
    assert!(
        row.delivered_at.is_none() && row.last_error.is_some(),
        "{row:?}"
    );

    // The retry is due once the backoff has passed, however late the server comes up.
    let late = MailServer::start_on(port).await;
    app.advance(Duration::from_secs(300));
    let mail = late.wait_for("ada@example.com", 1).await;
    assert!(mail[0].link().is_some());
}

#[tokio::test]
async fn notices_can_be_switched_off() {
    let app = spawn_app_with(|s| s.mail.notify_password_changes = false).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            pair["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.outbox_to("ada@example.com").await.is_empty());
}

async fn set_disabled(app: &TestApp, admin: &str, id: &str, disabled: bool) {
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({ "disabled": disabled }),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn disabling_an_account_voids_its_reset_links_for_good() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = emailed_token(&app, "ada@example.com", 1).await;

    set_disabled(&app, &admin, &id, true).await;
    let verify = app
        .post(
            "/v1/password-resets/verify",
            json!({ "token": token }),
            None,
        )
        .await;
    assert_problem(verify, 400, "reset_token_invalid").await;

    // Re-enabling does not bring the link back.
    set_disabled(&app, &admin, &id, false).await;
    let verify = app
        .post(
            "/v1/password-resets/verify",
            json!({ "token": token }),
            None,
        )
        .await;
    assert_problem(verify, 400, "reset_token_invalid").await;
    assert_problem(
        confirm(&app, &token, STRONG_2).await,
        400,
        "reset_token_invalid",
    )
    .await;
    app.tokens("ada@example.com", STRONG).await;
}

#[tokio::test]
async fn a_confirm_racing_a_disable_changes_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = emailed_token(&app, "ada@example.com", 1).await;

    // The confirm has checked the token and hashed the new password when the account is
    // disabled.
    let gate = app.state.pauses.arm("reset_confirm.hashed");
    let confirming = tokio::spawn(
        app.client
            .post(app.url("/v1/password-resets/confirm"))
            .json(&json!({"token": token, "new_password": STRONG_2}))
            .send(),
    );
    gate.reached().await;
    set_disabled(&app, &admin, &id, true).await;
    gate.release();
    assert_problem(
        confirming.await.unwrap().unwrap(),
        400,
        "reset_token_invalid",
    )
    .await;

    set_disabled(&app, &admin, &id, false).await;
    app.tokens("ada@example.com", STRONG).await;
    assert_problem(
        app.sign_in("ada@example.com", STRONG_2).await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn a_confirm_holding_its_locks_while_the_account_is_disabled_does_not_deadlock() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = emailed_token(&app, "ada@example.com", 1).await;

    // The confirm holds the user row; the disable (user row, then the reset tokens) waits.
    let gate = app.state.pauses.arm("reset_confirm.user_locked");
    let confirming = tokio::spawn(
        app.client
            .post(app.url("/v1/password-resets/confirm"))
            .json(&json!({"token": token, "new_password": STRONG_2}))
            .send(),
    );
    gate.reached().await;
    let mut disabling = tokio::spawn(
        app.client
            .patch(app.url(&format!("/v1/admin/users/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"disabled": true}))
            .send(),
    );
    let early = tokio::time::timeout(Duration::from_secs(1), &mut disabling).await;
    gate.release();
    let confirmed = confirming.await.unwrap().unwrap();
    let disabled = match early {
        Ok(done) => done.unwrap(),
        Err(_) => disabling.await.unwrap(),
    }
    .unwrap();
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    assert_eq!(disabled.status(), StatusCode::OK);
}
