//! The hosted pages, without a browser: every path and every error is an HTML page.

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp, STRONG, STRONG_2};

async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Checks the headers every page carries and returns its HTML.
async fn html(res: Response, status: u16) -> String {
    assert_eq!(res.status().as_u16(), status);
    let h = res.headers();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("default-src 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let body = res.text().await.unwrap();
    assert!(!body.contains("<script"), "pages need no JavaScript");
    assert!(
        !body.contains("src=\"http") && !body.contains("href=\"http"),
        "pages load nothing from elsewhere"
    );
    body
}

async fn token_for(app: &TestApp, email: &str, nth: usize) -> String {
    let res = app
        .post("/v1/password-resets", json!({"email": email}), None)
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let link = app.mail.wait_for(email, nth).await[nth - 1].link().unwrap();
    link.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn every_page_labels_its_inputs_for_password_managers() {
    let app = spawn_app().await;
    let forgot = html(app.get("/forgot-password", None).await, 200).await;
    assert!(
        forgot.contains(r#"<label for="email">"#) && forgot.contains(r#"autocomplete="email""#)
    );
    let change = html(app.get("/change-password", None).await, 200).await;
    for needle in [
        r#"autocomplete="email""#,
        r#"autocomplete="current-password""#,
        r#"autocomplete="new-password""#,
        r#"<label for="current_password">"#,
    ] {
        assert!(change.contains(needle), "{needle}");
    }
    assert!(
        change.contains("At least 15 characters"),
        "the policy in force is listed"
    );
    let css = app.get("/assets/passgate.css", None).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_every_email() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let known = html(
        form(&app, "/forgot-password", &[("email", "ada@example.com")]).await,
        200,
    )
    .await;
    let unknown = html(
        form(&app, "/forgot-password", &[("email", "nobody@example.com")]).await,
        200,
    )
    .await;
    assert_eq!(known, unknown);
    assert!(known.contains("Check your inbox"));
    app.mail.wait_for("ada@example.com", 1).await;
    assert!(app.mail.to("nobody@example.com").is_empty());

    let empty = html(form(&app, "/forgot-password", &[("email", "")]).await, 422).await;
    assert!(empty.contains("This field is required."));
    let bad = html(
        form(&app, "/forgot-password", &[("email", "not-an-email")]).await,
        422,
    )
    .await;
    assert!(bad.contains("Enter a valid email address.") && bad.contains("not-an-email"));
    let garbage = app
        .client
        .post(app.url("/forgot-password"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    html(garbage, 422).await;
}

#[tokio::test]
async fn forgot_password_keeps_the_per_address_limit() {
    let app = spawn_app_with(|s| s.reset.address_max_requests = 1).await;
    html(
        form(&app, "/forgot-password", &[("email", "a@example.com")]).await,
        200,
    )
    .await;
    let limited = html(
        form(&app, "/forgot-password", &[("email", "b@example.com")]).await,
        429,
    )
    .await;
    assert!(limited.contains("Too many requests"));
}

#[tokio::test]
async fn the_reset_link_page_sets_a_password_and_then_dies() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let token = token_for(&app, "ada@example.com", 1).await;
    let path = format!("/reset-password?token={token}");

    // Mail scanners open links first, with HEAD or GET: that must not use the token.
    assert_eq!(
        app.client
            .head(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let page = html(app.get(&path, None).await, 200).await;
    assert!(page.contains("Choose a new password") && page.contains(&token));
    assert!(page.contains("Not a commonly used password."));

    let mismatch = html(
        form(
            &app,
            "/reset-password",
            &[
                ("token", &token),
                ("new_password", STRONG_2),
                ("confirm_password", "other"),
            ],
        )
        .await,
        422,
    )
    .await;
    assert!(mismatch.contains("The two new passwords are not the same."));
    let weak = html(
        form(
            &app,
            "/reset-password",
            &[
                ("token", &token),
                ("new_password", "password"),
                ("confirm_password", "password"),
            ],
        )
        .await,
        422,
    )
    .await;
    assert!(
        weak.contains("The password must be at least 15 characters."),
        "{weak}"
    );
    assert!(weak.contains("commonly used"));

    let done = html(
        form(
            &app,
            "/reset-password",
            &[
                ("token", &token),
                ("new_password", STRONG_2),
                ("confirm_password", STRONG_2),
            ],
        )
        .await,
        200,
    )
    .await;
    assert!(done.contains("Your password is set"));
    app.tokens("ada@example.com", STRONG_2).await;

    let dead = html(app.get(&path, None).await, 200).await;
    assert!(
        dead.contains("This link no longer works")
            && dead.contains(r#"href="/forgot-password?lang=en""#)
    );
    let again = html(
        form(
            &app,
            "/reset-password",
            &[
                ("token", &token),
                ("new_password", STRONG),
                ("confirm_password", STRONG),
            ],
        )
        .await,
        400,
    )
    .await;
    assert!(again.contains("This link no longer works"));
    html(app.get("/reset-password", None).await, 200).await;
}

#[tokio::test]
async fn the_change_password_page_replaces_a_temporary_password() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let created: Value = app
        .post(
            "/v1/admin/users",
            json!({"email": "new@example.com"}),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let temporary = created["temporary_password"].as_str().unwrap();

    let missing = html(
        form(&app, "/change-password", &[("email", "new@example.com")]).await,
        422,
    )
    .await;
    assert!(missing.contains("This field is required."));
    let wrong = html(
        form(
            &app,
            "/change-password",
            &[
                ("email", "new@example.com"),
                ("current_password", "nope"),
                ("new_password", STRONG_2),
                ("confirm_password", STRONG_2),
            ],
        )
        .await,
        400,
    )
    .await;
    let unknown = html(
        form(
            &app,
            "/change-password",
            &[
                ("email", "ghost@example.com"),
                ("current_password", "nope"),
                ("new_password", STRONG_2),
                ("confirm_password", STRONG_2),
            ],
        )
        .await,
        400,
    )
    .await;
    assert!(wrong.contains("The email address or current password is not correct."));
    assert_eq!(
        wrong.replace("new@example.com", "X"),
        unknown.replace("ghost@example.com", "X"),
        "no enumeration"
    );
    let weak = html(
        form(
            &app,
            "/change-password",
            &[
                ("email", "new@example.com"),
                ("current_password", temporary),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await,
        422,
    )
    .await;
    assert!(weak.contains("at least 15 characters"));

    let done = html(
        form(
            &app,
            "/change-password",
            &[
                ("email", "new@example.com"),
                ("current_password", temporary),
                ("new_password", STRONG_2),
                ("confirm_password", STRONG_2),
            ],
        )
        .await,
        200,
    )
    .await;
    assert!(done.contains("Your password is changed"));
    let pair = app.tokens("new@example.com", STRONG_2).await;
    assert_eq!(pair["password_change_required"], false);
}

#[tokio::test]
async fn pages_can_be_switched_off() {
    let app = spawn_app_with(|s| s.pages.enabled = false).await;
    for path in [
        "/forgot-password",
        "/reset-password?token=x",
        "/change-password",
    ] {
        assert_eq!(
            app.get(path, None).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_oversized_form_gets_a_page_not_json() {
    let app = spawn_app().await;
    let huge = "x".repeat(2_000_000);
    for path in ["/forgot-password", "/reset-password", "/change-password"] {
        let res = form(&app, path, &[("email", huge.as_str())]).await;
        let page = html(res, 413).await;
        assert!(page.contains("That form was too large"), "{path}");
    }
}

/// Outbox and audit rows: what any accepted form post adds.
async fn rows(app: &TestApp) -> (i64, i64) {
    use diesel::dsl::count_star;
    use diesel::prelude::*;
    use passgate::db::schema::{audit_events, outbox};
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            let o: i64 = outbox::table.select(count_star()).first(c)?;
            let a: i64 = audit_events::table.select(count_star()).first(c)?;
            Ok((o, a))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn forms_are_read_only_as_urlencoded_posts_from_our_own_origin() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let own = "http://localhost:8080"; // the default PASSGATE__SERVER__PUBLIC_URL
    let before = rows(&app).await;
    let change = [
        ("email", "ada@example.com"),
        ("current_password", STRONG),
        ("new_password", STRONG_2),
        ("confirm_password", STRONG_2),
    ];
    let post = |path: &str, headers: &[(&str, &str)]| {
        let mut req = app.client.post(app.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req
    };

    // A cross-site form can send text/plain without a preflight; it is not read.
    for path in ["/forgot-password", "/reset-password", "/change-password"] {
        let res = post(path, &[("content-type", "text/plain")])
            .body(serde_urlencoded::to_string(change).unwrap())
            .send()
            .await
            .unwrap();
        let page = html(res, 415).await;
        assert!(page.contains("That form could not be read"), "{path}");
        let res = post(path, &[])
            .body("email=ada%40example.com")
            .send()
            .await
            .unwrap();
        html(res, 415).await;
    }

    // Another origin, or a browser's word that the post is cross-site: refused, nothing done.
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "http://localhost:8081")][..],
        &[("origin", "null"), ("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "cross-site")][..],
        &[("origin", own), ("sec-fetch-site", "cross-site")][..],
    ] {
        for path in ["/forgot-password", "/reset-password", "/change-password"] {
            let res = post(path, headers).form(&change).send().await.unwrap();
            let page = html(res, 403).await;
            assert!(
                page.contains("That form came from another site"),
                "{headers:?}"
            );
        }
    }
    assert_eq!(rows(&app).await, before, "nothing was done");
    assert_eq!(
        app.sign_in("ada@example.com", STRONG).await.status(),
        StatusCode::OK
    );

    // `Origin: null` names no origin: then `Sec-Fetch-Site` decides; our own origin and
    // no header at all (older clients) are accepted.
    for headers in [
        &[("origin", "null"), ("sec-fetch-site", "same-origin")][..],
        &[("origin", "null")][..],
        &[("origin", own), ("sec-fetch-site", "same-origin")][..],
        &[("origin", "HTTP://LOCALHOST:8080")][..],
        &[][..],
    ] {
        let res = post("/forgot-password", headers)
            .form(&[("email", "ada@example.com")])
            .send()
            .await
            .unwrap();
        let page = html(res, 200).await;
        assert!(page.contains("Check your inbox"), "{headers:?}");
    }
    let res = post(
        "/change-password",
        &[("origin", own), ("sec-fetch-site", "same-origin")],
    )
    .header(
        "content-type",
        "application/x-www-form-urlencoded; charset=UTF-8",
    )
    .body(serde_urlencoded::to_string(change).unwrap())
    .send()
    .await
    .unwrap();
    html(res, 200).await;
    assert_eq!(
        app.sign_in("ada@example.com", STRONG_2).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_origin_rule_follows_the_public_url() {
    let app = spawn_app_with(|s| s.server.public_url = "https://id.example.com/".into()).await;
    let res = app
        .client
        .post(app.url("/forgot-password"))
        .header("origin", "https://id.example.com")
        .form(&[("email", "ada@example.com")])
        .send()
        .await
        .unwrap();
    html(res, 200).await;
    let res = app
        .client
        .post(app.url("/forgot-password"))
        .header("origin", "http://localhost:8080")
        .form(&[("email", "ada@example.com")])
        .send()
        .await
        .unwrap();
    html(res, 403).await;
}

#[tokio::test]
async fn the_docs_page_cannot_be_framed_and_runs_only_its_own_scripts() {
    let app = spawn_app().await;
    for path in ["/docs/", "/docs/swagger-initializer.js"] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers();
        assert_eq!(h["x-frame-options"], "DENY");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(
            !csp.contains("unsafe"),
            "no unsafe-inline or unsafe-eval: {csp}"
        );
    }
    let html = app.get("/docs/", None).await.text().await.unwrap();
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap();
        assert!(
            open.contains("src="),
            "an inline script would break the CSP: {tag}"
        );
    }
}

#[tokio::test]
async fn the_change_password_page_racing_a_disable_changes_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;

    let gate = app.state.pauses.arm("change_password.hashed");
    let changing = tokio::spawn(
        app.client
            .post(app.url("/change-password"))
            .form(&[
                ("email", "ada@example.com"),
                ("current_password", STRONG),
                ("new_password", STRONG_2),
                ("confirm_password", STRONG_2),
            ])
            .send(),
    );
    gate.reached().await;
    let disabled = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"disabled": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    gate.release();
    let page = html(changing.await.unwrap().unwrap(), 400).await;
    assert!(page.contains("The email address or current password is not correct."));

    app.patch(
        &format!("/v1/admin/users/{id}"),
        json!({"disabled": false}),
        Some(&admin),
    )
    .await;
    app.tokens("ada@example.com", STRONG).await;
}
