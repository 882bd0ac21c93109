//! The README's "Automating with passgate" example, run for real so it cannot rot, and its
//! webhook receiver, shown as the type-checked file it is.

use std::process::Command;

use passgate::domain::Parsed;
use passgate::flows::api_keys::{self, Creator};
use reqwest::StatusCode;

use crate::helpers::{spawn_app, STRONG};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/bulk-reset-by-email.sh"
);

#[test]
fn the_readme_shows_the_script_as_it_is() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let script = std::fs::read_to_string(SCRIPT).unwrap();
    assert!(
        readme.contains(&script),
        "README.md must contain examples/bulk-reset-by-email.sh verbatim"
    );
}

#[test]
fn the_readme_shows_the_receiver_example_as_it_is() {
    // The example is type-checked with the TypeScript client (`.ci/node-checks`), against
    // the official verifier's own types.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/clients/typescript/examples/webhook-receiver.ts"
    ))
    .unwrap();
    assert!(
        readme.contains(&format!("```ts\n{example}```\n")),
        "README.md must contain clients/typescript/examples/webhook-receiver.ts verbatim"
    );
}

#[tokio::test]
async fn the_bulk_reset_example_writes_the_csv() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    app.create_user("grace@example.com", STRONG, &["user"])
        .await;
    let key = api_keys::create(
        &app.state,
        Creator::CommandLine,
        Parsed::from_raw("offboarding".into()),
        Parsed::from_raw(vec!["password_admin".into()]),
        None,
        Default::default(),
    )
    .await
    .unwrap()
    .key;

    let dir = tempfile::tempdir().unwrap();
    let emails = dir.path().join("emails.txt");
    let csv = dir.path().join("out.csv");
    std::fs::write(
        &emails,
        "Ada@example.com\ngrace@example.com\nghost@example.com\n",
    )
    .unwrap();
    let address = app.address.clone();
    let (emails_arg, csv_arg) = (emails.clone(), csv.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(SCRIPT)
            .arg(&emails_arg)
            .arg(&csv_arg)
            .env("PASSGATE_URL", address)
            .env("PASSGATE_API_KEY", key)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("not reset: ghost@example.com (not_found)"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 3 reset"), "{stderr}");

    let csv = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .map(|l| {
            l.split(',')
                .map(|f| f.trim_matches('"').to_owned())
                .collect()
        })
        .collect();
    assert_eq!(rows[0], ["email", "temporary_password", "expires_at"]);
    assert_eq!(rows.len(), 3);
    for row in &rows[1..] {
        let res = app.sign_in(&row[0], &row[1]).await;
        assert_eq!(res.status(), StatusCode::OK, "{row:?}");
        assert!(row[2].ends_with('Z'));
    }
}
