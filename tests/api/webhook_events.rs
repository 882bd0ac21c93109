//! Every event type is produced by its real action, queued in that action's transaction,
//! and delivered signed (checked by the official verifier); nothing is sent for a change
//! that did not happen, and no payload carries a password, hash, token or key.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::{assert_problem, Receiver, TestApp, STRONG, STRONG_2};
use crate::webhooks::{create_hook, hooks_app};

const THIRD: &str = "copper meadow whispers beyond nine silent rivers";

/// The bodies received so far, by event type; every one verified with `secret`.
fn by_type(receiver: &Receiver) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for d in receiver.seen() {
        assert_eq!(d["verified"], json!([true]), "{d}");
        let body: Value = serde_json::from_str(d["body"].as_str().unwrap()).unwrap();
        out.entry(body["type"].as_str().unwrap().to_owned())
            .or_default()
            .push(body);
    }
    out
}

async fn wait_for_type(receiver: &Receiver, event_type: &str, n: usize) -> Vec<Value> {
    crate::helpers::poll_until(&format!("{n} {event_type} event(s)"), async || {
        by_type(receiver).get(event_type).map_or(0, Vec::len) >= n
    })
    .await;
    by_type(receiver).remove(event_type).unwrap_or_default()
}

async fn setup() -> (TestApp, String, String, Receiver) {
    let app = hooks_app().await;
    let (admin_id, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (_, secret) = create_hook(&app, &token, &receiver.url("/ok"), json!(["*"])).await;
    receiver.set_secrets(&[&secret]).await;
    (app, admin_id, token, receiver)
}

#[tokio::test]
async fn user_events_come_from_create_update_and_disable() {
    let (app, admin_id, token, receiver) = setup().await;
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": "ada@example.com", "password": STRONG}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let user_id = res.json::<Value>().await.unwrap()["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = wait_for_type(&receiver, "user.created", 1).await;
    assert_eq!(
        created[0]["data"],
        json!({"user_id": user_id, "actor_id": admin_id})
    );

    let res = app
        .patch(
            &format!("/v1/admin/users/{user_id}"),
            json!({"display_name": "Ada L", "disabled": true, "locale": "da"}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let updated = wait_for_type(&receiver, "user.updated", 1).await;
    assert_eq!(updated[0]["data"]["user_id"], user_id.as_str());
    assert_eq!(
        updated[0]["data"]["changed"],
        json!(["display_name", "disabled", "locale"])
    );
    assert!(
        updated[0]["data"].get("display_name").is_none(),
        "names, not values"
    );
    let disabled = wait_for_type(&receiver, "user.disabled", 1).await;
    assert_eq!(
        disabled[0]["data"],
        json!({"user_id": user_id, "actor_id": admin_id})
    );

    // A change refused (the email is taken) rolls back, and sends nothing.
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": "ada@example.com"}),
            Some(&token),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    let rows = app
        .state
        .db
        .run(|c| -> passgate::db::Result<_> {
            use diesel::prelude::*;
            use passgate::db::schema::webhook_events::dsl as we;
            Ok(we::webhook_events
                .filter(we::event_type.eq("user.created"))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(rows, 1, "only the committed creation was queued");
}

#[tokio::test]
async fn password_events_name_their_kind_and_actor() {
    let (app, admin_id, token, receiver) = setup().await;
    let user_id = app
        .create_user("grace@example.com", STRONG, &["user"])
        .await;

    // self
    let tokens = app.tokens("grace@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            tokens["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let changed = wait_for_type(&receiver, "password.changed", 1).await;
    assert_eq!(
        changed[0]["data"],
        json!({"user_id": user_id, "kind": "self", "actor_id": user_id})
    );

    // admin
    let res = app
        .post(
            &format!("/v1/admin/users/{user_id}/password-reset"),
            json!({"mode": "generate"}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let reset: Value = res.json().await.unwrap();
    let temporary = reset["temporary_password"].as_str().unwrap().to_owned();
    let changed = wait_for_type(&receiver, "password.changed", 2).await;
    assert_eq!(
        changed[1]["data"],
        json!({"user_id": user_id, "kind": "admin", "actor_id": admin_id})
    );

    // reset requested (a real account only) and confirmed
    let res = app
        .post(
            "/v1/password-resets",
            json!({"email": "nobody@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let res = app
        .post(
            "/v1/password-resets",
            json!({"email": "grace@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let requested = wait_for_type(&receiver, "password.reset_requested", 1).await;
    assert_eq!(requested[0]["data"], json!({"user_id": user_id}));
    // Two notices (the changes above), then the link.
    let mails = app.mail.wait_for("grace@example.com", 3).await;
    let link = mails.iter().find_map(|m| m.link()).expect("a reset link");
    let reset_token = link.split("token=").nth(1).unwrap().to_owned();
    let res = app
        .post(
            "/v1/password-resets/confirm",
            json!({"token": reset_token, "new_password": THIRD}),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    let changed = wait_for_type(&receiver, "password.changed", 3).await;
    assert_eq!(
        changed[2]["data"],
        json!({"user_id": user_id, "kind": "reset", "actor_id": user_id})
    );
    assert_eq!(
        by_type(&receiver)["password.reset_requested"].len(),
        1,
        "none for the unknown address"
    );

    let everything = receiver
        .seen()
        .iter()
        .map(|d| d["body"].as_str().unwrap().to_owned())
        .collect::<String>();
    for secret in [
        STRONG,
        STRONG_2,
        THIRD,
        temporary.as_str(),
        reset_token.as_str(),
        "$argon2",
        "token=",
        "http",
    ] {
        assert!(!everything.contains(secret), "a payload carries {secret}");
    }
}

#[tokio::test]
async fn a_lockout_of_a_real_account_is_an_event_with_its_source() {
    let (app, _, _, receiver) = setup().await;
    let user_id = app
        .create_user("locked@example.com", STRONG, &["user"])
        .await;
    for n in 0..10 {
        let res = app
            .sign_in(
                "locked@example.com",
                &format!("wrong password number {n} here"),
            )
            .await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let res = app.sign_in("locked@example.com", STRONG).await;
    assert_problem(res, 429, "account_locked").await;
    let locked = wait_for_type(&receiver, "user.locked", 1).await;
    assert_eq!(locked[0]["data"]["user_id"], user_id.as_str());
    assert_eq!(locked[0]["data"]["source"], "127.0.0.1");
    assert_eq!(locked[0]["data"]["lockout"], 1);
    assert!(locked[0]["data"]["until"].is_string());
    // An address that names no account locks the same, but there is nobody to report.
    for n in 0..10 {
        app.sign_in(
            "ghost@example.com",
            &format!("wrong password number {n} here"),
        )
        .await;
    }
    assert_problem(
        app.sign_in("ghost@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
    let pending = app
        .state
        .db
        .run(passgate::db::webhooks::pending_count)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    assert_eq!(by_type(&receiver)["user.locked"].len(), 1);
}

#[tokio::test]
async fn api_key_events_never_carry_the_key() {
    let (app, admin_id, token, receiver) = setup().await;
    let res = app
        .post(
            "/v1/admin/api-keys",
            json!({"name": "sync", "roles": ["password_admin"]}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let key: Value = res.json().await.unwrap();
    let key_id = key["id"].as_str().unwrap();
    let created = wait_for_type(&receiver, "api_key.created", 1).await;
    assert_eq!(created[0]["data"]["api_key_id"], key_id);
    assert_eq!(created[0]["data"]["actor_id"], admin_id.as_str());
    assert_eq!(
        created[0]["data"]["roles"],
        json!(["user", "password_admin"])
    );
    let res = app
        .client
        .delete(app.url(&format!("/v1/admin/api-keys/{key_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let revoked = wait_for_type(&receiver, "api_key.revoked", 1).await;
    assert_eq!(
        revoked[0]["data"],
        json!({"api_key_id": key_id, "actor_id": admin_id})
    );
    let everything = receiver
        .seen()
        .iter()
        .map(|d| d["body"].as_str().unwrap().to_owned())
        .collect::<String>();
    assert!(!everything.contains(key["key"].as_str().unwrap()));
    assert!(!everything.contains("pgk_"));
}

#[tokio::test]
async fn an_endpoint_gets_only_the_types_it_subscribed_to() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (_, secret) =
        create_hook(&app, &token, &receiver.url("/ok"), json!(["user.disabled"])).await;
    receiver.set_secrets(&[&secret]).await;
    let id = app.create_user("x@example.com", STRONG, &["user"]).await;
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"disabled": true}),
            Some(&token),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    wait_for_type(&receiver, "user.disabled", 1).await;
    let types: Vec<String> = by_type(&receiver).into_keys().collect();
    assert_eq!(types, ["user.disabled"]);
}

#[tokio::test]
async fn an_import_request_is_one_user_imported_event_with_its_counts() {
    let (app, admin_id, token, receiver) = setup().await;
    let body = crate::imports::ndjson(&[
        json!({"email": "a@example.com", "password": STRONG}),
        json!({"email": "b@example.com"}),
        json!({"email": "not an address"}),
    ]);
    crate::imports::imported(&app, &token, "", body).await;
    let imported = wait_for_type(&receiver, "user.imported", 1).await;
    assert_eq!(
        imported[0]["data"],
        json!({"actor_id": admin_id, "received": 3, "created": 2, "updated": 0, "failed": 1})
    );
    let everything = receiver
        .seen()
        .iter()
        .map(|d| d["body"].as_str().unwrap().to_owned())
        .collect::<String>();
    assert!(!everything.contains(STRONG), "no password in any payload");
    assert!(!everything.contains("a@example.com"), "ids, not addresses");
}
