use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{outbox_settled, spawn_app, TestApp, STRONG, STRONG_2};

const DANISH_MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

async fn create(app: &TestApp, admin: &str, email: &str, locale: Option<&str>) -> String {
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": email, "password": STRONG, "locale": locale}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_danish_user_gets_danish_mail_with_danish_dates_in_utc() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    create(&app, &admin, "mette@example.dk", Some("da-DK")).await;

    // The browser's language does not matter for mail: the recipient's does.
    let res = app
        .client
        .post(app.url("/v1/password-resets"))
        .header("accept-language", "en")
        .json(&json!({"email": "mette@example.dk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let mail = app.mail.wait_for("mette@example.dk", 1).await.remove(0);
    assert_eq!(mail.subject_text(), "Nulstil din adgangskode til passgate");
    let text = mail.text();
    assert!(
        text.contains("Nogen (forhåbentlig dig) har bedt om at nulstille adgangskoden til din passgate-konto mette@example.dk."),
        "{text}"
    );
    assert!(text.contains("inden for 30 minutter"));
    assert!(
        !text.contains(['\u{2068}', '\u{2069}']),
        "no isolation marks"
    );

    // The link works; the notice that follows is Danish, its time in UTC and saying so.
    let token = mail
        .link()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let res = app
        .post(
            "/v1/password-resets/confirm",
            json!({"token": token, "new_password": STRONG_2}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let notice = app.mail.wait_for("mette@example.dk", 2).await.remove(1);
    assert_eq!(
        notice.subject_text(),
        "Din adgangskode til passgate er blevet nulstillet"
    );
    let text = notice.text();
    // The change happened at most a moment ago: this minute or the one before.
    let now = app.state.clock.now();
    let written = |t: chrono::NaiveDateTime| {
        format!(
            "den {}. {} {} kl. {} (UTC)",
            chrono::Datelike::day(&t),
            DANISH_MONTHS[chrono::Datelike::month0(&t) as usize],
            chrono::Datelike::year(&t),
            t.format("%H:%M")
        )
    };
    assert!(
        [now, now - chrono::Duration::minutes(1)]
            .into_iter()
            .any(|t| text.contains(&written(t))),
        "{text}"
    );
    assert!(
        text.contains("Ændringen blev foretaget fra IP-adressen 127.0.0.1."),
        "{text}"
    );
}

#[tokio::test]
async fn the_admin_link_mail_and_notices_follow_each_recipient() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let da = create(&app, &admin, "anders@example.dk", Some("da")).await;
    let unknown = create(&app, &admin, "aqqa@example.gl", Some("kl")).await;
    let none = create(&app, &admin, "ada@example.com", None).await;
    let res = app
        .post(
            "/v1/admin/password-resets",
            json!({"user_ids": [da, unknown, none], "mode": "link"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    outbox_settled(&app.state.db).await;
    let danish = app.mail.to("anders@example.dk").remove(0);
    assert!(danish
        .text()
        .contains("En administrator har nulstillet adgangskoden til din passgate-konto anders@example.dk. Din gamle adgangskode virker ikke længere."));
    // A language not served, or none: the default (English).
    for address in ["aqqa@example.gl", "ada@example.com"] {
        let mail = app.mail.to(address).remove(0);
        assert_eq!(mail.subject_text(), "Reset your passgate password");
        assert!(mail.text().contains("An administrator reset the password"));
    }

    // The Danish user's language changed to English: the next mail to them is English
    // (the language at the time of sending counts, not the one at creation).
    let res = app
        .patch(
            &format!("/v1/admin/users/{da}"),
            json!({"locale": "en-GB"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let before = app.mail.to("anders@example.dk").len();
    let res = app
        .post(
            "/v1/admin/password-resets",
            json!({"user_ids": [da], "mode": "link"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    outbox_settled(&app.state.db).await;
    let mails = app.mail.to("anders@example.dk");
    assert!(mails.len() > before);
    for english in &mails[before..] {
        assert_eq!(english.subject_text(), "Reset your passgate password");
        assert!(english.text().contains(
            "An administrator reset the password of your passgate account anders@example.dk."
        ));
    }

    // A self-service change notice follows its recipient's language the same way (Danish).
    let id = app.create_user("bo@example.dk", STRONG, &[]).await;
    app.patch(
        &format!("/v1/admin/users/{id}"),
        json!({"locale": "da"}),
        Some(&admin),
    )
    .await;
    let tokens = app.tokens("bo@example.dk", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            tokens["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let notice = app.mail.wait_for("bo@example.dk", 1).await.remove(0);
    assert_eq!(
        notice.subject_text(),
        "Din adgangskode til passgate er blevet ændret"
    );
    assert!(notice
        .text()
        .contains("Hvis det var dig, skal du ikke gøre noget."));
}
