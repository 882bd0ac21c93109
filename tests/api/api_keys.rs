use std::io::{BufRead, BufReader};
use std::process::Stdio;

use diesel::prelude::*;
use passgate::db::schema::api_keys::dsl as k;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, passgate, spawn_app, spawn_app_with, TestApp, STRONG};

async fn create_key(app: &TestApp, admin: &str, roles: &[&str]) -> Value {
    let res = app
        .post(
            "/v1/admin/api-keys",
            json!({"name": "script", "roles": roles}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_key_is_created_used_listed_and_revoked_on_every_instance() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin().await;
    let created = create_key(&app, &admin, &["password_admin"]).await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("pgk_"));
    let secret = key.splitn(3, '_').nth(2).unwrap();
    assert!(secret.len() >= 43, "at least 256 bits");
    assert_eq!(created["roles"], json!(["user", "password_admin"]));
    assert_eq!(created["expires_at"], Value::Null);

    assert_eq!(
        app.get("/v1/admin/users", Some(&key)).await.status(),
        StatusCode::OK
    );
    let other = app.second_instance().await;
    assert_eq!(
        other.get("/v1/admin/users", Some(&key)).await.status(),
        StatusCode::OK
    );

    let listed: Value = app
        .get("/v1/admin/api-keys", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], created["id"]);
    assert_eq!(listed["items"][0]["created_by"], admin_id.as_str());
    assert!(listed["items"][0]["last_used_at"].is_string());
    assert!(listed["items"][0].get("key").is_none());
    assert!(!listed.to_string().contains(secret));

    let res = app
        .client
        .delete(app.url(&format!(
            "/v1/admin/api-keys/{}",
            created["id"].as_str().unwrap()
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/v1/admin/users", Some(&key)).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        other.get("/v1/admin/users", Some(&key)).await,
        401,
        "invalid_token",
    )
    .await;

    let events: Value = app
        .get(
            "/v1/admin/audit-events?action=api_key.revoked",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"][0]["actor_id"], admin_id.as_str());
    let missing = app
        .client
        .delete(app.url("/v1/admin/api-keys/nope"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "not_found").await;
}

#[tokio::test]
async fn unknown_revoked_and_expired_keys_get_one_answer() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let created = create_key(&app, &admin, &["admin"]).await;
    let key = created["key"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    app.state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            Ok(diesel::update(k::api_keys.find(id))
                .set(k::expires_at.eq(Some(
                    passgate::clock::Clock::system().now() - chrono::Duration::seconds(1),
                )))
                .execute(c)?)
        })
        .await
        .unwrap();
    let expired = assert_problem(
        app.get("/v1/admin/users", Some(&key)).await,
        401,
        "invalid_token",
    )
    .await;
    let unknown = assert_problem(
        app.get(
            "/v1/admin/users",
            Some("pgk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
    let garbled = assert_problem(
        app.get("/v1/admin/users", Some("pgk_nonsense")).await,
        401,
        "invalid_token",
    )
    .await;
    assert_eq!(expired, unknown);
    assert_eq!(unknown, garbled);
}

#[tokio::test]
async fn keys_never_outrank_their_creator_and_are_not_people() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let limited = create_key(&app, &admin, &["password_admin"]).await;
    let key = limited["key"].as_str().unwrap();
    // A password_admin key may not issue keys at all, let alone an admin one.
    assert_problem(
        app.post(
            "/v1/admin/api-keys",
            json!({"name": "x", "roles": ["admin"]}),
            Some(key),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.get("/v1/me", Some(key)).await, 403, "forbidden").await;
    assert_problem(
        app.post(
            "/v1/me/password",
            json!({"current_password": "a", "new_password": "b"}),
            Some(key),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/admin/api-keys",
            json!({"name": "x", "roles": ["root"]}),
            Some(&admin),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/admin/api-keys",
            json!({"name": " ", "roles": ["user"]}),
            Some(&admin),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/admin/api-keys",
            json!({"name": "x", "roles": ["user"], "expires_in_days": 0}),
            Some(&admin),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn a_password_admin_key_cannot_reset_an_admin_and_is_the_audited_actor() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin().await;
    let user = app.create_user("u@example.com", STRONG, &["user"]).await;
    let created = create_key(&app, &admin, &["password_admin"]).await;
    let key = created["key"].as_str().unwrap();
    let body: Value = app
        .post(
            "/v1/admin/password-resets",
            json!({"user_ids": [user, admin_id], "mode": "generate"}),
            Some(key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["results"][0]["status"], "reset");
    assert_eq!(body["results"][1]["error"]["code"], "forbidden");
    let events: Value = app
        .get(
            &format!("/v1/admin/audit-events?action=password.reset_by_admin&user_id={user}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"][0]["actor_id"], created["id"]);
}

#[tokio::test]
async fn a_flood_of_wrong_keys_from_one_address_is_rate_limited() {
    let app = spawn_app_with(|s| s.api_keys.max_failures_per_address = 3).await;
    for _ in 0..3 {
        assert_problem(
            app.get("/v1/admin/users", Some("pgk_0123456789abcdef_wrong"))
                .await,
            401,
            "invalid_token",
        )
        .await;
    }
    let res = app
        .get("/v1/admin/users", Some("pgk_0123456789abcdef_wrong"))
        .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
}

/// A second admin, "ops", who makes keys: (user id, access token).
async fn ops_admin(app: &TestApp) -> (String, String) {
    let id = app.create_user("ops@example.com", STRONG, &["admin"]).await;
    let tokens = app.tokens("ops@example.com", STRONG).await;
    (id, tokens["access_token"].as_str().unwrap().to_owned())
}

/// What an `admin` key can do that a demoted creator no longer may: create an admin, mint an
/// admin key, reset the root admin. Returns the three statuses.
async fn admin_powers(app: &TestApp, key: &str, root_id: &str, n: usize) -> [u16; 3] {
    let created = app
        .post(
            "/v1/admin/users",
            json!({"email": format!("new{n}@example.com"), "roles": ["admin"]}),
            Some(key),
        )
        .await;
    let minted = app
        .post(
            "/v1/admin/api-keys",
            json!({"name": format!("minted {n}"), "roles": ["admin"]}),
            Some(key),
        )
        .await;
    let reset = app
        .post(
            &format!("/v1/admin/users/{root_id}/password-reset"),
            json!({"mode": "link", "notify_user": false}),
            Some(key),
        )
        .await;
    [created, minted, reset].map(|r| r.status().as_u16())
}

#[tokio::test]
async fn a_key_dies_at_once_when_its_creator_is_demoted_or_disabled() {
    for (n, change) in [
        json!({"roles": ["user"], "disabled": true}),
        json!({"roles": ["user"]}),
        json!({"disabled": true}),
    ]
    .into_iter()
    .enumerate()
    {
        let app = spawn_app().await;
        let (root_id, root) = app.admin().await;
        let (ops_id, ops) = ops_admin(&app).await;
        let key = create_key(&app, &ops, &["admin"]).await["key"]
            .as_str()
            .unwrap()
            .to_owned();
        // A key made by that key, and a user made by it, before anything changes.
        let child = app
            .post(
                "/v1/admin/api-keys",
                json!({"name": "child", "roles": ["admin"]}),
                Some(&key),
            )
            .await;
        assert_eq!(child.status(), StatusCode::CREATED);
        let child: Value = child.json().await.unwrap();
        let child = child["key"].as_str().unwrap().to_owned();
        let created = app
            .post(
                "/v1/admin/users",
                json!({"email": "before@example.com", "roles": ["admin"]}),
                Some(&key),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let before: Value = created.json().await.unwrap();
        let res = app
            .post(
                &format!(
                    "/v1/admin/users/{}/password-reset",
                    before["user"]["id"].as_str().unwrap()
                ),
                json!({"mode": "link", "notify_user": false}),
                Some(&key),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "the key may reset an admin");
        let other = app.second_instance().await;
        assert_eq!(
            other.get("/v1/admin/users", Some(&child)).await.status(),
            StatusCode::OK
        );

        let res = app
            .patch(
                &format!("/v1/admin/users/{ops_id}"),
                change.clone(),
                Some(&root),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{change}");

        assert_eq!(
            admin_powers(&app, &key, &root_id, n).await,
            [401; 3],
            "the key after {change}"
        );
        assert_eq!(
            admin_powers(&other, &child, &root_id, n).await,
            [401; 3],
            "a key made by the key, on another instance, after {change}"
        );
        for (instance, credential) in [(&app, &key), (&other, &key), (&other, &child)] {
            assert_problem(
                instance.get("/v1/admin/users", Some(credential)).await,
                401,
                "invalid_token",
            )
            .await;
        }
        // Nothing was done with the dead keys.
        let users: Value = app
            .get("/v1/admin/users?limit=200", Some(&root))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(users["items"].as_array().unwrap().len(), 3, "{change}");
    }
}

#[tokio::test]
async fn a_demoted_creator_keeps_the_keys_its_remaining_role_covers() {
    let app = spawn_app().await;
    let (_, root) = app.admin().await;
    let (ops_id, ops) = ops_admin(&app).await;
    let admin_key = create_key(&app, &ops, &["admin"]).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset_key = create_key(&app, &ops, &["password_admin"]).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/v1/admin/users/{ops_id}"),
            json!({"roles": ["password_admin"]}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(
        app.get("/v1/admin/users", Some(&admin_key)).await,
        401,
        "invalid_token",
    )
    .await;
    assert_eq!(
        app.get("/v1/admin/users", Some(&reset_key)).await.status(),
        StatusCode::OK
    );
    // Promoted again, the admin key is covered again: authority is read on every use.
    let res = app
        .patch(
            &format!("/v1/admin/users/{ops_id}"),
            json!({"roles": ["admin"]}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get("/v1/admin/users", Some(&admin_key)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_key_write_is_refused_when_its_authority_ends_while_the_request_runs() {
    let app = spawn_app().await;
    let (_, root) = app.admin().await;
    let (ops_id, ops) = ops_admin(&app).await;
    let created = create_key(&app, &ops, &["admin"]).await;
    let key = created["key"].as_str().unwrap().to_owned();
    let victim = create_key(&app, &root, &["user"]).await;
    let victim_id = victim["id"].as_str().unwrap().to_owned();

    // The key passed authentication; its creator is demoted before the key is stored.
    let gate = app.state.pauses.arm("api_keys.create.before_write");
    let held = {
        let (client, url, key) = (
            app.client.clone(),
            app.url("/v1/admin/api-keys"),
            key.clone(),
        );
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(key)
                .json(&json!({"name": "raced", "roles": ["admin"]}))
                .send()
                .await
                .unwrap()
        })
    };
    gate.reached().await;
    let res = app
        .patch(
            &format!("/v1/admin/users/{ops_id}"),
            json!({"roles": ["user"]}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    gate.release();
    assert_problem(held.await.unwrap(), 401, "invalid_token").await;

    // The same for a revocation by the demoted admin's own token, and by a revoked key.
    let res = app
        .patch(
            &format!("/v1/admin/users/{ops_id}"),
            json!({"roles": ["admin"]}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ops = app.tokens("ops@example.com", STRONG).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for credential in [ops.clone(), key.clone()] {
        let gate = app.state.pauses.arm("api_keys.revoke.before_write");
        let held = {
            let url = app.url(&format!("/v1/admin/api-keys/{victim_id}"));
            let client = app.client.clone();
            tokio::spawn(async move {
                client
                    .delete(url)
                    .bearer_auth(credential)
                    .send()
                    .await
                    .unwrap()
            })
        };
        gate.reached().await;
        let res = app
            .patch(
                &format!("/v1/admin/users/{ops_id}"),
                json!({"disabled": true}),
                Some(&root),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        gate.release();
        assert_problem(held.await.unwrap(), 401, "invalid_token").await;
        let res = app
            .patch(
                &format!("/v1/admin/users/{ops_id}"),
                json!({"disabled": false}),
                Some(&root),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    let keys: Value = app
        .get("/v1/admin/api-keys", Some(&root))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"raced"), "{names:?}");
    let victim = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == victim_id.as_str())
        .unwrap();
    assert_eq!(victim["revoked_at"], Value::Null);
}

#[tokio::test]
async fn a_valid_key_is_accepted_from_an_address_that_sent_a_flood_of_wrong_ones() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let key = create_key(&app, &admin, &["password_admin"]).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let limit = app.state.settings.api_keys.max_failures_per_address;
    assert_eq!(limit, 20, "the default the contract's example uses");
    let last = if key.ends_with('x') { "y" } else { "x" };
    let wrong_secret = format!("{}{last}", &key[..key.len() - 1]);
    for n in 0..limit {
        let wrong = if n % 2 == 0 {
            "pgk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        } else {
            wrong_secret.as_str()
        };
        assert_problem(
            app.get("/v1/admin/users", Some(wrong)).await,
            401,
            "invalid_token",
        )
        .await;
    }
    for wrong in [
        "pgk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        wrong_secret.as_str(),
        "pgk_nonsense",
    ] {
        let res = app.get("/v1/admin/users", Some(wrong)).await;
        assert!(res.headers().contains_key("retry-after"));
        assert_problem(res, 429, "rate_limited").await;
    }
    for _ in 0..3 {
        assert_eq!(
            app.get("/v1/admin/users", Some(&key)).await.status(),
            StatusCode::OK
        );
    }
    assert_problem(
        app.get("/v1/admin/users", Some(&wrong_secret)).await,
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn key_names_follow_the_published_pattern_exactly() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    for name in [
        "zero\u{200B}width",
        "evil\u{202E}cod.exe",
        "\u{2066}isolate",
        "soft\u{00AD}hyphen",
        " leading",
        "trailing ",
        "\u{00A0}nbsp",
        "tab\there",
        "",
    ] {
        let res = app
            .post(
                "/v1/admin/api-keys",
                json!({"name": name, "roles": ["user"]}),
                Some(&admin),
            )
            .await;
        let body = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "name", "{name:?}");
    }
    let long = "k".repeat(101);
    assert_problem(
        app.post(
            "/v1/admin/api-keys",
            json!({"name": long, "roles": ["user"]}),
            Some(&admin),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    // What the pattern accepts is stored as sent.
    for name in ["Zoë 山田 – nightly", &"k".repeat(100)] {
        let res = app
            .post(
                "/v1/admin/api-keys",
                json!({"name": name, "roles": ["user"]}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["name"], name);
    }
}

#[tokio::test]
async fn expires_in_days_accepts_integral_numbers_in_either_form() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    for days in [json!(131), json!(131.0), json!(1.31e2)] {
        let res = app
            .post(
                "/v1/admin/api-keys",
                json!({"name": "ci", "roles": ["user"], "expires_in_days": days}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{days}");
        let body: Value = res.json().await.unwrap();
        let created: chrono::DateTime<chrono::Utc> =
            body["created_at"].as_str().unwrap().parse().unwrap();
        let expires: chrono::DateTime<chrono::Utc> =
            body["expires_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(expires - created, chrono::Duration::days(131), "{days}");
    }
    for days in [json!(131.5), json!("131"), json!(-1)] {
        assert_problem(
            app.post(
                "/v1/admin/api-keys",
                json!({"name": "ci", "roles": ["user"], "expires_in_days": days}),
                Some(&admin),
            )
            .await,
            400,
            "malformed_request",
        )
        .await;
    }
    for days in [json!(0.0), json!(3651.0)] {
        assert_problem(
            app.post(
                "/v1/admin/api-keys",
                json!({"name": "ci", "roles": ["user"], "expires_in_days": days}),
                Some(&admin),
            )
            .await,
            422,
            "validation_failed",
        )
        .await;
    }
}

/// Runs the real binary with debug logs, uses a key, a password and a token, and checks that
/// none of them ever reaches the log.
#[test]
fn secrets_never_reach_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let command = || {
        let mut cmd = passgate(&db_url);
        cmd.env("PASSGATE__LOG__LEVEL", "trace")
            .env("PASSGATE__LOG__FORMAT", "json")
            .env("PASSGATE__SERVER__PORT", "0");
        cmd
    };
    let out = command()
        .args(["create-api-key", "--name", "ci", "--role", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let mut log = String::from_utf8(out.stderr).unwrap();

    let mut child = command()
        .arg("serve")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut port = None;
    let mut line = String::new();
    while port.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            if v["message"] == "passgate listening" {
                port = v["port"].as_u64();
            }
        }
        log.push_str(&line);
        line.clear();
    }
    let port = port.expect("the server reports its port");
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (token, password) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let created: Value = client
            .post(format!("{base}/v1/admin/users"))
            .bearer_auth(&key)
            .json(&json!({"email": "logs@example.com"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let password = created["temporary_password"].as_str().unwrap().to_owned();
        let pair: Value = client
            .post(format!("{base}/v1/auth/token"))
            .json(&json!({"email": "logs@example.com", "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = pair["access_token"].as_str().unwrap().to_owned();
        client
            .get(format!("{base}/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        client
            .get(format!("{base}/v1/admin/users"))
            .bearer_auth(format!("{key}x"))
            .send()
            .await
            .unwrap();
        (token, password)
    });
    child.kill().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    log.push_str(&rest);
    let _ = child.wait();

    assert!(log.contains("request finished"), "the log was captured");
    let secret = key.splitn(3, '_').nth(2).unwrap();
    assert!(!log.contains(secret), "the API key reached the log");
    assert!(!log.contains(&password), "a password reached the log");
    assert!(!log.contains(&token), "an access token reached the log");
}
