//! One user's page: unlock, disable, enable, who may, and the audit events it shows.

use super::{html, root, user};
use crate::helpers::console::Console;
use crate::helpers::{spawn_app, spawn_app_with, STRONG};

#[tokio::test]
async fn the_user_page_unlocks_disables_and_enables_and_keeps_the_last_admin() {
    let app = spawn_app_with(|s| s.lockout.max_failures = 2).await;
    let (root_id, console) = root(&app).await;
    let ada = user(&app, "ada@example.com").await;
    // Different wrong passwords: a repeated one counts once.
    for i in 0..3 {
        app.sign_in("ada@example.com", &format!("not the password, try {i}"))
            .await;
    }
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 429);

    let page = html(console.get(&format!("/admin/users/{ada}")).await, 200).await;
    for needle in [
        "ada@example.com",
        "Sign-in is locked from one place until",
        r#"id="unlock""#,
        r#"id="disable""#,
        r#"id="reset-one""#,
        r#"<table id="audit">"#,
        "auth.sign_in_failed",
    ] {
        assert!(page.contains(needle), "{needle}");
    }
    let res = console
        .submit(&format!("/admin/users/{ada}/unlock"), &[("lang", "en")])
        .await;
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/admin/users/{ada}?done=unlocked&lang=en"));
    let page = html(console.get(&back).await, 200).await;
    assert!(page.contains("The account is unlocked.") && page.contains("Not locked"));
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);

    let res = console
        .submit(&format!("/admin/users/{ada}/disable"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 401);
    let page = html(console.get(&format!("/admin/users/{ada}")).await, 200).await;
    assert!(page.contains(r#"id="enable""#) && page.contains("Disabled"));
    let res = console
        .submit(&format!("/admin/users/{ada}/enable"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);

    // The only admin cannot disable themself: the page again with the reason.
    let res = console
        .submit(&format!("/admin/users/{root_id}/disable"), &[])
        .await;
    let page = html(res, 403).await;
    assert!(page.contains("Not done: You cannot change your own roles or disable yourself."));
    assert!(console.get("/admin/users").await.status() == 200);
}

#[tokio::test]
async fn a_password_admin_may_not_disable_anyone() {
    let app = spawn_app().await;
    app.create_user("helper@example.com", STRONG, &["password_admin"])
        .await;
    let ada = user(&app, "ada@example.com").await;
    let console = Console::sign_in(&app, "helper@example.com", STRONG).await;
    let page = html(console.get(&format!("/admin/users/{ada}")).await, 200).await;
    assert!(!page.contains(r#"id="disable""#) && page.contains(r#"id="reset-one""#));
    let res = console
        .submit(&format!("/admin/users/{ada}/disable"), &[])
        .await;
    let page = html(res, 403).await;
    assert!(page.contains("Your role does not allow this."));
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);
}

#[tokio::test]
async fn console_actions_are_audited_with_the_admin_and_the_client_address() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    let ada = user(&app, "ada@example.com").await;
    let res = console
        .submit("/admin/reset", &[("user_id", &ada), ("mode", "generate")])
        .await;
    assert_eq!(res.status(), 200);
    let page = html(
        console.get(&format!("/admin/users/{ada}?lang=da")).await,
        200,
    )
    .await;
    let event = row_of_action(&page, "password.reset_by_admin");
    assert!(
        event.contains(r#"<td class="actor">root@example.com</td>"#),
        "{event}"
    );
    assert!(
        event.contains(r#"<td class="address">127.0.0.1</td>"#),
        "{event}"
    );
    assert!(page.contains("Seneste hændelser"));
}

fn row_of_action<'a>(html: &'a str, action: &str) -> &'a str {
    let start = html
        .find(&format!(r#"<tr data-action="{action}""#))
        .unwrap_or_else(|| panic!("no {action} event"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}
