//! The admin console's pages without a browser: Active users, the reset form and its
//! results (page and CSV), one user with unlock, disable and enable. Same flows, rules and
//! audit as the admin API; every refusal changes nothing.

mod reset;
mod user;

use reqwest::Response;

use crate::helpers::console::Console;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, STRONG};

/// Checks what every console page carries and returns its HTML.
pub async fn html(res: Response, status: u16) -> String {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let h = res.headers();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let body = res.text().await.unwrap();
    assert!(!body.contains("<script"), "the console needs no JavaScript");
    body
}

/// The `<tr>` of one user (`data-user-id`), up to its end.
pub fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!(r#"<tr data-user-id="{id}""#))
        .unwrap_or_else(|| panic!("no row for {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

/// The temporary password in a results row.
pub fn password_in(row: &str) -> String {
    let start = row.find("<code>").expect("a temporary password") + 6;
    row[start..start + row[start..].find("</code>").unwrap()].to_owned()
}

pub async fn user(app: &TestApp, email: &str) -> String {
    app.create_user(email, STRONG, &["user"]).await
}

pub async fn root(app: &TestApp) -> (String, Console<'_>) {
    let id = app
        .create_user("root@example.com", STRONG, &["admin"])
        .await;
    (id, Console::sign_in(app, "root@example.com", STRONG).await)
}

#[tokio::test]
async fn active_users_are_searched_filtered_and_paged_by_fifty() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    for i in 0..55 {
        user(&app, &format!("member{i:02}@example.com")).await;
    }
    app.create_user("helper@example.com", STRONG, &["password_admin"])
        .await;

    let first = html(console.get("/admin/users").await, 200).await;
    assert_eq!(first.matches(r#"name="user_id""#).count(), 50);
    assert!(first.contains(r#"id="reset-selected""#));
    assert!(first.contains(r#"<form class="selection" method="get" action="/admin/reset">"#));
    let next = first
        .split(r#"<a rel="next" href=""#)
        .nth(1)
        .expect("a next page")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = html(console.get(&next).await, 200).await;
    // 57 users: root, 55 members and the helper.
    assert_eq!(second.matches(r#"name="user_id""#).count(), 7);
    assert!(!second.contains(r#"rel="next""#));
    assert!(second.contains("helper@example.com"));

    let found = html(console.get("/admin/users?q=MEMBER07").await, 200).await;
    assert_eq!(found.matches(r#"name="user_id""#).count(), 1);
    assert!(found.contains("member07@example.com"));
    assert!(
        found.contains(r#"value="MEMBER07""#),
        "the search stays in its box"
    );

    let helpers = html(console.get("/admin/users?role=password_admin").await, 200).await;
    assert_eq!(helpers.matches(r#"name="user_id""#).count(), 1);
    assert!(helpers.contains("helper@example.com"));
    assert!(helpers.contains(r#"<option value="password_admin" selected>"#));

    let bad = html(console.get("/admin/users?role=emperor").await, 422).await;
    assert!(bad.contains(r#"role="alert""#));
    let danish = html(console.get("/admin/users?lang=da").await, 200).await;
    assert!(danish.contains(r#"<html lang="da">"#) && danish.contains("Aktive brugere"));
    assert!(danish.contains("Nulstil adgangskode"));
}

#[tokio::test]
async fn a_password_admin_sees_admins_and_themself_without_a_checkbox_and_why() {
    let app = spawn_app().await;
    let admin = app
        .create_user("root@example.com", STRONG, &["admin"])
        .await;
    let me = app
        .create_user("helper@example.com", STRONG, &["password_admin"])
        .await;
    let member = user(&app, "ada@example.com").await;
    let console = Console::sign_in(&app, "helper@example.com", STRONG).await;

    let page = html(console.get("/admin/users").await, 200).await;
    let admin_row = row(&page, &admin);
    assert!(admin_row.contains(" disabled"), "{admin_row}");
    assert!(admin_row.contains(&format!(r#"aria-describedby="why-{admin}""#)));
    assert!(admin_row.contains("Only an administrator can reset this user"));
    let own = row(&page, &me);
    assert!(own.contains(" disabled") && own.contains("This is you"));
    let member_row = row(&page, &member);
    assert!(!member_row.contains(" disabled"), "{member_row}");
    assert!(member_row.contains(r#"<label class="visually-hidden" for="select-"#));

    // The reset form leaves them out, and says why.
    let form = html(
        console
            .get(&format!("/admin/reset?user_id={admin}&user_id={member}"))
            .await,
        200,
    )
    .await;
    assert!(form.contains(&format!(r#"name="user_id" value="{member}""#)));
    assert!(!form.contains(&format!(r#"name="user_id" value="{admin}""#)));
    assert!(form.contains("Only an administrator can reset this user"));
}

#[tokio::test]
async fn no_selection_and_too_many_users_show_the_list_again() {
    let app = spawn_app_with(|s| s.admin.max_bulk = 2).await;
    let (_, console) = root(&app).await;
    let page = html(console.get("/admin/reset").await, 422).await;
    assert!(page.contains("Select at least one user."));
    let ids = "user_id=019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b&user_id=019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6c&user_id=019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6d";
    let page = html(console.get(&format!("/admin/reset?{ids}")).await, 422).await;
    assert!(page.contains("Select at most 2 users at a time."));
    let page = html(console.get("/admin/users/not-a-user").await, 404).await;
    assert!(page.contains("There is no such user."));
}
