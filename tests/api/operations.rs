use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, poll_until, spawn_app, spawn_app_with, STRONG};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert!(!res.headers()["x-request-id"].is_empty());

    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    let replaced = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id\twith spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id\twith spaces");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = spawn_app().await;
    assert_problem(app.get("/no/such/route", None).await, 404, "not_found").await;
    let res = app.get("/v1/auth/token", None).await;
    assert_eq!(res.headers()["allow"], "POST");
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn metrics_are_exported_by_route_pattern() {
    let app = spawn_app().await;
    app.get("/v1/admin/users/0190a0a0-0000-7000-8000-000000000000", None)
        .await;
    let text = app.metrics().await;
    for name in [
        "passgate_http_requests_total",
        "passgate_http_request_duration_seconds",
        "passgate_password_hash_queue_depth",
        "passgate_password_hash_wait_seconds",
        "passgate_password_hash_rejected_total",
        "passgate_sign_ins_total",
        "passgate_password_changes_total",
        "passgate_db_pool_connections",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    assert!(text.contains("route=\"/v1/admin/users/{id}\""));
    assert!(
        !text.contains("0190a0a0-0000"),
        "raw ids must never become labels"
    );
}

#[tokio::test]
async fn metrics_are_served_only_on_the_management_listener() {
    let app = spawn_app().await;
    // The outbox counters tell which reset requests reached a real account: an outsider on
    // the public port gets nothing.
    assert_problem(app.get("/metrics", None).await, 404, "not_found").await;
    let res = app.client.head(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert!(spec["paths"].get("/metrics").is_none());

    assert_ne!(app.management, app.address);
    let text = app.metrics().await;
    assert!(text.contains("passgate_outbox_delivered_total"), "{text}");
    for path in ["/healthz", "/readyz"] {
        let res = app
            .client
            .get(format!("{}{path}", app.management))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    // Only those three: the API is not on the management listener.
    let res = app
        .client
        .get(format!("{}/v1/password-policy", app.management))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn the_served_spec_is_the_checked_in_one_and_docs_are_offline() {
    let app = spawn_app().await;
    let served = app.get("/openapi.json", None).await.text().await.unwrap();
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert!(
        served == checked_in,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    let doc: Value = serde_json::from_str(&served).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    let redirect = app.get("/docs", None).await;
    assert!(redirect.status().is_redirection());
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "the docs page is Swagger UI");
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing from elsewhere"
    );
}

#[tokio::test]
async fn jwks_is_empty_under_hs256() {
    let app = spawn_app().await;
    let body: Value = app
        .get("/.well-known/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"keys": []}));
}

#[tokio::test]
async fn cors_answers_listed_origins_only() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.cors.allowed_origins = "http://app.example.test".parse().unwrap()
    })
    .await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/auth/token"))
        .header("origin", "http://app.example.test")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://app.example.test"
    );
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));

    let actual = app
        .client
        .get(app.url("/v1/password-policy"))
        .header("origin", "http://app.example.test")
        .send()
        .await
        .unwrap();
    assert_eq!(
        actual.headers()["access-control-allow-origin"],
        "http://app.example.test"
    );
    assert!(actual.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("x-request-id"));

    let other = app
        .client
        .get(app.url("/v1/password-policy"))
        .header("origin", "http://evil.example.test")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let other_preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/auth/token"))
        .header("origin", "http://evil.example.test")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(other_preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn password_policy_is_published_and_checkable() {
    let app = spawn_app().await;
    let policy: Value = app
        .get("/v1/password-policy", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["min_length"], 15);
    assert_eq!(policy["max_length"], 256);
    let res = app
        .post(
            "/v1/password-policy/check",
            json!({"password": "password"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let verdict: Value = res.json().await.unwrap();
    assert_eq!(verdict["ok"], false);
    let codes: Vec<&str> = verdict["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"too_short") && codes.contains(&"common"),
        "{codes:?}"
    );
}

#[tokio::test]
async fn the_spec_carries_the_servers_own_field_rules() {
    let spec: Value = serde_json::from_str(passgate::openapi::SPEC_JSON.as_str()).unwrap();
    let schemas = &spec["components"]["schemas"];
    use passgate::domain::patterns::{DISPLAY_NAME, EMAIL, KEY_NAME};
    for (schema, field, pattern) in [
        ("SignInRequest", "email", EMAIL),
        ("ResetRequest", "email", EMAIL),
        ("CreateUserRequest", "email", EMAIL),
        ("CreateUserRequest", "display_name", DISPLAY_NAME),
        ("UpdateUserRequest", "display_name", DISPLAY_NAME),
        ("CreateApiKeyRequest", "name", KEY_NAME),
    ] {
        let property = &schemas[schema]["properties"][field];
        let found = property["pattern"].as_str().or_else(|| {
            property["oneOf"]
                .as_array()
                .and_then(|alts| alts.iter().find_map(|a| a["pattern"].as_str()))
        });
        assert_eq!(found, Some(pattern), "{schema}.{field}");
    }
}

/// Database calls never hold up the HTTP worker (tests run one), and a write stuck on a lock
/// holds up neither other requests nor reads: a sleeping database thread takes them.
#[tokio::test]
async fn a_write_stuck_on_a_lock_blocks_neither_the_http_worker_nor_reads() {
    use diesel::connection::SimpleConnection;
    use passgate::db::{Backend, ConnectionManager};

    // The outbox worker stays asleep, so the only database work below is the test's own.
    let app = spawn_app_with(|s| s.mail.poll_interval_ms = 3_600_000).await;
    app.create_user("stuck@example.com", STRONG, &["user"])
        .await;
    let token = app.tokens("stuck@example.com", STRONG).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another client holds the write lock: SQLite's single writer, or PostgreSQL's lock on
    // writes to `users` and the lockout counts (plain reads still go through).
    let mut other = ConnectionManager::new(&app.state.settings.database.url)
        .connect()
        .unwrap();
    match app.state.db.backend() {
        Backend::Sqlite => other.batch_execute("BEGIN IMMEDIATE").unwrap(),
        Backend::Postgres => other
            .batch_execute("BEGIN; LOCK TABLE users, lockout_sources IN EXCLUSIVE MODE")
            .unwrap(),
    }

    // A sign-in reserves a lockout attempt (a write) before it checks the password.
    let sign_in = tokio::spawn({
        let (client, url) = (app.client.clone(), app.url("/v1/auth/token"));
        async move {
            client
                .post(url)
                .json(&json!({"email": "stuck@example.com", "password": STRONG}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    // The sign-in's database job holds a connection from here until the lock is released.
    poll_until("the sign-in to reach the database", async || {
        app.state.db.pool_state().0 > 0
    })
    .await;
    assert!(
        !sign_in.is_finished(),
        "the sign-in should be waiting for the lock"
    );

    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/v1/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    assert!(
        !sign_in.is_finished(),
        "both answers came while the write was still waiting"
    );

    other.batch_execute("ROLLBACK").unwrap();
    assert_eq!(sign_in.await.unwrap(), StatusCode::OK);
}
