//! The binary itself: configuration errors, `openapi`, `migrate`, `create-admin`.

use crate::helpers::passgate_bare as passgate;

#[test]
fn an_invalid_setting_stops_startup_with_one_line_naming_the_key() {
    let out = passgate()
        .arg("migrate")
        .env("PASSGATE__SERVER__PORT", "not-a-port")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PASSGATE__SERVER__PORT"), "{stderr}");
}

#[test]
fn production_refuses_a_missing_jwt_secret_and_log_mail() {
    let out = passgate()
        .arg("migrate")
        .env("PASSGATE__ENVIRONMENT", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("PASSGATE__JWT__SECRET"));

    let out = passgate()
        .arg("migrate")
        .env("PASSGATE__ENVIRONMENT", "production")
        .env("PASSGATE__JWT__SECRET", "x".repeat(40))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("PASSGATE__MAIL__TRANSPORT"));
}

#[test]
fn openapi_command_prints_the_checked_in_spec() {
    let out = passgate().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert!(
        String::from_utf8(out.stdout).unwrap() == checked_in,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
}

#[test]
fn create_admin_works_on_a_fresh_database_and_promotes_existing_users() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let out = passgate()
        .args(["create-admin", "--email", "first@example.com"])
        .env("PASSGATE__DATABASE__URL", &url)
        .env("PASSGATE__HASHING__MEMORY_KIB", "256")
        .env("PASSGATE__HASHING__ITERATIONS", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("created admin first@example.com"));
    let temporary = stdout
        .lines()
        .find_map(|l| l.strip_prefix("temporary password (change it at first sign-in): "))
        .unwrap();
    assert!(temporary.chars().count() >= 16);

    let again = passgate()
        .args(["create-admin", "--email", "FIRST@example.com"])
        .env("PASSGATE__DATABASE__URL", &url)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8(again.stdout)
        .unwrap()
        .contains("gave the admin role"));

    // The command line is named as the actor, as the break-glass reset names it.
    {
        use diesel::prelude::*;
        use passgate::db::schema::audit_events::dsl as ae;
        let mut conn = passgate::db::ConnectionManager::new(&url)
            .connect()
            .unwrap();
        let events: Vec<(String, Option<String>, String)> = ae::audit_events
            .select((ae::action, ae::actor_id, ae::details))
            .load(&mut conn)
            .unwrap();
        assert!(
            events.iter().any(|(a, _, _)| a == "user.created"),
            "{events:?}"
        );
        for (_, actor_id, details) in &events {
            let details: serde_json::Value = serde_json::from_str(details).unwrap();
            assert_eq!(
                (actor_id, &details["actor"]),
                (&None, &serde_json::json!("command_line"))
            );
        }
    }

    let weak = passgate()
        .args([
            "create-admin",
            "--email",
            "second@example.com",
            "--password",
            "short",
        ])
        .env("PASSGATE__DATABASE__URL", &url)
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8(weak.stderr)
        .unwrap()
        .contains("too_short"));
}
