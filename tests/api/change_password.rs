use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, TestApp, STRONG, STRONG_2};

const STRONG_3: &str = "copper meadow hums beneath twelve silent kites";

async fn change(app: &TestApp, token: &str, current: &str, new: &str) -> reqwest::Response {
    app.post(
        "/v1/me/password",
        json!({"current_password": current, "new_password": new}),
        Some(token),
    )
    .await
}

fn codes(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_change_revokes_every_other_session_and_the_old_password() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let this = app.tokens("ada@example.com", STRONG).await;
    let other = app.tokens("ada@example.com", STRONG).await;

    let res = change(
        &app,
        this["access_token"].as_str().unwrap(),
        STRONG,
        STRONG_2,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let fresh: Value = res.json().await.unwrap();
    assert_eq!(fresh["password_change_required"], false);

    for old in [&this, &other] {
        assert_problem(
            app.get("/v1/me", old["access_token"].as_str()).await,
            401,
            "invalid_token",
        )
        .await;
        assert_problem(
            app.post(
                "/v1/auth/refresh",
                json!({"refresh_token": old["refresh_token"]}),
                None,
            )
            .await,
            401,
            "invalid_token",
        )
        .await;
    }
    assert_problem(
        app.sign_in("ada@example.com", STRONG).await,
        401,
        "invalid_credentials",
    )
    .await;
    app.tokens("ada@example.com", STRONG_2).await;
    let me: Value = app
        .get("/v1/me", fresh["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert!(me["password_changed_at"].is_string());
    assert_eq!(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": fresh["refresh_token"]}),
            None
        )
        .await
        .status(),
        StatusCode::OK
    );

    let metrics = app.metrics().await;
    assert!(metrics.contains("passgate_password_changes_total{kind=\"self\"} 1"));
}

#[tokio::test]
async fn a_wrong_current_password_is_rejected_and_counted() {
    let app = spawn_app_with(|s| s.lockout.max_failures = 3).await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let token = pair["access_token"].as_str().unwrap();
    // Three different wrong ones (a repeated one would count once).
    for i in 0..3 {
        assert_problem(
            change(&app, token, &format!("{STRONG_3} {i}"), STRONG_2).await,
            400,
            "current_password_incorrect",
        )
        .await;
    }
    assert_problem(
        change(&app, token, STRONG, STRONG_2).await,
        429,
        "account_locked",
    )
    .await;
    assert_problem(
        app.sign_in("ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;

    let (_, admin) = app.admin().await;
    let events: Value = app
        .get(
            &format!("/v1/admin/audit-events?user_id={id}&action=password.changed"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 3);
    assert!(events["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["outcome"] == "failure"));
}

#[tokio::test]
async fn each_policy_rule_is_enforced_and_reported_together() {
    let app = spawn_app().await;
    let id = app
        .create_user("ada.lovelace@example.com", STRONG, &["user"])
        .await;
    let pair = app.tokens("ada.lovelace@example.com", STRONG).await;
    let token = pair["access_token"].as_str().unwrap();

    let cases: [(&str, &[&str]); 5] = [
        ("short", &["too_short"]),
        ("password", &["too_short", "common", "too_weak"]),
        (
            "ada.lovelace and the violet kettle",
            &["contains_user_info"],
        ),
        ("aaaaaaaaaaaaaaaaaaaa", &["too_weak"]),
        (STRONG, &["reused"]),
    ];
    for (candidate, expected) in cases {
        let problem = assert_problem(
            change(&app, token, STRONG, candidate).await,
            422,
            "password_policy",
        )
        .await;
        let found = codes(&problem);
        for code in expected {
            assert!(
                found.iter().any(|c| c == code),
                "{candidate:?}: expected {code} in {found:?}"
            );
        }
        assert!(problem["errors"][0]["message"].as_str().unwrap().len() > 5);
        assert_eq!(problem["errors"][0]["field"], "new_password");
    }
    let long = "x".repeat(100_000);
    let problem = assert_problem(
        change(&app, token, STRONG, &long).await,
        422,
        "password_policy",
    )
    .await;
    assert_eq!(codes(&problem), ["too_long"]);

    // None of the rejections changed anything or counted as a failed attempt.
    assert_eq!(
        app.get("/v1/me", Some(token)).await.status(),
        StatusCode::OK
    );
    app.tokens("ada.lovelace@example.com", STRONG).await;
    let _ = id;
}

#[tokio::test]
async fn recent_passwords_cannot_be_reused() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let second: Value = change(
        &app,
        pair["access_token"].as_str().unwrap(),
        STRONG,
        STRONG_2,
    )
    .await
    .json()
    .await
    .unwrap();
    // History depth 1: the previous password is refused, an older one is fine again.
    let problem = assert_problem(
        change(
            &app,
            second["access_token"].as_str().unwrap(),
            STRONG_2,
            STRONG,
        )
        .await,
        422,
        "password_policy",
    )
    .await;
    assert_eq!(codes(&problem), ["reused"]);
    let third: Value = change(
        &app,
        second["access_token"].as_str().unwrap(),
        STRONG_2,
        STRONG_3,
    )
    .await
    .json()
    .await
    .unwrap();
    // Now the history holds STRONG_2 only: STRONG (two back) is accepted again.
    let back = change(
        &app,
        third["access_token"].as_str().unwrap(),
        STRONG_3,
        STRONG,
    )
    .await;
    assert_eq!(back.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_temporary_password_is_replaced_through_the_restricted_token() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let created: Value = app
        .post(
            "/v1/admin/users",
            json!({"email": "helper@example.com", "roles": ["password_admin"]}),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let temporary = created["temporary_password"].as_str().unwrap();
    let restricted = app.tokens("helper@example.com", temporary).await;
    let token = restricted["access_token"].as_str().unwrap();
    assert_problem(
        app.get("/v1/admin/users", Some(token)).await,
        403,
        "password_change_required",
    )
    .await;

    let fresh: Value = change(&app, token, temporary, STRONG_2)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fresh["password_change_required"], false);
    assert!(app
        .state
        .jwt
        .verify(fresh["access_token"].as_str().unwrap())
        .unwrap()
        .scope
        .is_none());
    assert_eq!(
        app.get("/v1/admin/users", fresh["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
    let me: Value = app
        .get("/v1/me", fresh["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["password_change_required"], false);
    assert_eq!(
        app.tokens("helper@example.com", STRONG_2).await["password_change_required"],
        false
    );
}

#[tokio::test]
async fn an_expired_temporary_password_no_longer_signs_in() {
    let app = spawn_app_with(|s| s.admin.temporary_password_ttl_secs = 600).await;
    let (_, admin) = app.admin().await;
    let created: Value = app
        .post(
            "/v1/admin/users",
            json!({"email": "late@example.com"}),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let temporary = created["temporary_password"].as_str().unwrap().to_owned();
    app.advance(std::time::Duration::from_secs(601));
    assert_problem(
        app.sign_in("late@example.com", &temporary).await,
        401,
        "invalid_credentials",
    )
    .await;
}
