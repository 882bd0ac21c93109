//! Bulk import and full export (contract: "Import and export (admin)"): the hashes of other
//! systems, made by their own libraries (tests/fixtures/legacy_hashes), signed in with and
//! replaced at first use; the route's rules; export and the round trip.

mod legacy_sign_in;
mod own_settings;
mod raw;
mod round_trip;
mod route;
mod timing;

use reqwest::Response;
use serde_json::Value;

use crate::helpers::TestApp;

/// The fixtures cheap enough for a debug build (see the generator's `heavy`).
pub fn fixtures() -> Vec<Value> {
    let all: Vec<Value> =
        serde_json::from_str(include_str!("../../fixtures/legacy_hashes/fixtures.json")).unwrap();
    all.into_iter().filter(|f| f["heavy"] != true).collect()
}

/// NDJSON of the given lines.
pub fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

pub async fn import(app: &TestApp, token: &str, query: &str, body: String) -> Response {
    app.client
        .post(app.url(&format!("/v1/admin/user-imports{query}")))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .expect("request sent")
}

/// An import that must answer 200; its report.
pub async fn imported(app: &TestApp, token: &str, query: &str, body: String) -> Value {
    let res = import(app, token, query, body).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

pub async fn export(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/v1/admin/user-exports", Some(token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let text = res.text().await.unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The stored hash of a user, read from the database.
pub async fn stored_hash(app: &TestApp, email: &str) -> Option<String> {
    let email = email.to_lowercase();
    app.state
        .db
        .run(move |c| passgate::db::users::find_by_email(c, &email))
        .await
        .unwrap()
        .and_then(|u| u.password_hash)
}

/// Audit events of an action, oldest first.
pub async fn events(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let res = app
        .get(
            &format!("/v1/admin/audit-events?action={action}&limit=200"),
            Some(token),
        )
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}
