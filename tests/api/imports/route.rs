//! `POST /v1/admin/user-imports`: the answer, the modes, the bounds, the authority.

use serde_json::{json, Value};

use super::{events, fixtures, import, imported, ndjson, stored_hash};
use crate::helpers::{assert_problem, spawn_app, spawn_app_with, STRONG, STRONG_2};

fn failure(report: &Value, line: u64) -> Value {
    report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["line"] == line)
        .cloned()
        .unwrap_or_else(|| panic!("no failure on line {line}: {report}"))
}

#[tokio::test]
async fn each_line_succeeds_or_fails_alone_and_is_reported_by_number() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    app.create_user("taken@example.com", STRONG, &["user"])
        .await;
    let f = fixtures();
    let bcrypt = f.iter().find(|f| f["scheme"] == "bcrypt").unwrap();
    let absurd = bcrypt["hash"].as_str().unwrap().replacen("$12$", "$20$", 1);
    let truncated = &bcrypt["hash"].as_str().unwrap()[..40];
    let body = [
        json!({"email": "a@example.com", "password_hash": bcrypt["hash"], "roles": ["user", "password_admin"]}).to_string(),
        json!({"email": "b@example.com", "password": STRONG_2, "display_name": "Bee"}).to_string(),
        json!({"email": "c@example.com"}).to_string(),
        "{not json".into(),
        json!({"email": "d@example.com", "shoe_size": 9}).to_string(),
        json!({"email": "not an email"}).to_string(),
        json!({"email": "e@example.com", "password_hash": absurd}).to_string(),
        json!({"email": "f@example.com", "password_hash": truncated}).to_string(),
        json!({"email": "g@example.com", "password_hash": bcrypt["hash"], "password": STRONG}).to_string(),
        json!({"email": "A@Example.com", "password": STRONG}).to_string(),
        json!({"email": "taken@example.com"}).to_string(),
        "   ".into(),
        json!({"email": "h@example.com", "display_name": "x".repeat(20_000)}).to_string(),
        json!({"email": "i@example.com", "password_hash": "md5$salt$0123456789abcdef"}).to_string(),
        json!({"email": "j@example.com", "locale": "da-dk", "disabled": true}).to_string(),
    ]
    .join("\n");
    let report = imported(&app, &token, "", body).await;
    assert_eq!(
        report["summary"],
        json!({"received": 14, "created": 4, "updated": 0, "failed": 10}),
        "{report}"
    );
    assert_eq!(failure(&report, 4)["error"]["code"], "malformed_request");
    assert_eq!(failure(&report, 5)["error"]["code"], "malformed_request");
    assert_eq!(failure(&report, 5)["email"], "d@example.com");
    assert_eq!(failure(&report, 6)["error"]["errors"][0]["field"], "email");
    for line in [7, 8, 14] {
        let f = failure(&report, line);
        assert_eq!(f["error"]["code"], "validation_failed", "{f}");
        assert_eq!(f["error"]["errors"][0]["code"], "unsupported_hash", "{f}");
        assert!(!f.to_string().contains("$2"), "no hash in the answer: {f}");
    }
    assert_eq!(failure(&report, 9)["error"]["code"], "validation_failed");
    // The same address again (case-insensitively) is a conflict on the later line.
    assert_eq!(failure(&report, 10)["error"]["code"], "conflict");
    assert_eq!(failure(&report, 11)["error"]["code"], "conflict");
    assert_eq!(
        failure(&report, 13)["error"]["errors"][0]["code"],
        "too_long"
    );

    assert_eq!(
        app.sign_in("a@example.com", bcrypt["password"].as_str().unwrap())
            .await
            .status(),
        200
    );
    assert_eq!(app.sign_in("b@example.com", STRONG_2).await.status(), 200);
    // No password at all: only a reset link opens the account.
    assert_eq!(app.sign_in("c@example.com", STRONG).await.status(), 401);
    let imported_events = events(&app, &token, "user.imported").await;
    assert_eq!(imported_events.len(), 4);
    assert!(imported_events.iter().all(|e| e["actor_id"].is_string()));
    let j = app
        .state
        .db
        .run(|c| passgate::db::users::find_by_email(c, "j@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.locale.as_deref(), Some("da-DK"));
    assert!(j.disabled);
}

/// A line that fails for any reason of its own still takes its email: the address on a
/// later line is a `conflict`, never a second chance (contract: "Import and export").
#[tokio::test]
async fn an_email_of_a_failed_line_is_a_conflict_on_every_later_line() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let body = [
        json!({"email": "hash@example.com", "password_hash": "md5$salt$0123456789abcdef"}),
        json!({"email": "role@example.com", "roles": ["user", "emperor"]}),
        json!({"email": "field@example.com", "shoe_size": 9}),
        json!({"email": "both@example.com", "password": STRONG, "password_hash": "x"}),
        json!({"email": "Hash@Example.com", "password": STRONG}),
        json!({"email": "role@example.com"}),
        json!({"email": "field@example.com", "password": STRONG}),
        json!({"email": "both@example.com"}),
        json!({"email": "role@example.com", "password": STRONG}),
    ];
    let report = imported(&app, &token, "", ndjson(&body)).await;
    assert_eq!(
        report["summary"],
        json!({"received": 9, "created": 0, "updated": 0, "failed": 9}),
        "{report}"
    );
    for line in 5..=9 {
        assert_eq!(
            failure(&report, line)["error"]["code"],
            "conflict",
            "{report}"
        );
    }
    for email in ["hash", "role", "field", "both"] {
        assert_eq!(
            stored_hash(&app, &format!("{email}@example.com")).await,
            None
        );
    }
}

