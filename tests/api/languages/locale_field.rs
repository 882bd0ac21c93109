use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, STRONG};

#[tokio::test]
async fn locale_is_set_at_creation_changed_cleared_and_always_shown() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": "mette@example.dk", "password": STRONG, "locale": "da-dk"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    // Stored in its canonical case.
    assert_eq!(created["user"]["locale"], "da-DK");
    let id = created["user"]["id"].as_str().unwrap().to_owned();

    // A well-formed tag of a language not served is kept: it states the preference.
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"locale": "kl"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["locale"], "kl");

    // Absent: unchanged.
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"display_name": "Mette"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["locale"], "kl");

    let tokens = app.tokens("mette@example.dk", STRONG).await;
    let me: Value = app
        .get("/v1/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["locale"], "kl");

    // null clears it; the field stays present.
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"locale": null}),
            Some(&admin),
        )
        .await;
    let user: Value = res.json().await.unwrap();
    assert!(user.get("locale").is_some_and(Value::is_null), "{user}");

    // A user created without one shows null.
    let me: Value = app.get("/v1/me", Some(&admin)).await.json().await.unwrap();
    assert!(me.get("locale").is_some_and(Value::is_null), "{me}");

    // The audit event names the change.
    let events: Value = app
        .get(
            &format!("/v1/admin/audit-events?user_id={id}&action=user.updated"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(events["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["details"]["changed"] == json!(["locale"])));
}

#[tokio::test]
async fn a_malformed_locale_is_refused_with_the_other_bad_fields() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    for bad in ["dänisch", "da_DK", "x", &"abcdefgh-".repeat(5)] {
        let res = app
            .post(
                "/v1/admin/users",
                json!({"email": "not an email", "locale": bad}),
                Some(&admin),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["email", "locale"], "{bad}");
        assert_eq!(problem["errors"][1]["code"], "invalid_locale");
    }
    let (id, _) = (app.create_user("a@example.com", STRONG, &[]).await, ());
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"locale": "en-"}),
            Some(&admin),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // A number is not a tag at all: the body is unreadable.
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"locale": 7}),
            Some(&admin),
        )
        .await;
    assert_problem(res, 400, "malformed_request").await;
}
