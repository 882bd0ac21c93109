//! Every input is bounded before any work is done for it (contract: "Conventions").

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, STRONG};

#[tokio::test]
async fn an_over_long_password_stops_the_policy_before_any_other_rule() {
    let app = spawn_app().await;
    // Common, containing the user's name, and far too long: only the length is reported,
    // because no other rule reads it.
    let password = format!("adalovelace{}", "password".repeat(60_000));
    let res = app
        .post(
            "/v1/password-policy/check",
            json!({"password": password, "email": "adalovelace@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["ok"], false);
    assert_eq!(body["strength"], 0);
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["too_long"]);
}

#[tokio::test]
async fn over_long_user_details_are_refused_before_the_policy_reads_them() {
    let app = spawn_app().await;
    let many_words = "Ada Lovelace Byron ".repeat(25_000);
    let body = assert_problem(
        app.post(
            "/v1/password-policy/check",
            json!({"password": STRONG, "display_name": many_words,
                   "email": format!("{}@example.com", "a".repeat(300))}),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "display_name"]);

    // At the limits the check runs as usual.
    let res = app
        .post(
            "/v1/password-policy/check",
            json!({"password": STRONG, "display_name": "x".repeat(200),
                   "email": format!("{}@example.com", "a".repeat(64))}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_spec_publishes_every_bound_the_server_enforces() {
    let app = spawn_app().await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let check = &spec["components"]["schemas"]["PolicyCheckRequest"]["properties"];
    assert_eq!(check["email"]["maxLength"], 254);
    assert_eq!(check["display_name"]["maxLength"], 200);
}