#[tokio::test]
async fn an_empty_body_imports_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let report = imported(&app, &token, "", String::new()).await;
    assert_eq!(
        report["summary"],
        json!({"received": 0, "created": 0, "updated": 0, "failed": 0})
    );
    assert_eq!(report["failures"], json!([]));
    let report = imported(&app, &token, "", "\n\r\n\n".into()).await;
    assert_eq!(report["summary"]["received"], 0);
}

#[tokio::test]
async fn create_refuses_an_existing_email_and_upsert_updates_it() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let session = app.tokens("ada@example.com", STRONG).await;
    let f = fixtures()
        .into_iter()
        .find(|f| f["scheme"] == "django-argon2")
        .unwrap();

    // Only the name: the sessions live on.
    let rename = ndjson(&[json!({"email": "ada@example.com", "display_name": "Ada L."})]);
    let report = imported(&app, &token, "", rename.clone()).await;
    assert_eq!(failure(&report, 1)["error"]["code"], "conflict");
    let report = imported(&app, &token, "?mode=upsert", rename).await;
    assert_eq!(report["summary"]["updated"], 1, "{report}");
    let me = app.get("/v1/me", session["access_token"].as_str()).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["display_name"], "Ada L.");

    // A new hash is a password change: every session of the user ends.
    let rehash = ndjson(&[
        json!({"email": "ada@example.com", "password_hash": f["hash"],
        "roles": ["user", "password_admin"], "locale": "da"}),
    ]);
    let report = imported(&app, &token, "?mode=upsert", rehash).await;
    assert_eq!(report["summary"]["updated"], 1, "{report}");
    assert_eq!(
        app.get("/v1/me", session["access_token"].as_str())
            .await
            .status(),
        401
    );
    let refresh = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": session["refresh_token"]}),
            None,
        )
        .await;
    assert_eq!(refresh.status(), 401);
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 401);
    let pair = app
        .tokens("ada@example.com", f["password"].as_str().unwrap())
        .await;
    let me: Value = app
        .get("/v1/me", pair["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["roles"], json!(["user", "password_admin"]));
    assert_eq!(me["locale"], "da");
    let updated = events(&app, &token, "user.imported").await;
    let changes: Vec<_> = updated
        .iter()
        .map(|e| e["details"]["changed"].clone())
        .collect();
    assert!(
        changes.contains(&json!(["roles", "locale", "password"])),
        "{changes:?}"
    );
    assert!(changes.contains(&json!(["display_name"])), "{changes:?}");
}

#[tokio::test]
async fn upsert_keeps_the_admin_rules() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    app.create_user("second@example.com", STRONG, &["admin"])
        .await;
    let report = imported(
        &app,
        &token,
        "?mode=upsert",
        ndjson(&[
            json!({"email": "root@example.com", "roles": ["user"]}),
            json!({"email": "root@example.com", "disabled": true}),
            json!({"email": "second@example.com", "roles": ["user"]}),
        ]),
    )
    .await;
    assert_eq!(failure(&report, 1)["error"]["code"], "forbidden");
    // An email already read is a conflict before anything else is looked at.
    assert_eq!(failure(&report, 2)["error"]["code"], "conflict");
    assert_eq!(report["summary"]["updated"], 1, "{report}");
    let me: Value = app.get("/v1/me", Some(&token)).await.json().await.unwrap();
    assert_eq!(me["roles"], json!(["user", "admin"]));
}

