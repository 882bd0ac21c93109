//! A user imported with another system's hash signs in with their password; the hash is
//! replaced with argon2id in that sign-in's transaction, audited `password.rehashed`.

use serde_json::json;

use super::{events, fixtures, imported, ndjson, stored_hash};
use crate::helpers::{spawn_app, STRONG};

#[tokio::test]
async fn every_imported_scheme_signs_in_once_verified_and_then_as_argon2id() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let fixtures = fixtures();
    let lines: Vec<_> = fixtures
        .iter()
        .enumerate()
        .map(|(i, f)| json!({"email": format!("u{i}@example.com"), "password_hash": f["hash"]}))
        .collect();
    let report = imported(&app, &token, "", ndjson(&lines)).await;
    assert_eq!(report["summary"]["created"], fixtures.len(), "{report}");
    assert_eq!(report["summary"]["failed"], 0, "{report}");

    for (i, f) in fixtures.iter().enumerate() {
        let email = format!("u{i}@example.com");
        let password = f["password"].as_str().unwrap();
        let scheme = f["scheme"].as_str().unwrap();
        let wrong = app.sign_in(&email, "not the password at all").await;
        assert_eq!(wrong.status(), 401, "{scheme}");
        let before = stored_hash(&app, &email).await.unwrap();
        assert!(!before.starts_with("$argon2id$v=19$m=19456"), "{scheme}");
        let ok = app.sign_in(&email, password).await;
        assert_eq!(ok.status(), 200, "{scheme} ({})", f["source"]);
        let after = stored_hash(&app, &email).await.unwrap();
        assert!(after.starts_with("$argon2id$v=19$"), "{scheme}: {after}");
        assert_ne!(after, before, "{scheme}: the legacy hash is gone");
        assert_eq!(
            app.sign_in(&email, password).await.status(),
            200,
            "{scheme}"
        );
    }
    let rehashed = events(&app, &token, "password.rehashed").await;
    assert_eq!(rehashed.len(), fixtures.len());
    for e in &rehashed {
        let from = e["details"]["from"].as_str().unwrap();
        assert!(fixtures.iter().any(|f| f["scheme"] == from), "{e}");
        assert!(!e.to_string().contains('$'), "never the hash: {e}");
    }
}

#[tokio::test]
async fn changing_a_legacy_password_keeps_no_legacy_hash_anywhere() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let f = fixtures()
        .into_iter()
        .find(|f| f["scheme"] == "werkzeug-scrypt")
        .unwrap();
    let body = ndjson(&[json!({"email": "wz@example.com", "password_hash": f["hash"]})]);
    imported(&app, &token, "", body).await;
    let legacy = stored_hash(&app, "wz@example.com").await.unwrap();
    let old = f["password"].as_str().unwrap();
    // The hosted change-password page checks the current password like a sign-in does.
    let res = app
        .client
        .post(app.url("/change-password"))
        .form(&[
            ("email", "wz@example.com"),
            ("current_password", old),
            ("new_password", STRONG),
            ("confirm_password", STRONG),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.sign_in("wz@example.com", STRONG).await.status(), 200);
    assert_eq!(app.sign_in("wz@example.com", old).await.status(), 401);
    let row = app
        .state
        .db
        .run(|c| passgate::db::users::find_by_email(c, "wz@example.com"))
        .await
        .unwrap()
        .unwrap();
    let id = row.id;
    let history = app
        .state
        .db
        .run(move |c| passgate::db::password_history::recent(c, &id, 10))
        .await
        .unwrap();
    // The old password is in the history (no reuse), as argon2id.
    assert_eq!(history.len(), 1);
    assert!(history[0].starts_with("$argon2id$"), "{history:?}");
    assert_ne!(history[0], legacy);
    let rehashed = events(&app, &token, "password.rehashed").await;
    assert_eq!(rehashed.len(), 1);
    assert_eq!(rehashed[0]["details"]["from"], "werkzeug-scrypt");
    // Reusing the imported password is refused: the history knows it.
    let pair = app.tokens("wz@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": old}),
            pair["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn legacy_verifications_wait_in_the_same_bounded_queue() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.hashing.max_concurrent = 1;
        s.hashing.queue = 1;
    })
    .await;
    let (_, token) = app.admin().await;
    let f = fixtures()
        .into_iter()
        .find(|f| f["scheme"] == "bcrypt")
        .unwrap();
    let body = ndjson(&[json!({"email": "bc@example.com", "password_hash": f["hash"]})]);
    imported(&app, &token, "", body).await;
    // Twelve wrong guesses at once, each from its own address (so no lockout interferes),
    // against a hash that takes a cost-12 bcrypt run each: one runs, one waits, the rest
    // are refused at once.
    let attempts = (2..14).map(|n| app.sign_in_from(n, "bc@example.com", "wrong password"));
    let responses = futures_util::future::join_all(attempts).await;
    let mut overloaded = 0;
    for res in responses {
        match res.status().as_u16() {
            401 => {}
            503 => {
                assert_eq!(res.headers()["retry-after"], "1");
                crate::helpers::assert_problem(res, 503, "overloaded").await;
                overloaded += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(overloaded > 0, "a queue of one must overflow");
    let metrics = app.metrics().await;
    let rejected = metrics
        .lines()
        .find_map(|l| l.strip_prefix("passgate_password_hash_rejected_total "))
        .unwrap();
    assert_eq!(rejected.parse::<i64>().unwrap(), overloaded);
    let password = f["password"].as_str().unwrap();
    assert_eq!(app.sign_in("bc@example.com", password).await.status(), 200);
}
