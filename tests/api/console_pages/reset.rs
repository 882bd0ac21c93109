//! The reset form's post: generated, typed and link resets, the CSV, forged ids, CSRF.

use reqwest::StatusCode;
use serde_json::Value;

use super::{html, password_in, root, row, user};
use crate::helpers::console::Console;
use crate::helpers::{spawn_app, STRONG, STRONG_2};

#[tokio::test]
async fn three_users_reset_with_generated_passwords_must_change_them() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    let mut ids = vec![];
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        ids.push(user(&app, email).await);
    }
    let query: Vec<String> = ids.iter().map(|id| format!("user_id={id}")).collect();
    let form = html(
        console
            .get(&format!("/admin/reset?{}", query.join("&")))
            .await,
        200,
    )
    .await;
    for needle in [
        r#"id="mode-generate" value="generate" checked"#,
        r#"id="require_change" value="on" checked"#,
        r#"id="notify" value="on" checked"#,
        r#"id="output-page" value="page" checked"#,
        r#"<label for="password">"#,
        r#"id="reset-submit""#,
    ] {
        assert!(form.contains(needle), "{needle}");
    }

    let mut fields = vec![
        ("mode", "generate"),
        ("require_change", "on"),
        ("notify", "on"),
        ("output", "page"),
        ("lang", "en"),
    ];
    fields.extend(ids.iter().map(|id| ("user_id", id.as_str())));
    let res = console.submit("/admin/reset", &fields).await;
    let results = html(res, 200).await;
    assert!(results.contains(r#"<table id="results">"#));
    assert!(results.contains("3 of 3 reset, 0 failed."));
    for (id, email) in ids
        .iter()
        .zip(["a@example.com", "b@example.com", "c@example.com"])
    {
        let r = row(&results, id);
        assert!(r.contains(&format!(r#"<td class="email">{email}</td>"#)));
        let temporary = password_in(r);
        assert!(temporary.len() >= 16);
        let res = app.sign_in(email, &temporary).await;
        assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["password_change_required"], true);
        assert_eq!(app.sign_in(email, STRONG).await.status(), 401);
        // The notice was asked for.
        assert_eq!(app.mail.wait_for(email, 1).await.len(), 1);
    }
}

#[tokio::test]
async fn a_weak_typed_password_shows_the_form_again_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    let ada = user(&app, "ada@example.com").await;
    let res = console
        .submit(
            "/admin/reset",
            &[
                ("user_id", &ada),
                ("mode", "set"),
                ("password", "password"),
                ("require_change", "on"),
            ],
        )
        .await;
    let page = html(res, 422).await;
    assert!(page.contains(r#"id="password-errors""#));
    assert!(
        page.matches("<li>The password").count() >= 2,
        "each rule broken"
    );
    assert!(page.contains(r#"id="mode-set" value="set" checked"#));
    assert!(
        !page.contains(r#"value="password""#),
        "the password is not echoed"
    );
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);
    let res = console
        .submit("/admin/reset", &[("user_id", &ada), ("mode", "set")])
        .await;
    assert!(html(res, 422).await.contains("Type the password"));
    let res = console
        .submit("/admin/reset", &[("user_id", &ada), ("mode", "wipe")])
        .await;
    assert!(html(res, 422)
        .await
        .contains("Choose how the new password is made."));
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);

    // A good one is set as typed, and then must be changed.
    let res = console
        .submit(
            "/admin/reset",
            &[
                ("user_id", &ada),
                ("mode", "set"),
                ("password", STRONG_2),
                ("require_change", "on"),
            ],
        )
        .await;
    let page = html(res, 200).await;
    assert!(row(&page, &ada).contains("The password you typed is set."));
    let body: Value = app
        .sign_in("ada@example.com", STRONG_2)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["password_change_required"], true);
}

#[tokio::test]
async fn link_mode_emails_a_reset_link_and_shows_no_password() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    let ada = user(&app, "ada@example.com").await;
    let res = console
        .submit(
            "/admin/reset",
            &[("user_id", &ada), ("mode", "link"), ("notify", "on")],
        )
        .await;
    let page = html(res, 200).await;
    let r = row(&page, &ada);
    assert!(r.contains("A reset link is on its way") && !r.contains("<code>"));
    let mail = app.mail.wait_for("ada@example.com", 1).await.remove(0);
    assert!(mail.link().unwrap().contains("token="));
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 401);
}

#[tokio::test]
async fn the_results_come_as_a_csv_download_when_asked() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    let ada = user(&app, "ada@example.com").await;
    let res = console
        .submit(
            "/admin/reset",
            &[
                ("user_id", &ada),
                ("user_id", "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b"),
                ("mode", "generate"),
                ("output", "csv"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    assert_eq!(h["cache-control"], "no-store");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with(r#"attachment; filename="password-resets-"#)
            && disposition.ends_with(r#".csv""#),
        "{disposition}"
    );
    let body = res.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "email,user_id,status,temporary_password,error");
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(&cells[..3], ["ada@example.com", ada.as_str(), "reset"]);
    assert_eq!(app.sign_in("ada@example.com", cells[3]).await.status(), 200);
    assert!(lines[2].ends_with(",failed,,not_found"), "{}", lines[2]);
}

#[tokio::test]
async fn a_password_admin_forging_an_admins_id_gets_that_row_refused() {
    let app = spawn_app().await;
    let admin = app
        .create_user("root@example.com", STRONG, &["admin"])
        .await;
    app.create_user("helper@example.com", STRONG, &["password_admin"])
        .await;
    let ada = user(&app, "ada@example.com").await;
    let console = Console::sign_in(&app, "helper@example.com", STRONG).await;
    let res = console
        .submit(
            "/admin/reset",
            &[("user_id", &admin), ("user_id", &ada), ("mode", "generate")],
        )
        .await;
    let page = html(res, 200).await;
    let refused = row(&page, &admin);
    assert!(refused.contains(r#"<td class="error""#) && !refused.contains("<code>"));
    assert!(refused.contains("Only an administrator can reset this user"));
    assert!(row(&page, &ada).contains("<code>"));
    assert_eq!(app.sign_in("root@example.com", STRONG).await.status(), 200);
}

#[tokio::test]
async fn a_post_without_the_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let (_, console) = root(&app).await;
    let ada = user(&app, "ada@example.com").await;
    let res = console
        .post("/admin/reset", &[("user_id", &ada), ("mode", "generate")])
        .await;
    assert_eq!(res.status(), 403);
    let res = console
        .post(&format!("/admin/users/{ada}/disable"), &[("lang", "en")])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.sign_in("ada@example.com", STRONG).await.status(), 200);
}
