//! Hashing settings above the import bounds of other systems' hashes (17 lanes; the bound
//! is 16) are passgate's own: every account still signs in, and another passgate with the
//! same settings imports their export, while one with other settings refuses those hashes
//! as it would any hash over the bounds.

use serde_json::json;

use super::{export, imported, ndjson};
use crate::helpers::{assert_problem, spawn_app, spawn_app_with, STRONG, STRONG_2};

fn seventeen_lanes(s: &mut passgate::config::Settings) {
    s.hashing.parallelism = 17;
    s.hashing.memory_kib = 8 * 17;
}

#[tokio::test]
async fn settings_above_the_import_bounds_sign_everyone_in() {
    let app = spawn_app_with(seventeen_lanes).await;
    let (_, token) = app.admin().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let hash = super::stored_hash(&app, "ada@example.com").await.unwrap();
    assert!(hash.contains(",p=17$"), "{hash}");
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);
    for (email, password) in [
        ("ada@example.com", STRONG_2),
        ("nobody@example.com", STRONG),
    ] {
        assert_problem(
            app.sign_in(email, password).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let ada = app.tokens("ada@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            ada["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.sign_in("ada@example.com", STRONG_2).await.status(), 200);

    let exported = export(&app, &token).await;
    let same = spawn_app_with(seventeen_lanes).await;
    same.create_user("target-admin@example.com", STRONG, &["admin"])
        .await;
    let same_token = same.tokens("target-admin@example.com", STRONG).await;
    let same_token = same_token["access_token"].as_str().unwrap();
    let report = imported(&same, same_token, "?mode=upsert", ndjson(&exported)).await;
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(
        same.sign_in("ada@example.com", STRONG_2).await.status(),
        200
    );

    let other = spawn_app().await;
    let (_, other_token) = other.admin().await;
    let ada_line = exported
        .iter()
        .find(|l| l["email"] == "ada@example.com")
        .unwrap();
    let report = imported(
        &other,
        &other_token,
        "",
        ndjson(std::slice::from_ref(ada_line)),
    )
    .await;
    assert_eq!(
        report["failures"][0]["error"]["errors"][0]["code"], "unsupported_hash",
        "{report}"
    );
}
