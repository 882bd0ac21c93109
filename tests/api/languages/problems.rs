use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, STRONG};

async fn post_in(
    app: &TestApp,
    lang: &str,
    path: &str,
    body: Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header("accept-language", lang)
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn problems_follow_accept_language_and_codes_never_change() {
    let app = spawn_app().await;
    let res = post_in(
        &app,
        "da-DK,da;q=0.9",
        "/v1/auth/token",
        json!({"email": "nobody@example.com", "password": "wrong"}),
        None,
    )
    .await;
    assert_eq!(res.headers()["content-language"], "da");
    let da = assert_problem(res, 401, "invalid_credentials").await;
    assert_eq!(da["title"], "Login mislykkedes");
    assert_eq!(
        da["detail"],
        "E-mailadressen eller adgangskoden er forkert."
    );
    assert_eq!(da["type"], "urn:passgate:problem:invalid_credentials");

    let res = post_in(
        &app,
        "fr, en;q=0.5",
        "/v1/auth/token",
        json!({"email": "nobody@example.com", "password": "wrong"}),
        None,
    )
    .await;
    let en = assert_problem(res, 401, "invalid_credentials").await;
    assert_eq!(en["title"], "Invalid credentials");
}

#[tokio::test]
async fn field_messages_and_policy_rules_are_danish_for_a_danish_client() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let res = post_in(
        &app,
        "da",
        "/v1/admin/users",
        json!({"email": "not an email", "locale": "da_DK"}),
        Some(&admin),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["title"], "Ugyldige felter");
    assert_eq!(problem["errors"][0]["code"], "invalid_email");
    assert_eq!(
        problem["errors"][0]["message"],
        "er ikke en gyldig e-mailadresse"
    );
    assert_eq!(problem["errors"][1]["code"], "invalid_locale");

    let res = post_in(
        &app,
        "da",
        "/v1/admin/users",
        json!({"email": "kort@example.dk", "password": "password"}),
        Some(&admin),
    )
    .await;
    let problem = assert_problem(res, 422, "password_policy").await;
    let messages: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert!(
        messages.contains(&("too_short", "skal være på mindst 15 tegn")),
        "{messages:?}"
    );
    assert!(messages.contains(&(
        "common",
        "er en af de mest brugte adgangskoder; vælg en anden"
    )));

    // The check route, the same way.
    let res = app
        .client
        .post(app.url("/v1/password-policy/check"))
        .header("accept-language", "da")
        .json(&json!({"password": "kort"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let check: Value = res.json().await.unwrap();
    assert_eq!(check["errors"][0]["message"], "skal være på mindst 15 tegn");

    // A detail that says why is translated too.
    let id = app.create_user("anna@example.dk", STRONG, &[]).await;
    let res = app
        .client
        .patch(app.url(&format!("/v1/admin/users/{id}")))
        .header("accept-language", "da")
        .bearer_auth(&admin)
        .json(&json!({"roles": ["user"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .client
        .post(app.url("/v1/admin/users"))
        .header("accept-language", "da")
        .bearer_auth(&admin)
        .json(&json!({"email": "anna@example.dk", "password": STRONG}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 409, "conflict").await;
    assert_eq!(
        problem["detail"],
        "Der findes allerede en bruger med denne e-mailadresse."
    );

    // Errors actix itself raises (an unknown route) go the same way.
    let res = app
        .client
        .get(app.url("/v1/nothing-here"))
        .header("accept-language", "da")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 404, "not_found").await;
    assert_eq!(problem["title"], "Ikke fundet");

    // A rule whose code is shared (`length`) is matched by its text. (The URL is refused
    // for its scheme, before any name is looked up.)
    let res = post_in(
        &app,
        "da",
        "/v1/admin/webhooks",
        json!({"url": "http://hooks.example.com/passgate", "events": []}),
        Some(&admin),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let events = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "events")
        .cloned()
        .unwrap_or_default();
    assert_eq!(events["code"], "length", "{problem}");
    assert_eq!(
        events["message"],
        "skal angive 1 til 20 hændelsestyper eller [\"*\"]"
    );
    let url = |problem: &Value| {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == "url")
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(url(&problem)["code"], "insecure_url", "{problem}");
    assert_eq!(url(&problem)["message"], "skal være en https://-adresse");

    // A refused address is named in every language. (A literal address: nothing is looked
    // up, nothing is sent.)
    let res = post_in(
        &app,
        "da",
        "/v1/admin/webhooks",
        json!({"url": "https://127.0.0.1/passgate", "events": ["*"]}),
        Some(&admin),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(url(&problem)["code"], "forbidden_address", "{problem}");
    assert_eq!(
        url(&problem)["message"],
        "peger på 127.0.0.1, som er en loopback-, privat, link-local eller anden ikke-offentlig adresse"
    );
}
