//! The admin console's session layer (contract: "Admin console (HTML, hosted)"): sign-in
//! through the sign-in flow, the cookie, the session stored as a hash, its ends (idle,
//! absolute, sign-out, a security version change on any instance), CSRF and the origin
//! rule, and the console switched off. How sessions end is in `ends`.

mod ends;

use diesel::prelude::*;
use passgate::db::schema::console_sessions::dsl as cs;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::console::{hidden, pair, post_sign_in, set_cookie, sign_in_form, Console};
use crate::helpers::{spawn_app, spawn_app_with, TestApp, STRONG};

/// Checks the headers every console page carries and returns its HTML.
async fn html(res: Response, status: u16) -> String {
    assert_eq!(res.status().as_u16(), status);
    let h = res.headers();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"));
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let body = res.text().await.unwrap();
    assert!(!body.contains("<script"), "the console needs no JavaScript");
    body
}

/// The stored sessions' digests.
async fn stored(app: &TestApp) -> Vec<String> {
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            Ok(cs::console_sessions.select(cs::token_hash).load(c)?)
        })
        .await
        .unwrap()
}

async fn audit(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let page: Value = app
        .get(
            &format!("/v1/admin/audit-events?action={action}"),
            Some(token),
        )
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_naming_a_session_stored_as_a_hash() {
    let app = spawn_app().await;
    let id = app
        .create_user("root@example.com", STRONG, &["admin"])
        .await;
    let form = html(app.get("/admin", None).await, 200).await;
    assert!(form.contains(r#"action="/admin/sign-in""#) && form.contains(r#"name="csrf""#));
    assert!(form.contains(r#"<html lang="en""#));

    let res = post_sign_in(&app, "root@example.com", STRONG).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/admin/users");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let cookie = set_cookie(&res, "passgate_console").expect("session cookie");
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for a in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(attrs.contains(&a), "{cookie} lacks {a}");
    }
    assert!(!attrs.contains(&"Secure"), "plain http: {cookie}");
    let secret = pair(&cookie).split_once('=').unwrap().1.to_owned();
    assert!(secret.len() >= 43, "at least 256 bits");

    // Only the SHA-256 digest is stored, never the secret.
    let rows = stored(&app).await;
    assert_eq!(rows, vec![passgate::auth::opaque::digest(&secret)]);
    assert!(!rows.contains(&secret));

    // The caller is the one the admin API builds from this admin's token.
    let signed = passgate::flows::console_sessions::authenticate(&app.state, &secret)
        .await
        .unwrap()
        .expect("live");
    let tokens = app.tokens("root@example.com", STRONG).await;
    let claims = app
        .state
        .jwt
        .verify(tokens["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(signed.caller.id, id);
    assert_eq!(signed.caller.id, claims.sub);
    assert_eq!(signed.caller.roles.names(), claims.roles);
    assert_eq!(signed.caller.security_version, Some(claims.sv));
    assert!(!signed.caller.restricted);
    assert_eq!(signed.email, "root@example.com");

    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    assert!(console.is_live().await);
    let events = audit(
        &app,
        tokens["access_token"].as_str().unwrap(),
        "auth.sign_in",
    )
    .await;
    assert!(events.iter().any(|e| e["details"]["channel"] == "console"));
}

#[tokio::test]
async fn with_an_https_public_url_the_cookie_is_host_prefixed_and_secure() {
    let app = spawn_app_with(|s| s.server.public_url = "https://id.example.com".into()).await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    let form = app.get("/admin", None).await;
    let pre = set_cookie(&form, "__Host-passgate_console_signin").expect("pre-session cookie");
    assert!(pre.contains("Secure") && pre.contains("Path=/;") || pre.ends_with("Path=/"));
    let res = post_sign_in(&app, "root@example.com", STRONG).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&res, "__Host-passgate_console").expect("session cookie");
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for a in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(attrs.contains(&a), "{cookie} lacks {a}");
    }
    assert!(!attrs.iter().any(|a| a.starts_with("Domain")), "{cookie}");
    assert!(set_cookie(&res, "passgate_console").is_none());
    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    assert!(console.is_live().await);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_page() {
    let app = spawn_app().await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    let wrong = post_sign_in(&app, "root@example.com", "not the password at all").await;
    let wrong = html(wrong, 401).await;
    let unknown = post_sign_in(&app, "nobody@example.com", "not the password at all").await;
    let unknown = html(unknown, 401).await;
    let (wrong, unknown) = (
        wrong.replace("root@example.com", "EMAIL"),
        unknown.replace("nobody@example.com", "EMAIL"),
    );
    // The token differs per form (per pre-session cookie); nothing else may.
    let token = |p: &str| hidden(p, "csrf").unwrap();
    assert_eq!(
        wrong.replace(&token(&wrong), "T"),
        unknown.replace(&token(&unknown), "T")
    );
    assert!(wrong.contains("The email address or password is not correct."));
    let not_an_email = html(post_sign_in(&app, "root", STRONG).await, 401).await;
    assert!(not_an_email.contains("The email address or password is not correct."));
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn the_sign_in_flows_lockout_applies() {
    let app = spawn_app().await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    for i in 0..10 {
        let res = post_sign_in(&app, "root@example.com", &format!("wrong password #{i}")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = post_sign_in(&app, "root@example.com", STRONG).await;
    assert!(res.headers().contains_key("retry-after"));
    let page = html(res, 429).await;
    assert!(page.contains("Too many failed attempts"));
    // One lockout for both doors.
    assert_eq!(app.sign_in("root@example.com", STRONG).await.status(), 429);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn a_temporary_password_goes_to_the_change_page_without_a_session() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["admin"]).await;
    let res = app
        .post(
            &format!("/v1/admin/users/{id}/password-reset"),
            json!({"mode": "generate"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let temporary: Value = res.json().await.unwrap();
    let temporary = temporary["temporary_password"].as_str().unwrap().to_owned();
    let res = post_sign_in(&app, "ada@example.com", &temporary).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/change-password");
    assert!(set_cookie(&res, "passgate_console").is_none());
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn a_plain_user_signs_in_correctly_but_gets_a_403_page_and_no_session() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let res = post_sign_in(&app, "ada@example.com", STRONG).await;
    assert!(set_cookie(&res, "passgate_console").is_none());
    let page = html(res, 403).await;
    assert!(page.contains("The admin console is for administrators"));
    assert!(stored(&app).await.is_empty());
    // A password admin enters.
    app.create_user("helper@example.com", STRONG, &["password_admin"])
        .await;
    Console::sign_in(&app, "helper@example.com", STRONG).await;
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (_, root) = app.admin().await;
    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let res = app
            .client
            .post(app.url("/admin/sign-out"))
            .header("cookie", &console.cookie)
            .header(header, value)
            .form(&[("csrf", console.csrf.as_str())])
            .send()
            .await
            .unwrap();
        let page = html(res, 403).await;
        assert!(page.contains("That form came from another site"));
        assert!(console.is_live().await, "{header}: nothing done");

        let (cookie, csrf) = sign_in_form(&app).await;
        let res = app
            .client
            .post(app.url("/admin/sign-in"))
            .header("cookie", cookie)
            .header(header, value)
            .form(&[
                ("email", "root@example.com"),
                ("password", "a guess"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        html(res, 403).await;
    }
    assert!(
        audit(&app, &root, "auth.sign_in_failed").await.is_empty(),
        "no attempt counted"
    );
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, root) = app.admin().await;
    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    for fields in [vec![], vec![("csrf", "")], vec![("csrf", "forged")]] {
        let page = html(console.post("/admin/sign-out", &fields).await, 403).await;
        assert!(page.contains("That form has expired"));
        // The refusal is a console page: the admin and a working sign-out form.
        assert!(
            page.contains("Signed in as root@example.com") && page.contains(r#"id="sign-out""#)
        );
        assert_eq!(
            hidden(&page, "csrf").as_deref(),
            Some(console.csrf.as_str())
        );
        assert!(console.is_live().await);
    }
    // The sign-in form: without its cookie, or with another form's token.
    let (_, csrf) = sign_in_form(&app).await;
    let (cookie, _) = sign_in_form(&app).await;
    for (cookie, csrf) in [
        (None, csrf.clone()),
        (Some(cookie.clone()), csrf),
        (Some(cookie), String::new()),
    ] {
        let mut req = app.client.post(app.url("/admin/sign-in"));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let res = req
            .form(&[
                ("email", "root@example.com"),
                ("password", STRONG),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert!(set_cookie(&res, "passgate_console").is_none());
        let page = html(res, 403).await;
        assert!(page.contains("The sign-in form had expired"));
    }
    assert_eq!(stored(&app).await.len(), 1, "no session made");
    assert_eq!(
        audit(&app, &root, "auth.sign_in").await.len(),
        2,
        "the two real sign-ins"
    );
}

#[tokio::test]
async fn the_console_switched_off_is_not_found() {
    for tweak in [
        (|s: &mut passgate::config::Settings| s.pages.admin_console = false) as fn(&mut _),
        |s| s.pages.enabled = false,
    ] {
        let app = spawn_app_with(tweak).await;
        for (method, path) in [
            ("GET", "/admin"),
            ("POST", "/admin/sign-in"),
            ("POST", "/admin"),
            ("GET", "/admin/users"),
            ("POST", "/admin/sign-out"),
        ] {
            let res = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
    }
    let on = spawn_app().await;
    assert_eq!(on.get("/admin", None).await.status(), StatusCode::OK);
}
