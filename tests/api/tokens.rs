use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use passgate::auth::Claims;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, STRONG, STRONG_2};

fn access(pair: &Value) -> &str {
    pair["access_token"].as_str().unwrap()
}

fn refresh(pair: &Value) -> &str {
    pair["refresh_token"].as_str().unwrap()
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let first = app.tokens("ada@example.com", STRONG).await;

    let res = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&first)}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let second: Value = res.json().await.unwrap();
    assert_ne!(refresh(&first), refresh(&second));
    assert_eq!(
        app.get("/v1/me", Some(access(&second))).await.status(),
        StatusCode::OK
    );

    // Replaying the rotated token is theft: it fails and kills the newer token too.
    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&first)}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&second)}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;

    // Another session of the same user is untouched.
    let other = app.tokens("ada@example.com", STRONG).await;
    assert_eq!(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&other)}),
            None
        )
        .await
        .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_revokes_the_session() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/auth/logout",
            json!({"refresh_token": refresh(&pair)}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&pair)}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
    // Logging out again, or with an unknown token, is not an error.
    assert_eq!(
        app.post(
            "/v1/auth/logout",
            json!({"refresh_token": refresh(&pair)}),
            None
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post("/v1/auth/logout", json!({"refresh_token": "unknown"}), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn unknown_refresh_tokens_are_rejected() {
    let app = spawn_app().await;
    assert_problem(
        app.post("/v1/auth/refresh", json!({"refresh_token": "nope"}), None)
            .await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn forged_tampered_none_wrong_key_and_expired_tokens_are_rejected() {
    let app = spawn_app().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let good = access(&pair).to_owned();
    let claims: Claims = app.state.jwt.verify(&good).unwrap();

    let mut bad_tokens = Vec::new();
    // Signed with another secret.
    bad_tokens.push(
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(b"another-secret-another-secret-000"),
        )
        .unwrap(),
    );
    // Payload changed to claim admin, signature kept.
    let parts: Vec<&str> = good.split('.').collect();
    let mut escalated: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    escalated["roles"] = json!(["user", "admin"]);
    bad_tokens.push(format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(escalated.to_string()),
        parts[2]
    ));
    // alg: none.
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    bad_tokens.push(format!("{none_header}.{}.", parts[1]));
    // Another algorithm with the same secret bytes.
    bad_tokens.push(
        encode(
            &Header::new(jsonwebtoken::Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"test-secret-that-is-long-enough-0123456789"),
        )
        .unwrap(),
    );
    // Expired an hour ago, properly signed.
    let now = app.state.clock.timestamp();
    bad_tokens.push(
        app.state
            .jwt
            .sign(&Claims {
                iat: now - 7200,
                exp: now - 3600,
                ..claims.clone()
            })
            .unwrap(),
    );
    // Wrong audience and issuer, properly signed.
    bad_tokens.push(
        app.state
            .jwt
            .sign(&Claims {
                aud: "someone-else".into(),
                ..claims.clone()
            })
            .unwrap(),
    );
    bad_tokens.push(
        app.state
            .jwt
            .sign(&Claims {
                iss: "someone-else".into(),
                ..claims.clone()
            })
            .unwrap(),
    );
    // Unknown user, properly signed.
    bad_tokens.push(
        app.state
            .jwt
            .sign(&Claims {
                sub: uuid::Uuid::now_v7().to_string(),
                ..claims.clone()
            })
            .unwrap(),
    );
    bad_tokens.push("garbage".into());

    for token in bad_tokens {
        assert_problem(app.get("/v1/me", Some(&token)).await, 401, "invalid_token").await;
    }
    assert_problem(app.get("/v1/me", None).await, 401, "invalid_token").await;
    let basic = app
        .client
        .get(app.url("/v1/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, "invalid_token").await;
    assert_eq!(
        app.get("/v1/me", Some(&good)).await.status(),
        StatusCode::OK,
        "the genuine token still works ({id})"
    );
}

#[tokio::test]
async fn a_plain_user_is_forbidden_on_admin_routes() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    let token = Some(access(&pair));
    assert_problem(app.get("/v1/admin/users", token).await, 403, "forbidden").await;
    assert_problem(
        app.get("/v1/admin/audit-events", token).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post("/v1/admin/users", json!({"email": "x@example.com"}), token)
            .await,
        403,
        "forbidden",
    )
    .await;
}

fn write_ed25519_key(
    dir: &std::path::Path,
    name: &str,
    seed: u8,
) -> (std::path::PathBuf, std::path::PathBuf) {
    use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey, EncodePublicKey};
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    std::fs::write(
        &private,
        key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        &public,
        key.verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    )
    .unwrap();
    (private, public)
}

#[tokio::test]
async fn eddsa_keys_are_published_and_rotate_without_signing_anyone_out() {
    let dir = tempfile::tempdir().unwrap();
    let (old_private, old_public) = write_ed25519_key(dir.path(), "old", 7);
    let (new_private, _) = write_ed25519_key(dir.path(), "new", 9);

    let old_app = spawn_app_with(|s| {
        s.jwt.algorithm = passgate::config::JwtAlgorithm::EdDSA;
        s.jwt.private_key_file = Some(old_private.clone());
    })
    .await;
    old_app
        .create_user("ada@example.com", STRONG, &["user"])
        .await;
    let old_token = access(&old_app.tokens("ada@example.com", STRONG).await).to_owned();
    let header = jsonwebtoken::decode_header(&old_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    let jwks: Value = old_app
        .get("/.well-known/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], header.kid.clone().unwrap());
    assert_eq!(jwks["keys"][0]["kty"], "OKP");

    // A verifier that knows only the published JWK accepts the token.
    let x = jwks["keys"][0]["x"].as_str().unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["passgate"]);
    jsonwebtoken::decode::<Value>(
        &old_token,
        &jsonwebtoken::DecodingKey::from_ed_components(x).unwrap(),
        &validation,
    )
    .unwrap();

    // The same keys as the rotated configuration of a second instance: new key signs,
    // the old public key still verifies and is still published.
    let rotated = passgate::config::JwtSettings {
        algorithm: passgate::config::JwtAlgorithm::EdDSA,
        private_key_file: Some(new_private),
        ..Default::default()
    };
    let (keys, _) = passgate::auth::JwtKeys::from_settings(
        &rotated,
        &[old_public],
        old_app.state.clock.clone(),
    )
    .unwrap();
    assert_eq!(keys.jwks()["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        keys.verify(&old_token).unwrap().sub,
        old_app.state.jwt.verify(&old_token).unwrap().sub
    );
    let fresh = keys
        .issue("someone", vec!["user".into()], 1, false)
        .unwrap();
    assert_ne!(jsonwebtoken::decode_header(&fresh).unwrap().kid, header.kid);
    assert!(
        old_app.state.jwt.verify(&fresh).is_err(),
        "the old instance does not know the new key"
    );
}

#[tokio::test]
async fn rs256_tokens_carry_a_kid_and_verify() {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let dir = tempfile::tempdir().unwrap();
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let path = dir.path().join("rsa.pem");
    std::fs::write(&path, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    let app = spawn_app_with(|s| {
        s.jwt.algorithm = passgate::config::JwtAlgorithm::RS256;
        s.jwt.private_key_file = Some(path.clone());
    })
    .await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = access(&app.tokens("ada@example.com", STRONG).await).to_owned();
    assert_eq!(
        app.get("/v1/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    let jwks: Value = app
        .get("/.well-known/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(
        jwks["keys"][0]["kid"],
        jsonwebtoken::decode_header(&token).unwrap().kid.unwrap()
    );
    // An HS256 token signed with the public modulus as a secret (the classic confusion) fails.
    let claims = app.state.jwt.verify(&token).unwrap();
    let confused = encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(jwks["keys"][0]["n"].as_str().unwrap().as_bytes()),
    )
    .unwrap();
    assert_problem(
        app.get("/v1/me", Some(&confused)).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_refresh_token_of_an_older_security_version_is_refused_though_not_revoked() {
    use diesel::prelude::*;
    use passgate::db::schema::{refresh_tokens, users};

    let app = spawn_app().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;
    // The version moves on while the token escapes revocation, as when it was stored by a
    // sign-in that raced the change.
    let user = id.clone();
    app.state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            diesel::update(users::table.find(&user))
                .set(users::security_version.eq(users::security_version + 1))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();

    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&pair)}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
    // And the session is over for good: its family is revoked.
    let live: i64 = app
        .state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            Ok(refresh_tokens::table
                .filter(refresh_tokens::user_id.eq(&id))
                .filter(refresh_tokens::revoked_at.is_null())
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(live, 0);
    // A new sign-in is issued under the current version and refreshes.
    let fresh = app.tokens("ada@example.com", STRONG).await;
    assert_eq!(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&fresh)}),
            None,
        )
        .await
        .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_refresh_racing_a_password_change_neither_deadlocks_nor_survives_it() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let pair = app.tokens("ada@example.com", STRONG).await;

    // The refresh holds its transaction open; a password change of the same user, which
    // locks the user and then revokes the tokens, arrives meanwhile.
    let gate = app.state.pauses.arm("refresh.user_locked");
    let refresh = tokio::spawn(
        app.client
            .post(app.url("/v1/auth/refresh"))
            .json(&json!({"refresh_token": pair["refresh_token"]}))
            .send(),
    );
    gate.reached().await;
    let mut change = tokio::spawn(
        app.client
            .post(app.url("/v1/me/password"))
            .bearer_auth(pair["access_token"].as_str().unwrap())
            .json(&json!({"current_password": STRONG, "new_password": STRONG_2}))
            .send(),
    );
    // The change waits for the refresh's locks (a bounded wait; it cannot finish first).
    let early = tokio::time::timeout(std::time::Duration::from_secs(1), &mut change).await;
    gate.release();
    let refreshed = refresh.await.unwrap().unwrap();
    let changed = match early {
        Ok(done) => done.unwrap(),
        Err(_) => change.await.unwrap(),
    }
    .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK, "the refresh came first");
    assert_eq!(changed.status(), StatusCode::OK, "the change followed it");
    // The change ended the session the refresh had just rotated.
    let rotated: Value = refreshed.json().await.unwrap();
    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": rotated["refresh_token"]}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
}
