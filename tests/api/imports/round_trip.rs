//! Export, then import with `mode=upsert` into an empty passgate: the same accounts, and
//! every user signs in with the same password. SQLite to PostgreSQL too, when the tests
//! have a PostgreSQL server.

use serde_json::{json, Value};

use super::{events, export, fixtures, imported, ndjson};
use crate::helpers::{spawn_app, spawn_app_with, TestApp, STRONG, STRONG_2};

/// An app with every kind of account: each fixture's hash, a plain password, none, a
/// disabled one, roles and locales.
async fn populated(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    let mut passwords = Vec::new();
    for (i, f) in fixtures().iter().enumerate() {
        let email = format!("legacy{i}@example.com");
        lines.push(
            json!({"email": email, "password_hash": f["hash"], "display_name": f["scheme"],
            "locale": if i % 2 == 0 { Value::from("da") } else { Value::Null }}),
        );
        passwords.push((email, f["password"].as_str().unwrap().to_owned()));
    }
    lines.push(json!({"email": "plain@example.com", "password": STRONG_2, "roles": ["user", "password_admin"]}));
    passwords.push(("plain@example.com".into(), STRONG_2.into()));
    lines.push(json!({"email": "nopass@example.com"}));
    lines.push(json!({"email": "gone@example.com", "password": STRONG, "disabled": true}));
    let report = imported(app, token, "", ndjson(&lines)).await;
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    passwords
}

async fn round_trip(source: TestApp, target: TestApp) {
    let (_, token) = source.admin().await;
    let passwords = populated(&source, &token).await;
    // Half the legacy users sign in first: their export carries argon2id instead.
    for (email, password) in passwords.iter().step_by(2) {
        assert_eq!(
            source.sign_in(email, password).await.status(),
            200,
            "{email}"
        );
    }
    let exported = export(&source, &token).await;
    assert_eq!(
        exported.len(),
        passwords.len() + 3,
        "root, nopass and gone too"
    );
    assert!(!events(&source, &token, "users.exported").await.is_empty());
    let keycloak = exported
        .iter()
        .filter(|l| l["password_hash"].is_object())
        .count();
    assert!(keycloak > 0, "Keycloak credentials come back as objects");

    target
        .create_user("target-admin@example.com", STRONG, &["admin"])
        .await;
    let target_token = target.tokens("target-admin@example.com", STRONG).await;
    let target_token = target_token["access_token"].as_str().unwrap();
    let report = imported(&target, target_token, "?mode=upsert", ndjson(&exported)).await;
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(report["summary"]["created"], exported.len(), "{report}");

    for (email, password) in &passwords {
        assert_eq!(
            target.sign_in(email, password).await.status(),
            200,
            "{email}"
        );
    }
    assert_eq!(
        target.sign_in("root@example.com", STRONG).await.status(),
        200
    );
    assert_eq!(
        target.sign_in("gone@example.com", STRONG).await.status(),
        401
    );
    // The same accounts: what the export says of each user is what the import made.
    let again = export(&target, target_token).await;
    for line in &exported {
        let twin = again.iter().find(|l| l["email"] == line["email"]).unwrap();
        for field in [
            "display_name",
            "roles",
            "disabled",
            "locale",
            "require_change_on_next_sign_in",
        ] {
            assert_eq!(twin[field], line[field], "{field} of {}", line["email"]);
        }
    }
}

#[tokio::test]
async fn an_export_imported_with_upsert_restores_every_account_and_password() {
    round_trip(spawn_app().await, spawn_app().await).await;
}

#[tokio::test]
async fn the_round_trip_runs_from_sqlite_to_the_backend_under_test() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("source.db");
    let source = spawn_app_with(|s| s.database.url = format!("sqlite://{}", file.display())).await;
    round_trip(source, spawn_app().await).await;
}