#[tokio::test]
async fn a_dry_run_counts_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    app.create_user("old@example.com", STRONG, &["user"]).await;
    let body = ndjson(&[
        json!({"email": "new@example.com", "password": STRONG}),
        json!({"email": "old@example.com", "display_name": "Old"}),
        json!({"email": "new@example.com"}),
    ]);
    let report = imported(&app, &token, "?mode=upsert&dry_run=true", body).await;
    assert_eq!(
        report["summary"],
        json!({"received": 3, "created": 1, "updated": 1, "failed": 1})
    );
    assert!(stored_hash(&app, "new@example.com").await.is_none());
    let old = app
        .state
        .db
        .run(|c| passgate::db::users::find_by_email(c, "old@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.display_name, None);
    assert!(events(&app, &token, "user.imported").await.is_empty());
}

#[tokio::test]
async fn the_import_has_its_own_body_limit() {
    // The normal limit is far below the import's, which is shrunk to test it (not 1 GiB).
    let app = spawn_app_with(|s| {
        s.server.max_body_bytes = 1024;
        s.import.max_body_bytes = 64 * 1024;
    })
    .await;
    let (_, token) = app.admin().await;
    let line =
        |i: usize| json!({"email": format!("user{i}@example.com"), "display_name": "x".repeat(40)});
    let fits = ndjson(&(0..200).map(line).collect::<Vec<_>>());
    assert!(fits.len() > 10 * 1024 && fits.len() < 64 * 1024);
    let report = imported(&app, &token, "", fits).await;
    assert_eq!(report["summary"]["created"], 200, "{report}");
    let over = ndjson(&(1000..3000).map(line).collect::<Vec<_>>());
    assert!(over.len() > 64 * 1024);
    let res = import(&app, &token, "", over).await;
    assert_problem(res, 413, "payload_too_large").await;
    assert!(stored_hash(&app, "user1000@example.com").await.is_none());
}

#[tokio::test]
async fn only_admins_import_ndjson() {
    let app = spawn_app().await;
    app.create_user("pa@example.com", STRONG, &["password_admin"])
        .await;
    let pa = app.tokens("pa@example.com", STRONG).await;
    let body = ndjson(&[json!({"email": "x@example.com"})]);
    let res = import(&app, pa["access_token"].as_str().unwrap(), "", body.clone()).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .get("/v1/admin/user-exports", pa["access_token"].as_str())
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .client
        .post(app.url("/v1/admin/user-imports"))
        .header("content-type", "application/x-ndjson")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "invalid_token").await;
    let (_, token) = app.admin().await;
    let res = app
        .client
        .post(app.url("/v1/admin/user-imports"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    let res = import(&app, &token, "?mode=merge", String::new()).await;
    assert!(res.status().is_client_error());
}

#[tokio::test]
async fn one_user_imported_webhook_event_per_request_carries_the_counts() {
    use diesel::prelude::*;
    use passgate::db::schema::webhook_events::dsl as we;
    let app = spawn_app_with(|s| s.webhooks.allow_insecure_targets = true).await;
    let (_, token) = app.admin().await;
    let url = format!("http://127.0.0.1:{}/hook", crate::helpers::free_port());
    crate::webhooks::create_hook(&app, &token, &url, json!(["user.imported"])).await;
    let body = ndjson(&[
        json!({"email": "a@example.com"}),
        json!({"email": "b@example.com"}),
        json!({"email": "a@example.com"}),
    ]);
    imported(&app, &token, "?dry_run=true", body.clone()).await;
    imported(&app, &token, "", body).await;
    // The last batch carries the event: a conflict found in its transaction is counted.
    let again = ndjson(&[
        json!({"email": "a@example.com"}),
        json!({"email": "c@example.com"}),
    ]);
    imported(&app, &token, "", again).await;
    // No line reached the database: the event goes alone, with the same counts.
    imported(&app, &token, "", "{not json\n".to_string()).await;
    let payloads: Vec<String> = app
        .state
        .db
        .run(|c| -> passgate::db::Result<_> {
            Ok(we::webhook_events
                .filter(we::event_type.eq("user.imported"))
                .select(we::payload)
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(payloads.len(), 3, "none for the dry run: {payloads:?}");
    let counts: Vec<[u64; 4]> = payloads
        .iter()
        .map(|p| {
            let data: Value = serde_json::from_str(p).unwrap();
            let data = if data.get("data").is_some() {
                data["data"].clone()
            } else {
                data
            };
            ["received", "created", "updated", "failed"].map(|k| data[k].as_u64().unwrap())
        })
        .collect();
    assert!(counts.contains(&[3, 2, 0, 1]), "{counts:?}");
    assert!(counts.contains(&[2, 1, 0, 1]), "{counts:?}");
    assert!(counts.contains(&[1, 0, 0, 1]), "{counts:?}");
}
