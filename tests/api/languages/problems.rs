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
    // Each of the address's reasons in its own words, not a generic text.
    assert_eq!(
        problem["errors"][0]["message"],
        "er ikke en e-mailadresse (navn@example.com; kun ASCII-tegn og ingen mellemrum)"
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

/// The problems whose words come from elsewhere: a parser's (which stay English, inside a
/// Danish sentence), the pagination rules, an import's lines.
#[tokio::test]
async fn parser_pagination_and_import_problems_are_danish_too() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let danish = |path: &str| {
        app.client
            .get(app.url(path))
            .header("accept-language", "da")
            .bearer_auth(&admin)
    };

    // JSON that does not parse: serde's words, in a Danish sentence.
    let res = app
        .client
        .post(app.url("/v1/admin/users"))
        .header("accept-language", "da")
        .header("content-type", "application/json")
        .bearer_auth(&admin)
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 400, "malformed_request").await;
    assert_eq!(problem["title"], "Forespørgslen kunne ikke læses");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("JSON-indholdet kunne ikke læses: ") && detail.contains("EOF"),
        "{detail}"
    );

    // A query string that does not parse.
    let res = danish("/v1/admin/users?limit=many").send().await.unwrap();
    let problem = assert_problem(res, 400, "malformed_request").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Forespørgselsstrengen kunne ikke læses: "),
        "{detail}"
    );

    // The pagination rules, with their bounds.
    let res = danish("/v1/admin/users?limit=0").send().await.unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "out_of_range");
    assert_eq!(problem["errors"][0]["message"], "skal være mellem 1 og 200");
    let res = danish("/v1/admin/users?cursor=bm90LWEtY3Vyc29y")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "invalid_cursor");
    assert_eq!(
        problem["errors"][0]["message"],
        "er ikke en cursor, som dette API har returneret"
    );

    // An import's failed lines: not a user object, an address given twice, a hash passgate
    // cannot read (its format's words stay English).
    let body = [
        "[1, 2]".to_owned(),
        json!({"email": "ida@example.dk"}).to_string(),
        json!({"email": "IDA@example.dk"}).to_string(),
        json!({"email": "ole@example.dk", "password_hash": "md5$salt$0123456789abcdef"})
            .to_string(),
    ]
    .join("\n");
    let res = app
        .client
        .post(app.url("/v1/admin/user-imports?dry_run=true"))
        .header("accept-language", "da")
        .header("content-type", "application/x-ndjson")
        .bearer_auth(&admin)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    let failure = |line: u64| {
        report["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["line"] == line)
            .cloned()
            .unwrap_or_else(|| panic!("no failure on line {line}: {report}"))
    };
    let line = failure(1);
    assert_eq!(line["error"]["code"], "malformed_request");
    let detail = line["error"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Linje 1 er ikke et brugerobjekt: invalid type"),
        "{detail}"
    );
    let line = failure(3);
    assert_eq!(line["error"]["code"], "conflict");
    assert_eq!(
        line["error"]["detail"],
        "E-mailadressen står allerede på en tidligere linje i importen."
    );
    let line = failure(4);
    assert_eq!(line["error"]["code"], "validation_failed");
    let error = &line["error"]["errors"][0];
    assert_eq!(error["code"], "unsupported_hash");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("er ikke en adgangskode-hash, som passgate kan importere: "),
        "{message}"
    );
}
