use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, STRONG};

async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> String {
    let mut req = app.client.get(app.url(path));
    if let Some(al) = accept_language {
        req = req.header("accept-language", al);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

fn html_lang(body: &str) -> &str {
    let at = body.find("<html lang=\"").expect("<html lang>") + 12;
    &body[at..at + body[at..].find('"').unwrap()]
}

#[tokio::test]
async fn a_page_takes_lang_then_accept_language_then_the_default() {
    let app = spawn_app().await;
    let da = page(&app, "/forgot-password", Some("da-DK,da;q=0.9,en;q=0.8")).await;
    assert_eq!(html_lang(&da), "da");
    assert!(da.contains("Glemt adgangskode?") && da.contains("E-mailadresse"));
    assert!(da.contains(r#"href="/change-password?lang=da""#));

    // ?lang= wins over the header.
    let en = page(&app, "/forgot-password?lang=en", Some("da")).await;
    assert_eq!(html_lang(&en), "en");
    assert!(en.contains("Forgot your password?"));

    // Weights decide; a language not served is passed over.
    let en = page(&app, "/change-password", Some("de, da;q=0.4, en;q=0.6")).await;
    assert_eq!(html_lang(&en), "en");
    let da = page(&app, "/change-password", Some("de, da;q=0.7, en;q=0.6")).await;
    assert_eq!(html_lang(&da), "da");
    assert!(da.contains("Skift adgangskode") && da.contains("Krav til din nye adgangskode"));

    // Nothing served asked for, an unreadable ?lang=, or no header: the default.
    for (path, al) in [
        ("/forgot-password", Some("fr, de;q=0.5")),
        ("/forgot-password?lang=<b>", None),
        ("/forgot-password?lang=fr", None),
        ("/forgot-password", None),
    ] {
        assert_eq!(
            html_lang(&page(&app, path, al).await),
            "en",
            "{path} {al:?}"
        );
    }
    // A huge header costs a bounded read and gets the default.
    let huge = format!("{}da", "x-y;q=0.1,".repeat(2000));
    assert_eq!(
        html_lang(&page(&app, "/forgot-password", Some(&huge)).await),
        "en"
    );
}

#[tokio::test]
async fn every_page_links_to_itself_in_each_language() {
    let app = spawn_app().await;
    let body = page(&app, "/reset-password?token=abc", Some("da")).await;
    assert!(
        body.contains(r#"href="/reset-password?token=abc&amp;lang=en""#),
        "{body}"
    );
    assert!(body.contains(r#"lang="da" aria-current="true">Dansk<"#));
    assert!(body.contains(">English<"));
}

#[tokio::test]
async fn a_form_post_keeps_the_language_of_its_page() {
    let app = spawn_app().await;
    app.create_user("mette@example.dk", STRONG, &[]).await;
    // The browser asks for English, but the page was Danish (?lang=da): its form says so.
    let form = page(&app, "/forgot-password?lang=da", Some("en")).await;
    assert!(form.contains(r#"<input type="hidden" name="lang" value="da">"#));
    let res = app
        .client
        .post(app.url("/forgot-password"))
        .header("accept-language", "en")
        .form(&[("email", "mette@example.dk"), ("lang", "da")])
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert_eq!(html_lang(&body), "da");
    assert!(body.contains("Tjek din indbakke"), "{body}");

    // Broken rules on the change page, in Danish, with the policy's own numbers.
    let res = app
        .client
        .post(app.url("/change-password"))
        .form(&[
            ("email", "mette@example.dk"),
            ("current_password", STRONG),
            ("new_password", "kort"),
            ("confirm_password", "kort"),
            ("lang", "da"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Adgangskoden skal være på mindst 15 tegn."),
        "{body}"
    );
    assert!(body.contains("Mindst 15 tegn (højst 256)."));
}

#[tokio::test]
async fn the_default_language_is_configurable() {
    let app = spawn_app_with(|s| s.i18n.default_locale = "da".into()).await;
    assert_eq!(html_lang(&page(&app, "/forgot-password", None).await), "da");
    assert_eq!(
        html_lang(&page(&app, "/forgot-password", Some("en-GB")).await),
        "en"
    );
    // And problems follow it too when the client names no language.
    let res = app
        .post(
            "/v1/auth/token",
            json!({"email": "nobody@example.com", "password": "wrong"}),
            None,
        )
        .await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "invalid_credentials");
    assert_eq!(body["title"], "Login mislykkedes");
}