#[tokio::test]
async fn the_command_line_imports_and_exports_with_progress_on_stderr() {
    let (url, _db) = crate::helpers::fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.ndjson");
    let f = fixtures();
    let lines: Vec<Value> = f
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, f)| json!({"email": format!("cli{i}@example.com"), "password_hash": f["hash"]}))
        .collect();
    std::fs::write(&file, ndjson(&lines)).unwrap();

    let dry = crate::helpers::passgate(&url)
        .args(["import", file.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let report: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(report["summary"]["created"], 3);
    assert!(String::from_utf8_lossy(&dry.stderr).contains("dry run"));

    let out = crate::helpers::passgate(&url)
        .args(["import", file.to_str().unwrap(), "--mode", "upsert"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("3 lines: 3 created, 0 updated, 0 failed"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["created"], 3);

    let out = crate::helpers::passgate(&url)
        .arg("export")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 users exported"));
    let exported: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exported.len(), 3);
    for (line, given) in exported.iter().zip(&lines) {
        assert_eq!(
            line["password_hash"], given["password_hash"],
            "hashes as stored"
        );
    }
    let missing = crate::helpers::passgate(&url)
        .args(["import", "/nonexistent.ndjson"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
}

/// A temporary password (an admin's `generate` reset) keeps its expiry through the round
/// trip, so it stops opening the account there when it would have here; one that has
/// expired already is exported without its hash: only a reset link opens that account,
/// there as here.
#[tokio::test]
async fn temporary_passwords_keep_their_expiry_and_an_expired_one_opens_nothing() {
    let ttl = |s: &mut passgate::config::Settings| s.admin.temporary_password_ttl_secs = 600;
    let source = spawn_app_with(ttl).await;
    let (_, token) = source.admin().await;
    let generate = async |email: &str| {
        let id = source.create_user(email, STRONG, &["user"]).await;
        let res = source
            .post(
                &format!("/v1/admin/users/{id}/password-reset"),
                json!({"mode": "generate", "notify_user": false}),
                Some(&token),
            )
            .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        let expires = body["temporary_password_expires_at"].as_str().unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap();
        (
            body["temporary_password"].as_str().unwrap().to_owned(),
            expires,
        )
    };
    let (expired, _) = generate("expired@example.com").await;
    source.advance(std::time::Duration::from_secs(601));
    let (temporary, expires) = generate("temporary@example.com").await;

    let exported = export(&source, &token).await;
    let line = |email: &str| exported.iter().find(|l| l["email"] == email).unwrap();
    let gone = line("expired@example.com");
    assert!(gone.get("password_hash").is_none(), "{gone}");
    assert!(gone.get("password_expires_at").is_none(), "{gone}");
    let kept = line("temporary@example.com");
    assert!(kept["password_hash"].is_string(), "{kept}");
    let written = kept["password_expires_at"].as_str().expect("an expiry");
    let written = chrono::DateTime::parse_from_rfc3339(written).unwrap();
    assert!(
        (written - expires).num_seconds().abs() < 1,
        "{written} {expires}"
    );

    let target = spawn_app_with(ttl).await;
    target
        .create_user("target-admin@example.com", STRONG, &["admin"])
        .await;
    let target_token = target.tokens("target-admin@example.com", STRONG).await;
    let target_token = target_token["access_token"].as_str().unwrap();
    let report = imported(&target, target_token, "?mode=upsert", ndjson(&exported)).await;
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(
        target
            .sign_in("expired@example.com", &expired)
            .await
            .status(),
        401
    );
    assert_eq!(
        target
            .sign_in("temporary@example.com", &temporary)
            .await
            .status(),
        200
    );
    // The expiry is the source's instant: past it (the source's clock ran 601 s ahead of
    // the target's), the temporary password opens nothing there either.
    target.advance(std::time::Duration::from_secs(601 + 601));
    assert_eq!(
        target
            .sign_in("temporary@example.com", &temporary)
            .await
            .status(),
        401
    );
}

/// An import line may carry `password_expires_at` itself; without a password it is refused.
#[tokio::test]
async fn an_import_line_sets_the_expiry_of_its_password() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(300)).to_rfc3339();
    let body = ndjson(&[
        json!({"email": "soon@example.com", "password": STRONG, "password_expires_at": soon}),
        json!({"email": "none@example.com", "password_expires_at": soon}),
        json!({"email": "bad@example.com", "password": STRONG, "password_expires_at": "tomorrow"}),
    ]);
    let report = imported(&app, &token, "", body).await;
    assert_eq!(report["summary"]["created"], 1, "{report}");
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures[0]["line"], 2);
    assert_eq!(
        failures[0]["error"]["errors"][0]["field"],
        "password_expires_at"
    );
    assert_eq!(failures[1]["line"], 3);
    assert_eq!(failures[1]["error"]["code"], "malformed_request");
    assert_eq!(app.sign_in("soon@example.com", STRONG).await.status(), 200);
    app.advance(std::time::Duration::from_secs(301));
    assert_eq!(app.sign_in("soon@example.com", STRONG).await.status(), 401);
}

/// The export reads its users in pages of 1,000: more than one page comes out whole, each
/// user once.
#[tokio::test]
async fn an_export_of_more_than_one_page_is_complete() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let lines: Vec<Value> = (0..2_345)
        .map(|i| json!({"email": format!("user{i}@example.com")}))
        .collect();
    let report = imported(&app, &token, "", ndjson(&lines)).await;
    assert_eq!(report["summary"]["created"], 2_345, "{report}");
    let exported = export(&app, &token).await;
    assert_eq!(
        exported.len(),
        2_345 + 1,
        "every imported user and the admin"
    );
    let emails: std::collections::HashSet<&str> = exported
        .iter()
        .map(|l| l["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), exported.len(), "each user once");
}

/// `passgate import` holds a file to `PASSGATE__IMPORT__MAX_BODY_BYTES` like a body: what
/// an import keeps grows with its lines (the emails read), so a file is not unbounded.
#[tokio::test]
async fn the_command_line_import_has_the_body_limit_too() {
    let (url, _db) = crate::helpers::fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.ndjson");
    let lines: Vec<Value> = (0..100)
        .map(|i| json!({"email": format!("cli{i}@example.com")}))
        .collect();
    std::fs::write(&file, ndjson(&lines)).unwrap();
    let over = crate::helpers::passgate(&url)
        .env("PASSGATE__IMPORT__MAX_BODY_BYTES", "1024")
        .args(["import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!over.status.success());
    let stderr = String::from_utf8_lossy(&over.stderr);
    assert!(
        stderr.contains("larger than PASSGATE__IMPORT__MAX_BODY_BYTES"),
        "{stderr}"
    );
    let via_stdin = crate::helpers::passgate(&url)
        .env("PASSGATE__IMPORT__MAX_BODY_BYTES", "1024")
        .args(["import", "-"])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    assert!(!via_stdin.status.success());
    let stderr = String::from_utf8_lossy(&via_stdin.stderr);
    assert!(
        stderr.contains("larger than PASSGATE__IMPORT__MAX_BODY_BYTES"),
        "{stderr}"
    );
    let within = crate::helpers::passgate(&url)
        .args(["import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(within.status.success());
}
