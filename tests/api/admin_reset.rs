use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, TestApp, STRONG, STRONG_2};

async fn bulk(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/v1/admin/password-resets", body, Some(token))
        .await
}

async fn single(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/v1/admin/users/{id}/password-reset"),
        body,
        Some(token),
    )
    .await
}

/// A password admin, signed in: (id, token).
async fn helper(app: &TestApp) -> (String, String) {
    let id = app
        .create_user("helper@example.com", STRONG, &["password_admin"])
        .await;
    let t = app.tokens("helper@example.com", STRONG).await;
    (id, t["access_token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn generate_gives_each_user_a_temporary_password_and_ends_their_sessions() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let b = app.create_user("b@example.com", STRONG, &["user"]).await;
    let old_a = app.tokens("a@example.com", STRONG).await;

    let res = bulk(
        &app,
        &admin,
        json!({"user_ids": [a, b], "mode": "generate"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["summary"],
        json!({"requested": 2, "succeeded": 2, "failed": 0})
    );
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["user_id"], a.as_str());
    assert_eq!(results[1]["user_id"], b.as_str());
    let pa = results[0]["temporary_password"].as_str().unwrap();
    let pb = results[1]["temporary_password"].as_str().unwrap();
    assert_ne!(pa, pb);
    assert!(pa.chars().count() >= 16);
    assert!(results[0]["temporary_password_expires_at"].is_string());

    assert_problem(
        app.get("/v1/me", old_a["access_token"].as_str()).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": old_a["refresh_token"]}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.sign_in("a@example.com", STRONG).await,
        401,
        "invalid_credentials",
    )
    .await;
    for (email, pw) in [("a@example.com", pa), ("b@example.com", pb)] {
        let pair = app.tokens(email, pw).await;
        assert_eq!(pair["password_change_required"], true);
        assert_problem(
            app.get("/v1/admin/users", pair["access_token"].as_str())
                .await,
            403,
            "password_change_required",
        )
        .await;
    }
    let notice = app.mail.wait_for("a@example.com", 1).await.remove(0);
    assert!(notice.subject().contains("reset by an administrator"));
    assert!(
        !notice.text().contains(pa),
        "a notice never carries the password"
    );
}

#[tokio::test]
async fn set_checks_the_password_once_and_changes_nobody_when_it_fails() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let problem = assert_problem(
        bulk(
            &app,
            &admin,
            json!({"user_ids": [a], "mode": "set", "password": "password"}),
        )
        .await,
        422,
        "password_policy",
    )
    .await;
    assert!(problem["errors"].as_array().unwrap().len() >= 2);
    app.tokens("a@example.com", STRONG).await;
    assert_problem(
        bulk(&app, &admin, json!({"user_ids": [a], "mode": "set"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        bulk(
            &app,
            &admin,
            json!({"user_ids": [a], "mode": "generate", "password": STRONG_2}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;

    let body: Value = bulk(&app, &admin, json!({"user_ids": [a], "mode": "set", "password": STRONG_2, "require_change_on_next_sign_in": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["results"][0]["status"], "reset");
    assert!(body["results"][0].get("temporary_password").is_none());
    assert!(body["results"][0]
        .get("temporary_password_expires_at")
        .is_none());
    assert_eq!(
        app.tokens("a@example.com", STRONG_2).await["password_change_required"],
        false
    );
}

#[tokio::test]
async fn link_mode_stops_the_password_and_emails_a_working_link() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let body: Value = single(&app, &admin, &a, json!({"mode": "link"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["link_sent"], true);
    assert!(body.get("temporary_password").is_none());
    assert_problem(
        app.sign_in("a@example.com", STRONG).await,
        401,
        "invalid_credentials",
    )
    .await;

    let mail = app.mail.wait_for("a@example.com", 1).await.remove(0);
    assert!(mail.text().contains("An administrator reset the password"));
    let token = mail
        .link()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let res = app
        .post(
            "/v1/password-resets/confirm",
            json!({"token": token, "new_password": STRONG_2}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.tokens("a@example.com", STRONG_2).await["password_change_required"],
        false
    );
}

#[tokio::test]
async fn duplicates_collapse_and_unknown_users_fail_alone() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let missing = uuid::Uuid::now_v7().to_string();
    let body: Value = bulk(
        &app,
        &admin,
        json!({"user_ids": [a, missing, a, "not-a-uuid"], "mode": "generate"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        body["summary"],
        json!({"requested": 3, "succeeded": 1, "failed": 2})
    );
    let r = body["results"].as_array().unwrap();
    assert_eq!(r[0]["user_id"], a.as_str());
    assert_eq!(r[0]["status"], "reset");
    assert_eq!(r[1]["status"], "failed");
    assert_eq!(r[1]["error"]["code"], "not_found");
    assert_eq!(r[2]["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_role_hierarchy_holds_in_every_direction() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin().await;
    let (helper_id, helper_token) = helper(&app).await;
    let user = app.create_user("u@example.com", STRONG, &["user"]).await;
    let peer = app
        .create_user("peer@example.com", STRONG, &["password_admin"])
        .await;
    let other_admin = app
        .create_user("admin2@example.com", STRONG, &["admin"])
        .await;

    // password_admin → user ✔, → password_admin ✔, → admin ✗, → self ✗
    let body: Value = bulk(
        &app,
        &helper_token,
        json!({"user_ids": [user, peer, other_admin, helper_id], "mode": "generate"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let statuses: Vec<(&str, Option<&str>)> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap(), r["error"]["code"].as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("reset", None),
            ("reset", None),
            ("failed", Some("forbidden")),
            ("failed", Some("forbidden"))
        ]
    );
    assert_problem(
        single(
            &app,
            &helper_token,
            &other_admin,
            json!({"mode": "generate"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        single(&app, &helper_token, &helper_id, json!({"mode": "generate"})).await,
        403,
        "forbidden",
    )
    .await;

    // admin → admin ✔, → self ✗
    assert_eq!(
        single(&app, &admin, &other_admin, json!({"mode": "generate"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        single(&app, &admin, &admin_id, json!({"mode": "generate"})).await,
        403,
        "forbidden",
    )
    .await;

    // a plain user may reset nobody
    let plain = app
        .create_user("plain@example.com", STRONG, &["user"])
        .await;
    let t = app.tokens("plain@example.com", STRONG).await;
    assert_problem(
        single(
            &app,
            t["access_token"].as_str().unwrap(),
            &user,
            json!({"mode": "generate"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        bulk(
            &app,
            t["access_token"].as_str().unwrap(),
            json!({"user_ids": [plain], "mode": "generate"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        single(
            &app,
            &admin,
            &uuid::Uuid::now_v7().to_string(),
            json!({"mode": "generate"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_batch_limit_is_checked_before_any_work() {
    let app = spawn_app_with(|s| s.admin.max_bulk = 3).await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let ids = vec![a.clone(), a.clone(), a.clone(), a];
    assert_problem(
        bulk(&app, &admin, json!({"user_ids": ids, "mode": "generate"})).await,
        422,
        "batch_too_large",
    )
    .await;
    app.tokens("a@example.com", STRONG).await;
    assert_problem(
        bulk(&app, &admin, json!({"user_ids": [], "mode": "generate"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        bulk(&app, &admin, json!({"user_ids": ["x"], "mode": "shout"})).await,
        400,
        "malformed_request",
    )
    .await;
}

#[tokio::test]
async fn a_temporary_password_expires() {
    let app = spawn_app_with(|s| s.admin.temporary_password_ttl_secs = 600).await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let body: Value = single(&app, &admin, &a, json!({"mode": "generate"}))
        .await
        .json()
        .await
        .unwrap();
    let temporary = body["temporary_password"].as_str().unwrap().to_owned();
    app.advance(Duration::from_secs(601));
    assert_problem(
        app.sign_in("a@example.com", &temporary).await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn notify_user_false_sends_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let res = single(
        &app,
        &admin,
        &a,
        json!({"mode": "generate", "notify_user": false}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.outbox_to("a@example.com").await.is_empty());
}

#[tokio::test]
async fn each_reset_is_audited_with_actor_target_and_mode() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let body: Value = single(&app, &admin, &a, json!({"mode": "generate"}))
        .await
        .json()
        .await
        .unwrap();
    let events: Value = app
        .get(
            &format!("/v1/admin/audit-events?action=password.reset_by_admin&user_id={a}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let event = &events["items"][0];
    assert_eq!(event["actor_id"], admin_id.as_str());
    assert_eq!(event["details"]["mode"], "generate");
    assert_eq!(event["client_ip"], "127.0.0.1");
    assert!(!events
        .to_string()
        .contains(body["temporary_password"].as_str().unwrap()));
}

#[tokio::test]
async fn two_hundred_users_in_one_request() {
    let app = spawn_app_with(|s| s.mail.notify_password_changes = false).await;
    let (_, admin) = app.admin().await;
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(
            app.create_user(&format!("member{i}@example.com"), STRONG, &["user"])
                .await,
        );
    }
    let body: Value = bulk(&app, &admin, json!({"user_ids": ids, "mode": "generate"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["summary"],
        json!({"requested": 200, "succeeded": 200, "failed": 0})
    );
    let results = body["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .zip(&ids)
            .all(|(r, id)| r["user_id"] == id.as_str()),
        "request order kept"
    );
    let last = results[199]["temporary_password"].as_str().unwrap();
    app.tokens("member199@example.com", last).await;
}

#[tokio::test]
async fn users_are_selected_by_email_case_insensitively() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_user("a@example.com", STRONG, &["user"]).await;
    let body: Value = bulk(&app, &admin, json!({"emails": ["A@Example.com", "ghost@example.com", "a@example.com"], "mode": "generate"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["summary"],
        json!({"requested": 2, "succeeded": 1, "failed": 1})
    );
    assert_eq!(body["results"][0]["user_id"], a.as_str());
    assert_eq!(body["results"][0]["email"], "a@example.com");
    assert_eq!(body["results"][1]["user_id"], Value::Null);
    assert_eq!(body["results"][1]["email"], "ghost@example.com");
    assert_eq!(body["results"][1]["error"]["code"], "not_found");

    assert_problem(
        bulk(
            &app,
            &admin,
            json!({"emails": ["a@example.com"], "user_ids": [a], "mode": "generate"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        bulk(&app, &admin, json!({"mode": "generate"})).await,
        422,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn the_spec_states_who_may_reset_whom() {
    let app = spawn_app().await;
    let spec = app.get("/openapi.json", None).await.text().await.unwrap();
    assert!(spec.contains(
        "`password_admin` may reset users whose roles are only `user` and/or `password_admin`"
    ));
}

#[tokio::test]
async fn a_promotion_while_the_password_is_hashed_stops_a_password_admins_reset() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let (_, helper) = helper(&app).await;
    let target = app.create_user("ada@example.com", STRONG, &["user"]).await;

    // The password admin's reset passes the hierarchy check on the roles it read, then waits
    // after hashing while an admin makes the target an admin.
    let gate = app.state.pauses.arm("admin_reset.hashed");
    let reset = tokio::spawn(
        app.client
            .post(app.url(&format!("/v1/admin/users/{target}/password-reset")))
            .bearer_auth(helper)
            .json(&json!({"mode": "generate"}))
            .send(),
    );
    gate.reached().await;
    let promoted = app
        .patch(
            &format!("/v1/admin/users/{target}"),
            json!({"roles": ["admin"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    gate.release();

    let body = assert_problem(reset.await.unwrap().unwrap(), 403, "forbidden").await;
    assert!(body.get("temporary_password").is_none());
    // The admin's password is the one it had.
    app.tokens("ada@example.com", STRONG).await;
}

#[tokio::test]
async fn a_look_alike_address_is_refused_and_never_folded_onto_an_ascii_account() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let kate = app.create_user("kate@example.com", STRONG, &["user"]).await;
    let body: Value = bulk(
        &app,
        &admin,
        json!({"emails": ["\u{212A}ate@example.com", "KATE@example.com"], "mode": "generate"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        body["summary"],
        json!({"requested": 2, "succeeded": 1, "failed": 1})
    );
    let kelvin = &body["results"][0];
    assert_eq!(kelvin["email"], "\u{212A}ate@example.com");
    assert_eq!(kelvin["user_id"], Value::Null);
    assert_eq!(kelvin["status"], "failed");
    assert_eq!(kelvin["error"]["code"], "validation_failed");
    assert!(kelvin.get("temporary_password").is_none());
    // Only the real address reset the account.
    assert_eq!(body["results"][1]["user_id"], kate.as_str());
    let audit: Value = app
        .get(
            &format!("/v1/admin/audit-events?user_id={kate}&action=password.reset_by_admin"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_item_echoes_the_requested_id() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let unknown = "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b";
    let body: Value = bulk(
        &app,
        &admin,
        json!({"user_ids": [unknown, "not-a-uuid"], "mode": "generate"}),
    )
    .await
    .json()
    .await
    .unwrap();
    for (result, id) in body["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip([unknown, "not-a-uuid"])
    {
        assert_eq!(result["user_id"], id);
        assert_eq!(result["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn a_password_admin_demoted_while_the_password_is_hashed_resets_nobody() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let (helper_id, helper) = helper(&app).await;
    let target = app.create_user("ada@example.com", STRONG, &["user"]).await;

    let gate = app.state.pauses.arm("admin_reset.hashed");
    let reset = tokio::spawn(
        app.client
            .post(app.url("/v1/admin/password-resets"))
            .bearer_auth(helper)
            .json(&json!({"user_ids": [target], "mode": "generate"}))
            .send(),
    );
    gate.reached().await;
    let demoted = app
        .patch(
            &format!("/v1/admin/users/{helper_id}"),
            json!({"roles": ["user"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    gate.release();

    let body: Value = reset.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(body["summary"]["succeeded"], 0);
    assert_eq!(body["results"][0]["error"]["code"], "invalid_token");
    assert!(body["results"][0].get("temporary_password").is_none());
    app.tokens("ada@example.com", STRONG).await;
}
