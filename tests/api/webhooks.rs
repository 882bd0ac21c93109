//! Webhooks: the admin routes, delivery by the Standard Webhooks specification (checked
//! by the official verifier in `helpers::Receiver`), retries, `410 Gone`, timeouts, the
//! address rules and secret rotation.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{assert_problem, poll_until, spawn_app_with, Receiver, TestApp, STRONG};

/// An app whose webhooks may go to the loopback receivers, checked often, with a short
/// timeout (for the receiver that hangs).
pub async fn hooks_app() -> TestApp {
    spawn_app_with(|s| {
        s.webhooks.allow_insecure_targets = true;
        s.webhooks.poll_interval_ms = 50;
        s.webhooks.timeout_secs = 2;
    })
    .await
}

/// Creates an endpoint through the API: (id, secret).
pub async fn create_hook(app: &TestApp, token: &str, url: &str, events: Value) -> (String, String) {
    let res = app
        .post(
            "/v1/admin/webhooks",
            json!({ "url": url, "events": events }),
            Some(token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// The endpoint's attempts, newest first.
pub async fn attempts(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/admin/webhooks/{id}/deliveries"), Some(token))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

pub async fn send_test(app: &TestApp, token: &str, id: &str) -> String {
    let res = app
        .post(
            &format!("/v1/admin/webhooks/{id}/test"),
            json!({}),
            Some(token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let body: Value = res.json().await.unwrap();
    body["event_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_manages_webhooks_and_every_change_is_audited() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let res = app
        .post(
            "/v1/admin/webhooks",
            json!({"url": "https://hooks.example.com/in", "events": ["user.created", "user.created"], "description": "sync"}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        passgate::webhooks::signing::key_bytes(secret)
            .unwrap()
            .len(),
        32
    );
    assert_eq!(created["events"], json!(["user.created"]));
    assert_eq!(created["disabled"], false);
    let id = created["id"].as_str().unwrap();

    let list: Value = app
        .get("/v1/admin/webhooks", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(secret),
        "a listing never shows the secret"
    );
    let one: Value = app
        .get(&format!("/v1/admin/webhooks/{id}"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["url"], "https://hooks.example.com/in");
    assert!(one.get("secret").is_none());

    let patched: Value = app
        .patch(
            &format!("/v1/admin/webhooks/{id}"),
            json!({"events": ["*"], "disabled": true, "description": ""}),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patched["events"], json!(["*"]));
    assert_eq!(patched["disabled"], true);
    assert_eq!(patched["description"], Value::Null);

    let res = app
        .post(
            &format!("/v1/admin/webhooks/{id}/rotate-secret"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let rotated: Value = res.json().await.unwrap();
    assert_ne!(rotated["secret"], secret);
    assert!(rotated["previous_secret_expires_at"].is_string());

    let res = app
        .client
        .delete(app.url(&format!("/v1/admin/webhooks/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_problem(
        app.get(&format!("/v1/admin/webhooks/{id}"), Some(&token))
            .await,
        404,
        "not_found",
    )
    .await;
    let res = app
        .client
        .delete(app.url(&format!("/v1/admin/webhooks/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;

    let audit: Value = app
        .get("/v1/admin/audit-events?limit=200", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.deleted",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    assert!(
        !audit.to_string().contains("whsec_"),
        "no secret in the audit log"
    );
}

#[tokio::test]
async fn only_admins_reach_the_webhook_routes() {
    let app = hooks_app().await;
    app.create_user("pa@example.com", STRONG, &["password_admin"])
        .await;
    let tokens = app.tokens("pa@example.com", STRONG).await;
    let token = tokens["access_token"].as_str().unwrap();
    let res = app
        .post(
            "/v1/admin/webhooks",
            json!({"url": "https://hooks.example.com/", "events": ["*"]}),
            Some(token),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(
        app.get("/v1/admin/webhooks", Some(token)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/v1/admin/webhooks", None).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn webhook_fields_are_bounded_and_events_must_be_known() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let long_url = format!("https://hooks.example.com/{}", "a".repeat(2048));
    for (body, field) in [
        (json!({"url": long_url, "events": ["*"]}), "url"),
        (
            json!({"url": "https://h.example/", "events": ["*"], "description": "d".repeat(201)}),
            "description",
        ),
        (json!({"url": "https://h.example/", "events": []}), "events"),
        (
            json!({"url": "https://h.example/", "events": ["user.exploded"]}),
            "events",
        ),
        (
            json!({"url": "https://h.example/", "events": ["*", "user.created"]}),
            "events",
        ),
        (
            json!({"url": "https://h.example/", "events": vec!["user.created"; 21]}),
            "events",
        ),
        (json!({"url": "ftp://h.example/", "events": ["*"]}), "url"),
        (json!({"url": "not a url", "events": ["*"]}), "url"),
    ] {
        let res = app
            .post("/v1/admin/webhooks", body.clone(), Some(&token))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let list: Value = app
        .get("/v1/admin/webhooks", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was stored"
    );
}

#[tokio::test]
async fn targets_must_be_https_and_public_when_saved() {
    let app = spawn_app_with(|s| s.webhooks.deliver = false).await;
    let (_, token) = app.admin().await;
    for url in [
        "http://hooks.example.com/",
        "https://127.0.0.1/",
        "https://127.1.2.3:8443/",
        "https://localhost/",
        "https://10.0.0.1/",
        "https://172.16.5.4/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://[::1]/",
        "https://[::]/",
        "https://[fe80::1]/",
        "https://[fd00::1]/",
        "https://[ff02::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:10.0.0.1]/",
    ] {
        let res = app
            .post(
                "/v1/admin/webhooks",
                json!({"url": url, "events": ["*"]}),
                Some(&token),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
    // A public address literal is accepted (nothing is delivered: this app does not send).
    let res = app
        .post(
            "/v1/admin/webhooks",
            json!({"url": "https://93.184.215.14/in", "events": ["*"]}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/v1/admin/webhooks/{id}"),
            json!({"url": "https://[::1]:8443/"}),
            Some(&token),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_delivery_follows_standard_webhooks_and_the_official_verifier_accepts_it() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, secret) = create_hook(&app, &token, &receiver.url("/ok"), json!(["*"])).await;
    receiver
        .set_secrets(&[
            &secret,
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ])
        .await;
    let event_id = send_test(&app, &token, &id).await;
    let got = receiver.wait_for(1).await;
    let d = &got[0];
    assert_eq!(d["method"], "POST");
    assert_eq!(d["content_type"], "application/json");
    assert_eq!(d["webhook-id"], event_id.as_str());
    assert_eq!(
        d["verified"],
        json!([true, false]),
        "verified with its own secret only"
    );
    let body: Value = serde_json::from_str(d["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["type"], "webhook.test");
    assert_eq!(body["data"]["webhook_id"], id.as_str());
    assert!(body["timestamp"].is_string());
    let ts: i64 = d["webhook-timestamp"].as_str().unwrap().parse().unwrap();
    assert!((ts - chrono::Utc::now().timestamp()).abs() < 60);

    poll_until("the attempt to be recorded", async || {
        !attempts(&app, &token, &id).await.is_empty()
    })
    .await;
    let log = attempts(&app, &token, &id).await;
    assert_eq!(log[0]["event_id"], event_id.as_str());
    assert_eq!(log[0]["event_type"], "webhook.test");
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["status_code"], 200);
    assert_eq!(log[0]["next_attempt_at"], Value::Null);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_and_bytes() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, secret) = create_hook(&app, &token, &receiver.url("/fail-once"), json!(["*"])).await;
    receiver.set_secrets(&[&secret]).await;
    let first = send_test(&app, &token, &id).await;
    receiver.wait_for(1).await;
    poll_until("the failure to be recorded", async || {
        !attempts(&app, &token, &id).await.is_empty()
    })
    .await;
    let log = attempts(&app, &token, &id).await;
    assert_eq!(log[0]["status_code"], 500);
    assert!(log[0]["next_attempt_at"].is_string(), "{log:?}");
    // Not before RETRY_BASE_SECS (5): 2 s on, the endpoint's queue is worked again (a
    // second event goes out) and the first event is not sent with it.
    app.advance(Duration::from_secs(2));
    let second = send_test(&app, &token, &id).await;
    poll_until("the second event's attempt", async || {
        attempts(&app, &token, &id).await.len() == 2
    })
    .await;
    let ids: Vec<Value> = receiver
        .wait_for(2)
        .await
        .iter()
        .map(|d| d["webhook-id"].clone())
        .collect();
    assert_eq!(ids, [json!(first), json!(second)], "no early retry");
    // Past it, the first event is sent again.
    app.advance(Duration::from_secs(3));
    let of_first = || -> Vec<Value> {
        receiver
            .seen()
            .into_iter()
            .filter(|d| d["webhook-id"] == first.as_str())
            .collect()
    };
    poll_until("the retry", async || of_first().len() == 2).await;
    let got = of_first();
    assert_eq!(
        got[0]["body"], got[1]["body"],
        "the same bytes on every attempt"
    );
    assert_eq!(got[1]["verified"], json!([true]));
    poll_until("the retry to be recorded", async || {
        attempts(&app, &token, &id)
            .await
            .iter()
            .any(|a| a["event_id"] == first.as_str() && a["attempt"] == 2)
    })
    .await;
    let log = attempts(&app, &token, &id).await;
    let retry = log
        .iter()
        .find(|a| a["event_id"] == first.as_str() && a["attempt"] == 2)
        .unwrap();
    assert_eq!(retry["status_code"], 200);
}

#[tokio::test]
async fn a_410_disables_the_endpoint() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, _) = create_hook(&app, &token, &receiver.url("/gone"), json!(["*"])).await;
    send_test(&app, &token, &id).await;
    receiver.wait_for(1).await;
    poll_until("the endpoint to be disabled", async || {
        let hook: Value = app
            .get(&format!("/v1/admin/webhooks/{id}"), Some(&token))
            .await
            .json()
            .await
            .unwrap();
        hook["disabled"] == true
    })
    .await;
    let log = attempts(&app, &token, &id).await;
    assert_eq!(log[0]["status_code"], 410);
    assert_eq!(log[0]["next_attempt_at"], Value::Null);
    // Nothing further is queued for it: an hour on, an event that reaches another endpoint
    // (so it was fanned out, in one transaction for all endpoints) gave it no delivery, and
    // its one delivery stays settled.
    let (_, _) = create_hook(&app, &token, &receiver.url("/ok"), json!(["user.created"])).await;
    app.advance(Duration::from_secs(3600));
    let tokens = app.tokens("root@example.com", STRONG).await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    app.create_user("new@example.com", STRONG, &["user"]).await;
    poll_until("the event at the other endpoint", async || {
        receiver.seen().iter().any(|d| d["path"] == "/ok")
    })
    .await;
    let gone = id.clone();
    let settled: Vec<bool> = app
        .state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            use diesel::prelude::*;
            use passgate::db::schema::webhook_deliveries::dsl as wd;
            Ok(wd::webhook_deliveries
                .filter(wd::webhook_id.eq(gone))
                .select(wd::failed_at.is_not_null())
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(settled, [true], "one delivery, settled");
    assert_eq!(attempts(&app, &token, &id).await.len(), 1);
    let to_gone = receiver
        .seen()
        .iter()
        .filter(|d| d["path"] == "/gone")
        .count();
    assert_eq!(to_gone, 1);
}

#[tokio::test]
async fn a_hanging_receiver_holds_only_its_own_queue() {
    // A timeout long enough that everything below happens while the delivery hangs, even
    // on a busy machine; the test waits for it only at the end.
    let app = spawn_app_with(|s| {
        s.webhooks.allow_insecure_targets = true;
        s.webhooks.poll_interval_ms = 50;
        s.webhooks.timeout_secs = 8;
    })
    .await;
    let (_, token) = app.admin().await;
    let slow = Receiver::start().await;
    let fast = Receiver::start().await;
    let (hang_id, _) = create_hook(&app, &token, &slow.url("/hang"), json!(["webhook.test"])).await;
    let (ok_id, _) = create_hook(&app, &token, &fast.url("/ok"), json!(["webhook.test"])).await;
    app.create_user("mia@example.com", STRONG, &["user"]).await;
    send_test(&app, &token, &hang_id).await;
    slow.wait_for(1).await;
    // While that delivery hangs, the other endpoint still gets its events, the API answers
    // and mail goes out.
    send_test(&app, &token, &ok_id).await;
    send_test(&app, &token, &ok_id).await;
    fast.wait_for(2).await;
    let res = app
        .post(
            "/v1/password-resets",
            json!({"email": "mia@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let mail = app.mail.wait_for("mia@example.com", 1).await;
    assert!(mail[0].link().is_some(), "the reset mail arrived");
    assert!(
        attempts(&app, &token, &hang_id).await.is_empty(),
        "still hanging"
    );
    assert_eq!(
        app.get("/v1/admin/webhooks", Some(&token))
            .await
            .status()
            .as_u16(),
        200
    );
    // The timeout ends it, as a failure to retry.
    poll_until("the hanging attempt to time out", async || {
        !attempts(&app, &token, &hang_id).await.is_empty()
    })
    .await;
    let log = attempts(&app, &token, &hang_id).await;
    assert_eq!(log[0]["status_code"], Value::Null);
    assert!(
        log[0]["error"].as_str().unwrap().contains("timed out"),
        "{log:?}"
    );
    assert!(log[0]["next_attempt_at"].is_string());
}

#[tokio::test]
async fn an_endless_answer_is_read_only_in_part_and_still_succeeds() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    // 200, then a body that never ends: only the 64 KiB cap lets the attempt finish; read
    // to its end, it would last until the timeout and be recorded as timed out.
    let (id, _) = create_hook(&app, &token, &receiver.url("/endless"), json!(["*"])).await;
    send_test(&app, &token, &id).await;
    poll_until("the attempt", async || {
        !attempts(&app, &token, &id).await.is_empty()
    })
    .await;
    let log = attempts(&app, &token, &id).await;
    assert_eq!(log[0]["status_code"], 200, "{log:?}");
    assert_eq!(log[0]["error"], Value::Null, "not a timeout: {log:?}");
    assert_eq!(log[0]["next_attempt_at"], Value::Null, "delivered");
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, old) = create_hook(&app, &token, &receiver.url("/ok"), json!(["webhook.test"])).await;
    let rotated: Value = app
        .post(
            &format!("/v1/admin/webhooks/{id}/rotate-secret"),
            json!({}),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    receiver.set_secrets(&[&old, &new]).await;
    send_test(&app, &token, &id).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0]["verified"], json!([true, true]));
    assert_eq!(
        got[0]["webhook-signature"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );

    app.advance(Duration::from_secs(24 * 3600 + 1));
    let tokens = app.tokens("root@example.com", STRONG).await;
    send_test(&app, tokens["access_token"].as_str().unwrap(), &id).await;
    let got = receiver.wait_for(2).await;
    assert_eq!(
        got[1]["verified"],
        json!([false, true]),
        "the old secret no longer signs"
    );
    assert_eq!(
        got[1]["webhook-signature"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        1
    );
}

#[tokio::test]
async fn a_second_rotation_drops_the_first_secret_at_once() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, first) =
        create_hook(&app, &token, &receiver.url("/ok"), json!(["webhook.test"])).await;
    let mut secrets = vec![first];
    for _ in 0..2 {
        let rotated: Value = app
            .post(
                &format!("/v1/admin/webhooks/{id}/rotate-secret"),
                json!({}),
                Some(&token),
            )
            .await
            .json()
            .await
            .unwrap();
        secrets.push(rotated["secret"].as_str().unwrap().to_owned());
    }
    let all: Vec<&str> = secrets.iter().map(String::as_str).collect();
    receiver.set_secrets(&all).await;
    send_test(&app, &token, &id).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(
        got[0]["verified"],
        json!([false, true, true]),
        "only the newest secret and the one it replaced sign"
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_at_delivery() {
    let app = spawn_app_with(|s| s.webhooks.poll_interval_ms = 50).await;
    let (_, token) = app.admin().await;
    // Counts every connection made to it: a refusal must come before any.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let accepted = connections.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    // Saved as they would have been while the name still resolved to a public address, or
    // past the save-time check some other way: only the delivery-time check stands.
    for (url, why) in [
        (
            format!("https://localhost:{port}/ok"),
            "resolves only to non-public",
        ),
        (
            format!("https://127.0.0.1:{port}/ok"),
            "not a public address",
        ),
    ] {
        let id = uuid::Uuid::now_v7().to_string();
        let now = app.state.clock.now();
        let row = passgate::db::webhooks::WebhookRow {
            secret: app
                .state
                .webhook_secrets
                .seal(&id, &passgate::webhooks::signing::new_secret()),
            id: id.clone(),
            url: url.clone(),
            description: None,
            events: r#"["*"]"#.into(),
            disabled: false,
            previous_secret: None,
            previous_secret_expires_at: None,
            created_at: now,
            updated_at: now,
        };
        app.state
            .db
            .run(move |c| passgate::db::webhooks::insert(c, &row))
            .await
            .unwrap();
        send_test(&app, &token, &id).await;
        poll_until("the refusal to be recorded", async || {
            !attempts(&app, &token, &id).await.is_empty()
        })
        .await;
        let log = attempts(&app, &token, &id).await;
        assert_eq!(log[0]["status_code"], Value::Null, "{url}");
        assert!(
            log[0]["error"].as_str().unwrap().contains(why),
            "{url}: {log:?}"
        );
    }
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing connected to the loopback listener"
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("passgate_webhook_deliveries_total{outcome=\"refused\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn deliveries_come_in_cursor_pages() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, _) = create_hook(&app, &token, &receiver.url("/ok"), json!(["webhook.test"])).await;
    for _ in 0..3 {
        send_test(&app, &token, &id).await;
    }
    receiver.wait_for(3).await;
    poll_until("three attempts", async || {
        attempts(&app, &token, &id).await.len() == 3
    })
    .await;
    let page: Value = app
        .get(
            &format!("/v1/admin/webhooks/{id}/deliveries?limit=2"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(
            &format!("/v1/admin/webhooks/{id}/deliveries?limit=2&cursor={cursor}"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
    let res = app
        .get(
            &format!("/v1/admin/webhooks/{id}/deliveries?cursor=nope"),
            Some(&token),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("passgate_webhook_deliveries_total{outcome=\"delivered\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("passgate_webhook_pending"), "{metrics}");
}

/// `passgate_webhook_pending` as the management listener's `/metrics` shows it.
async fn pending_gauge(app: &TestApp) -> Option<i64> {
    app.metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix("passgate_webhook_pending "))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn retries_double_and_stop_after_the_give_up_window() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, _) = create_hook(
        &app,
        &token,
        &receiver.url("/fail"),
        json!(["webhook.test"]),
    )
    .await;
    send_test(&app, &token, &id).await;
    poll_until("the first attempt", async || {
        attempts(&app, &token, &id).await.len() == 1
    })
    .await;
    let gap = |a: &Value| {
        let at = chrono::DateTime::parse_from_rfc3339(a["attempted_at"].as_str().unwrap()).unwrap();
        let next =
            chrono::DateTime::parse_from_rfc3339(a["next_attempt_at"].as_str().unwrap()).unwrap();
        (next - at).num_seconds()
    };
    assert_eq!(gap(&attempts(&app, &token, &id).await[0]), 5);
    poll_until(
        "passgate_webhook_pending 1 while it is retried",
        async || pending_gauge(&app).await == Some(1),
    )
    .await;
    app.advance(Duration::from_secs(5));
    poll_until("the second attempt", async || {
        attempts(&app, &token, &id).await.len() == 2
    })
    .await;
    assert_eq!(gap(&attempts(&app, &token, &id).await[0]), 10, "doubling");
    // Past GIVE_UP_AFTER_SECS (3 days) the next failure is the last.
    app.advance(Duration::from_secs(259_200));
    let tokens = app.tokens("root@example.com", STRONG).await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    poll_until("the last attempt", async || {
        attempts(&app, &token, &id).await.len() == 3
    })
    .await;
    let last = &attempts(&app, &token, &id).await[0];
    assert_eq!(last["status_code"], 500);
    assert_eq!(last["next_attempt_at"], Value::Null, "given up");
    poll_until("passgate_webhook_pending 0 once given up", async || {
        pending_gauge(&app).await == Some(0)
    })
    .await;
    app.advance(Duration::from_secs(10 * 259_200));
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("passgate_webhook_deliveries_total{outcome=\"given_up\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("passgate_webhook_deliveries_total{outcome=\"failed\"} 2"),
        "{metrics}"
    );
    assert_eq!(receiver.wait_for(3).await.len(), 3);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (id, _) = create_hook(&app, &token, &receiver.url("/redirect"), json!(["*"])).await;
    send_test(&app, &token, &id).await;
    poll_until("the attempt", async || {
        !attempts(&app, &token, &id).await.is_empty()
    })
    .await;
    let log = attempts(&app, &token, &id).await;
    assert_eq!(log[0]["status_code"], 302);
    assert!(
        log[0]["next_attempt_at"].is_string(),
        "a redirect is a failure to retry"
    );
    let paths: Vec<Value> = receiver
        .wait_for(1)
        .await
        .iter()
        .map(|d| d["path"].clone())
        .collect();
    assert_eq!(paths, [json!("/redirect")]);
}

#[tokio::test]
async fn a_receiver_that_is_down_is_retried_and_holds_up_nobody() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let down = format!("http://127.0.0.1:{}/in", crate::helpers::free_port());
    let (down_id, _) = create_hook(&app, &token, &down, json!(["user.created"])).await;
    let (_, secret) =
        create_hook(&app, &token, &receiver.url("/ok"), json!(["user.created"])).await;
    receiver.set_secrets(&[&secret]).await;
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": "dora@example.com"}),
            Some(&token),
        )
        .await;
    assert_eq!(
        res.status().as_u16(),
        201,
        "the API call does not wait for receivers"
    );
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0]["verified"], json!([true]));
    poll_until("the failed attempt", async || {
        !attempts(&app, &token, &down_id).await.is_empty()
    })
    .await;
    let log = attempts(&app, &token, &down_id).await;
    assert_eq!(log[0]["event_type"], "user.created");
    assert_eq!(log[0]["status_code"], Value::Null);
    assert!(
        log[0]["error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{log:?}"
    );
    assert!(log[0]["next_attempt_at"].is_string());
}
