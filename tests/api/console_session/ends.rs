//! How console sessions end: idle and absolute timeouts, sign-out, a security version change
//! seen at once on every instance, the sweep; and the console caller re-checked in writes.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use super::stored;
use crate::helpers::console::{set_cookie, Console};
use crate::helpers::{spawn_app, spawn_app_with, STRONG, STRONG_2};

#[tokio::test]
async fn a_session_ends_after_15_idle_minutes_and_is_deleted() {
    let app = spawn_app().await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    for _ in 0..3 {
        app.advance(Duration::from_secs(14 * 60));
        assert!(
            console.is_live().await,
            "each request restarts the idle time"
        );
    }
    app.advance(Duration::from_secs(15 * 60 + 1));
    // A post with an ended session goes to the sign-in form and does nothing.
    let res = console.submit("/admin/sign-out", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/admin");
    let cleared = set_cookie(&res, "passgate_console").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(stored(&app).await.is_empty(), "deleted on use");
    assert!(!console.is_live().await);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_however_active() {
    let app = spawn_app_with(|s| s.console.absolute_timeout_secs = 1800).await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    app.advance(Duration::from_secs(10 * 60));
    assert!(console.is_live().await);
    app.advance(Duration::from_secs(10 * 60));
    assert!(console.is_live().await);
    app.advance(Duration::from_secs(10 * 60));
    assert!(!console.is_live().await);
}

#[tokio::test]
async fn the_sweep_removes_ended_sessions_nobody_uses_again() {
    let app = spawn_app().await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    Console::sign_in(&app, "root@example.com", STRONG).await;
    Console::sign_in(&app, "root@example.com", STRONG).await;
    let settings = app.state.settings.console.clone();
    let clock = app.state.clock.clone();
    let sweep = || {
        let (settings, clock) = (settings.clone(), clock.clone());
        app.state
            .db
            .run(move |c| passgate::flows::console_sessions::sweep(c, &settings, clock.now()))
    };
    assert_eq!(sweep().await.unwrap(), 0);
    app.advance(Duration::from_secs(16 * 60));
    assert_eq!(sweep().await.unwrap(), 2);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_app().await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    let console = Console::sign_in(&app, "root@example.com", STRONG).await;
    let other = Console::sign_in(&app, "root@example.com", STRONG).await;
    let res = console.submit("/admin/sign-out", &[("lang", "en")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/admin");
    assert!(set_cookie(&res, "passgate_console")
        .unwrap()
        .contains("Max-Age=0"));
    assert!(!console.is_live().await);
    assert!(other.is_live().await, "only that session ends");
    assert_eq!(stored(&app).await.len(), 1);
    // A post with the ended session: to the sign-in form, nothing done.
    let again = console.submit("/admin/sign-out", &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()["location"], "/admin");
}

#[tokio::test]
async fn a_security_version_change_ends_the_session_at_once_on_every_instance() {
    let app = spawn_app().await;
    let (_, root) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["admin"]).await;
    let pa = app
        .create_user("pat@example.com", STRONG, &["password_admin"])
        .await;
    let on_a = Console::sign_in(&app, "ada@example.com", STRONG).await;
    let b = app.second_instance().await;
    let on_b = Console {
        app: &b,
        cookie: on_a.cookie.clone(),
        secret: on_a.secret.clone(),
        csrf: on_a.csrf.clone(),
    };
    assert!(on_b.is_live().await, "a session is good on every instance");

    // Demoted through the admin API: the next click on any instance finds the session ended.
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"roles": ["user"]}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!on_b.is_live().await);
    assert!(!on_a.is_live().await);

    // A password change ends it too.
    let console = Console::sign_in(&app, "pat@example.com", STRONG).await;
    let tokens = app.tokens("pat@example.com", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            tokens["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!console.is_live().await);
    // And so does a disable.
    let console = Console::sign_in(&app, "pat@example.com", STRONG_2).await;
    let res = app
        .patch(
            &format!("/v1/admin/users/{pa}"),
            json!({"disabled": true}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!console.is_live().await);
}

#[tokio::test]
async fn the_console_caller_is_re_checked_inside_the_flows_writes() {
    let app = spawn_app().await;
    let (_, root) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["admin"]).await;
    let target = app.create_user("bob@example.com", STRONG, &["user"]).await;
    let console = Console::sign_in(&app, "ada@example.com", STRONG).await;
    let signed = passgate::flows::console_sessions::authenticate(&app.state, &console.secret)
        .await
        .unwrap()
        .expect("live");
    let unlock = |caller: passgate::auth::Caller| {
        let (state, target) = (app.state.clone(), target.clone());
        async move {
            passgate::flows::unlock::unlock(&state, &caller, &target, Default::default()).await
        }
    };
    unlock(signed.caller.clone()).await.expect("allowed");
    // Demoted after the request's session check, before its write: the write is refused.
    let res = app
        .patch(
            &format!("/v1/admin/users/{id}"),
            json!({"roles": ["user"]}),
            Some(&root),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(matches!(
        unlock(signed.caller).await,
        Err(passgate::error::ApiError::InvalidToken)
    ));
}

#[tokio::test]
async fn signing_in_again_replaces_the_browsers_session_and_an_ended_cookie_is_forgotten() {
    let app = spawn_app().await;
    app.create_user("root@example.com", STRONG, &["admin"])
        .await;
    let first = Console::sign_in(&app, "root@example.com", STRONG).await;
    let (form_cookie, csrf) = crate::helpers::console::sign_in_form(&app).await;
    let res = app
        .client
        .post(app.url("/admin/sign-in"))
        .header("cookie", format!("{}; {form_cookie}", first.cookie))
        .form(&[
            ("email", "root@example.com"),
            ("password", STRONG),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&res, "passgate_console").is_some());
    assert!(!first.is_live().await, "the old session ended");
    assert_eq!(stored(&app).await.len(), 1);
    // The sign-in form tells a browser holding an ended session's cookie to forget it.
    let res = first.get("/admin").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(set_cookie(&res, "passgate_console")
        .unwrap()
        .contains("Max-Age=0"));
}
